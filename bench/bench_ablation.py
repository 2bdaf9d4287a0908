"""Leave-one-out ablation of a fast recipe: what each change of "Beyond the lecture" is worth.

    python bench/bench_ablation.py [--recipe shakespeare-char-fast|gpt2-tokens-fast] [--seeds 1337 2]
                                   [--variants recipe no-muon ...] [--parallel 2] [--steps N]

Each variant is the recipe (`buildNanoGPT.modern.RECIPES`) with one setting changed back to the lecture's (or, for
`plus-qk_norm`, one more option), trained for the recipe's 400 steps on Tiny Shakespeare's characters with the
package's own pieces: `GPT`, `configure_optimizers`, `DataLoaderLite` (random windows), `get_lr`, `train_step`.
Every run is a separate process with one thread (`--parallel 2` runs two at once, one per core, as the race does);
its clock covers the training steps only. From step `--eval_from` on, every `--eval_every` steps, the model is scored
on the whole validation split (`split_loss`: non-overlapping 64-character windows, every token once), outside the
clock. Time to target = training seconds at the first of those scores at or below `--target` (nanoGPT's final loss
on the same evaluation, 1.898 in the issue's measurement). JSON lines: one per run, one summary per variant (medians
over the seeds), then the machine. `--steps N` shortens every run (a pipeline check: its numbers mean nothing).

`--recipe gpt2-tokens-fast` ablates the GPT-2-token recipe instead (`GPT2_VARIANTS`; `plus-`: one more change), on the
GPT-2 tokens of the FineWeb-shaped `nltk_docs.jsonl` (`bngpt_prepare corpus --shard_size 200000`, as `bench_race.py
--race gpt2`). Scoring its whole validation split (190,120 tokens) costs as much as a third of a run, so each run is
scored once, at its end, on the split's first 40,960 tokens and on the first 50,000 of WikiText-2's test text
(`text_perplexity`), in windows of T=128, as `bench_sweep.py` scores; `bench_race.py --race gpt2` scores the recipes on
all of both."""

import argparse, datetime, json, os, platform, statistics, sys, tempfile
from dataclasses import asdict
from pathlib import Path

VARIANTS = {  # name: (GPTConfig changes, TrainingConfig changes), applied to the recipe
    "recipe": ({}, {}),
    "no-muon": ({}, dict(optimizer="adamw", max_lr=3e-3)),  # AdamW for every parameter, at its best rate here
    "no-rope": (dict(rope=False), {}),  # learned positions
    "no-rmsnorm": (dict(norm="layernorm"), {}),  # LayerNorm (no bias)
    "no-relu2": (dict(activation="gelu"), {}),  # GPT-2's tanh GELU
    "no-untied": (dict(tie_embeddings=True), {}),  # the head is the token embedding
    "no-zero_init": (dict(zero_init=False), {}),  # GPT-2's initialisation of the projections and head
    "no-wsd": ({}, dict(lr_schedule="cosine", min_lr=1e-3)),  # the lecture's cosine, to a tenth of the peak
    "plus-qk_norm": (dict(qk_norm=True), {}),  # one more option: normalised queries and keys
    "lecture": (dict(rope=False, norm="layernorm", activation="gelu", tie_embeddings=True, zero_init=False),
                dict(optimizer="adamw", max_lr=1e-3, min_lr=1e-4, warmup_steps=100, lr_schedule="cosine",
                     weight_decay=0.1)),  # nanoGPT's recipe (no bias, beta2 0.99), cut to 400 steps
}
GPT2_VARIANTS = {  # the same, for the GPT-2-token recipe: each change taken back to the lecture's, or one added
    "recipe": ({}, {}),
    "no-muon": ({}, dict(optimizer="adamw")),  # AdamW for the matrices too, at the head's rate
    "no-rope": (dict(rope=False), {}),
    "no-rmsnorm": (dict(norm="layernorm"), {}),
    "no-zero_init": (dict(zero_init=False), {}),
    "no-wsd": ({}, dict(lr_schedule="cosine", min_lr=None)),  # the lecture's cosine, to a tenth of the peak
    "plus-relu2": (dict(activation="relu2"), {}),  # the character recipe's activation
    # the recipe as first tuned: an untied head, the embedding at 1.0 (333x the head), no weight decay
    "plus-untied": (dict(tie_embeddings=False), dict(embed_lr=1.0, weight_decay=0.0)),
    "lecture": ("gpt2-tokens-lecture", {}),  # the lecture's recipe, cut to the fast recipe's steps
}
ABLATIONS = {"shakespeare-char-fast": (VARIANTS, 1.898), "gpt2-tokens-fast": (GPT2_VARIANTS, None)}


def cpu_model():
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def variant_settings(recipe_name, variant, data, seed, steps=None):
    "`(preset, GPTConfig options, TrainingConfig)` of `variant` of recipe `recipe_name`."
    from buildNanoGPT.modern import RECIPES
    from buildNanoGPT.train import TrainingConfig

    recipe, (arch, train) = RECIPES[recipe_name], ABLATIONS[recipe_name][0][variant]
    if isinstance(arch, str):  # another recipe, cut to this one's number of steps
        model, train = RECIPES[arch]["model"], {**RECIPES[arch]["train"], "max_steps": recipe["train"]["max_steps"]}
    else:
        model, train = {**recipe["model"], **arch}, {**recipe["train"], **train}
    cf = TrainingConfig(**{**train, "data_root": data, "seed": seed, **({"max_steps": steps} if steps else {})})
    return recipe["preset"], model, cf


