"""Benchmark scoring speed: the packed, batched scorer (`evaluate_task`) against one forward pass per item with all
logits (`evaluate_task_simple`, the reference harness's way), on the same items of real CORE tasks.

    python bench/bench_core.py [--items 50] [--preset gpt-mini] [--tasks copa,winograd,arc_easy,bigbench_operators]

Model: the preset with GPT-2's vocabulary (50304 rows) and a 1024-token window, random weights (seed 1337): the
scoring work does not depend on what the weights are. Each task's first `--items` items are scored by both arms in
this process, the simple arm first; the per-item answers must be identical. One JSON line per task and arm (items/s),
then a summary line with the ratio over all items. Needs the shared eval bundle (or `bngpt_prepare eval-bundle`):
offline, export BUILDNANOGPT_DATA=../shared/data TIKTOKEN_CACHE_DIR=../shared/tiktoken_cache."""

import argparse, json, time
from bench_precision import cpu_model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--preset", default="gpt-mini")
    ap.add_argument("--tasks", default="copa,winograd,arc_easy,bigbench_operators")
    args = ap.parse_args()
    import torch
    from buildNanoGPT.data import find_data, get_tokenizer
    from buildNanoGPT.eval import TASKS, evaluate_task, evaluate_task_simple, load_task_items
    from buildNanoGPT.model import GPT, GPTConfig
    from buildNanoGPT.train import DDPConfig

    torch.manual_seed(1337)
    model = GPT(GPTConfig.from_preset(args.preset, vocab_size=50304, block_size=1024)).eval()
    bundle, enc, ddp = find_data("eval_bundle/dclm_heavy.yaml").parent, get_tokenizer("gpt2"), DDPConfig(device="cpu")
    common = dict(cpu=cpu_model(), threads=torch.get_num_threads(), torch=torch.__version__, preset=args.preset)
    total = {"simple": 0.0, "packed": 0.0}
    n_items = 0
    for label in args.tasks.split(","):
        task = TASKS[label]
        items = load_task_items(bundle / task.file, task.type)
        t0 = time.perf_counter()
        simple = evaluate_task_simple(model, task, items, enc, args.items)
        t1 = time.perf_counter()
        packed = evaluate_task(model, task, items, ddp, enc, args.items)
        t2 = time.perf_counter()
        if packed != simple:
            differ = sum(a != b for a, b in zip(packed, simple))
            raise SystemExit(f"{label}: the two scorers disagree on {differ} items")
        for arm, dt in (("simple", t1 - t0), ("packed", t2 - t1)):
            total[arm] += dt
            print(json.dumps(dict(bench="core", task=label, arm=arm, items=len(simple), seconds=dt,
                                  items_s=len(simple) / dt, **common)), flush=True)
        n_items += len(simple)
    print(json.dumps(dict(bench="core", summary=True, items=n_items, simple_items_s=n_items / total["simple"],
                          packed_items_s=n_items / total["packed"], speedup=total["simple"] / total["packed"],
                          identical_answers=True, **common)), flush=True)


if __name__ == "__main__":
    main()
