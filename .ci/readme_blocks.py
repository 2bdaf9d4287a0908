"""Run the README's command blocks as a newcomer would: in a fresh clone of the repository with ../shared beside it.
Each ```sh block is either run (scaled down where the README says the real thing is long) or skipped for the reason
the README gives (the network, a GPU). A block this script does not know fails, so every new block is classified here.
Usage: python .ci/readme_blocks.py SHARED_DIR (uses the current environment's buildNanoGPT and bngpt_* commands)."""

import re, subprocess, sys, tempfile, time
from pathlib import Path

# (a phrase of the block, why it is not run here or None to run it, {what the README says: what CI runs instead})
BLOCKS = [
    ('pip install "buildNanoGPT @ git+', "installs from GitHub: needs the network", {}),
    ('pip install "buildNanoGPT[chat] @ git+', "installs from GitHub (the network), then serves a model the README "
     "rebuilds in half an hour; the chat notebook runs the server, OpenAI's client on it and bngpt_chat --web", {}),
    ("git clone https://github.com/buildNanoGPT/buildNanoGPT", "clones from GitHub: needs the network (the blocks "
     "below run in a fresh clone of this repository)", {}),
    ("nbdev_preview", "needs Quarto, which CI does not install (and a server for the preview)", {}),
    ("nbdev_test", "the test command: .ci/run runs it as written", {}),
    ("python .ci/lessons.py 02_train", "re-runs the lessons (minutes) and stores timings measured on a busy CI "
     "machine: .ci/run runs its --check", {}),
    ("bngpt_prepare tinyshakespeare --tokenizer char", None, {"--max_steps 2000": "--max_steps 20"}),
    ("bngpt_prepare fineweb-edu", "the README says: the network and GPUs", {}),
    ("bngpt_prepare task-mixture", "the README says: the network (the mixture comes from the hub)", {}),
    ("bngpt_train --recipe shakespeare-char-fast", None, {"--device cpu": "--device cpu --max_steps 20"}),
    ("bench/bench_race.py", "the README says: half an hour, and a clone of nanoGPT", {}),
    ("chat_pattern_run()", "the README says: half an hour (the chat notebook tests its data, scoring, bngpt_chat "
     "and train_all)", {}),
]
AFTER = {}  # phrase of a block: commands the README gives in its text after it, run once the block has run

root, shared = Path(__file__).resolve().parent.parent, Path(sys.argv[1]).resolve()
readme = (root / "README.md").read_text(encoding="utf-8")
blocks = re.findall(r"```sh\n(.*?)```", readme, re.S)
work = Path(tempfile.mkdtemp())
(work / "shared").symlink_to(shared)
subprocess.run(["git", "clone", "-q", str(root), str(work / "clone")], check=True)
failed = []
for block in blocks:
    known = [b for b in BLOCKS if b[0] in block]
    if len(known) != 1:
        sys.exit(f"README block not classified in .ci/readme_blocks.py (or matched twice):\n{block}")
    phrase, why, scale = known[0]
    if why is not None:
        print(f"-- skipped ({why}): {block.splitlines()[0]}")
        continue
    for said, run in scale.items():
        if said not in block:
            sys.exit(f"the README block no longer says {said!r}:\n{block}")
        block = block.replace(said, run)
    script = block + "\n" + "\n".join(AFTER.get(phrase, []))
    print(f"-- running, from a fresh clone:\n{script}", flush=True)
    t0 = time.time()
    r = subprocess.run(["bash", "-e", "-x", "-c", script], cwd=work / "clone")
    print(f"-- {'ok' if r.returncode == 0 else 'FAILED'} in {time.time() - t0:.0f} s", flush=True)
    if r.returncode:
        failed.append(block.splitlines()[0])
sys.exit(f"README blocks failed: {failed}" if failed else 0)
