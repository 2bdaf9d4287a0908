"""A race on one CPU machine: `bngpt_train` vs nanoGPT on the "baby GPT" character-level Tiny Shakespeare run.

    python bench/bench_race.py [--race fast|same|both|gpt2] [--repeats 3] [--out FILE] [--keep] [--nanogpt DIR]
                               [--smoke N] [--seeds S ...]

`--race gpt2` races two recipes of this package on GPT-2 tokens instead (no nanoGPT): `--recipe gpt2-tokens-lecture`
against `--recipe gpt2-tokens-fast`, both on the FineWeb-shaped `nltk_docs.jsonl` (`bngpt_prepare corpus
--shard_size 200000`: the first 190,120 tokens are the validation split), repeat r with seed SEEDS[r]
(or each of `--seeds`). Both final models are scored on the whole validation split and on WikiText-2's test text
(`text_perplexity`), each in windows of the training length T=128, and on WikiText-2 without the tokens of its `<unk>`
placeholders (`wiki_no_unk_loss`: they stay in the context, out of the mean); `ratio` = the fast recipe's wall / the
lecture recipe's, `reached` = its split loss <= the lecture recipe's, `wiki_ok` and `wiki_no_unk_ok` = its WikiText-2
losses <= the lecture recipe's.

One race = two processes started at the same moment, each with OMP_NUM_THREADS=MKL_NUM_THREADS=1 (one thread each:
on a 2-core machine each arm gets a core), both waited for. An arm's wall time runs from its Popen to its exit:
process start-up (imports) included, data preparation excluded (done before the race, untimed).
- nanoGPT (the reference): its files (`../shared/anchors/nanoGPT` beside the repository, MIT-licensed, `--nanogpt` to
  point elsewhere) are copied unmodified to a temp folder for every race; `data/shakespeare_char/prepare.py` runs
  there on the local Tiny Shakespeare text (it downloads only when input.txt is missing). The race runs NANOGPT,
  with `--always_save_checkpoint=True` so that ckpt.pt holds the model of the last evaluation (after max_iters
  updates), not the best one on 20 random validation batches. nanoGPT runs iterations 0..max_iters, one more than
  max_iters; the checkpoint is written at the evaluation before that last one.
- this package: `ARMS[name]`, "fast" (the `--recipe shakespeare-char-fast` run) or "same" (nanoGPT's recipe in
  this package: same model, data sampling, schedule and optimizer; faster per step). Data: `bngpt_prepare
  tinyshakespeare --tokenizer char`, once for all races.
Median step time comes from the logs: nanoGPT's `iter N: loss L, time Xms, mfu M%` lines without iteration 0 and
without the iterations that began with an evaluation (their time includes it and the checkpoint); this package's
`step N | ... | dt Xms | ...` lines without step 0 (dt never includes evaluation).
After both arms end, this process (one thread, untimed) scores both final models on the whole validation split
with `buildNanoGPT.eval.split_loss` (non-overlapping windows of T=64, every token predicted once); the tokens are
checked equal to nanoGPT's val.bin (the same split, the same character ids).
JSON lines: one per arm and repeat, one per race and repeat (`ratio` = our wall / nanoGPT's, `reached` = our
split_loss <= nanoGPT's, `step_ratio` = nanoGPT's median step ms / ours), then a summary line per race kind (medians
over the repeats, the machine). `--smoke N` shortens both arms to N steps to check the pipeline in under a minute
(`--race gpt2`: a few minutes, its scoring is not shortened): its numbers mean nothing."""

import argparse, contextlib, datetime, importlib.util, json, os, platform, re, shlex, shutil, stat, statistics
import subprocess, sys, tempfile, threading, time
from pathlib import Path
import numpy as np
import torch

NANOGPT = Path(__file__).resolve().parents[1].parent / "shared" / "anchors" / "nanoGPT"
T = 64  # the baby run's block size: the scoring windows
# DATA, LOG and OUT are placeholders, filled in with each race's folders
NANOGPT_CMD = ["python", "train.py", "config/train_shakespeare_char.py", "--device=cpu", "--compile=False",
               "--eval_iters=20", "--log_interval=1", "--block_size=64", "--batch_size=12", "--n_layer=4",
               "--n_head=4", "--n_embd=128", "--max_iters=2000", "--lr_decay_iters=2000", "--dropout=0.0",
               "--always_save_checkpoint=True", "--out_dir=OUT"]
