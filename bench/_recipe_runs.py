"A recipe's run in one process, as the ablation and the sweep train it: the package's own pieces, the clock on steps."

import statistics, subprocess, sys, time
from pathlib import Path


def prepare_gpt2(out_dir):
    "The GPT-2 tokens of `nltk_docs.jsonl` (`find_docs`) in `out_dir`, 200,000-token shards (the races' data)."
    from buildNanoGPT.data import find_docs

    prog = Path(sys.executable).parent / "bngpt_prepare"  # this interpreter's environment's command
    cmd = [str(prog) if prog.exists() else "bngpt_prepare", "corpus", str(find_docs()), "--shard_size", "200000"]
    subprocess.run(cmd + ["--out_dir", str(out_dir)], check=True, capture_output=True)
    return str(out_dir)


def setup(preset, options, cf, vocab_size):
    "`(model, optimizer, train loader)` of a run with `cf`, seeded with `cf.seed`, on one CPU thread."
    import torch
    from buildNanoGPT.data import DataLoaderLite
    from buildNanoGPT.model import GPT, GPTConfig
    from buildNanoGPT.runtime import set_random_seed

    torch.set_num_threads(1)
    torch.set_flush_denormal(True)  # as train_GPT does on a CPU
    set_random_seed(cf.seed)
    model = GPT(GPTConfig.from_preset(preset, vocab_size=vocab_size, block_size=cf.T, **options))
    opt = model.configure_optimizers(cf.weight_decay, cf.max_lr, "cpu", betas=(cf.beta1, cf.beta2), verbose=False,
                                     optimizer=cf.optimizer, muon_lr=cf.muon_lr, muon_momentum=cf.muon_momentum,
                                     embed_lr=cf.embed_lr)
    loader = DataLoaderLite(cf.B, cf.T, 0, 1, "train", cf.data_root, master_process=False, sampling=cf.sampling,
                            seed=cf.seed)
    return model, opt, loader


def train_scored(model, opt, loader, cf, val, due):
    "Train `cf.max_steps` steps; after each step where `due(steps done)` and the last, score `val` off the clock."
    from buildNanoGPT.eval import split_loss
    from buildNanoGPT.train import get_lr, train_step

    train_s, step_ms, curve = 0.0, [], []
    for step in range(cf.max_steps):
        t0 = time.perf_counter()
        train_step(model, opt, [loader.next_batch()], get_lr(step, cf), cf.grad_clip, precision="fp32")
        dt = time.perf_counter() - t0
        train_s += dt
        step_ms.append(1000 * dt)
        if step + 1 == cf.max_steps or due(step + 1):
            curve.append((step + 1, round(train_s, 2), round(split_loss(model, val, cf.T, batch_size=16), 4)))
    return round(train_s, 2), round(statistics.median(step_ms), 2), curve


def wiki_text():
    "WikiText-2's test text (`../shared/data/wikitext-2/test.txt`): the races' text from elsewhere."
    from buildNanoGPT.data import find_data

    return find_data("wikitext-2/test.txt").read_text(encoding="utf-8")


def wiki_loss(model, T, max_tokens=50000):
    "The loss on the first `max_tokens` GPT-2 tokens of WikiText-2's test text (None: all of it), in windows of `T`."
    from buildNanoGPT.eval import text_perplexity

    return text_perplexity(model, "gpt2", wiki_text(), T=T, max_tokens=max_tokens)["loss"]


def placeholder_tokens(ids, enc, placeholder="<unk>"):
    "A boolean array: True for each token of `ids` that holds part of a `placeholder` (WikiText-2's stand-in word)."
    import re
    import numpy as np

    text, starts = enc.decode_with_offsets(ids)
    marked = np.zeros(len(text) + 1, dtype=np.int64)
    for m in re.finditer(re.escape(placeholder), text):
        marked[m.start() + 1 : m.end() + 1] = 1
    marked = np.cumsum(marked)  # marked[i]: placeholder characters in text[:i]
    ends = np.array(starts[1:] + [len(text)])
    return marked[ends] > marked[np.array(starts)]


def wiki_loss_without_unk(model, T, max_tokens=50000):
    """`wiki_loss` with the tokens of WikiText-2's `<unk>` placeholders left out of the mean (kept in the context).

    The test text stands `<unk>` for every rare word (15,218 times: 15% of its GPT-2 tokens are ` <`, `unk`, `>`); the
    raw WikiText-2 text that lm-evaluation-harness scores has the words themselves."""
    import torch
    from buildNanoGPT.data import get_tokenizer

    enc = get_tokenizer("gpt2")
    ids = enc.encode_ordinary(wiki_text())[:max_tokens]
    n = (len(ids) - 1) // T  # the windows of text_perplexity
    x, y = torch.tensor(ids[: n * T]).view(n, T), torch.tensor(ids[1 : n * T + 1]).view(n, T)
    y[torch.from_numpy(placeholder_tokens(ids, enc)[1 : n * T + 1]).view(n, T)] = -100  # cross-entropy's ignore_index
    model.eval()
    total = 0.0
    with torch.no_grad():
        for i in range(0, n, 16):
            _, loss = model(x[i : i + 16], y[i : i + 16], return_logits=False)  # the mean over the kept targets
            total += loss.double().item() * (y[i : i + 16] != -100).sum().item()
    return total / (y != -100).sum().item()


def run_workers(cmds, parallel):
    "Run the command lines `cmds`, `parallel` at a time, each with one thread; yield each one's last line of output."
    import os

    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    cmds, running = list(cmds), []
    while cmds or running:
        while cmds and len(running) < parallel:
            running.append(subprocess.Popen(cmds.pop(0), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                            env=env))
        time.sleep(0.2)
        for proc in [p for p in running if p.poll() is not None]:
            running.remove(proc)
            out, err = proc.communicate()
            if proc.returncode:
                sys.exit(f"a run failed ({' '.join(map(str, proc.args[1:]))[:300]}):\n{err[-2000:]}")
            yield out.strip().splitlines()[-1]
