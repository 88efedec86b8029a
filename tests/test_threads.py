"""Threads: the cores a process may really use, from its affinity mask and a cgroup quota
(written into a fake cgroup folder, with a fake /proc/self/cgroup, so nothing depends on this
machine's limits)."""

from __future__ import annotations

import pytest

from speclab.real import threads


@pytest.fixture
def eight_cores(monkeypatch):
    """An affinity mask of 8 cores, whatever this machine has."""
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)


def fake_cgroup(root, files: dict):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n")
    return root


def usable(root, membership: str = "0::/\n") -> int:
    """usable_cores() under the fake root, for a process whose /proc/self/cgroup reads `membership`."""
    own = root / "self-cgroup"
    own.write_text(membership)
    return threads.usable_cores(root, own)


@pytest.mark.parametrize("cpu_max, expected", [("max 100000", 8), ("150000 100000", 1), ("250000 100000", 2),
                                               ("50000 100000", 1), ("1600000 100000", 8), ("400000", 4)])
def test_cgroup_v2_quota_caps_the_affinity_mask(tmp_path, eight_cores, cpu_max, expected):
    assert usable(fake_cgroup(tmp_path, {"cpu.max": cpu_max})) == expected


@pytest.mark.parametrize("quota, expected", [("-1", 8), ("300000", 3), ("20000", 1)])
@pytest.mark.parametrize("folder", ["cpu", "cpu,cpuacct"])
def test_cgroup_v1_quota_caps_the_affinity_mask(tmp_path, eight_cores, folder, quota, expected):
    root = fake_cgroup(tmp_path, {f"{folder}/cpu.cfs_quota_us": quota, f"{folder}/cpu.cfs_period_us": "100000"})
    assert usable(root, f"3:{folder}:/\n") == expected


def test_the_process_own_cgroup_and_its_ancestors_are_read(tmp_path, eight_cores):
    root = fake_cgroup(tmp_path, {"user.slice/cpu.max": "300000 100000",
                                  "user.slice/session-1.scope/cpu.max": "max 100000"})
    assert usable(root, "0::/user.slice/session-1.scope\n") == 3          # the parent's quota binds
    root = fake_cgroup(tmp_path / "v1", {"cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "200000",
                                         "cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000"})
    assert usable(root, "5:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n") == 2
    assert usable(root, "4:memory:/docker/abc\n") == 8                   # not the CPU controller's folder


def test_the_tightest_quota_wins(tmp_path, eight_cores):
    root = fake_cgroup(tmp_path, {"cpu.max": "600000 100000", "app/cpu.max": "200000 100000"})
    assert usable(root, "0::/app\n") == 2


def test_no_cgroup_files_leave_the_affinity_mask(tmp_path, eight_cores):
    assert usable(tmp_path) == 8
    assert threads.usable_cores(tmp_path / "missing", tmp_path / "missing too") == 8


def test_a_small_affinity_mask_wins_over_a_large_quota(tmp_path, monkeypatch):
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda pid: {3}, raising=False)
    assert usable(fake_cgroup(tmp_path, {"cpu.max": "400000 100000"})) == 1


def test_without_an_affinity_mask_the_cpu_count_is_used(tmp_path, monkeypatch):
    monkeypatch.delattr(threads.os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(threads.os, "cpu_count", lambda: 6)
    assert usable(fake_cgroup(tmp_path, {"cpu.max": "200000 100000"})) == 2


def test_unreadable_quota_text_means_no_limit(tmp_path, eight_cores):
    assert usable(fake_cgroup(tmp_path, {"cpu.max": "garbage here"})) == 8


def test_set_torch_threads_sets_and_reports(monkeypatch):
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    try:
        assert threads.set_torch_threads(2) == 2 == torch.get_num_threads()
        assert threads.set_torch_threads(1) == 1 == torch.get_num_threads()
        monkeypatch.setattr(threads, "usable_cores", lambda: 1)
        assert threads.set_torch_threads() == 1
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("bad", [0, -2, 1.5, "two", True])
def test_a_bad_thread_count_names_itself(bad):
    pytest.importorskip("torch")
    with pytest.raises(ValueError, match="n must be a whole number"):
        threads.set_torch_threads(bad)