def worker(recipe_name, variant, seed, data, eval_from, eval_every, steps=None):
    "Train one variant in this process (one thread) and print its JSON line."
    from buildNanoGPT.data import read_manifest
    from buildNanoGPT.eval import split_tokens
    from buildNanoGPT.model import padded_vocab_size
    from _recipe_runs import setup, train_scored, wiki_loss

    preset, options, cf = variant_settings(recipe_name, variant, data, seed, steps)
    gpt2 = recipe_name != "shakespeare-char-fast"
    eval_from = cf.max_steps if gpt2 else eval_from  # the GPT-2 tokens' split is scored once, at the end
    model, opt, loader = setup(preset, options, cf, padded_vocab_size(read_manifest(data)["vocab_size"]))
    tokens = split_tokens(data, "val")[: 40961 if gpt2 else None]
    train_s, step_ms, curve = train_scored(model, opt, loader, cf, tokens,
                                           lambda done: done >= eval_from and done % eval_every == 0)
    extra = {"wiki_loss": round(wiki_loss(model, cf.T), 4)} if gpt2 else {}
    default = asdict(type(cf)())
    train = {k: v for k, v in asdict(cf).items() if k not in ("data_root", "log_dir") and v != default[k]}
    print(json.dumps(dict(variant=variant, seed=seed, steps=cf.max_steps, train_s=train_s, median_step_ms=step_ms,
                          split_loss=curve[-1][2], **extra, curve=curve,
                          config={k: v for k, v in model.config.to_dict().items() if k in options},
                          train=train)))


def reached(curve, target):
    "(step, training seconds) of the first score at or below `target`, or None (also without a target)."
    if target is None:
        return None
    return next(((s, t) for s, t, loss in curve if loss <= target), None)


def run_all(args, data):
    "Every (variant, seed) as a worker process, `args.parallel` at a time; their JSON lines, in order of finishing."
    from _recipe_runs import run_workers

    cmds = [[sys.executable, __file__, "--recipe", args.recipe, "--worker", v, str(s), "--data", data, "--eval_from",
             str(args.eval_from), "--eval_every", str(args.eval_every)] + (["--steps", str(args.steps)] if args.steps
                                                                            else [])
            for v in args.variants for s in args.seeds]
    results = []
    for out in run_workers(cmds, args.parallel):
        line = json.loads(out)
        line["reached"] = reached(line["curve"], args.target)
        results.append(line)
        print(json.dumps(line), flush=True)
    return results


def summarise(results, args):
    "One line per variant: medians over the seeds."
    for v in args.variants:
        runs = [r for r in results if r["variant"] == v]
        times = [r["reached"][1] for r in runs if r["reached"]]
        median = lambda key, digits: round(statistics.median(r[key] for r in runs), digits)  # noqa: E731
        wiki = {"wiki_loss": median("wiki_loss", 4)} if "wiki_loss" in runs[0] else {}
        print(json.dumps(dict(summary=v, seeds=len(runs), split_loss=median("split_loss", 4), **wiki,
                              median_step_ms=median("median_step_ms", 2), train_s=median("train_s", 2),
                              reached=None if args.target is None else f"{len(times)}/{len(runs)}",  # every seed:
                              time_to_target_s=round(statistics.median(times), 2) if times and len(times) == len(runs)
                              else None)
                         ), flush=True)


def prepare(recipe_name, tmp):
    "The recipe's data, written into `tmp`: Tiny Shakespeare's characters, or nltk_docs.jsonl's GPT-2 tokens."
    from buildNanoGPT.data import find_data, tinyshakespeare_prep
    from _recipe_runs import prepare_gpt2

    if recipe_name != "shakespeare-char-fast":
        return prepare_gpt2(tmp / "gpt2")
    tinyshakespeare_prep(tmp / "ts_char", "char", input_path=find_data("tinyshakespeare.txt"))
    return str(tmp / "ts_char")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--recipe", choices=list(ABLATIONS), default="shakespeare-char-fast")
    p.add_argument("--variants", nargs="+", help="default: every variant of the recipe (VARIANTS, GPT2_VARIANTS)")
    p.add_argument("--seeds", nargs="+", type=int, default=[1337, 2])
    p.add_argument("--parallel", type=int, default=2)
    p.add_argument("--target", type=float, help="default: 1.898 for the characters, none for GPT-2 tokens")
    p.add_argument("--eval_from", type=int, default=200)
    p.add_argument("--eval_every", type=int, default=25)
    p.add_argument("--steps", type=int, help="shorten every run to this many steps (a pipeline check)")
    p.add_argument("--worker", nargs=2, metavar=("VARIANT", "SEED"), help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    args = p.parse_args()
    variants, target = ABLATIONS[args.recipe]
    args.variants = args.variants or list(variants)
    args.target = target if args.target is None else args.target
    if unknown := [v for v in args.variants if v not in variants]:
        p.error(f"{args.recipe} has no variant {', '.join(unknown)}: choose from {', '.join(variants)}")
    if args.worker:
        return worker(args.recipe, args.worker[0], int(args.worker[1]), args.data, args.eval_from, args.eval_every,
                      args.steps)
    import torch

    with tempfile.TemporaryDirectory() as tmp:
        results = run_all(args, prepare(args.recipe, Path(tmp)))
    summarise(results, args)
    print(json.dumps(dict(machine=cpu_model(), cores=os.cpu_count(), torch=torch.__version__,
                          date=datetime.date.today().isoformat(), parallel=args.parallel, target=args.target,
                          steps=args.steps, recipe=args.recipe)))


if __name__ == "__main__":
    main()
