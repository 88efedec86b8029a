"""Hostile input for the newer entry points: one clear error naming the argument, or the right answer.

Covers wilson_interval and chi_square_sf, alpha_for_speedup, the quantized copy, the suffix
drafter's store, the fallback watch's clock and rounds, the feature drafter's costs and head,
plot_rounds' axes, and exercise 5 when the learner's function changes the check's table of cases.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

import speclab as sl
from speclab.exercises import ex5
from speclab.exercises import ex5_breakeven_batch as ex5_module
from speclab.limits import MAX_COST_TOKENS
from speclab.measured_k import alpha_for_speedup, speedups
from speclab.stats import chi_square_sf, wilson_interval


# ----------------------------------------------------------------------------- wilson_interval

@pytest.mark.parametrize("args, kwargs, name", [
    ((2.7, 10), {}, "successes"), (("5", 10), {}, "successes"), ((True, True), {}, "trials"),
    ((0, -5), {}, "trials"), ((11, 10), {}, "successes"), ((-1, 10), {}, "successes"),
    ((5, None), {}, "trials"), ((5, 1e308), {}, "trials"), ((5, 10), dict(confidence=0), "confidence"),
    ((5, 10), dict(confidence=1), "confidence"), ((5, 10), dict(confidence=float("nan")), "confidence"),
    ((5, 10), dict(confidence="95%"), "confidence"), ((5, 10), dict(confidence=1.5), "confidence"),
])
def test_wilson_interval_refuses_what_is_not_a_rate(args, kwargs, name):
    with pytest.raises(ValueError, match=name):
        wilson_interval(*args, **kwargs)


def test_wilson_interval_takes_whole_numbers_of_any_kind_and_no_trials_gives_nan():
    assert wilson_interval(3.0, 10.0) == wilson_interval(np.int64(3), np.int32(10)) == wilson_interval(3, 10)
    low, high = wilson_interval(3, 10)
    assert 0 < low < 0.3 < high < 1
    assert all(math.isnan(x) for x in wilson_interval(0, 0))
    narrow, wide = wilson_interval(3, 10, confidence=0.5), wilson_interval(3, 10, confidence=0.99)
    assert wide[0] < narrow[0] < 0.3 < narrow[1] < wide[1]


@pytest.mark.parametrize("x, df, name", [(float("nan"), 2, "x"), (-1.0, 2, "x"), ("abc", 2, "x"), (None, 2, "x"),
                                         ([1.0, 2.0], 2, "x"), (1.0, 2.5, "df"), (1.0, "abc", "df"),
                                         (1.0, None, "df"), (1.0, 10**30, "df"), (1.0, True, "df")])
def test_chi_square_sf_names_a_bad_statistic_or_df(x, df, name):
    with pytest.raises(ValueError, match=f"{name} must"):
        chi_square_sf(x, df)


def test_chi_square_sf_takes_an_infinite_statistic_and_whole_float_df():
    assert chi_square_sf(float("inf"), 3) == 0.0 and chi_square_sf(3.0, 2.0) == pytest.approx(np.exp(-1.5))


# ----------------------------------------------------------------------------- alpha_for_speedup

def test_a_pass_measured_cheaper_than_one_token_cannot_make_speculation_free():
    """With t(2)/t(1) = 0.4 a round that accepts nothing would be 2.2x plain decoding: that cost is
    timing noise, read as t(1), so 2x needs more than one draft can give."""
    alpha, k = alpha_for_speedup(2.0, 0.05, [1.0, 0.4])
    assert math.isnan(alpha) and k == 0
    alpha, k = alpha_for_speedup(1.5, 0.0, [1.0, 0.5, 0.7])
    flat = speedups([alpha], 0.0, [1.0, 1.0, 1.0])          # the same goal with every pass at t(1)
    assert alpha > 0 and flat[k] == pytest.approx(1.5, rel=1e-9) and flat.max() == pytest.approx(1.5, rel=1e-9)


def test_for_any_goal_above_one_the_needed_alpha_is_positive():
    rng = np.random.default_rng(0)
    for _ in range(200):
        costs = np.concatenate([[1.0], rng.uniform(0.1, 3.0, size=rng.integers(1, 9))])
        alpha, k = alpha_for_speedup(float(rng.uniform(1.01, 4.0)), float(rng.uniform(0, 0.3)), costs)
        assert math.isnan(alpha) or alpha > 0


# ----------------------------------------------------------------------------- real models

@pytest.fixture(scope="module")
def fixtures():
    return pytest.importorskip("real_fixtures")          # skips without torch and transformers


@pytest.fixture(scope="module")
def target(fixtures):
    return fixtures.tiny_gpt2(0)


@pytest.mark.parametrize("bits, error", [(8.0, TypeError), (4.0, TypeError), ("8", TypeError), (True, TypeError),
                                         (3, ValueError), (16, ValueError), (None, TypeError)])
def test_bits_is_the_whole_number_8_or_4(target, bits, error):
    from speclab.real import QuantizedCopyDrafter, quantized_copy

    for build in (lambda: QuantizedCopyDrafter(target, bits=bits), lambda: quantized_copy(target, bits=bits)):
        with pytest.raises(error, match="bits must be the whole number 8"):
            build()


@pytest.mark.parametrize("not_a_model", ["smollm2", None, 3, "torch.nn.Linear(4, 4)"])
def test_the_quantized_copy_wants_a_causal_language_model(fixtures, not_a_model):
    from speclab.real import QuantizedCopyDrafter, quantized_copy

    model = fixtures.torch.nn.Linear(4, 4) if not_a_model == "torch.nn.Linear(4, 4)" else not_a_model
    with pytest.raises(TypeError, match="target must be a causal language model"):
        QuantizedCopyDrafter(model)
    with pytest.raises(TypeError, match="model must be a causal language model"):
        quantized_copy(model)


def test_int8_asks_for_a_float32_target_and_int4_takes_bfloat16(fixtures):
    from speclab.real import QuantizedCopyDrafter

    torch = fixtures.torch
    half = fixtures.tiny_gpt2(0).to(torch.bfloat16)
    with pytest.raises(ValueError, match=r"bits=8 .* float32 target; this one holds bfloat16 .* bits=4"):
        QuantizedCopyDrafter(half, bits=8)
    drafter = QuantizedCopyDrafter(half, bits=4)
    with torch.no_grad():
        assert drafter.model(torch.tensor([[1, 2, 3]])).logits.dtype == torch.bfloat16


@pytest.mark.parametrize("method, value, name", [
    ("restore_store", [1.7, 2.2], "store"), ("restore_store", [3, -2], "store"), ("restore_store", "abc", "store"),
    ("remember", [2**70], "token_ids"), ("remember", [2**63], "token_ids"), ("remember", [[1, 2], [3]], "token_ids"),
    ("remember", [1, None], "token_ids"), ("remember", np.array([2**64 - 1], dtype=np.uint64), "token_ids"),
])
def test_the_suffix_store_takes_token_ids_only_and_stays_as_it_was(fixtures, method, value, name):
    from speclab.real import SuffixDrafter

    drafter = SuffixDrafter()
    drafter.remember([5, 6, 7])
    before = drafter.saved_store()
    with pytest.raises(ValueError, match=name):
        getattr(drafter, method)(value)
    assert np.array_equal(drafter.saved_store(), before)


def test_a_restored_store_is_the_saved_one_within_max_tokens(fixtures):
    from speclab.real import SuffixDrafter

    drafter = SuffixDrafter(max_tokens=6)
    drafter.remember(fixtures.torch.tensor([[1, 2]]))            # a [1, T] tensor, as a tokenizer gives
    drafter.remember(np.array([3.0, 4.0]))                       # whole floats are ids too
    saved = drafter.saved_store()
    assert saved.tolist() == [1, 2, -1, 3, 4, -1]
    drafter.restore_store([])
    assert drafter.stored_tokens == 0
    drafter.restore_store(saved)
    assert drafter.saved_store().tolist() == saved.tolist()
    drafter.restore_store([9, 8, -1] + saved.tolist())           # longer than max_tokens: the oldest go
    assert drafter.saved_store().tolist() == saved.tolist()


class Readings:
    """A clock that returns the given readings in turn."""

    def __init__(self, *readings):
        self.readings = list(readings)

    def __call__(self):
        return self.readings.pop(0)


@pytest.mark.parametrize("readings, message", [
    ((float("nan"),), "clock must return finite seconds"), ((float("inf"),), "clock must return finite seconds"),
    (("1.0",), "clock must return finite seconds"), ((None,), "clock must return finite seconds"),
    ((True,), "clock must return finite seconds"),
    ((0.0, 1.0, 2.0, float("nan")), "clock must return finite seconds"),
    ((5.0, 4.0), "clock must never go backwards"), ((0.0, 1.0, 0.5), "clock must never go backwards"),
    ((-1e308, 1e308), "clock must return seconds"),
])
def test_the_watch_refuses_a_clock_that_does_not_give_seconds(fixtures, readings, message):
    from speclab.real.fallback import FallbackWatch

    watch = FallbackWatch(clock=Readings(*readings))
    with pytest.raises(ValueError, match=message):
        for _ in range(len(readings)):
            watch.speculating()
            watch.record(2)


@pytest.mark.parametrize("tokens", [-5, 0, 2.5, "3", True, None, 10**9])
def test_a_round_emits_a_whole_number_of_tokens_from_one(fixtures, tokens):
    from speclab.real.fallback import FallbackWatch

    watch = FallbackWatch(clock=Readings(0.0, 1.0))
    watch.speculating()
    with pytest.raises(ValueError, match="tokens must be a whole number >= 1"):
        watch.record(tokens)
    assert watch.spec_rounds == 0 and watch.spec_tokens == 0


def test_a_round_is_recorded_only_after_it_started(fixtures):
    from speclab.real.fallback import FallbackWatch

    watch = FallbackWatch(clock=Readings(0.0, 1.0, 2.0))
    with pytest.raises(ValueError, match="speculating"):
        watch.record(1)
    watch.speculating()
    watch.record(3)
    with pytest.raises(ValueError, match="speculating"):
        watch.record(3)                                          # the same round twice


def test_generate_stops_at_a_nan_clock_with_one_error(fixtures, target):
    from speclab.real import SpeculativeDecoder
    from speclab.real.fallback import FallbackWatch

    readings = iter([0.0, 0.1, 0.2] + [float("nan")] * 100)
    decoder = SpeculativeDecoder(target, fixtures.tiny_gpt2(1))
    with pytest.raises(ValueError, match="clock"):
        decoder.generate(fixtures.random_prompt(1, 5), 16, k=2, fallback=FallbackWatch(clock=lambda: next(readings)))


@pytest.fixture(scope="module")
def feature_drafter(target):
    from speclab.real.drafters.feature import FeatureDrafter
    from speclab.real.drafters.feature_head import FeatureHead

    return FeatureDrafter(target, FeatureHead(32, 16), vocab=list(range(1, 17)), c=0.1, pass_costs=[1.0, 1.1])


@pytest.mark.parametrize("c, pass_costs, name", [(0.5, "x", "pass_costs"), (0.5, [1.0, -1.0], "pass_costs"),
                                                 (-1.0, [1.0, 1.2], "c"), ("0.5", [1.0, 1.2], "c")])
def test_use_costs_changes_nothing_when_it_refuses(feature_drafter, c, pass_costs, name):
    with pytest.raises(ValueError, match=name):
        feature_drafter.use_costs(c, pass_costs)
    assert feature_drafter.c == 0.1 and feature_drafter.pass_costs == [1.0, 1.1]


@pytest.mark.parametrize("tokens", ["abc", None, [1, -2, 3], [1, 2, 64], [1.5, 2.0, 3.0], [1, 2], [[1, 2, 3]],
                                    ["1", "2", "3"], list(range(1, 40)) * 250, [1, 2, 3] * (MAX_COST_TOKENS // 3 + 1)])
def test_measure_costs_refuses_at_once_what_is_not_a_short_context(feature_drafter, tokens):
    start = time.perf_counter()
    with pytest.raises(ValueError, match="tokens must"):
        feature_drafter.measure_costs(tokens)
    assert time.perf_counter() - start < 1.0
    assert feature_drafter.c == 0.1 and feature_drafter.pass_costs == [1.0, 1.1]


def test_measure_costs_takes_ids_as_an_array(target, feature_drafter):
    from speclab.real.drafters.feature import COST_PASS_TOKENS, FeatureDrafter

    drafter = FeatureDrafter(target, feature_drafter.head, feature_drafter.vocab)
    drafter.measure_costs(np.arange(1, 12))
    assert drafter.c > 0 and len(drafter.pass_costs) == COST_PASS_TOKENS and drafter.pass_costs[0] == 1.0
    longest = target.config.n_positions - COST_PASS_TOKENS       # the timed passes must fit the positions
    with pytest.raises(ValueError, match=f"3 to {longest} token ids"):
        drafter.measure_costs([1] * (longest + 1))


@pytest.mark.parametrize("hidden, head_dim, mlp_ratio, name", [
    ("32", 16, 2.0, "hidden"), (0, 16, 2.0, "hidden"), (10**6, 64, 2.0, "hidden"), (32, 0, 2.0, "head_dim"),
    (32, 16, float("nan"), "mlp_ratio"), (32, 16, 0.0, "mlp_ratio"),
])
def test_a_feature_head_of_impossible_shape_is_refused(fixtures, hidden, head_dim, mlp_ratio, name):
    from speclab.real.drafters.feature_head import FeatureHead

    with pytest.raises(ValueError, match=name):
        FeatureHead(hidden, head_dim, mlp_ratio)


# ----------------------------------------------------------------------------- plot_rounds

@pytest.mark.parametrize("ax", ["x", 3, [None]])
def test_plot_rounds_names_an_ax_that_is_not_an_axes(ax):
    import matplotlib.pyplot as plt

    records = [sl.RoundRecord((1, 2), 1, 3, 0, (0.9, 0.4))]
    figures = plt.get_fignums()
    with pytest.raises(TypeError, match="ax must be None .* or a matplotlib Axes"):
        sl.plot_rounds(records, ax=ax)
    assert plt.get_fignums() == figures                     # refused before a figure was made


# ----------------------------------------------------------------------------- exercise 5

def _right(alpha, K, cost_ratio, ridge_tokens):
    return (sl.expected_tokens(alpha, K) - K * cost_ratio) * ridge_tokens / (K + 1)


def test_ex5_a_right_answer_that_only_reads_the_table_passes():
    def reads_the_table(alpha, K, cost_ratio, ridge_tokens):
        assert len(list(ex5_module.TABLE)) == 8
        return _right(alpha, K, cost_ratio, ridge_tokens)
    assert ex5.grade(reads_the_table).passed


@pytest.mark.parametrize("change", ["sorted", "appended", "emptied"])
def test_ex5_a_right_answer_that_changes_the_table_is_told_what_happened(change):
    def changes_the_table(alpha, K, cost_ratio, ridge_tokens):
        table = list(ex5_module.TABLE)
        ex5_module.TABLE = {"sorted": sorted(table), "appended": table + [(0.5, 1, 0.0, 10)], "emptied": []}[change]
        return _right(alpha, K, cost_ratio, ridge_tokens)
    original = ex5_module.TABLE
    verdict = ex5.grade(changes_the_table)
    assert ex5_module.TABLE is original                     # put back after the check
    assert verdict.kind == "incorrect" and "`speclab.exercises.ex5_breakeven_batch.TABLE`" in verdict.text
    assert "the check's own table of cases" in verdict.text and "work on a copy" in verdict.text
    assert "even one whose answers are right" in verdict.text
