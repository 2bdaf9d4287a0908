"""GPU training throughput and MFU of `train_GPT`: GPT-2 124M, B=16 or 32, T=1024, bf16 autocast, torch.compile,
fused AdamW.

    python bench/bench_gpu.py [--B 16 32] [--steps 50] [--warmup 10]

Trains on random GPT-2 token ids (throughput does not depend on the text) with one micro-step per optimizer step
(total batch = B*T), times `--steps` steps after `--warmup` (compilation happens in the first), and reports median
tokens/s and MFU (6N + attention FLOPs per token over the GPU's dense bf16 peak, as the console line computes it).
`--device cpu --preset gpt-nano --no-compile` runs the same code on a CPU as a smoke test. One JSON line per batch
size."""

import argparse, json, statistics, tempfile, time
from pathlib import Path
import numpy as np, torch
from buildNanoGPT.data import shard_name
from buildNanoGPT.train import DDPConfig, TrainingConfig, train_GPT, flops_per_token, _peak_flops


def random_shards(root, tokens, seed=0):
    "A train and a val shard of random GPT-2 ids (no manifest: read with raw_shards=True as GPT-2 tokens)."
    rng = np.random.default_rng(seed)
    for split, n in (("val", 1 << 16), ("train", tokens)):
        np.save(root / shard_name("random", split, 0), rng.integers(0, 50257, n, dtype=np.uint16))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--B", type=int, nargs="+", default=[16, 32])
    ap.add_argument("--T", type=int, default=1024)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--preset", default="gpt2")
    ap.add_argument("--device", default=None)
    ap.add_argument("--no-compile", action="store_true")
    a = ap.parse_args()
    ddp = DDPConfig(device=a.device)
    n = a.steps + a.warmup
    for B in a.B:
        with tempfile.TemporaryDirectory() as tmp:
            random_shards(Path(tmp), B * a.T * n + 1)
            cf = TrainingConfig(
                total_batch_size=B * a.T,
                B=B,
                T=a.T,
                max_steps=n,
                warmup_steps=a.warmup,
                data_root=tmp,
                hellaswag_dir=None,
                log_dir=str(Path(tmp) / "log"),
                val_every=10**9,
                val_steps=1,
                sample_every=10**9,
                checkpoint_every=10**9,
                raw_shards=True,
                compile=False if a.no_compile else None,
            )
            t0 = time.perf_counter()
            res = train_GPT(ddp, cf, a.preset, verbose=False)
            wall = time.perf_counter() - t0
        times = list(res["step_times"].values())[a.warmup :]
        tok_s = B * a.T / statistics.median(times)
        peak = _peak_flops(ddp)
        cfg = res["model"].config
        print(
            json.dumps(
                {
                    "figure": "GPU training throughput",
                    "preset": a.preset,
                    "B": B,
                    "T": a.T,
                    "steps_timed": len(times),
                    "tok_s": round(tok_s),
                    "mfu": round(flops_per_token(cfg, a.T) * tok_s / peak, 3) if peak else None,
                    "step_ms_median": round(1000 * statistics.median(times), 1),
                    "first_step_s": round(list(res["step_times"].values())[0], 1),
                    "wall_s": round(wall, 1),
                    "final_loss": round(list(res["train_losses"].values())[-1], 4),
                    "device": torch.cuda.get_device_name() if ddp.device_type == "cuda" else ddp.device,
                    "compile": not a.no_compile,
                    "torch": torch.__version__,
                    "date": time.strftime("%Y-%m-%d"),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
