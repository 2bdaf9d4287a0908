"""The lesson notebooks' stored outputs: the figures, tables, samples and transcripts a reader sees without running.

    python .ci/lessons.py                    # run every lesson notebook (nbs/*.ipynb) top to bottom and save it
    python .ci/lessons.py 02_train 07_modern # only these
    python .ci/lessons.py --check            # CI: every cell the prose points to has its output, and none is an error

A notebook runs as `nbdev_test` runs it (its own folder as the working directory, `#| eval: false` cells and
`#| download` cells skipped), except that `#| timing` cells run: they measure, which the tests skip. Outputs are
written into the notebook, which `nbdev_clean` then tidies. Run it on a quiet machine: the timings are stored."""

import argparse, json, os, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT / "nbs"
SKIP_FLAGS = {"download"}  # cells that need the network
# the cells whose outputs the prose refers to: notebook -> {cell id: what it shows}
REQUIRED = {
    "00_data": {},
    "01_model": {},
    "02_train": {"first-loop-curve": "the first loop's loss curves", "speed-table": "the speed-ups, measured",
                 "lr-schedule": "the learning-rate schedule", "real-run-curve": "the real run's curves"},
    "03_viz": {},
    "04_eval": {},
    "05_chat": {"chat-transcript": "a conversation with a model trained on conversations"},
    "06_cli": {},
    "07_modern": {"ablation-table": "the ablation table", "gpt2-sweep-table": "the GPT-2-token sweep",
                  "gpt2-tied-table": "the tied head's sweep", "gpt2-race-table": "the GPT-2-token race",
                  "gpt2-ablation1-table": "the first GPT-2-token ablation",
                  "gpt2-ablation-table": "the GPT-2-token ablation table"},
    "08_runtime": {},
    "09_runlog": {},
    "10_checkpoint": {},
    "99_core": {},
}


def lessons(names=()):
    "The lesson notebooks (the top level of nbs/, index.ipynb aside), or those named."
    found = sorted(p for p in NBS.glob("[0-9]*.ipynb"))
    if not names:
        return found
    missing = [n for n in names if not (NBS / f"{n}.ipynb").exists()]
    if missing:
        sys.exit(f"no lesson notebook {', '.join(missing)} in {NBS}")
    return [NBS / f"{n}.ipynb" for n in names]


def run(path):
    "Execute notebook `path` as nbdev_test does, timing cells included, and write its outputs into it."
    from execnb.shell import CaptureShell
    from fastcore.xtras import working_directory
    from nbdev.process import NBProcessor

    nb = NBProcessor(path, process=True).nb  # the cells with their directives parsed

    def skip(cell):
        if cell.cell_type != "code":
            return True
        directives = getattr(cell, "directives_", {}) or {}
        return directives.get("eval:", [""])[0].lower() == "false" or bool(SKIP_FLAGS & directives.keys())

    shell = CaptureShell(path)
    with working_directory(path.parent):
        shell.run_all(nb, exc_stop=True, preproc=skip)
    raw = json.loads(path.read_text(encoding="utf-8"))
    for cell, done in zip(raw["cells"], nb.cells):
        if cell["cell_type"] == "code":
            cell["outputs"] = [dict(o) for o in getattr(done, "outputs", [])] if not skip(done) else []
    path.write_text(json.dumps(raw, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def problems(path):
    "What is wrong with `path`'s stored outputs: a required cell without output, or an error stored as output."
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = {c.get("id"): c for c in nb["cells"]}
    found = []
    for cid, what in REQUIRED.get(path.stem, {}).items():
        if cid not in cells:
            found.append(f"{path.name}: no cell {cid!r} ({what})")
        elif not cells[cid].get("outputs"):
            found.append(f"{path.name}: cell {cid!r} ({what}) has no stored output: run python .ci/lessons.py "
                         f"{path.stem}")
    for c in nb["cells"]:
        for o in c.get("outputs", []):
            if o.get("output_type") == "error" or "Traceback (most recent call last)" in "".join(o.get("text", "")):
                found.append(f"{path.name}: cell {c.get('id')!r} stores an error")
    return found


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("notebooks", nargs="*", help="lesson notebooks to run, by name (default: all)")
    p.add_argument("--check", action="store_true", help="only check the stored outputs")
    p.add_argument("--one", help=argparse.SUPPRESS)  # run this notebook in this process (each gets a fresh one)
    args = p.parse_args()
    if args.one:
        run(Path(args.one))
        return
    paths = lessons(args.notebooks)
    if args.check:
        unknown = sorted({p.stem for p in paths} - set(REQUIRED))
        found = [f"{n}.ipynb: not in .ci/lessons.py's REQUIRED (say which of its cells must show output)"
                 for n in unknown]
        found += [f for path in paths for f in problems(path)]
        print("\n".join(found) or f"stored outputs: {len(paths)} lesson notebooks ok")
        sys.exit(1 if found else 0)
    os.environ.pop("MPLBACKEND", None)  # figures are captured as PNG by the shell's inline backend
    failed = []
    for path in paths:
        print(f"running {path.name}", flush=True)
        if subprocess.run([sys.executable, __file__, "--one", str(path)]).returncode:
            failed.append(path.name)
    subprocess.run(["nbdev_clean"], cwd=ROOT, check=True)
    bad = [f"{name}: a cell failed (its traceback is above); its outputs were not saved" for name in failed]
    bad += [f for path in paths for f in problems(path)]
    print("\n".join(bad) or "done")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
