"""A sweep of a GPT-2-token recipe's settings: how its rates and schedule were chosen.

    python bench/bench_sweep.py --recipe gpt2-tokens-lecture --grid max_lr=6e-4,1e-3,1.5e-3,2e-3,3e-3
    python bench/bench_sweep.py --recipe gpt2-tokens-fast --seeds 1337 2 --set max_steps=180 --grid weight_decay=0,0.1

Each point is the recipe (`buildNanoGPT.modern.RECIPES`) with `--set` and one value of each `--grid` setting (their
product), trained on the GPT-2 tokens of `nltk_docs.jsonl` (prepared as `bench_race.py --race gpt2` does) with the
package's own pieces (`GPT`, `configure_optimizers`, `DataLoaderLite`, `get_lr`, `train_step`), each run a process with
one thread, `--parallel` at a time. Every `--eval_every` steps and at the end, outside the clock, the model is scored
on the first `--eval_tokens` tokens of the validation split (a cheap, fixed sample: the whole split costs as much as
a fifth of a run), and at the end on the first 50,000 tokens of WikiText-2's test text; windows of the recipe's T.
JSON lines: one per run (its settings, the curve [step, training seconds, loss], the WikiText-2 loss)."""

import argparse, itertools, json, sys, tempfile
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
    from buildNanoGPT.eval import split_tokens
    from buildNanoGPT.model import GPTConfig
    from buildNanoGPT.modern import RECIPES
    from buildNanoGPT.train import TrainingConfig
    from _recipe_runs import setup, train_scored, wiki_loss

    recipe = RECIPES[recipe_name]
    model_keys = set(GPTConfig.__dataclass_fields__)
    options = {**recipe["model"], **{k: v for k, v in settings.items() if k in model_keys}}
    cf = TrainingConfig(**{**recipe["train"], **{k: v for k, v in settings.items() if k not in model_keys},
                           "data_root": data})
    model, opt, loader = setup(recipe["preset"], options, cf, 50304)
    val = split_tokens(data, "val")[: eval_tokens + 1]
    train_s, step_ms, curve = train_scored(model, opt, loader, cf, val, lambda done: done % eval_every == 0)
    print(json.dumps(dict(recipe=recipe_name, settings=settings, steps=cf.max_steps, train_s=train_s,
                          median_step_ms=step_ms, curve=curve, loss=curve[-1][2],
                          wiki_loss=round(wiki_loss(model, cf.T), 4))), flush=True)


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
    from _recipe_runs import prepare_gpt2, run_workers

    grid = {k: [value(x) for x in v.split(",")] for k, _, v in (g.partition("=") for g in a.grid)}
    points = [{**pairs(a.set), **dict(zip(grid, combo)), "seed": seed}
              for combo in itertools.product(*grid.values()) for seed in a.seeds]
    with tempfile.TemporaryDirectory() as tmp:
        data = prepare_gpt2(Path(tmp) / "gpt2")
        cmds = [[sys.executable, __file__, "--recipe", a.recipe, "--worker", json.dumps(point), "--data", data,
                 "--eval_every", str(a.eval_every), "--eval_tokens", str(a.eval_tokens)] for point in points]
        for line in run_workers(cmds, a.parallel):
            print(line, flush=True)
            if a.out:
                with open(a.out, "a") as f:
                    f.write(line + "\n")


if __name__ == "__main__":
    main()
