#!/usr/bin/env bash
# The package as users install it: build the wheel, install it WITHOUT the dev extras into a fresh venv (torch first,
# then whatever pip resolves: fastcore 2.x included), and run the README's command-line quick start on tiny settings
# from a directory outside the repository. Any failing command fails CI.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$(cd "$ROOT/.." && pwd)/shared}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

python -m pip wheel -q --no-deps -w "$WORK/dist" "$ROOT"
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install -q --upgrade pip
"$WORK/venv/bin/python" -m pip install -q torch==2.13.0
"$WORK/venv/bin/python" -m pip install -q "$WORK"/dist/*.whl
"$WORK/venv/bin/python" -c "import fastcore, buildNanoGPT; print('wheel', buildNanoGPT.__version__, 'fastcore', fastcore.__version__)"

export PATH="$WORK/venv/bin:$PATH"
cd "$WORK"
set -x
bngpt_prepare tinyshakespeare --tokenizer char --input_path "$SHARED/data/tinyshakespeare.txt" --out_dir tinyshakespeare
bngpt_train --preset gpt-nano --device cpu --data_root tinyshakespeare --hellaswag_dir None --log_dir log/shakespeare \
    --total_batch_size 256 --B 4 --T 64 --max_lr 1e-3 --min_lr 1e-4 --warmup_steps 2 --max_steps 6 --val_every 3 \
    --val_steps 2 --no-bias --beta2 0.99 --sampling random --val_sampling random
bngpt_train --preset gpt-nano --device cpu --data_root tinyshakespeare --hellaswag_dir None --log_dir log/shakespeare \
    --total_batch_size 256 --B 4 --T 64 --max_lr 1e-3 --min_lr 1e-4 --warmup_steps 2 --max_steps 8 --val_every 3 \
    --val_steps 2 --no-bias --beta2 0.99 --sampling random --val_sampling random --resume
bngpt_sample log/shakespeare --prompt "ROMEO:" --num_samples 2 --max_new_tokens 20
bngpt_eval log/shakespeare --data_root tinyshakespeare --steps 2 --B 4
bngpt_plot log/shakespeare/log.txt --sz none --smooth 2 --out loss.png
bngpt_export log/shakespeare --out_dir shakespeare-gpt
bngpt_prepare tinyshakespeare --tokenizer gpt2 --input_path "$SHARED/data/tinyshakespeare.txt" --out_dir ts_gpt2
bngpt_train --preset gpt-nano --device cpu --data_root ts_gpt2 --hellaswag_dir None --log_dir log/gpt2 \
    --total_batch_size 512 --B 4 --T 128 --max_steps 2 --val_steps 1
bngpt_prepare eval-bundle --input_path "$SHARED/data/eval_bundle" --out_dir eval_bundle
bngpt_eval log/gpt2 --tasks copa,winograd,bigbench_operators --max_per_task 5 --out core.json
bngpt_eval log/gpt2 --gauntlet --tasks svamp,triviaqa_sm_sub --max_per_task 2
set +x
test -s loss.png && test -s shakespeare-gpt/model.safetensors && test -s core.json
for cmd in bngpt_prepare bngpt_train bngpt_sample bngpt_eval bngpt_plot bngpt_export bngpt_chat; do "$cmd" --help >/dev/null; done
# the chat server is an extra (buildNanoGPT[chat]): without it, bngpt_chat --web says how to install it, in one line
if bngpt_chat shakespeare-gpt --web 2>chat_err.txt; then echo "bngpt_chat --web ran without the chat extra"; exit 1; fi
grep -q 'pip install "buildNanoGPT\[chat\]"' chat_err.txt || { cat chat_err.txt; exit 1; }
test "$(wc -l < chat_err.txt)" -eq 1
echo "wheel check: the command-line quick start ran from the installed wheel"
