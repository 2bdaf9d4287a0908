"""The mutation check: do the notebooks' tests catch the bugs a developer would make?

Each mutation in `.ci/mutations.yaml` is a small, realistic change to one `#| export` cell. For each one this script
copies the working tree to a temp folder, makes the change in the notebook, exports it (so the modules that import
the changed one see it too), runs that notebook's tests with `nbdev_test` and records whether they failed (caught),
passed (survived) or ran past the time limit (caught: a hang is a failure too). The working tree is never touched.

    python .ci/mutations.py                       # every mutation, one at a time
    python .ci/mutations.py --jobs 2 --only data-  # those whose id starts with data-, two at a time
    python .ci/mutations.py --check               # only check that each mutation applies (seconds)

Too slow for CI (about a notebook's test time per mutation): run by hand after changing tests or code. It prints a
JSON line per mutation and writes them to `.ci/mutations-results.jsonl` (with --out), then a summary line.
"""

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".git", "_proc", "_docs", ".quarto"}  # plus every .venv*: folders the tests never read
SNAPSHOT = None  # the tree as it was when the run started
_SNAPSHOT_LOCK = threading.Lock()


def load_mutations(path):
    "The list in `path`, each entry checked for the fields the runner needs."
    muts = yaml.safe_load(Path(path).read_text())
    for m in muts:
        missing = {"id", "notebook", "find", "replace", "bug"} - set(m)
        if missing:
            sys.exit(f"mutation {m.get('id', m)} lacks {sorted(missing)}")
    ids = [m["id"] for m in muts]
    if len(set(ids)) != len(ids):
        sys.exit(f"mutation ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}")
    return muts


def export_cells(nb):
    "The notebook's `#| export` code cells."
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    return [c for c in code if "".join(c["source"]).lstrip().startswith("#| export")]


def mutate(nb, m):
    "Apply mutation `m` to notebook `nb` (a dict) in place; its `find` must stand exactly once in the export cells."
    if m.get("baseline"):  # no change: the notebook's tests as they are, in a copy
        return
    hits = [(c, "".join(c["source"]).count(m["find"])) for c in export_cells(nb)]
    n = sum(k for _, k in hits)
    if n != 1:
        raise ValueError(f"{m['id']}: `find` stands {n} times in the export cells of {m['notebook']}, not once")
    cell = next(c for c, k in hits if k)
    src = "".join(cell["source"]).replace(m["find"], m["replace"])
    cell["source"] = src.splitlines(keepends=True)


def copy_tree(dest):
    "The working tree (what git tracks, and untracked files it doesn't ignore) copied to `dest`, once per run."
    global SNAPSHOT
    with _SNAPSHOT_LOCK:  # with --jobs > 1, the first job copies; the others wait for the whole copy
        if SNAPSHOT is None:  # later edits to the tree don't reach the mutations still to run
            snapshot = Path(tempfile.mkdtemp(prefix="mut-snapshot-"))
            _copy_files(snapshot)
            SNAPSHOT = snapshot
    shutil.copytree(SNAPSHOT, dest, dirs_exist_ok=True)


def _copy_files(dest):
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for f in filter(None, files):
        if f.split("/")[0] in SKIP or f.startswith(".venv") or not (ROOT / f).exists():
            continue
        (dest / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, dest / f)


def test_env(tree):
    "The environment the tests run in: the copy's package first on the path, CI's data and offline settings."
    shared = Path(os.environ.get("SHARED", ROOT.parent / "shared")).resolve()
    env = dict(os.environ, PYTHONPATH=str(tree), MPLBACKEND="Agg", PYTHONUNBUFFERED="1", HF_DATASETS_OFFLINE="1",
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env.setdefault("BUILDNANOGPT_DATA", str(shared / "data"))
    env.setdefault("TIKTOKEN_CACHE_DIR", str(shared / "tiktoken_cache"))
    return env


def last_error(text):
    "The last line of a failure's output that names an error (not the runner's list of notebooks), for the results."
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and ".ipynb" not in ln]
    errors = [ln for ln in lines if "Error" in ln or "Exception" in ln or ln.startswith("assert")]
    return (errors or lines or [""])[-1][:300]


