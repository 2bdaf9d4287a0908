"""Leave-one-out ablation of the `shakespeare-char-fast` recipe: what each change of "Beyond the lecture" is worth.

    python bench/bench_ablation.py [--seeds 1337 2] [--variants recipe no-muon ...] [--parallel 2] [--steps N]

Each variant is the recipe (`buildNanoGPT.modern.RECIPES`) with one setting changed back to the lecture's (or, for
`plus-qk_norm`, one more option), trained for the recipe's 400 steps on Tiny Shakespeare's characters with the
package's own pieces: `GPT`, `configure_optimizers`, `DataLoaderLite` (random windows), `get_lr`, `train_step`.
Every run is a separate process with one thread (`--parallel 2` runs two at once, one per core, as the race does);
its clock covers the training steps only. From step `--eval_from` on, every `--eval_every` steps, the model is scored
on the whole validation split (`split_loss`: non-overlapping 64-character windows, every token once), outside the
clock. Time to target = training seconds at the first of those scores at or below `--target` (nanoGPT's final loss
on the same evaluation, 1.898 in the issue's measurement). JSON lines: one per run, one summary per variant (medians
over the seeds), then the machine. `--steps N` shortens every run (a pipeline check: its numbers mean nothing)."""

import argparse, datetime, json, os, platform, statistics, subprocess, sys, tempfile, time
from dataclasses import asdict
from pathlib import Path

VARIANTS = {  # name: (GPTConfig changes, TrainingConfig changes), applied to the recipe
    "recipe": ({}, {}),
    "no-muon": ({}, dict(optimizer="adamw", max_lr=3e-3)),  # AdamW for every parameter, at its best rate here
    "no-rope": (dict(rope=False), {}),  # learned positions
    "no-rmsnorm": (dict(norm="layernorm"), {}),  # LayerNorm (no bias)
    "no-relu2": (dict(activation="gelu"), {}),  # GPT-2's tanh GELU
    "no-untied": (dict(tie_embeddings=True), {}),  # the head is the token embedding
    "no-zero_init": (dict(zero_init=False), {}),  # GPT-2's initialisation of the projections and head
    "no-wsd": ({}, dict(lr_schedule="cosine", min_lr=1e-3)),  # the lecture's cosine, to a tenth of the peak
    "plus-qk_norm": (dict(qk_norm=True), {}),  # one more option: normalised queries and keys
    "lecture": (dict(rope=False, norm="layernorm", activation="gelu", tie_embeddings=True, zero_init=False),
                dict(optimizer="adamw", max_lr=1e-3, min_lr=1e-4, warmup_steps=100, lr_schedule="cosine",
                     weight_decay=0.1)),  # nanoGPT's recipe (no bias, beta2 0.99), cut to 400 steps
}
RECIPE = "shakespeare-char-fast"


def cpu_model():
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def worker(variant, seed, data, eval_from, eval_every, steps=None):
    "Train one variant in this process (one thread) and print its JSON line."
    import torch
    from buildNanoGPT.data import DataLoaderLite
    from buildNanoGPT.eval import split_loss, split_tokens
    from buildNanoGPT.model import GPT, GPTConfig
    from buildNanoGPT.modern import RECIPES
    from buildNanoGPT.train import TrainingConfig, get_lr, set_random_seed, train_step

    torch.set_num_threads(1)
    torch.set_flush_denormal(True)  # as train_GPT does on a CPU
    recipe, (arch, train) = RECIPES[RECIPE], VARIANTS[variant]
    cf = TrainingConfig(**{**recipe["train"], **train, "data_root": data, "seed": seed})
    cf = cf if steps is None else TrainingConfig(**{**asdict(cf), "max_steps": steps})
    set_random_seed(seed)
    config = GPTConfig.from_preset(recipe["preset"], vocab_size=65, block_size=cf.T, **{**recipe["model"], **arch})
    model = GPT(config)
    opt = model.configure_optimizers(cf.weight_decay, cf.max_lr, "cpu", betas=(cf.beta1, cf.beta2), verbose=False,
                                     optimizer=cf.optimizer, muon_lr=cf.muon_lr, muon_momentum=cf.muon_momentum)
    loader = DataLoaderLite(cf.B, cf.T, 0, 1, "train", data, master_process=False, sampling=cf.sampling, seed=seed)
    tokens = split_tokens(data, "val")
    train_s, step_ms, curve = 0.0, [], []
    for step in range(cf.max_steps):
        t0 = time.perf_counter()
        train_step(model, opt, [loader.next_batch()], get_lr(step, cf), cf.grad_clip, precision="fp32")
        dt = time.perf_counter() - t0
        train_s += dt
        step_ms.append(1000 * dt)
        done = step + 1
        if done == cf.max_steps or (done >= eval_from and done % eval_every == 0):
            curve.append((done, round(train_s, 2), round(split_loss(model, tokens, cf.T), 4)))
    print(json.dumps(dict(variant=variant, seed=seed, steps=cf.max_steps, train_s=round(train_s, 2),
                          median_step_ms=round(statistics.median(step_ms), 2), split_loss=curve[-1][2], curve=curve,
                          config={k: v for k, v in config.to_dict().items() if k in recipe["model"] or k == "qk_norm"},
                          train={k: v for k, v in asdict(cf).items() if k in {**recipe["train"], **train}
                                 and k not in ("data_root", "log_dir")})))


