"""Training throughput and peak RSS: `train_GPT` vs a plain reimplementation of the reference's training step.

    python bench/bench_train.py [--steps 300] [--window 50] [--repeats 1] [--flush-arm]

Model: 4 layers, 4 heads, 128 wide, vocabulary 50304 (GPT-2 init); B=8, T=256 (2,048 tokens a step, no accumulation);
Tiny Shakespeare in GPT-2 tokens; lr warm-up 10 steps then cosine to step `--steps`; seed 1337 for both.
The reference arm is the lecture's loop with nothing added: full logits + `F.cross_entropy`, AdamW (fp32, not fused),
no denormal flushing, the reference's loader (whole shard as an int64 tensor). Each arm runs in a fresh process; step
times exclude evaluation. Early = median over steps 1..window, late = median over the last `window` steps.
`--flush-arm` adds a third arm, the reference with `torch.set_flush_denormal(True)`, to tell how much of the gap is
denormal floats. One JSON line per arm and repeat, then a summary line."""

import argparse, json, statistics, subprocess, sys, tempfile, time
from pathlib import Path
from _rss import peak_rss_mib as rss_mib

CONFIG = dict(n_layer=4, n_head=4, n_embd=128, vocab_size=50304, block_size=256)
B, T, SEED, WARMUP, MAX_LR = 8, 256, 1337, 10, 6e-4


def run_ours(data_root, steps):
    from buildNanoGPT.model import GPTConfig
    from buildNanoGPT.train import DDPConfig, TrainingConfig, train_GPT

    base = rss_mib()
    with tempfile.TemporaryDirectory() as log_dir:
        cf = TrainingConfig(
            total_batch_size=B * T,
            B=B,
            T=T,
            max_lr=MAX_LR,
            warmup_steps=WARMUP,
            max_steps=steps,
            data_root=data_root,
            hellaswag_dir=None,
            log_dir=log_dir,
            val_every=10**9,
            val_steps=1,
            sample_every=10**9,
            checkpoint_every=10**9,
            seed=SEED,
            compile=False,
        )
        res = train_GPT(DDPConfig(device="cpu"), cf, GPTConfig(**CONFIG), verbose=False)
    return dict(losses=list(res["train_losses"].values()), times=list(res["step_times"].values()), base_rss_mib=base)


def run_reference(data_root, steps, flush=False):
    "build-nanogpt's train_gpt2.py step, written out plainly (single process, no accumulation)."
    import math, numpy as np, torch, torch.nn.functional as F

    if flush:
        torch.set_flush_denormal(True)
    from buildNanoGPT.model import GPT, GPTConfig
    from buildNanoGPT.data import list_shards

    base = rss_mib()
    torch.manual_seed(SEED)
    model = GPT(GPTConfig(**CONFIG))
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
        lr=MAX_LR,
        betas=(0.9, 0.95),
        eps=1e-8,
    )
    shards = list_shards(data_root, "train")
    load = lambda i: torch.tensor(np.load(shards[i]).astype(np.int32), dtype=torch.long)
    shard, tokens, pos = 0, load(0), 0

    def get_lr(it):
        min_lr = MAX_LR * 0.1
        if it < WARMUP:
            return MAX_LR * (it + 1) / WARMUP
        if it > steps:
            return min_lr
        return min_lr + 0.5 * (1.0 + math.cos(math.pi * (it - WARMUP) / (steps - WARMUP))) * (MAX_LR - min_lr)

    losses, times = [], []
    for step in range(steps):
        t0 = time.perf_counter()
        model.train()
        opt.zero_grad()
        buf = tokens[pos : pos + B * T + 1]
        x, y = buf[:-1].view(B, T), buf[1:].view(B, T)
        pos += B * T
        if pos + B * T + 1 > len(tokens):
            shard = (shard + 1) % len(shards)
            tokens = load(shard)
            pos = 0
        logits = model.lm_head(model.hidden_states(x))
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        for g in opt.param_groups:
            g["lr"] = get_lr(step)
        opt.step()
        losses.append(loss.item())
        times.append(time.perf_counter() - t0)
    return dict(losses=losses, times=times, base_rss_mib=base)