def run_tests(cmd, tree, env, timeout):
    "`(status, output)` of the tests; past `timeout` the whole process group (torchrun's workers too) is killed."
    proc = subprocess.Popen(cmd, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
        if proc.returncode < 0:  # killed by a signal (the kernel's out-of-memory killer, say): no verdict on the tests
            return f"not judged (signal {-proc.returncode})", out
        return ("survived" if proc.returncode == 0 else "caught"), out
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        return "caught (timeout)", out
    finally:
        if proc.poll() is None:  # interrupted (Ctrl-C): leave nothing running
            os.killpg(proc.pid, signal.SIGKILL)


def test_notebooks(tree, m):
    "The notebooks whose tests judge `m`: its cell's notebook (or its `tests:`), each followed by its test notebook."
    names = m.get("tests", [m["notebook"]])  # the notebook of the cell, or those that test what it defines
    # the fault and harness tests of notebook X live in nbs/tests/X.ipynb; baselines run those on their own turn
    with_tests = [n for nb in names for n in (nb, f"tests/{nb}") if n == nb or (tree / "nbs" / f"{n}.ipynb").exists()]
    return names if m.get("baseline") else with_tests


def run_one(m, timeout, check_only=False):
    "Apply, export and test mutation `m` in a copy of the tree; a dict of what happened."
    t0 = time.time()
    if check_only:  # on the working tree's notebook, in memory
        try:
            mutate(json.loads((ROOT / "nbs" / f"{m['notebook']}.ipynb").read_text()), m)
        except ValueError as e:
            return dict(id=m["id"], status="does not apply", why=str(e))
        return dict(id=m["id"], status="applies")
    with tempfile.TemporaryDirectory(prefix=f"mut-{m['id']}-") as d:
        tree = Path(d)
        copy_tree(tree)
        nb_path = tree / "nbs" / f"{m['notebook']}.ipynb"
        nb = json.loads(nb_path.read_text())
        mutate(nb, m)
        nb_path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
        env = test_env(tree)
        before = {p.name: p.read_text() for p in (tree / "buildNanoGPT").glob("*.py")}
        subprocess.run(["nbdev_export"], cwd=tree, env=env, check=True, capture_output=True)
        changed = [n for n, text in before.items() if (tree / "buildNanoGPT" / n).read_text() != text]
        if m.get("baseline"):
            changed = ["-"]
        elif not changed:
            return dict(id=m["id"], status="not exported", seconds=round(time.time() - t0, 1))
        for nb in test_notebooks(tree, m):
            cmd = ["nbdev_test", "--path", f"nbs/{nb}.ipynb", "--n_workers", "0"]
            status, out = run_tests(cmd, tree, env, timeout)
            if status != "survived":
                break
    res = dict(id=m["id"], notebook=m["notebook"], module=changed[0], status=status,
               seconds=round(time.time() - t0, 1))
    if status != "survived":
        res["by"] = last_error(out)
    return res


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--list", default=str(ROOT / ".ci" / "mutations.yaml"), help="the mutations file")
    p.add_argument("--only", default="", help="run the mutations whose id starts with this (or these, comma-separated)")
    p.add_argument("--skip", default=None, help="leave out the mutations whose id starts with this (or these)")
    p.add_argument("--jobs", type=int, default=1, help="mutations tested at once")
    p.add_argument("--timeout", type=int, default=2400, help="seconds a notebook's tests may take before 'caught'")
    p.add_argument("--check", action="store_true", help="only check that every mutation applies")
    p.add_argument("--out", default=None, help="also write the JSON lines to this file")
    p.add_argument("--no-baseline", dest="baseline", action="store_false",
                   help="skip running each notebook unchanged in a copy first (a failure there makes 'caught' void)")
    args = p.parse_args()
    only, skip = tuple(args.only.split(",")), tuple(filter(None, (args.skip or "").split(",")))
    muts = [m for m in load_mutations(args.list)
            if m["id"].startswith(only) and not (skip and m["id"].startswith(skip))]
    machine = dict(machine=platform.machine(), cpu=_cpu_model(), date=time.strftime("%F"))
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
    print(json.dumps(dict(mutations=len(muts), jobs=args.jobs, tree=commit.stdout.strip(), **machine)), flush=True)
    if args.baseline and not args.check:
        notebooks = sorted({nb for m in muts for nb in test_notebooks(ROOT, m)})  # every notebook that judges
        with ThreadPoolExecutor(args.jobs) as pool:
            base = list(pool.map(lambda nb: run_one(dict(id=f"baseline-{nb}", notebook=nb, baseline=True),
                                                    args.timeout), notebooks))
        for b in base:
            print(json.dumps(b), flush=True)
        failed = [b["id"] for b in base if b["status"] != "survived"]
        if failed:
            sys.exit(f"the unchanged notebooks fail in a copy of the tree, so no mutation can be judged: {failed}")
    results = []
    with ThreadPoolExecutor(args.jobs) as pool:
        for res in pool.map(lambda m: run_one(m, args.timeout, args.check), muts):
            res["equivalent"] = next((m.get("equivalent") for m in muts if m["id"] == res["id"]), None)
            print(json.dumps(res), flush=True)
            results.append(res)
    if SNAPSHOT is not None:
        shutil.rmtree(SNAPSHOT, ignore_errors=True)
    if args.out:
        Path(args.out).write_text("".join(json.dumps(r) + "\n" for r in results))
    if args.check:
        bad = [r["id"] for r in results if r["status"] != "applies"]
        sys.exit(f"{len(bad)} mutations do not apply: {bad}" if bad else 0)
    caught = sum(r["status"].startswith("caught") for r in results)
    survived = [r["id"] for r in results if r["status"] == "survived" and not r["equivalent"]]
    unjudged = [r["id"] for r in results if r["status"].startswith("not judged")]
    judged = caught + len(survived)  # an equivalent mutation that survives changes nothing: no verdict either way
    print(json.dumps(dict(summary=True, mutations=len(results), caught=caught, survived=survived, not_judged=unjudged,
                          caught_pct=round(100 * caught / max(1, judged), 1), **machine)))


def _cpu_model():
    try:
        return next(ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor()


if __name__ == "__main__":
    main()
