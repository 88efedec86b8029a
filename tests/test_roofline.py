"""The roofline model of one decoding step against hand-computed cases, limits and monotonicity."""

import math

import numpy as np
import pytest

import speclab as sl
from speclab import roofline as rl

H100 = rl.H100_SXM
SEVEN_B = 7e9


def test_a_7b_fp16_step_on_an_h100_is_memory_bound_by_a_factor_of_sixty():
    assert rl.weight_bytes(SEVEN_B) == 14e9                                    # 2 bytes per parameter
    assert rl.memory_seconds(SEVEN_B, H100.bandwidth) == pytest.approx(14e9 / 3.35e12)
    assert rl.memory_seconds(SEVEN_B, H100.bandwidth) == pytest.approx(4.179e-3, rel=1e-3)
    assert rl.flops_per_token(SEVEN_B) == 14e9
    five = rl.compute_seconds(SEVEN_B, H100.peak_flops, tokens=5)
    assert five == pytest.approx(70e9 / 989e12) and five == pytest.approx(7.08e-5, rel=1e-3)
    # The step is the larger of the two, so 5 tokens cost exactly what 1 costs.
    assert rl.step_seconds(SEVEN_B, H100.bandwidth, H100.peak_flops, tokens=5) == \
        rl.step_seconds(SEVEN_B, H100.bandwidth, H100.peak_flops, tokens=1) == pytest.approx(14e9 / 3.35e12)
    assert not rl.is_compute_bound(SEVEN_B, H100.bandwidth, H100.peak_flops, tokens=5)


def test_ridge_point_and_ridge_tokens_by_hand():
    assert rl.ridge_point(H100.bandwidth, H100.peak_flops) == pytest.approx(295.22, abs=0.01)
    assert rl.ridge_point(2e12, 400e12) == 200.0
    assert rl.ridge_tokens(2e12, 400e12) == 200.0                     # fp16: 1 FLOP per byte per token
    assert rl.ridge_tokens(2e12, 400e12, bytes_per_param=0.5) == 50.0   # int4 weights: 4x fewer bytes
    # At the ridge the step's memory and compute times are equal; one token past it, compute wins.
    args = (1e9, 2e12, 400e12)
    assert rl.memory_seconds(1e9, 2e12, batch=40) == pytest.approx(rl.compute_seconds(1e9, 400e12, 5, batch=40))
    assert not rl.is_compute_bound(*args, tokens=5, batch=40)
    assert rl.is_compute_bound(*args, tokens=5, batch=41)


def test_arithmetic_intensity_and_the_roofline():
    assert rl.arithmetic_intensity(SEVEN_B) == 1.0                     # one fp16 token: 2 FLOPs per 2 bytes
    assert rl.arithmetic_intensity(SEVEN_B, tokens=5, batch=8) == 40.0
    assert rl.arithmetic_intensity(1e9, bytes_per_param=4) == 0.5
    # 1e9 params fp16, 1 token, a 1 GB KV cache per sequence, batch 2: 4e9 FLOPs / 4e9 bytes.
    assert rl.arithmetic_intensity(1e9, batch=2, kv_bytes=1e9) == 1.0
    intensity = np.array([1.0, 100.0, 200.0, 1000.0])
    assert np.allclose(rl.attainable_flops(intensity, 2e12, 400e12), [2e12, 200e12, 400e12, 400e12])
    # Performance on the roofline is exactly FLOPs / step time.
    for batch in (1, 16, 64, 512):
        flops = batch * 5 * rl.flops_per_token(SEVEN_B)
        t = rl.step_seconds(SEVEN_B, H100.bandwidth, H100.peak_flops, tokens=5, batch=batch)
        ai = rl.arithmetic_intensity(SEVEN_B, tokens=5, batch=batch)
        assert flops / t == pytest.approx(rl.attainable_flops(ai, H100.bandwidth, H100.peak_flops))


