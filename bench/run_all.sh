#!/usr/bin/env bash
# Every benchmark, one after another; JSON lines on stdout and in bench/results.jsonl (or $1).
# About 130 minutes on a 2-core CPU (the races and the ablations: 85 of them). bench_gpu.py runs only where CUDA is available.
# Offline: export TIKTOKEN_CACHE_DIR=../shared/tiktoken_cache BUILDNANOGPT_DATA=../shared/data
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/results.jsonl}
{
  python bench/bench_train.py --steps 300
  python bench/bench_lm_head.py --repeats 3
  python bench/bench_hellaswag.py --examples 500
  python bench/bench_generate.py --repeats 3
  python bench/bench_shards.py --repeats 7
  python bench/bench_loader.py
  python bench/bench_precision.py
  python bench/bench_core.py
  python bench/bench_random_batch.py
  python bench/bench_race.py --race fast --repeats 3
  python bench/bench_race.py --race same --repeats 2
  python bench/bench_ablation.py
  python bench/bench_race.py --race gpt2 --repeats 2
  python bench/bench_ablation.py --recipe gpt2-tokens-fast
  python bench/bench_step.py
  if python -c "import torch, sys; sys.exit(not torch.cuda.is_available())"; then python bench/bench_gpu.py; fi
} | tee "$out"
