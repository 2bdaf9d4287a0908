"""DataLoaderLite memory and speed on a 100M-token shard (FineWeb-Edu's shard size) vs the reference's loader.

    python bench/bench_loader.py [--tokens 100000000] [--batches 50 full]

Each loader runs in a fresh interpreter (torch already imported there, which is the baseline), reads `--batches`
batches of B=8, T=1024 (`full`: one whole pass over the shard), and reports how far its peak RSS (VmHWM) rose above that
baseline, with the anonymous / file-backed split of the RSS at the end, and batches/s. The reference loader is
build-nanogpt's: `np.load` the whole shard, `astype(np.int32)`, `torch.tensor(..., dtype=torch.long)`.
One JSON line per loader and batch count."""

import argparse, json, subprocess, sys, tempfile
from pathlib import Path
import numpy as np
from _rss import CHILD_PRELUDE

CHILD = (
    CHILD_PRELUDE
    + r"""
import sys, time, numpy as np, torch
from pathlib import Path
def status():   # current resident memory, anonymous and file-backed, MiB
    f = dict(l.split(":", 1) for l in open("/proc/self/status") if l.startswith(("RssAnon", "RssFile")))
    return {k: int(v.split()[0]) / 1024 for k, v in f.items()}
arm, root, n = sys.argv[1], sys.argv[2], sys.argv[3]
B, T = 8, 1024
base = peak_rss_mib()
t0 = time.perf_counter()
if arm == "ours":
    from buildNanoGPT.data import DataLoaderLite
    loader = DataLoaderLite(B, T, 0, 1, "train", root, master_process=False, raw_shards=True)
    total = len(loader.tokens)
    next_batch = loader.next_batch
else:
    shard = sorted(Path(root).glob("*_train_*.npy"))[0]
    tokens = torch.tensor(np.load(shard).astype(np.int32), dtype=torch.long)
    total, pos = len(tokens), 0
    def next_batch():
        global pos
        buf = tokens[pos:pos + B * T + 1]; pos += B * T
        return buf[:-1].view(B, T), buf[1:].view(B, T)
n = (total - 1) // (B * T) if n == "full" else int(n)
checksum = 0
for _ in range(n):
    x, y = next_batch(); checksum += int(x[0, 0])
dt = time.perf_counter() - t0
print({"arm": arm, "batches": n, "peak_rss_growth_mib": peak_rss_mib() - base, "baseline_mib": base, **status(),
       "batches_s": n / dt, "checksum": checksum})
"""
)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", type=int, default=100_000_000)
    ap.add_argument("--batches", nargs="+", default=["50", "full"])
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        shard = np.lib.format.open_memmap(
            Path(tmp) / "big_train_000000.npy", mode="w+", dtype=np.uint16, shape=(a.tokens,)
        )
        for i in range(0, a.tokens, 1 << 24):  # every page written: the file is real
            shard[i : i + (1 << 24)] = np.arange(i, min(a.tokens, i + (1 << 24))) % 50257
        shard.flush()
        del shard
        for n in a.batches:
            rows = {}
            for arm in ("reference", "ours"):
                r = subprocess.run([sys.executable, "-c", CHILD, arm, tmp, n], capture_output=True, text=True)
                if r.returncode:
                    raise RuntimeError(r.stderr[-2000:])
                rows[arm] = eval(r.stdout.strip().splitlines()[-1])
                print(
                    json.dumps(
                        {
                            "figure": "DataLoaderLite on a 100M-token shard",
                            "shard_tokens": a.tokens,
                            **{k: round(v, 1) if isinstance(v, float) else v for k, v in rows[arm].items()},
                        }
                    ),
                    flush=True,
                )
            assert rows["ours"]["checksum"] == rows["reference"]["checksum"], "the loaders returned different batches"


if __name__ == "__main__":
    main()
