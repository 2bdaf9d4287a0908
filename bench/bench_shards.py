"""Shard-writer throughput and peak RSS vs the reference `fineweb.py` approach, same corpus, same machine, same run.

    python bench/bench_shards.py [--repeats 3] [--corpus PATH]

Each measurement runs in a fresh subprocess (so peak RSS is that run's own); the two approaches alternate.
Prints one JSON line per measurement, then one summary line with medians and the ratio."""

import argparse, json, os, statistics, subprocess, sys, tempfile, time


def reference(corpus, out_dir, shard_size):
    "build-nanogpt's fineweb.py: load_dataset (non-streaming), Pool(cpu_count()//2).imap(tokenize, chunksize=16)."
    import multiprocessing as mp
    import numpy as np
    from datasets import load_dataset
    from datasets import concatenate_datasets

    ds = load_dataset("json", data_files=str(corpus), split="train")
    ds = concatenate_datasets([ds] * PASSES) if PASSES > 1 else ds
    buf, n, idx, total = np.empty((shard_size,), dtype=np.uint16), 0, 0, 0

    def save(arr, i):
        np.save(os.path.join(out_dir, f"ref_{'val' if i == 0 else 'train'}_{i:06d}"), arr)

    with mp.Pool(max(1, os.cpu_count() // 2)) as pool:
        for toks in pool.imap(_ref_tokenize, ds, chunksize=16):
            total += len(toks)
            if n + len(toks) < shard_size:
                buf[n : n + len(toks)] = toks
                n += len(toks)
            else:
                k = shard_size - n
                buf[n:] = toks[:k]
                save(buf, idx)
                idx += 1
                buf[: len(toks) - k] = toks[k:]
                n = len(toks) - k
    if n:
        save(buf[:n], idx)
    return total


def _ref_tokenize(doc):
    toks = [_enc.eot_token] + _enc.encode_ordinary(doc["text"])
    arr = np.array(toks)
    assert (0 <= arr).all() and (arr < 2**16).all()
    return arr.astype(np.uint16)


def ours(corpus, out_dir, shard_size):
    import itertools
    from buildNanoGPT.data import write_shards, load_docs

    docs = itertools.chain.from_iterable([load_docs(corpus)] * PASSES)
    return write_shards(docs, out_dir, prefix="ours", shard_size=shard_size, progress=False)["num_tokens"]


def ours_datasets_stream(corpus, out_dir, shard_size):
    "Our writer fed by `datasets` streaming, the path hub datasets take (pays datasets' torch import)."
    from datasets import load_dataset
    from buildNanoGPT.data import write_shards

    docs = load_dataset("json", data_files=str(corpus), split="train", streaming=True)
    docs = docs if PASSES == 1 else __import__("itertools").chain.from_iterable([docs] * PASSES)
    return write_shards(docs, out_dir, prefix="ours", shard_size=shard_size, progress=False)["num_tokens"]


ARMS = {"reference": reference, "ours": ours, "ours_datasets_stream": ours_datasets_stream}

PASSES = 1


def child(which, corpus, shard_size, passes):
    "One timed run in this fresh process; imports and BPE tables load before the clock, as fineweb.py does."
    import resource
    from _rss import peak_rss_mib

    global np, _enc, PASSES
    import numpy as np, tiktoken, datasets, buildNanoGPT.data  # noqa: F401 (imported before the clock starts)

    _enc, PASSES = (
        tiktoken.get_encoding("gpt2"),
        passes,
    )  # tiktoken caches it: get_tokenizer("gpt2") returns this object
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        n = ARMS[which](corpus, out, shard_size)
        dt = time.perf_counter() - t0
    rss = peak_rss_mib()  # MiB, this process
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # MiB, largest worker
    print(
        json.dumps(
            {
                "which": which,
                "tokens": n,
                "seconds": round(dt, 3),
                "tokens_per_s": round(n / dt),
                "peak_rss_mib": round(rss, 1),
                "peak_rss_worker_mib": round(kids, 1),
            }
        )
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--corpus", default=None)
    ap.add_argument("--shard-size", type=int, default=10**8)
    ap.add_argument("--passes", type=int, default=1, help="stream the corpus this many times (amortizes fixed costs)")
    a = ap.parse_args()
    if a.corpus is None:
        from buildNanoGPT.data import find_docs

        a.corpus = str(find_docs())
    from datasets import load_dataset

    load_dataset("json", data_files=a.corpus, split="train")  # build the reference's Arrow cache outside the timings
    runs = {k: [] for k in ARMS}
    for _ in range(a.repeats):
        for which in runs:
            out = (
                subprocess.run(
                    [sys.executable, __file__, "--child", which, a.corpus, str(a.shard_size), str(a.passes)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            print(out, flush=True)
            runs[which].append(json.loads(out))
    med = {k: statistics.median(r["tokens_per_s"] for r in v) for k, v in runs.items()}
    print(
        json.dumps(
            {
                "figure": "shard writer tokens/s (median)",
                "corpus": os.path.basename(a.corpus),
                "passes": a.passes,
                "cpus": os.cpu_count(),
                "repeats": a.repeats,
                **{k: round(v) for k, v in med.items()},
                "ratio": round(med["ours"] / med["reference"], 2),
                "ratio_datasets_stream": round(med["ours_datasets_stream"] / med["reference"], 2),
                "ours_peak_rss_mib": max(r["peak_rss_mib"] for r in runs["ours"]),
                "ours_datasets_stream_peak_rss_mib": max(r["peak_rss_mib"] for r in runs["ours_datasets_stream"]),
                "reference_peak_rss_mib": round(
                    max(r["peak_rss_mib"] + r["peak_rss_worker_mib"] for r in runs["reference"]), 1
                ),
            }
        )
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        main()
