"""Training throughput on the CPU at the GPT-2 124M shape: fp32 against bfloat16 autocast, through `train_step`.

    python bench/bench_precision.py [--B 1] [--T 1024] [--steps 3] [--preset gpt2]

Decides what `precision="auto"` means on a CPU. Model: the preset (default GPT-2 124M, vocabulary 50304, GPT-2 init,
seed 1337), AdamW as `configure_optimizers` builds it; one micro-batch of B x T Tiny Shakespeare tokens a step. Each
precision runs in the same process, one warm-up step first, then `--steps` timed steps; the arms alternate step by
step so that a change in machine load hits both. One JSON line per precision, then a summary line with the ratio."""

import argparse, json, platform, statistics, time


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--B", type=int, default=1)
    ap.add_argument("--T", type=int, default=1024)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--preset", default="gpt2")
    args = ap.parse_args()
    import torch
    from buildNanoGPT.data import DataLoaderLite, find_data, tinyshakespeare_prep
    from buildNanoGPT.model import GPT, GPTConfig
    from buildNanoGPT.train import train_step
    import tempfile

    torch.set_flush_denormal(True)
    with tempfile.TemporaryDirectory() as d:
        tinyshakespeare_prep(d, "gpt2", input_path=find_data("tinyshakespeare.txt"))
        loader = DataLoaderLite(args.B, args.T, data_root=d, master_process=False)
        batches = [loader.next_batch() for _ in range(args.steps + 1)]
    arms = {}
    for precision in ("fp32", "bf16"):
        torch.manual_seed(1337)
        model = GPT(GPTConfig.from_preset(args.preset, vocab_size=50304, block_size=args.T))
        opt = model.configure_optimizers(0.1, 6e-4, "cpu", verbose=False)
        arms[precision] = dict(model=model, opt=opt, times=[], losses=[])
    for i, batch in enumerate(batches):
        for precision, arm in arms.items():
            t0 = time.perf_counter()
            loss, _ = train_step(arm["model"], arm["opt"], [batch], 6e-4, precision=precision)
            if i > 0:  # step 0 is the warm-up
                arm["times"].append(time.perf_counter() - t0)
            arm["losses"].append(loss)
    tokens = args.B * args.T
    common = dict(cpu=cpu_model(), capability=torch.backends.cpu.get_cpu_capability(), threads=torch.get_num_threads(),
                  torch=torch.__version__, preset=args.preset, B=args.B, T=args.T)  # fmt: skip
    med = {}
    for precision, arm in arms.items():
        med[precision] = statistics.median(arm["times"])
        row = dict(bench="precision", precision=precision, **common, step_s=arm["times"], median_s=med[precision],
                   tok_s=tokens / med[precision], losses=arm["losses"])  # fmt: skip
        print(json.dumps(row), flush=True)
    diff = max(abs(a - b) for a, b in zip(arms["fp32"]["losses"], arms["bf16"]["losses"]))
    summary = dict(bench="precision", summary=True, **common, bf16_over_fp32_speed=med["fp32"] / med["bf16"],
                   max_abs_loss_diff=diff)  # fmt: skip
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
