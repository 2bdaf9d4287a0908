"Peak resident memory of the running process, in MiB: the one definition every benchmark uses."

import resource, sys
from pathlib import Path

# first lines of a `python -c` child: makes `peak_rss_mib` importable there too
CHILD_PRELUDE = (
    f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\nfrom _rss import peak_rss_mib\n"
)


def peak_rss_mib():
    """This process's own peak RSS. On Linux it is `VmHWM` from /proc: `ru_maxrss` would not do for a child started by
    `subprocess`, which inherits its parent's peak across `exec` (vfork), so a small child of a big parent reports
    the parent."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1 << 20 if sys.platform == "darwin" else 1 << 10)
