"""A sweep of a GPT-2-token recipe's settings: how its rates and schedule were chosen.

    python bench/bench_sweep.py --recipe gpt2-tokens-lecture --grid max_lr=6e-4,1e-3,1.5e-3,2e-3,3e-3
    python bench/bench_sweep.py --recipe gpt2-tokens-fast --set max_steps=160 --grid embed_lr=0.3,1.0

Each point is the recipe (`buildNanoGPT.modern.RECIPES`) with `--set` and one value of each `--grid` setting (their
product), trained on the GPT-2 tokens of `nltk_docs.jsonl` (prepared as `bench_race.py --race gpt2` does) with the
package's own pieces (`GPT`, `configure_optimizers`, `DataLoaderLite`, `get_lr`, `train_step`), each run a process with
one thread, `--parallel` at a time. Every `--eval_every` steps and at the end, outside the clock, the model is scored
on the first `--eval_tokens` tokens of the validation split (a cheap, fixed sample: the whole split costs as much as
a fifth of a run), and at the end on the first 50,000 tokens of WikiText-2's test text; windows of the recipe's T.
JSON lines: one per run (its settings, the curve [step, training seconds, loss], the WikiText-2 loss)."""

import argparse, itertools, json, os, statistics, subprocess, sys, tempfile, time
from pathlib import Path


def value(text):
    "A setting's value from the command line: a number, None, true/false, or the text."
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"None": None, "true": True, "false": False}.get(text, text)


def pairs(words):
    "{key: value} of `KEY=VALUE` words."
    return {k: value(v) for k, _, v in (w.partition("=") for w in words)}


def worker(recipe_name, settings, data, eval_every, eval_tokens):
    "Train the recipe with `settings` (GPTConfig or TrainingConfig fields) in this process; print its JSON line."
    import torch
    from buildNanoGPT.data import DataLoaderLite, find_data
    from buildNanoGPT.eval import split_loss, split_tokens, text_perplexity
    from buildNanoGPT.model import GPT, GPTConfig
    from buildNanoGPT.modern import RECIPES
    from buildNanoGPT.train import TrainingConfig, get_lr, set_random_seed, train_step

    torch.set_num_threads(1)
    torch.set_flush_denormal(True)  # as train_GPT does on a CPU
    recipe = RECIPES[recipe_name]
    model_keys = set(GPTConfig.__dataclass_fields__)
    options = {**recipe["model"], **{k: v for k, v in settings.items() if k in model_keys}}
    train = {**recipe["train"], **{k: v for k, v in settings.items() if k not in model_keys}, "data_root": data}
    cf = TrainingConfig(**train)
    set_random_seed(cf.seed)
    model = GPT(GPTConfig.from_preset(recipe["preset"], vocab_size=50304, block_size=cf.T, **options))
    opt = model.configure_optimizers(cf.weight_decay, cf.max_lr, "cpu", betas=(cf.beta1, cf.beta2), verbose=False,
                                     optimizer=cf.optimizer, muon_lr=cf.muon_lr, muon_momentum=cf.muon_momentum,
                                     embed_lr=cf.embed_lr)
    loader = DataLoaderLite(cf.B, cf.T, 0, 1, "train", data, master_process=False, sampling=cf.sampling, seed=cf.seed)
    val = split_tokens(data, "val")[: eval_tokens + 1]
    train_s, step_ms, curve = 0.0, [], []
    for step in range(cf.max_steps):
        t0 = time.perf_counter()
        train_step(model, opt, [loader.next_batch()], get_lr(step, cf), cf.grad_clip, precision="fp32")
        dt = time.perf_counter() - t0
        train_s += dt
        step_ms.append(1000 * dt)
        if step + 1 == cf.max_steps or (step + 1) % eval_every == 0:
            curve.append((step + 1, round(train_s, 1), round(split_loss(model, val, cf.T, batch_size=16), 4)))
    wiki = find_data("wikitext-2/test.txt").read_text(encoding="utf-8")
    wiki_loss = text_perplexity(model, "gpt2", wiki, T=cf.T, max_tokens=50000)["loss"]
    print(json.dumps(dict(recipe=recipe_name, settings=settings, steps=cf.max_steps, train_s=round(train_s, 1),
                          median_step_ms=round(statistics.median(step_ms), 1), curve=curve, loss=curve[-1][2],
                          wiki_loss=round(wiki_loss, 4))), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--recipe", default="gpt2-tokens-fast", choices=["gpt2-tokens-lecture", "gpt2-tokens-fast"])
    p.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="settings for every point")
    p.add_argument("--grid", nargs="*", default=[], metavar="KEY=V1,V2", help="a setting's values to sweep")
    p.add_argument("--seeds", nargs="+", type=int, default=[1337])
    p.add_argument("--parallel", type=int, default=2)
    p.add_argument("--eval_every", type=int, default=50)
    p.add_argument("--eval_tokens", type=int, default=40960)
    p.add_argument("--out", help="also append the JSON lines to this file")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.worker:
        return worker(a.recipe, json.loads(a.worker), a.data, a.eval_every, a.eval_tokens)
    from buildNanoGPT.data import find_docs

    grid = {k: [value(x) for x in v.split(",")] for k, _, v in (g.partition("=") for g in a.grid)}
    points = [{**pairs(a.set), **dict(zip(grid, combo)), "seed": seed}
              for combo in itertools.product(*grid.values()) for seed in a.seeds]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        data = str(Path(tmp) / "gpt2")
        prog = Path(sys.executable).parent / "bngpt_prepare"
        subprocess.run([str(prog) if prog.exists() else "bngpt_prepare", "corpus", str(find_docs()), "--shard_size",
                        "200000", "--out_dir", data], check=True, capture_output=True)
        running = []
        while points or running:
            while points and len(running) < a.parallel:
                cmd = [sys.executable, __file__, "--recipe", a.recipe, "--worker", json.dumps(points.pop(0)),
                       "--data", data, "--eval_every", str(a.eval_every), "--eval_tokens", str(a.eval_tokens)]
                running.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                                env=env))
            time.sleep(0.5)
            for proc in [q for q in running if q.poll() is not None]:
                running.remove(proc)
                out, err = proc.communicate()
                if proc.returncode:
                    sys.exit(f"a run failed:\n{err[-2000:]}")
                line = out.strip().splitlines()[-1]
                print(line, flush=True)
                if a.out:
                    with open(a.out, "a") as f:
                        f.write(line + "\n")


if __name__ == "__main__":
    main()
