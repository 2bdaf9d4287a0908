"""Memory of the LM head: peak RSS of one training step at B=16, T=1024, vocab 50304, full logits vs
`linear_cross_entropy`.

    python bench/bench_lm_head.py [--B 16] [--T 1024] [--repeats 3] [--preset gpt-micro]

The model is small (default `gpt-micro`: 4 layers, 128 wide, with the GPT-2 vocabulary padded to 50304) so that the
head dominates, as it does in the 124M model at this batch size: the logits alone are 16*1024*50304*4 B = 3.3 GB.
Each arm runs one step (forward, backward, AdamW) in a fresh interpreter; RSS is measured from just before the
step. The reference arm is the lecture's `logits = lm_head(x); F.cross_entropy(logits, y)`. One JSON line per figure."""

import argparse, json, statistics, subprocess, sys
from _rss import CHILD_PRELUDE

CHILD = (
    CHILD_PRELUDE
    + r"""
import time, torch
from buildNanoGPT.model import GPT, GPTConfig
arm, preset, B, T = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
torch.manual_seed(0)
model = GPT(GPTConfig.from_preset(preset, vocab_size=50304, block_size=T))
opt = torch.optim.AdamW(model.parameters(), lr=6e-4)
x, y = torch.randint(0, 50257, (B, T)), torch.randint(0, 50257, (B, T))
base = peak_rss_mib()
t0 = time.perf_counter()
_, loss = model(x, y, return_logits=arm == "full")
loss.backward(); opt.step()
dt = time.perf_counter() - t0
print({"loss": loss.item(), "step_s": dt, "peak_growth_mib": peak_rss_mib() - base, "base_mib": base})
"""
)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--B", type=int, default=16)
    ap.add_argument("--T", type=int, default=1024)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--preset", default="gpt-micro")
    a = ap.parse_args()
    runs = {"full": [], "chunked": []}
    for _ in range(a.repeats):
        for arm in runs:
            r = subprocess.run(
                [sys.executable, "-c", CHILD, arm, a.preset, str(a.B), str(a.T)], capture_output=True, text=True
            )
            if r.returncode:
                raise RuntimeError(r.stderr[-2000:])
            runs[arm].append(eval(r.stdout.strip().splitlines()[-1]))
    med = lambda arm, k: statistics.median(r[k] for r in runs[arm])
    import torch

    print(
        json.dumps(
            {
                "figure": "LM head memory, one training step",
                "preset": a.preset,
                "B": a.B,
                "T": a.T,
                "vocab": 50304,
                "full_peak_growth_mib": round(med("full", "peak_growth_mib")),
                "chunked_peak_growth_mib": round(med("chunked", "peak_growth_mib")),
                "full_peak_rss_mib": round(med("full", "peak_growth_mib") + med("full", "base_mib")),
                "chunked_peak_rss_mib": round(med("chunked", "peak_growth_mib") + med("chunked", "base_mib")),
                "peak_ratio_total": round(
                    (med("full", "peak_growth_mib") + med("full", "base_mib"))
                    / (med("chunked", "peak_growth_mib") + med("chunked", "base_mib")),
                    2,
                ),
                "peak_growth_ratio": round(med("full", "peak_growth_mib") / med("chunked", "peak_growth_mib"), 2),
                "full_step_s": round(med("full", "step_s"), 2),
                "chunked_step_s": round(med("chunked", "step_s"), 2),
                "loss_diff": abs(runs["full"][0]["loss"] - runs["chunked"][0]["loss"]),
                "repeats": a.repeats,
                "threads": torch.get_num_threads(),
                "torch": torch.__version__,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