def reached(curve, target):
    "(step, training seconds) of the first score at or below `target`, or None."
    return next(((s, t) for s, t, loss in curve if loss <= target), None)


def run_all(args, data):
    "Every (variant, seed) as a worker process, `args.parallel` at a time; their JSON lines, in order."
    jobs = [(v, s) for v in args.variants for s in args.seeds]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    running, results = [], []
    while jobs or running:
        while jobs and len(running) < args.parallel:
            v, s = jobs.pop(0)
            cmd = [sys.executable, __file__, "--worker", v, str(s), "--data", data, "--eval_from", str(args.eval_from),
                   "--eval_every", str(args.eval_every)] + (["--steps", str(args.steps)] if args.steps else [])
            running.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env))
        time.sleep(0.2)
        for p in [p for p in running if p.poll() is not None]:
            running.remove(p)
            out, err = p.communicate()
            if p.returncode:
                sys.exit(f"a worker failed ({' '.join(p.args[-7:-5])}):\n{err[-2000:]}")
            line = json.loads(out.strip().splitlines()[-1])
            line["reached"] = reached(line["curve"], args.target)
            results.append(line)
            print(json.dumps(line), flush=True)
    return results


def summarise(results, args):
    "One line per variant: medians over the seeds."
    for v in args.variants:
        runs = [r for r in results if r["variant"] == v]
        times = [r["reached"][1] for r in runs if r["reached"]]
        median = lambda key, digits: round(statistics.median(r[key] for r in runs), digits)  # noqa: E731
        print(json.dumps(dict(summary=v, seeds=len(runs), split_loss=median("split_loss", 4),
                              median_step_ms=median("median_step_ms", 2), train_s=median("train_s", 2),
                              reached=f"{len(times)}/{len(runs)}",  # a median time only if every seed got there
                              time_to_target_s=round(statistics.median(times), 2) if len(times) == len(runs) else None)
                         ), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    p.add_argument("--seeds", nargs="+", type=int, default=[1337, 2])
    p.add_argument("--parallel", type=int, default=2)
    p.add_argument("--target", type=float, default=1.898)
    p.add_argument("--eval_from", type=int, default=200)
    p.add_argument("--eval_every", type=int, default=25)
    p.add_argument("--steps", type=int, help="shorten every run to this many steps (a pipeline check)")
    p.add_argument("--worker", nargs=2, metavar=("VARIANT", "SEED"), help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return worker(args.worker[0], int(args.worker[1]), args.data, args.eval_from, args.eval_every, args.steps)
    from buildNanoGPT.data import find_data, tinyshakespeare_prep
    import torch

    with tempfile.TemporaryDirectory() as tmp:
        data = str(Path(tmp) / "ts_char")
        tinyshakespeare_prep(data, "char", input_path=find_data("tinyshakespeare.txt"))
        results = run_all(args, data)
    summarise(results, args)
    print(json.dumps(dict(machine=cpu_model(), cores=os.cpu_count(), torch=torch.__version__,
                          date=datetime.date.today().isoformat(), parallel=args.parallel, target=args.target,
                          steps=args.steps)))


if __name__ == "__main__":
    main()
