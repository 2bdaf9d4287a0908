"""Generation speed: KV cache (`GPT.generate`) vs full recomputation per token (the reference's sampling loop),
GPT-2 124M shape (random init, fp32), greedy, batch 1 and 4, 256 and 768 new tokens.

    python bench/bench_generate.py [--repeats 3] [--new 256 768] [--batch 1 4]

The cached runs are timed end to end. Recomputing 768 tokens takes tens of minutes on a laptop CPU, so the reference's
time is integrated from its measured step times at 7 sequence lengths (trapezoid rule); `--check` also times a short
reference run directly and prints the estimate's error. One JSON line per figure."""

import argparse, json, statistics, time
import numpy as np, torch
from buildNanoGPT.model import GPT, GPTConfig


def timed(fn, repeats):
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


@torch.no_grad()
def reference_step(model, idx):
    "One step of the reference loop: full forward over the (cropped) sequence, all logits, then the next token."
    logits, _ = model(idx[:, -model.config.block_size :])
    return torch.cat([idx, logits[:, -1, :].argmax(-1, keepdim=True)], dim=1)


def reference_estimate(model, prompt, n_new, repeats, points=7):
    "Seconds the reference loop takes for `n_new` tokens, integrated from step times measured at `points` lengths."
    B, T0 = prompt.shape
    lengths = np.linspace(T0, T0 + n_new - 1, points).round().astype(int)
    step = [timed(lambda L=L: reference_step(model, torch.randint(0, 50257, (B, L))), repeats) for L in lengths]
    all_lengths = np.arange(T0, T0 + n_new)
    return float(np.interp(all_lengths, lengths, step).sum()), dict(zip(map(int, lengths), map(float, step)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--new", type=int, nargs="+", default=[256, 768])
    ap.add_argument("--batch", type=int, nargs="+", default=[1, 4])
    ap.add_argument(
        "--check", action="store_true", help="validate the estimate against a directly timed 64-token reference run"
    )
    a = ap.parse_args()
    torch.manual_seed(0)
    model = GPT(GPTConfig()).eval()  # 124M shape, vocab 50257, block 1024
    prompt_len = 8  # "Hello, I'm a language model," is 8 GPT-2 tokens
    if a.check:

        def run_reference(idx, n):
            for _ in range(n):
                idx = reference_step(model, idx)
            return idx

        direct = timed(lambda: run_reference(torch.randint(0, 50257, (1, prompt_len)), 64), 1)
        est, _ = reference_estimate(model, torch.randint(0, 50257, (1, prompt_len)), 64, a.repeats)
        print(
            json.dumps(
                {
                    "figure": "reference estimate check, 64 new tokens, batch 1",
                    "direct_s": round(direct, 3),
                    "estimate_s": round(est, 3),
                    "error": round(est / direct - 1, 3),
                }
            ),
            flush=True,
        )
    for B in a.batch:
        prompt = torch.randint(0, 50257, (B, prompt_len))
        for n in a.new:
            cached = timed(lambda: model.generate(prompt, n, temperature=0), a.repeats)
            ref, steps = reference_estimate(model, prompt, n, a.repeats)
            print(
                json.dumps(
                    {
                        "figure": "generation new tokens/s",
                        "model": "124M shape fp32",
                        "batch": B,
                        "new_tokens": n,
                        "kv_cache_tok_s": round(B * n / cached, 2),
                        "recompute_tok_s": round(B * n / ref, 3),
                        "speedup": round(ref / cached, 1),
                        "kv_cache_s": round(cached, 2),
                        "recompute_s_estimated": round(ref, 1),
                        "recompute_step_s_by_length": {k: round(v, 4) for k, v in steps.items()},
                        "threads": torch.get_num_threads(),
                        "torch": torch.__version__,
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
