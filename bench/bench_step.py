"""Where a step of the baby-GPT run goes on a CPU, and what `torch.compile` and threads do to it (route 1 of issue 22).

    python bench/bench_step.py [--steps 500] [--arms nanoGPT eager compile compile-warm threads2 phases] [--out FILE]

The run is nanoGPT's CPU recipe for Tiny Shakespeare's characters (4 layers, 4 heads, 128 wide, B=12, T=64, no
bias, AdamW with beta2 0.99), as `bench_race.py --race same` runs it, cut to `--steps` steps. Every arm is a fresh
process run alone (one after the other, nothing else on the machine), with one thread unless its name says two:
- nanoGPT: its `train.py`, unmodified, from a temp copy (median `time` of its iterations without evaluation);
- eager, compile, compile-warm, threads2: `bngpt_train` with the same recipe; `--compile true` (inductor's C++
  kernels) with an empty compile cache, as a first run has it; the same again, with the cache the first one left
  (a second run on the same machine); two threads. Median `dt` of the steps after the first ten;
- phases: the step taken apart in one process with the package's pieces (`GPT`, `configure_optimizers`,
  `DataLoaderLite`): median ms of each phase (batch, forward with the loss, backward, gradient clipping, optimizer
  step, zero_grad), and of `train_step` doing the same work, so that the difference is the training loop's own cost;
  the step's FLOPs per second, against what one core does on the step's largest matrix product alone (the ceiling).
A summary line: the step ratio nanoGPT / eager, and for each compile arm its fixed cost (its wall time less eager's,
less what its faster steps saved) and the steps a run needs before compiling pays (that cost over the saving a step).
JSON lines; the machine and date in the summary."""

import argparse, json, os, statistics, subprocess, sys, tempfile, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_race import ARMS, NANOGPT, NANOGPT_CMD, fill, machine, nanogpt_log, prepare_nanogpt, program  # noqa: E402
from bench_race import ours_times, run_quiet, set_flag  # noqa: E402

SKIP = 10  # the first steps: allocation, the first dispatch, compilation
STEP_ARMS = ["nanoGPT", "eager", "compile", "compile-warm", "threads2", "phases"]


def run_arm(cmd, cwd, threads, folder, name, **extra_env):
    "Run one arm alone; (wall seconds, stdout path)."
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads), **extra_env}
    out = folder / f"{name}.stdout"
    t0 = time.perf_counter()
    with open(out, "w") as f, open(folder / f"{name}.stderr", "w") as err:
        rc = subprocess.run(program(cmd), cwd=cwd, env=env, stdout=f, stderr=err).returncode
    wall = time.perf_counter() - t0
    if rc:
        sys.exit(f"{name} failed ({rc}):\n{(folder / f'{name}.stderr').read_text()[-3000:]}")
    return wall, out


def ours_cmd(data, log, steps, *extra):
    cmd = fill(ARMS["same"], DATA=data, LOG=log)
    for flag, value in (("--max_steps", steps), ("--val_every", steps), ("--log_every", 1)):
        cmd = set_flag(cmd, flag, value)
    return cmd + list(extra)


def phases_worker(data, steps):
    "The step taken apart, in this process (one thread): one JSON line of median ms per phase."
    import torch
    from buildNanoGPT.data import DataLoaderLite
    from buildNanoGPT.model import GPT, GPTConfig
    from buildNanoGPT.train import flops_per_token, set_random_seed, train_step

    torch.set_num_threads(1)
    torch.set_flush_denormal(True)  # as train_GPT does on a CPU
    set_random_seed(1337)
    model = GPT(GPTConfig.from_preset("gpt-micro", vocab_size=65, block_size=64, bias=False))
    opt = model.configure_optimizers(0.1, 1e-3, "cpu", betas=(0.9, 0.99), verbose=False)
    loader = DataLoaderLite(12, 64, 0, 1, "train", data, master_process=False, sampling="random", seed=1337)
    names = ["batch", "forward", "backward", "clip", "optimizer", "zero_grad"]
    times = {n: [] for n in names + ["sum", "train_step"]}
    for step in range(steps):
        t = [time.perf_counter()]
        x, y = loader.next_batch()
        t.append(time.perf_counter())
        _, loss = model(x, y, return_logits=False)
        loss.item()  # as train_step does: the forward pass is done here, not inside the next phase
        t.append(time.perf_counter())
        loss.backward()
        t.append(time.perf_counter())
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0).item()
        t.append(time.perf_counter())
        opt.step()
        t.append(time.perf_counter())
        opt.zero_grad(set_to_none=True)
        t.append(time.perf_counter())
        t0 = time.perf_counter()
        train_step(model, opt, [loader.next_batch()], 1e-3, 1.0, precision="fp32")
        t1 = time.perf_counter()
        if step >= SKIP:
            for n, a, b in zip(names, t, t[1:]):
                times[n].append(1000 * (b - a))
            times["sum"].append(1000 * (t[-1] - t[0]))
            times["train_step"].append(1000 * (t1 - t0))
    med = {n: statistics.median(v) for n, v in times.items()}
    flops = flops_per_token(model.config, 64) * 12 * 64
    print(json.dumps({"arm": "phases", "steps": steps, **{f"{n}_ms": round(v, 3) for n, v in med.items()},
                      "step_gflops": round(flops / 1e9, 3), "step_gflop_per_s": round(flops / med["sum"] / 1e6, 1),
                      "matmul_gflop_per_s": round(matmul_rate(), 1)}))


