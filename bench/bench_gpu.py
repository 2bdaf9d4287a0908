"""GPU training throughput and MFU of `train_GPT`: GPT-2 124M, B=16 or 32, T=1024, bf16 autocast, torch.compile,
fused AdamW.

    python bench/bench_gpu.py [--B 16 32] [--steps 50] [--warmup 10]

Trains on random GPT-2 token ids (throughput does not depend on the text) with one micro-step per optimizer step
(total batch = B*T), times `--steps` steps after `--warmup` (compilation happens in the first), and reports median
tokens/s and MFU (6N + attention FLOPs per token over the GPU's dense bf16 peak, as the console line computes it).
`--device cpu --preset gpt-nano --no-compile` runs the same code on a CPU as a smoke test. One JSON line per batch
size.

    python bench/bench_gpu.py --recipes [--data_root DIR] [--tokens 20000000] [--B 32]

`--recipes` trains GPT-2 124M (T=1024) once with each GPT-2-token recipe's options (`RECIPES["gpt2-tokens-lecture"]` and
`["gpt2-tokens-fast"]`: architecture, optimizer, schedule shape; the fast one with nanochat's untied head) for the same
number of tokens on real GPT-2-token shards (`--data_root`; default: `nltk_docs.jsonl` prepared into a temp folder), one
micro-step per step. The recipes' rates were tuned on a 128-wide model and do not carry to 768 (see 07_modern): this
mode uses the lecture's own 124M rates for the lecture's options (AdamW 6e-4, cosine to 6e-5, weight decay 0.1) and
nanochat's published `base_train` defaults for the fast ones (Muon 0.02 for the matrices, AdamW 0.2 for the embedding
and 0.004 for an untied head, no weight decay). One JSON line per recipe: tokens/s, MFU and the loss on the whole
validation split (T=1024) at equal tokens."""

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


RATES_124M = {  # see the docstring: the lecture's 124M rates, nanochat's for the fast recipe
    "gpt2-tokens-lecture": dict(max_lr=6e-4, min_lr=6e-5, weight_decay=0.1),
    "gpt2-tokens-fast": dict(max_lr=0.004, embed_lr=0.2, muon_lr=0.02, min_lr=0.0, weight_decay=0.0),
}
MODEL_124M = {  # nanochat's untied head for the fast options: the embedding's rate (0.2) is not the head's (0.004)
    "gpt2-tokens-lecture": {},
    "gpt2-tokens-fast": dict(tie_embeddings=False),
}


def recipe_config(name, data_root, log_dir, B, T, tokens, no_compile):
    "`(TrainingConfig, GPTConfig options)`: recipe `name`'s options at the 124M shape, for `tokens` tokens."
    from buildNanoGPT.modern import RECIPES

    recipe = RECIPES[name]
    steps = max(2, tokens // (B * T))
    train = {k: v for k, v in recipe["train"].items() if k in ("optimizer", "beta1", "beta2", "lr_schedule",
                                                               "decay_frac", "muon_momentum", "grad_clip", "sampling")}
    warmup = max(1, round(steps * recipe["train"]["warmup_steps"] / recipe["train"]["max_steps"]))
    cf = TrainingConfig(**train, **RATES_124M[name], total_batch_size=B * T, B=B, T=T, max_steps=steps,
                        warmup_steps=warmup, data_root=str(data_root), hellaswag_dir=None, log_dir=str(log_dir),
                        val_every=10**9, val_steps=1, sample_every=10**9, checkpoint_every=10**9,
                        compile=False if no_compile else None)
    return cf, {**recipe["model"], **MODEL_124M[name]}


def run_recipes(a, ddp):
    "Each GPT-2-token recipe at the 124M shape for `a.tokens` tokens: one JSON line each."
    from buildNanoGPT.eval import split_loss, split_tokens
    from _recipe_runs import prepare_gpt2

    with tempfile.TemporaryDirectory() as tmp:
        data = a.data_root or prepare_gpt2(Path(tmp) / "data")
        for name in RATES_124M:
            cf, options = recipe_config(name, data, Path(tmp) / name, a.B[0], a.T, a.tokens, a.no_compile)
            t0 = time.perf_counter()
            res = train_GPT(ddp, cf, a.preset, verbose=False, **options)
            wall = time.perf_counter() - t0
            times = list(res["step_times"].values())[1:]  # the first step compiles
            tok_s = cf.total_batch_size / statistics.median(times)
            peak, cfg = _peak_flops(ddp), res["model"].config
            loss = split_loss(res["model"], split_tokens(data, "val"), min(a.T, 1024), batch_size=8)
            print(json.dumps({"figure": "124M recipe at equal tokens", "recipe": name,
                              "tokens": cf.max_steps * cf.total_batch_size, "steps": cf.max_steps, "B": cf.B,
                              "T": cf.T, "tok_s": round(tok_s),
                              "mfu": round(flops_per_token(cfg, cf.T) * tok_s / peak, 3) if peak else None,
                              "val_loss": round(loss, 4), "wall_s": round(wall, 1), "tied": cfg.tie_embeddings,
                              **RATES_124M[name],
                              "device": torch.cuda.get_device_name() if ddp.device_type == "cuda" else ddp.device,
                              "torch": torch.__version__, "date": time.strftime("%Y-%m-%d")}), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--B", type=int, nargs="+", default=[16, 32])
    ap.add_argument("--T", type=int, default=1024)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--preset", default="gpt2")
    ap.add_argument("--device", default=None)
    ap.add_argument("--no-compile", action="store_true")
    ap.add_argument("--recipes", action="store_true", help="both GPT-2-token recipes at this shape, equal tokens")
    ap.add_argument("--tokens", type=int, default=20_000_000, help="--recipes: tokens per recipe")
    ap.add_argument("--data_root", help="--recipes: GPT-2-token shards (default: nltk_docs.jsonl, prepared)")
    a = ap.parse_args()
    ddp = DDPConfig(device=a.device)
    if a.recipes:
        return run_recipes(a, ddp)
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