ARMS = {
    "fast": ["bngpt_train", "--recipe", "shakespeare-char-fast", "--device", "cpu", "--data_root", "DATA",
             "--log_dir", "LOG"],
    "same": ["bngpt_train", "--preset", "gpt-micro", "--device", "cpu", "--no-bias", "--beta2", "0.99",
             "--sampling", "random", "--val_sampling", "random", "--data_root", "DATA", "--hellaswag_dir", "None",
             "--log_dir", "LOG", "--total_batch_size", "768", "--B", "12", "--T", "64", "--max_lr", "1e-3",
             "--min_lr", "1e-4", "--warmup_steps", "100", "--max_steps", "2000", "--weight_decay", "0.1",
             "--val_every", "250", "--val_steps", "20"],
}
GPT2_ARMS = {arm: ["bngpt_train", "--recipe", f"gpt2-tokens-{arm}", "--device", "cpu", "--data_root", "DATA",
                    "--log_dir", "LOG", "--seed", "SEED"] for arm in ("lecture", "fast")}
GPT2_T = 128  # the GPT-2-token recipes' sequence length: the scoring windows
SEEDS = [1337, 2, 3, 4, 5]
NANOGPT_ITER = re.compile(r"^iter (\d+): loss \S+, time ([\d.]+)ms", re.M)
NANOGPT_EVAL = re.compile(r"^step (\d+): train loss", re.M)
OURS_STEP = re.compile(r"^step\s+(\d+) \| loss .*\| dt ([\d.]+)ms", re.M)


def fill(cmd, **values):
    "`cmd` with each placeholder (DATA, LOG, OUT), alone or as a `--flag=` value, replaced by its path."
    def one(arg):
        flag, eq, value = arg.rpartition("=")
        return f"{flag}={values[value]}" if eq and value in values else str(values.get(arg, arg))

    return [one(a) for a in cmd]


def set_flag(cmd, flag, value):
    "`cmd` with `flag` set to `value` where it has it (`--flag=v` or `--flag v`), else with `--flag=value` added."
    cmd = list(cmd)
    for i, arg in enumerate(cmd):
        if arg.startswith(flag + "="):
            cmd[i] = f"{flag}={value}"
            return cmd
        if arg == flag:
            cmd[i + 1] = str(value)
            return cmd
    return cmd + [f"{flag}={value}"]  # both nanoGPT's configurator and argparse read this form


def smoke_cmds(nano, ours, n):
    "Both command lines cut to `n` steps (the schedule and evaluations with them): for a pipeline check only."
    for flag in ("--max_iters", "--lr_decay_iters", "--eval_interval"):
        nano = set_flag(nano, flag, n)
    ours = set_flag(ours, "--max_steps", n)
    if "--val_every" in ours:  # "same"; the fast recipe chooses its own
        ours = set_flag(ours, "--val_every", n)
    return nano, ours


def program(cmd):
    "`cmd` with its program taken from this interpreter's environment (the venv's `python`, `bngpt_train`)."
    exe = Path(sys.executable)
    local = exe if cmd[0] == "python" else exe.parent / cmd[0]
    return [str(local) if local.exists() else cmd[0], *cmd[1:]]


def tail(path, n=15):
    return "\n".join(Path(path).read_text(errors="replace").splitlines()[-n:])


def run_quiet(cmd, cwd=None):
    "Run a preparation step, its output kept; on failure exit with its last lines."
    r = subprocess.run(program(cmd), cwd=cwd, capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"{shlex.join(cmd)} failed ({r.returncode}):\n{(r.stdout + r.stderr)[-3000:]}")


def prepare_nanogpt(src, dst, text):
    "A fresh, unmodified copy of nanoGPT in `dst`, with its Tiny Shakespeare prepared from our local copy."
    shutil.copytree(src, dst)
    for folder, _, files in os.walk(dst):  # copies keep the source's modes: a read-only anchor gives read-only copies
        for p in [folder, *(os.path.join(folder, f) for f in files)]:
            os.chmod(p, os.stat(p).st_mode | stat.S_IWUSR)  # prepare.py writes beside input.txt; rmtree deletes
    shutil.copyfile(text, dst / "data" / "shakespeare_char" / "input.txt")  # present: prepare.py won't download
    run_quiet(["python", "data/shakespeare_char/prepare.py"], cwd=dst)
    return dst