def test_kv_cache_reads_add_memory_time():
    # 1e9 params fp16 (2 GB) + 4 sequences x 0.5 GB of KV cache = 4 GB at 2 TB/s = 2 ms.
    assert rl.memory_seconds(1e9, 2e12, batch=4, kv_bytes=0.5e9) == pytest.approx(2e-3)
    assert rl.step_seconds(1e9, 2e12, 400e12, batch=4, kv_bytes=0.5e9) == pytest.approx(2e-3)


def test_kv_cache_bytes_by_hand():
    assert rl.kv_cache_bytes(32, 8, 128, 1) == 2 * 32 * 8 * 128 * 2 == 131_072
    assert rl.kv_cache_bytes(32, 8, 128, 4096) == 2**29                      # 0.5 GiB
    assert rl.kv_cache_bytes(2, 1, 4, 10, bytes_per_value=1) == 160
    with pytest.raises(ValueError, match="kv_heads"):
        rl.kv_cache_bytes(32, 0, 128, 4096)
    with pytest.raises(ValueError, match="context"):
        rl.kv_cache_bytes(32, 8, 128, -1)


def test_verification_ratio_is_one_then_linear_then_k_plus_one():
    # Ridge tokens 200: with K = 4 the pass turns compute-bound at batch 40, the plain step at 200.
    args = (1e9, 2e12, 400e12)
    assert rl.verify_cost_ratio(*args, k=4, batch=1) == 1.0
    assert rl.verify_cost_ratio(*args, k=4, batch=40) == pytest.approx(1.0)
    assert rl.verify_cost_ratio(*args, k=4, batch=100) == pytest.approx(100 * 5 / 200)
    assert rl.verify_cost_ratio(*args, k=4, batch=200) == pytest.approx(5.0)
    assert rl.verify_cost_ratio(*args, k=4, batch=10_000) == pytest.approx(5.0)
    assert rl.verify_cost_ratio(*args, k=0, batch=1000) == 1.0
    # verify_growth g is theory's: ratio = 1 + g k.
    assert rl.verify_growth(*args, k=4, batch=100) == pytest.approx((2.5 - 1.0) / 4)


def test_ratio_and_speedup_are_monotone_in_batch():
    batches = np.geomspace(1, 4096, 400)
    ratio = rl.verify_cost_ratio(SEVEN_B, H100.bandwidth, H100.peak_flops, 4, batches)
    gains = rl.batch_speedup(0.8, 4, 0.05, SEVEN_B, H100.bandwidth, H100.peak_flops, batches)
    assert np.all(np.diff(ratio) >= -1e-12) and ratio[0] == 1.0 and ratio[-1] == pytest.approx(5.0)
    assert np.all(np.diff(gains) <= 1e-12)               # up to rounding
    assert gains[0] == pytest.approx(sl.speedup(0.8, 4, 0.05))            # memory-bound: Theorem 3.8
    assert gains[-1] == pytest.approx(sl.expected_tokens(0.8, 4) / (4 * 0.05 + 5))
    # The KV cache keeps the step memory-bound longer, so the ratio never grows faster with it.
    with_kv = rl.verify_cost_ratio(SEVEN_B, H100.bandwidth, H100.peak_flops, 4, batches, kv_bytes=1e8)
    assert np.all(with_kv <= ratio + 1e-12) and np.all(np.diff(with_kv) >= -1e-12)


def test_batch_speedup_is_theory_speedup_with_the_roofline_growth():
    args = (1e9, 2e12, 400e12)
    # Batch 100, K 4: ratio 2.5, so speedup = E / (4 c + 2.5).
    assert rl.batch_speedup(0.8, 4, 0.05, *args, batch=100) == pytest.approx(sl.expected_tokens(0.8, 4) / 2.7)


