"""How many threads torch should run: the cores this process may really use, not the cores it sees.

Colab, Binder and containers share a machine's CPUs and limit a process by its affinity mask and
by a cgroup CPU quota, while torch starts one thread per core it sees. Two threads spinning on a
quota of one core (or two processes each spinning two threads on two cores) slow each other many
times over, so a timing is only honest with the thread count the quota allows.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from .._validate import as_count

#: Where Linux mounts the cgroup file system (v2 unified, or v1 with one folder per controller).
CGROUP_ROOT = "/sys/fs/cgroup"
#: This process's cgroup per hierarchy ("0::/path" for v2, "N:cpu,cpuacct:/path" for v1).
SELF_CGROUP = "/proc/self/cgroup"
#: cgroup v1 folders that may hold the CPU controller's quota files, relative to the root.
V1_CPU_FOLDERS = ("cpu", "cpu,cpuacct", "cpuacct,cpu")


def usable_cores(cgroup_root=CGROUP_ROOT, self_cgroup=SELF_CGROUP) -> int:
    """The cores this process may use: the affinity mask, capped by the tightest cgroup CPU quota
    (v2 cpu.max, or v1 cpu.cfs_quota_us / cpu.cfs_period_us) on its cgroup or an ancestor,
    rounded down; at least 1."""
    cores = affinity_cores()
    quota = cgroup_quota(Path(cgroup_root), Path(self_cgroup))
    if quota is not None:
        cores = min(cores, max(1, math.floor(quota)))
    return max(1, cores)


def affinity_cores() -> int:
    """Cores in this process's affinity mask (os.cpu_count() where the platform has no mask)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def cgroup_quota(root: Path, self_cgroup: Path) -> float | None:
    """The tightest CPU quota in cores over the folders that may hold this process's, or None."""
    quotas = [q for folder in cpu_folders(root, self_cgroup) for q in [folder_quota(folder)] if q is not None]
    return min(quotas) if quotas else None


def cpu_folders(root: Path, self_cgroup: Path) -> list:
    """The cgroup folders whose quota limits this process: the root (a container's own cgroup),
    the v1 CPU controller's folders, and this process's cgroup with every ancestor (from self_cgroup)."""
    bases = [root] + [root / name for name in V1_CPU_FOLDERS]
    folders = list(bases)
    for line in (_read(self_cgroup) or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers and "cpu" not in controllers.split(","):
            continue
        base = root / controllers if controllers else root
        steps = [p for p in path.split("/") if p and p != ".."]
        folders += [base.joinpath(*steps[:depth]) for depth in range(len(steps), -1, -1)]
    return list(dict.fromkeys(folders))


def folder_quota(folder: Path) -> float | None:
    """The CPU quota in cores set in one cgroup folder (v2 cpu.max, else v1), None when unlimited."""
    v2 = _read(folder / "cpu.max")
    if v2 is not None:
        return _quota_v2(v2)
    quota, period = _read(folder / "cpu.cfs_quota_us"), _read(folder / "cpu.cfs_period_us")
    return None if quota is None or period is None else _ratio(quota, period)


def _quota_v2(text: str) -> float | None:
    """cpu.max holds "<quota> <period>" in microseconds; quota "max" means no limit."""
    parts = text.split()
    if not parts or parts[0] == "max":
        return None
    return _ratio(parts[0], parts[1] if len(parts) > 1 else "100000")


def _ratio(quota: str, period: str) -> float | None:
    """quota / period in cores; a negative quota (v1's -1), or anything unreadable, means no limit."""
    try:
        q, p = int(quota), int(period)
    except ValueError:
        return None
    return q / p if q > 0 and p > 0 else None


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def set_torch_threads(n=None) -> int:
    """Set torch's intra-op threads to `n` (default: usable_cores()) and return the number in use."""
    import torch

    n = usable_cores() if n is None else as_count(n, "n", minimum=1)
    torch.set_num_threads(n)
    return torch.get_num_threads()
