"""Random-window batches (nanoGPT's sampling, `sampling="random"`): `DataLoaderLite` vs nanoGPT's way of drawing them.

    python bench/bench_random_batch.py [--batches 2000] [--repeats 5]

Both arms draw B=12 windows of T=64 (+1) tokens from the same uint16 shard (Tiny Shakespeare, characters: the baby
run's shape). The reference approach is nanoGPT's `get_batch`, written here from its description: open the token file
as a NumPy memmap on every call, pick B random starts, stack the slices as int64 tensors. One process, one thread, the
arms interleaved; the median ms per batch of `--repeats` rounds of `--batches` batches. One JSON line per arm."""

import argparse, json, statistics, tempfile, time
from pathlib import Path
import numpy as np
import torch


def reference_batches(path, B, T, seed):
    "nanoGPT-style draws: a fresh memmap per batch, B random windows, x and y stacked as int64."
    rng = torch.Generator().manual_seed(seed)

    def next_batch():
        data = np.load(path, mmap_mode="r")  # nanoGPT re-opens its memmap every batch (to avoid a memory leak)
        ix = torch.randint(len(data) - T, (B,), generator=rng)
        x = torch.stack([torch.from_numpy(data[i : i + T].astype(np.int64)) for i in ix.tolist()])
        y = torch.stack([torch.from_numpy(data[i + 1 : i + 1 + T].astype(np.int64)) for i in ix.tolist()])
        return x, y

    return next_batch


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    from buildNanoGPT.data import DataLoaderLite, find_data, list_shards, tinyshakespeare_prep

    torch.set_num_threads(1)
    B, T = 12, 64
    with tempfile.TemporaryDirectory() as tmp:
        tinyshakespeare_prep(Path(tmp) / "ts", "char", input_path=find_data("tinyshakespeare.txt"))
        ours = DataLoaderLite(B, T, split="train", data_root=Path(tmp) / "ts", master_process=False, sampling="random")
        arms = {"DataLoaderLite": ours.next_batch,
                "nanoGPT get_batch": reference_batches(list_shards(Path(tmp) / "ts", "train")[0], B, T, 1337)}
        times = {name: [] for name in arms}
        for _ in range(a.repeats):
            for name, next_batch in arms.items():
                x, y = next_batch()  # warm-up: the first batch opens the shard
                assert x.shape == y.shape == (B, T) and torch.equal(x[:, 1:], y[:, :-1])
                start = time.perf_counter()
                for _ in range(a.batches):
                    next_batch()
                times[name].append((time.perf_counter() - start) / a.batches * 1e3)
    for name, ts in times.items():
        print(json.dumps({"figure": "random-window batch, B=12 T=64, ms", "arm": name, "median_ms": round(
            statistics.median(ts), 4), "repeats_ms": [round(t, 4) for t in ts]}))


if __name__ == "__main__":
    main()