def test_breakeven_batch_closed_form_by_hand():
    args = (1e9, 2e12, 400e12)                                # ridge tokens 200
    expected = sl.expected_tokens(0.8, 4)                     # 3.3616
    room = expected - 4 * 0.05
    # Ratio batch * 5 / 200 reaches E - 4c at batch 200 * room / 5.
    b = rl.breakeven_batch(0.8, 4, 0.05, *args)
    assert b == pytest.approx(200 * room / 5) and b == pytest.approx(126.46, abs=0.01)
    assert rl.batch_speedup(0.8, 4, 0.05, *args, batch=b) == pytest.approx(1.0)
    assert rl.batch_speedup(0.8, 4, 0.05, *args, batch=b * 0.99) > 1.0
    assert rl.batch_speedup(0.8, 4, 0.05, *args, batch=b * 1.01) < 1.0
    # With a KV cache the same equality holds at the (later) break-even batch.
    bk = rl.breakeven_batch(0.8, 4, 0.05, *args, kv_bytes=5e6)
    assert bk > b
    assert rl.batch_speedup(0.8, 4, 0.05, *args, batch=bk, kv_bytes=5e6) == pytest.approx(1.0)


def test_breakeven_batch_edges():
    args = (1e9, 2e12, 400e12)
    assert math.isnan(rl.breakeven_batch(0.1, 4, 0.5, *args)), "E - Kc < 1: slower even at batch 1"
    # A KV cache so large that attention reads outgrow the arithmetic: never compute-bound.
    assert rl.breakeven_batch(0.8, 4, 0.05, *args, kv_bytes=1e9) == math.inf
    grid = rl.breakeven_batch(np.array([0.6, 0.8, 0.9]), 4, 0.05, *args)
    assert grid.shape == (3,) and np.all(np.diff(grid) > 0)   # better drafts pay to larger batches


def test_broadcasting_over_arrays():
    t = rl.step_seconds(np.array([1e9, 7e9, 70e9])[:, None], H100.bandwidth, H100.peak_flops, tokens=5,
                        batch=np.array([1, 64, 512]))
    assert t.shape == (3, 3)
    assert t[1, 0] == pytest.approx(14e9 / 3.35e12)


@pytest.mark.parametrize("call, name", [
    (lambda: rl.step_seconds(0, 1e12, 1e14), "params"),
    (lambda: rl.step_seconds(-7e9, 1e12, 1e14), "params"),
    (lambda: rl.step_seconds(7e9, float("nan"), 1e14), "bandwidth"),
    (lambda: rl.step_seconds(7e9, 1e12, "fast"), "peak_flops"),
    (lambda: rl.step_seconds(7e9, 1e12, 1e14, tokens=0), "tokens"),
    (lambda: rl.step_seconds(7e9, 1e12, 1e14, tokens=1.5), "tokens"),
    (lambda: rl.step_seconds(7e9, 1e12, 1e14, batch=0), "batch"),
    (lambda: rl.step_seconds(7e9, 1e12, 1e14, bytes_per_param=0), "bytes_per_param"),
    (lambda: rl.step_seconds(7e9, 1e12, 1e14, kv_bytes=-1), "kv_bytes"),
    (lambda: rl.verify_cost_ratio(7e9, 1e12, 1e14, k=-1), "k"),
    (lambda: rl.verify_growth(7e9, 1e12, 1e14, k=0), "k"),
    (lambda: rl.batch_speedup(1.2, 4, 0.1, 7e9, 1e12, 1e14), "alpha"),
    (lambda: rl.breakeven_batch(0.8, 4, -0.1, 7e9, 1e12, 1e14), "c"),
    (lambda: rl.attainable_flops(0, 1e12, 1e14), "intensity"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_accelerators_cite_their_datasheet():
    for gpu in (rl.H100_SXM, rl.A100_SXM, rl.L4):
        assert "datasheet" in gpu.source and gpu.peak_flops > 0 and gpu.bandwidth > 0
    assert (rl.H100_SXM.bandwidth, rl.H100_SXM.peak_flops) == (3.35e12, 989e12)