def matmul_rate(rows=768, n=128, repeats=200):
    "GFLOP/s of this core on the step's largest product shape (768 tokens x 128 -> 512, the MLP's c_fc): the ceiling."
    import torch

    a, w = torch.randn(rows, n), torch.randn(4 * n, n)
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        a @ w.T
        rates.append(2 * rows * n * 4 * n / (time.perf_counter() - t0) / 1e9)
    return statistics.median(rates[repeats // 10:])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=500)
    p.add_argument("--arms", nargs="+", default=STEP_ARMS, choices=STEP_ARMS)
    p.add_argument("--nanogpt", type=Path, default=NANOGPT)
    p.add_argument("--out", help="also append the JSON lines to this file")
    p.add_argument("--phases-worker", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.phases_worker:
        return phases_worker(a.phases_worker, a.steps)
    from buildNanoGPT.data import find_data

    def emit(row):
        line = json.dumps(row)
        print(line, flush=True)
        if a.out:
            with open(a.out, "a") as f:
                f.write(line + "\n")

    work = Path(tempfile.mkdtemp(prefix="bench_step_"))
    text, data = find_data("tinyshakespeare.txt"), work / "data"
    run_quiet(["bngpt_prepare", "tinyshakespeare", "--tokenizer", "char", "--out_dir", str(data),
               "--input_path", str(text)])
    res = {}
    for arm in a.arms:
        if arm == "nanoGPT":
            nano_dir = prepare_nanogpt(a.nanogpt, work / "nanoGPT", text)
            cmd = fill(NANOGPT_CMD, OUT=work / "nanogpt_out")
            for flag in ("--max_iters", "--eval_interval"):
                cmd = set_flag(cmd, flag, a.steps)
            wall, out = run_arm(cmd, nano_dir, 1, work, arm)
            steps, ms = nanogpt_log(out)
            res[arm] = dict(arm=arm, wall_s=round(wall, 2), steps=steps, median_step_ms=round(ms, 3))
        elif arm == "phases":
            cmd = ["python", __file__, "--phases-worker", str(data), "--steps", str(a.steps)]
            env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
            r = subprocess.run(program(cmd), env=env, capture_output=True, text=True)
            if r.returncode:
                sys.exit(f"phases failed:\n{r.stderr[-3000:]}")
            res[arm] = json.loads(r.stdout.strip().splitlines()[-1])
        else:
            extra = ["--compile", "true"] if arm.startswith("compile") else []
            cache = {"TORCHINDUCTOR_CACHE_DIR": str(work / "inductor_cache")}  # empty until the first compile arm
            wall, out = run_arm(ours_cmd(data, work / arm, a.steps, *extra), work, 2 if arm == "threads2" else 1,
                                work, arm, **cache)
            dts = ours_times(out)
            res[arm] = dict(arm=arm, wall_s=round(wall, 2), steps=len(dts),
                            median_step_ms=round(statistics.median(v for i, v in dts.items() if i >= SKIP), 3))
        emit(res[arm])
    row = {"summary": "step", "steps": a.steps, **machine()}
    if "nanoGPT" in res and "eager" in res:
        row["step_ratio"] = round(res["nanoGPT"]["median_step_ms"] / res["eager"]["median_step_ms"], 3)
    for arm in ("compile", "compile-warm"):
        if arm in res and "eager" in res:
            e, c = res["eager"], res[arm]
            saving = e["median_step_ms"] - c["median_step_ms"]  # ms a step
            fixed = c["wall_s"] - e["wall_s"] + a.steps * saving / 1000
            row[f"{arm}_fixed_s"] = round(fixed, 1)
            row[f"{arm}_step_ratio"] = round(e["median_step_ms"] / c["median_step_ms"], 3)
            row[f"{arm}_pays_after_steps"] = round(1000 * fixed / saving) if saving > 0 else None
    emit(row)


if __name__ == "__main__":
    main()