def race(arms, folder):
    "Start every arm of `arms` ({name: (cmd, cwd)}) at once and wait for all; {name: wall seconds}."
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    procs, started, walls, killed = {}, {}, {}, set()
    for name, (cmd, cwd) in arms.items():
        with open(folder / f"{name}.stdout", "w") as out, open(folder / f"{name}.stderr", "w") as err:
            started[name] = time.perf_counter()
            procs[name] = subprocess.Popen(program(cmd), cwd=cwd, env=env, stdout=out, stderr=err)

    def wait(name):  # one thread per arm, blocked in wait(): each exit is timed when it happens, no polling
        rc = procs[name].wait()
        walls[name] = time.perf_counter() - started[name]
        if rc:  # a race with one arm is no race: stop the other now rather than after its whole run
            for other, p in procs.items():
                if other != name and p.poll() is None:
                    killed.add(other)
                    p.kill()

    threads = [threading.Thread(target=wait, args=(name,)) for name in procs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    failed = [name for name, p in procs.items() if p.returncode and name not in killed]
    if failed:
        msg = []
        for name in failed:
            msg += [f"{name} failed ({procs[name].returncode}): {shlex.join(arms[name][0])}",
                    tail(folder / f"{name}.stdout", 5), tail(folder / f"{name}.stderr")]
        sys.exit("\n".join(m for m in msg if m))
    return walls


def median_or_none(xs):
    return statistics.median(xs) if xs else None


def nanogpt_log(path):
    "(iterations run, median ms of the iterations that ran no evaluation) from nanoGPT's stdout."
    text = Path(path).read_text()
    times = {int(i): float(ms) for i, ms in NANOGPT_ITER.findall(text)}
    evals = {int(i) for i in NANOGPT_EVAL.findall(text)}  # the `time` of these iterations includes the evaluation
    return len(times), median_or_none([ms for i, ms in times.items() if i > 0 and i not in evals])


def ours_times(path):
    "{step: dt ms} from `bngpt_train`'s stdout."
    return {int(i): float(ms) for i, ms in OURS_STEP.findall(Path(path).read_text())}


def ours_log(path):
    "(steps run, median dt ms without step 0) from `bngpt_train`'s stdout."
    times = ours_times(path)
    steps = max(times) + 1 if times else 0  # the last step always prints, whatever log_every says
    return steps, median_or_none([ms for i, ms in times.items() if i > 0])


def load_nanogpt(nano_dir, out_dir):
    "nanoGPT's final model, built by its own model.py from its ckpt.pt."
    spec = importlib.util.spec_from_file_location("nanogpt_model", nano_dir / "model.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    # weights_only=True takes it: the checkpoint holds tensors, dicts and plain numbers and strings only
    ckpt = torch.load(out_dir / "ckpt.pt", map_location="cpu", weights_only=True)
    model = mod.GPT(mod.GPTConfig(**ckpt["model_args"]))
    model.load_state_dict({k.removeprefix("_orig_mod."): v for k, v in ckpt["model"].items()})  # compiled runs
    return model


def score(nano_dir, out_dir, data, log_dir):
    "{arm: loss on the whole validation split} for both final models, after checking both see the same tokens."
    from buildNanoGPT.eval import split_loss, split_tokens
    from buildNanoGPT.train import load_model

    tokens = split_tokens(data, "val")
    ref = np.fromfile(nano_dir / "data" / "shakespeare_char" / "val.bin", dtype=np.uint16)
    assert torch.equal(tokens, torch.from_numpy(ref.astype(np.int64))), "the two validation splits differ"
    with contextlib.redirect_stdout(sys.stderr):  # nanoGPT's GPT() prints its size: keep stdout for JSON lines
        models = {"nanoGPT": load_nanogpt(nano_dir, out_dir), "buildNanoGPT": load_model(log_dir, "cpu")[0]}
    return {arm: split_loss(model, tokens, T, batch_size=64) for arm, model in models.items()}


def one_race(kind, rep, a, data, text, work, emit):
    "Race nanoGPT against `ARMS[kind]` once: one JSON line per arm, one for the race; the race's figures."
    folder = work / f"{kind}-{rep}"
    folder.mkdir()
    nano_dir = prepare_nanogpt(a.nanogpt, folder / "nanoGPT", text)
    out_dir, log_dir = folder / "nanogpt_out", folder / "log"
    nano = fill(NANOGPT_CMD, OUT=out_dir)
    ours = fill(ARMS[kind], DATA=data, LOG=log_dir)
    if a.smoke:
        nano, ours = smoke_cmds(nano, ours, a.smoke)
    cmds = {"nanoGPT": (nano, nano_dir), "buildNanoGPT": (ours, folder)}
    walls = race(cmds, folder)
    logs = {"nanoGPT": nanogpt_log(folder / "nanoGPT.stdout"), "buildNanoGPT": ours_log(folder / "buildNanoGPT.stdout")}
    losses = score(nano_dir, out_dir, data, log_dir)
    res = {}
    for arm, (cmd, _) in cmds.items():
        steps, step_ms = logs[arm]
        res[arm] = dict(wall_s=round(walls[arm], 2), steps=steps, median_step_ms=step_ms and round(step_ms, 3),
                        split_loss=round(losses[arm], 5))
        emit({"race": kind, "repeat": rep, "arm": arm, **res[arm], "cmd": shlex.join(cmd)})
    n, o = res["nanoGPT"], res["buildNanoGPT"]
    row = {"race": kind, "repeat": rep, "ratio": round(o["wall_s"] / n["wall_s"], 3),
           "reached": o["split_loss"] <= n["split_loss"],
           "step_ratio": round(n["median_step_ms"] / o["median_step_ms"], 3) if o["median_step_ms"] else None}
    emit(row)
    return {**row, "nanoGPT": n, "buildNanoGPT": o}


def gpt2_scores(data, log_dirs):
    """{arm: (whole val split loss, WikiText-2 test loss, the same without its `<unk>` tokens)} of each arm's final
    model, in windows of GPT2_T tokens."""
    from buildNanoGPT.eval import split_loss, split_tokens
    from buildNanoGPT.train import load_model
    from _recipe_runs import wiki_loss, wiki_loss_without_unk

    tokens, scores = split_tokens(data, "val"), {}
    for arm, log_dir in log_dirs.items():
        model = load_model(log_dir, "cpu")[0]
        scores[arm] = (split_loss(model, tokens, GPT2_T, batch_size=16), wiki_loss(model, GPT2_T, max_tokens=None),
                       wiki_loss_without_unk(model, GPT2_T, max_tokens=None))
    return scores


def gpt2_race(rep, seed, a, data, work, emit):
    "Race `--recipe gpt2-tokens-fast` against `gpt2-tokens-lecture` once (repeat `rep`), with `seed`."
    folder = work / f"gpt2-{rep}"
    folder.mkdir()
    cmds, logs = {}, {}
    for arm, cmd in GPT2_ARMS.items():
        logs[arm] = folder / f"log-{arm}"
        cmd = fill(cmd, DATA=data, LOG=logs[arm], SEED=seed)
        cmds[arm] = (set_flag(cmd, "--max_steps", a.smoke) if a.smoke else cmd, folder)
    walls = race(cmds, folder)
    scores = gpt2_scores(data, logs)
    res = {}
    for arm, (cmd, _) in cmds.items():
        steps, step_ms = ours_log(folder / f"{arm}.stdout")
        loss, wiki, words = scores[arm]
        res[arm] = dict(wall_s=round(walls[arm], 2), steps=steps, median_step_ms=step_ms and round(step_ms, 3),
                        split_loss=round(loss, 5), wiki_loss=round(wiki, 5), wiki_no_unk_loss=round(words, 5))
        emit({"race": "gpt2", "repeat": rep, "seed": seed, "arm": arm, **res[arm], "cmd": shlex.join(cmd)})
    lec, fast = res["lecture"], res["fast"]
    row = {"race": "gpt2", "repeat": rep, "seed": seed, "ratio": round(fast["wall_s"] / lec["wall_s"], 3),
           "reached": fast["split_loss"] <= lec["split_loss"], "wiki_ok": fast["wiki_loss"] <= lec["wiki_loss"],
           "wiki_no_unk_ok": fast["wiki_no_unk_loss"] <= lec["wiki_no_unk_loss"],
           "step_ratio": round(lec["median_step_ms"] / fast["median_step_ms"], 3)}
    emit(row)
    return {**row, **res}


def machine():
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor()
    return {"cpu": cpu, "torch": torch.__version__, "date": datetime.date.today().isoformat()}


def summary(kind, races):
    "One line of medians over the repeats of race `kind`."
    med = lambda f: median_or_none([f(r) for r in races if f(r) is not None])
    return {"summary": kind, "repeats": len(races),
            "nanoGPT_wall_s": med(lambda r: r["nanoGPT"]["wall_s"]),
            "buildNanoGPT_wall_s": med(lambda r: r["buildNanoGPT"]["wall_s"]),
            "ratio": med(lambda r: r["ratio"]), "reached": sum(r["reached"] for r in races),
            "nanoGPT_split_loss": med(lambda r: r["nanoGPT"]["split_loss"]),
            "buildNanoGPT_split_loss": med(lambda r: r["buildNanoGPT"]["split_loss"]),
            "step_ratio": med(lambda r: r["step_ratio"]), **machine()}


def gpt2_summary(races):
    "One line of medians over the repeats of the GPT-2-token race."
    med = lambda f: median_or_none([f(r) for r in races])  # noqa: E731
    keys = ("wall_s", "split_loss", "wiki_loss", "wiki_no_unk_loss")
    arms = {f"{arm}_{k}": med(lambda r: r[arm][k]) for arm in GPT2_ARMS for k in keys}
    return {"summary": "gpt2", "repeats": len(races), **arms, "ratio": med(lambda r: r["ratio"]),
            "max_ratio": max(r["ratio"] for r in races), "reached": sum(r["reached"] for r in races),
            "wiki_ok": sum(r["wiki_ok"] for r in races), "wiki_no_unk_ok": sum(r["wiki_no_unk_ok"] for r in races),
            "step_ratio": med(lambda r: r["step_ratio"]), **machine()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--race", choices=["fast", "same", "both", "gpt2"], default="fast",
                    help="nanoGPT against ARMS['fast'], ARMS['same'], or one race of each per repeat; gpt2: the two "
                         "GPT-2-token recipes against each other")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", help="also append the JSON lines to this file")
    ap.add_argument("--keep", action="store_true", help="keep the temp folders (logs, checkpoints)")
    ap.add_argument("--nanogpt", type=Path, default=NANOGPT, help="nanoGPT's files (train.py, model.py, ...)")
    ap.add_argument("--seeds", type=int, nargs="+", help="--race gpt2: one race per seed (default: the first "
                    "--repeats of SEEDS)")
    ap.add_argument("--smoke", type=int, help="N steps per arm: checks the pipeline; the numbers mean nothing")
    a = ap.parse_args()
    if a.race == "gpt2" and not a.seeds and not 1 <= a.repeats <= len(SEEDS):
        ap.error(f"--race gpt2 takes 1 to {len(SEEDS)} repeats (one seed each of {SEEDS}), or --seeds")
    if a.seeds and a.race != "gpt2":
        ap.error("--seeds is for --race gpt2; the character races run nanoGPT's fixed seed")
    if a.race != "gpt2" and not (a.nanogpt / "train.py").is_file():
        ap.error(f"no nanoGPT in {a.nanogpt} (its train.py, model.py, config/ and data/): point --nanogpt at it")
    from buildNanoGPT.data import find_data
    from _recipe_runs import prepare_gpt2

    torch.set_num_threads(1)  # the scoring: the machine may be busy
    kinds = ["fast", "same"] if a.race == "both" else [a.race]

    def emit(row):
        line = json.dumps({**row, **({"smoke": a.smoke} if a.smoke else {})})
        print(line, flush=True)
        if a.out:
            with open(a.out, "a") as f:
                f.write(line + "\n")

    work = Path(tempfile.mkdtemp(prefix="bench_race_"))
    try:
        if a.race == "gpt2":
            data = prepare_gpt2(work / "data")
            seeds = a.seeds or SEEDS[: a.repeats]
            emit(gpt2_summary([gpt2_race(rep, seed, a, data, work, emit) for rep, seed in enumerate(seeds)]))
            return
        text, data = find_data("tinyshakespeare.txt"), work / "data"
        run_quiet(["bngpt_prepare", "tinyshakespeare", "--tokenizer", "char", "--out_dir", str(data),
                   "--input_path", str(text)])
        races = {kind: [] for kind in kinds}
        for rep in range(a.repeats):
            for kind in kinds:  # one race at a time: never more than two processes training
                races[kind].append(one_race(kind, rep, a, data, text, work, emit))
        for kind in kinds:
            emit(summary(kind, races[kind]))
    finally:
        if a.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