def child(arm, data_root, steps):
    arms = {
        "ours": run_ours,
        "reference": run_reference,
        "reference_flush": lambda d, s: run_reference(d, s, flush=True),
    }
    out = arms[arm](data_root, steps)
    out["peak_rss_mib"] = rss_mib()
    print(json.dumps(out))


def spawn(arm, data_root, steps):
    r = subprocess.run(
        [sys.executable, __file__, "--child", arm, "--data", data_root, "--steps", str(steps)],
        capture_output=True,
        text=True,
    )
    if r.returncode:
        raise RuntimeError(f"{arm} arm failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--window", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--flush-arm", action="store_true", help="also run the reference with denormals flushed to zero")
    ap.add_argument("--child")
    ap.add_argument("--data")
    a = ap.parse_args()
    if a.child:
        return child(a.child, a.data, a.steps)
    from buildNanoGPT.data import find_data, tinyshakespeare_prep
    import torch

    with tempfile.TemporaryDirectory() as tmp:
        data_root = str(Path(tmp) / "shakespeare_gpt2")
        tinyshakespeare_prep(data_root, "gpt2", input_path=find_data("tinyshakespeare.txt"))
        arms = ("reference", "reference_flush", "ours") if a.flush_arm else ("reference", "ours")
        results = {arm: [] for arm in arms}
        for rep in range(a.repeats):
            for arm in arms:
                r = spawn(arm, data_root, a.steps)
                tok = [B * T / t for t in r["times"]]
                row = dict(
                    arm=arm,
                    repeat=rep,
                    early_tok_s=statistics.median(tok[1 : a.window + 1]),
                    late_tok_s=statistics.median(tok[-a.window :]),
                    peak_rss_mib=round(r["peak_rss_mib"]),
                    base_rss_mib=round(r["base_rss_mib"]),
                    first_losses=r["losses"][:3],
                    final_loss=r["losses"][-1],
                    total_s=round(sum(r["times"]), 1),
                )
                results[arm].append((row, r))
                print(
                    json.dumps(
                        {
                            "figure": "train step",
                            **{k: round(v, 1) if isinstance(v, float) else v for k, v in row.items()},
                        }
                    ),
                    flush=True,
                )
    med = lambda arm, k: statistics.median(row[k] for row, _ in results[arm])
    diffs = [
        max(abs(p - q) for p, q in zip(o["losses"][:50], rf["losses"][:50]))
        for (_, o), (_, rf) in zip(results["ours"], results["reference"])
    ]
    print(
        json.dumps(
            {
                "figure": "training throughput, 4L/4H/128d vocab 50304, B=8 T=256, Tiny Shakespeare",
                "steps": a.steps,
                "ours_early_tok_s": round(med("ours", "early_tok_s")),
                "ref_early_tok_s": round(med("reference", "early_tok_s")),
                "ours_late_tok_s": round(med("ours", "late_tok_s")),
                "ref_late_tok_s": round(med("reference", "late_tok_s")),
                "late_speedup": round(med("ours", "late_tok_s") / med("reference", "late_tok_s"), 2),
                "early_speedup": round(med("ours", "early_tok_s") / med("reference", "early_tok_s"), 2),
                "ours_peak_rss_mib": med("ours", "peak_rss_mib"),
                "ref_peak_rss_mib": med("reference", "peak_rss_mib"),
                **(
                    {
                        "ref_flush_early_tok_s": round(med("reference_flush", "early_tok_s")),
                        "ref_flush_late_tok_s": round(med("reference_flush", "late_tok_s")),
                        "late_speedup_vs_ref_flush": round(
                            med("ours", "late_tok_s") / med("reference_flush", "late_tok_s"), 2
                        ),
                        "ref_flush_peak_rss_mib": med("reference_flush", "peak_rss_mib"),
                    }
                    if a.flush_arm
                    else {}
                ),
                "max_loss_diff_first_50": max(diffs),
                "threads": torch.get_num_threads(),
                "torch": torch.__version__,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
