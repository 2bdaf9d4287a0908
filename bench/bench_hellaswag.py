"""HellaSwag evaluation speed: `hellaswag_losses` (packed, batched) vs the reference's one example at a time.

    python bench/bench_hellaswag.py [--examples 500] [--repeats 1]

Model: GPT-2 124M shape (random init, seed 0), fp32, eval mode. The real HellaSwag set can't be downloaded here, so the
examples have its shape and roughly its lengths, built from real English (`nltk_docs.jsonl`): the context is two
consecutive sentences of a document, the right ending the sentence that follows, the three wrong endings sentences from
elsewhere. The reference arm is build-nanogpt's loop: `render_example` (four rows repeating the context), a forward
pass with logits at every position, `ending_losses`. Both arms must give the same answers. One JSON line per figure."""

import argparse, json, random, re, statistics, time
import torch
from buildNanoGPT.data import find_data, get_tokenizer, load_docs
from buildNanoGPT.eval import ending_losses, hellaswag_losses, render_example
from buildNanoGPT.model import GPT, GPTConfig
from buildNanoGPT.train import DDPConfig


def make_examples(n, enc, seed=0):
    "HellaSwag-shaped examples from consecutive sentences of real documents."
    sentences = []  # (document, sentence) with 5..60 GPT-2 tokens
    for d, doc in enumerate(load_docs(str(find_data("nltk_docs.jsonl")))):
        for s in re.split(r"(?<=[.!?])\s+", " ".join(doc["text"].split())):
            if 5 <= len(enc.encode_ordinary(s)) <= 60:
                sentences.append((d, s))
        if len(sentences) > 20 * n:
            break
    rng, examples = random.Random(seed), []
    while len(examples) < n:
        i = rng.randrange(len(sentences) - 3)
        if len({d for d, _ in sentences[i : i + 3]}) > 1:
            continue  # the three sentences from one document
        label = rng.randrange(4)
        endings = [sentences[rng.randrange(len(sentences))][1] for _ in range(3)]
        endings.insert(label, sentences[i + 2][1])
        examples.append(
            {
                "ind": len(examples),
                "ctx": sentences[i][1] + " " + sentences[i + 1][1],
                "endings": endings,
                "label": label,
            }
        )
    return examples


@torch.no_grad()
def reference(model, examples, enc):
    "build-nanogpt's evaluation: one example at a time, four full rows, logits everywhere."
    totals, means = [], []
    for ex in examples:
        tokens, mask, _ = render_example(ex, enc)
        logits, _ = model(tokens)
        total, mean = ending_losses(tokens, mask, logits)
        totals.append(total)
        means.append(mean)
    return torch.stack(totals), torch.stack(means)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=500)
    ap.add_argument("--repeats", type=int, default=1)
    a = ap.parse_args()
    enc = get_tokenizer("gpt2")
    examples = make_examples(a.examples, enc)
    ctx_len = [len(enc.encode_ordinary(ex["ctx"])) for ex in examples]
    end_len = [len(enc.encode_ordinary(" " + e)) for ex in examples for e in ex["endings"]]
    torch.manual_seed(0)
    model = GPT(GPTConfig()).eval()
    cf = DDPConfig(device="cpu")
    hellaswag_losses(model, examples[:8], cf, enc)
    reference(model, examples[:2], enc)  # warm-up
    times = {"ours": [], "reference": []}
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        ours = hellaswag_losses(model, examples, cf, enc)
        times["ours"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        ref = reference(model, examples, enc)
        times["reference"].append(time.perf_counter() - t0)
    same_norm = bool((ours[1].argmin(1) == ref[1].argmin(1)).all())
    same_sum = bool((ours[0].argmin(1) == ref[0].argmin(1)).all())
    t_ours, t_ref = statistics.median(times["ours"]), statistics.median(times["reference"])
    print(
        json.dumps(
            {
                "figure": "HellaSwag-shaped evaluation, examples/s",
                "model": "124M shape fp32",
                "examples": a.examples,
                "ctx_tokens_mean": round(statistics.mean(ctx_len), 1),
                "ending_tokens_mean": round(statistics.mean(end_len), 1),
                "ours_ex_s": round(a.examples / t_ours, 2),
                "reference_ex_s": round(a.examples / t_ref, 2),
                "speedup": round(t_ref / t_ours, 2),
                "ours_s": round(t_ours, 1),
                "reference_s": round(t_ref, 1),
                "same_predictions_acc_norm": same_norm,
                "same_predictions_acc": same_sum,
                "max_abs_diff_mean_loss": float((ours[1] - ref[1].double()).abs().max()),
                "threads": torch.get_num_threads(),
                "torch": torch.__version__,
            }
        ),
        flush=True,
    )
    if not (same_norm and same_sum):
        raise SystemExit("predictions differ")


if __name__ == "__main__":
    main()
