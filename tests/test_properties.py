"""Property-based: arbitrary numbers, types and shapes into the public API (hypothesis).

Every call either returns a finite, correct answer, or raises one ValueError / TypeError whose
message names one of the arguments it was given. Never another exception, never a hang (each
test has a timeout), never an allocation beyond the documented memory bound (tracemalloc).
Derandomized and sized to run in seconds: it is part of `make test`.
"""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import speclab as sl
from speclab.limits import MEMORY_BYTES

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
pytestmark = pytest.mark.timeout(300)

# ----------------------------------------------------------------------------- strategies

junk = st.one_of(
    st.none(), st.booleans(), st.text(max_size=4), st.binary(max_size=3),
    st.complex_numbers(max_magnitude=2), st.just(object()), st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.lists(st.text(max_size=2), min_size=1, max_size=3), st.just([[0.5], [0.1, 0.2]]),
    hnp.arrays(hnp.scalar_dtypes(), hnp.array_shapes(max_dims=2, max_side=3)),
)
small_arrays = hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=4),
                          elements=st.floats(-0.5, 1.5))
#: Anything a learner might type where a number goes: every float, huge and negative ints, junk.
hostile = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(2**70), 2**70), small_arrays, junk)
#: Counts that are too big to be legal (legal sizes come from the valid strategies; a legal but
#: large size runs long by design, behind a progress bar).
hostile_count = st.one_of(hostile, st.integers(-(2**70), -1), st.integers(10**7 + 1, 2**70))
unit = st.floats(0.0, 1.0)
nonnegative = st.floats(0.0, 2.0)


def one_bad(hostile_for=None, **valid):
    """Arguments that are all valid, or all valid but one drawn from `hostile`: (kwargs, bad name or None)."""
    names = list(valid)
    hostile_for = hostile_for or {}

    @st.composite
    def build(draw):
        bad = draw(st.sampled_from([None, None] + names))
        args = {name: draw(hostile_for.get(name, hostile) if name == bad else valid[name]) for name in names}
        return args, bad
    return build()


def outcome(call, bad, names):
    """Run `call`: with no bad argument it must answer; with one, it answers (the value happened to
    be legal) or raises ValueError/TypeError naming that argument (any of `names` when None).

    Any other exception fails the test, and so does a peak allocation beyond the memory bound.
    """
    tracemalloc.start()
    try:
        return call()
    except (ValueError, TypeError) as err:
        message = str(err)
        assert "\n" not in message, message
        expected = names if bad is None else [bad]
        assert any(name in message for name in expected), f"{message!r} names none of {expected}"
        return None
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak <= MEMORY_BYTES, f"peak allocation {peak} bytes"


def finite(x) -> bool:
    return bool(np.all(np.isfinite(np.asarray(x, dtype=np.float64))))


def direct_sum(alpha: float, k: int) -> float:
    return math.fsum(alpha**i for i in range(k + 1))


# ----------------------------------------------------------------------------- closed forms

@SETTINGS
@given(case=one_bad(alpha=unit, k=st.integers(0, 40)))
def test_expected_tokens(case):
    (args, bad) = case
    result = outcome(lambda: sl.expected_tokens(**args), bad, list(args))
    if bad is None:
        assert result == pytest.approx(direct_sum(args["alpha"], args["k"]), rel=1e-12)
    elif result is not None:
        assert finite(result) and np.all(np.asarray(result) >= 1.0)


@SETTINGS
@given(alpha=unit, k=st.one_of(st.integers(0, 2**64 - 1), st.integers(0, 2**200)))
def test_expected_tokens_at_any_whole_k(alpha, k):
    result = sl.expected_tokens(alpha, k)
    assert math.isfinite(result) and 1.0 <= result <= k + 1
    if alpha < 0.9 and k > 2000:
        assert result == pytest.approx(1.0 / (1.0 - alpha), rel=1e-12)


@SETTINGS
@given(case=one_bad(alpha=unit, k=st.integers(0, 40), c=nonnegative, verify_growth=st.floats(0, 0.3)))
def test_speedup(case):
    args, bad = case
    result = outcome(lambda: sl.speedup(**args), bad, list(args))
    if bad is None:
        a, k, c, g = args["alpha"], args["k"], args["c"], args["verify_growth"]
        assert result == pytest.approx(direct_sum(a, k) / (k * c + 1 + g * k), rel=1e-12)
    elif result is not None:
        assert finite(result) and np.all(np.asarray(result) >= 0)


@SETTINGS
@given(case=one_bad(alpha=unit, c=nonnegative, k_max=st.integers(0, 40), verify_growth=st.floats(0, 0.3),
                    hostile_for={"k_max": hostile_count}))
def test_optimal_k(case):
    args, bad = case
    best = outcome(lambda: sl.optimal_k(**args), bad, list(args))
    if bad is None:
        gains = sl.speedup(args["alpha"], np.arange(args["k_max"] + 1), args["c"], args["verify_growth"])
        assert isinstance(best, int) and 0 <= best <= args["k_max"] and gains[best] >= gains.max() - 1e-9


@SETTINGS
@given(case=one_bad(c=nonnegative, k=st.integers(1, 30), verify_growth=st.floats(0, 0.3)))
def test_breakeven_alpha(case):
    args, bad = case
    root = outcome(lambda: sl.breakeven_alpha(**args), bad, list(args))
    if bad is None and not math.isnan(root):
        assert 0.0 <= root <= 1.0
        if root > 0:
            assert sl.speedup(root, args["k"], args["c"], args["verify_growth"]) == pytest.approx(1.0, abs=1e-6)
    elif bad is None:                                 # no root: even alpha = 1 does not pay off
        assert sl.speedup(1.0, args["k"], args["c"], args["verify_growth"]) < 1.0 + 1e-9


@SETTINGS
@given(case=one_bad(alpha=unit, k=st.integers(0, 60), hostile_for={"k": hostile_count}))
def test_tokens_per_round_pmf(case):
    args, bad = case
    pmf = outcome(lambda: sl.tokens_per_round_pmf(**args), bad, list(args))
    if bad is None:
        k = args["k"]
        assert len(pmf) == k + 1 and np.all(pmf >= 0) and pmf.sum() == pytest.approx(1.0, abs=1e-9)
        assert pmf @ np.arange(1, k + 2) == pytest.approx(sl.expected_tokens(args["alpha"], k), rel=1e-9)


@SETTINGS
@given(case=one_bad(alpha=unit, k=st.integers(1, 40)))
def test_accepted_fraction(case):
    args, bad = case
    result = outcome(lambda: sl.accepted_fraction(**args), bad, list(args))
    if bad is None:
        a, k = args["alpha"], args["k"]
        assert result == pytest.approx((direct_sum(a, k) - 1.0) / k, rel=1e-12, abs=1e-300)


# ----------------------------------------------------------------------------- distributions

@st.composite
def probability_rows(draw, rows, vocab):
    """Probability rows [rows, vocab]: normalized random weights (never an all-zero row)."""
    weights = draw(hnp.arrays(np.float64, (rows, vocab), elements=st.floats(0.0, 1.0)))
    weights[:, 0] += 1e-3
    return weights / weights.sum(axis=-1, keepdims=True)


@st.composite
def pairs(draw):
    rows, vocab = draw(st.integers(1, 3)), draw(st.integers(1, 6))
    return draw(one_bad(p=probability_rows(rows, vocab), q=probability_rows(rows, vocab)))


@SETTINGS
@given(case=pairs())
def test_acceptance_rate_and_residual(case):
    args, bad = case
    alpha = outcome(lambda: sl.acceptance_rate(**args), bad, list(args))
    res = outcome(lambda: sl.residual(**args), bad, list(args))
    if bad is None:
        p, q = args["p"], args["q"]
        assert np.allclose(alpha, np.minimum(p, q).sum(axis=-1)) and np.all(alpha <= 1 + 1e-12)
        assert np.all(res >= 0) and np.allclose(res.sum(axis=-1), 1.0)
        assert np.all((res == 0) | (p > q) | (np.minimum(p, q).sum(-1, keepdims=True) > 1 - 1e-12))


@st.composite
def rounds(draw):
    """One round: p [k+1, V], q [k, V] and drafts drawn where q > 0; at most one part hostile."""
    k, vocab = draw(st.integers(0, 4)), draw(st.integers(2, 6))
    p, q = draw(probability_rows(k + 1, vocab)), draw(probability_rows(k, vocab))
    drafts = [int(draw(st.sampled_from(np.flatnonzero(q[i] > 0).tolist()))) for i in range(k)]
    fixed = {"p": st.just(p), "q": st.just(q), "draft_tokens": st.just(drafts)}
    return draw(one_bad(hostile_for={"draft_tokens": st.one_of(hostile, st.lists(st.integers(-3, vocab + 2)))},
                        **fixed))


@SETTINGS
@given(case=rounds(), seed=st.integers(0, 2**32))
def test_verify(case, seed):
    args, bad = case
    v = outcome(lambda: sl.verify(rng=np.random.default_rng(seed), **args), bad, list(args))
    if v is None:
        return
    p, drafts = np.asarray(args["p"]), list(args["draft_tokens"])
    k = len(drafts)
    assert 0 <= v.n_accepted <= k and len(v.tokens) == v.n_accepted + 1
    assert list(v.tokens[: v.n_accepted]) == drafts[: v.n_accepted] and 0 <= v.tokens[-1] < p.shape[-1]
    if v.n_accepted == k:                             # a bonus token is a draw from p_k
        assert p[k, v.tokens[-1]] > 0
    g = outcome(lambda: sl.verify_greedy(args["p"], drafts), None, ["p", "draft_tokens"])
    assert g is not None and 0 <= g.n_accepted <= k and g.tokens[-1] == p[g.n_accepted].argmax()


# ----------------------------------------------------------------------------- simulators

@SETTINGS
@given(case=one_bad(vocab_size=st.integers(2, 30), agreement=unit, seed=st.integers(0, 9),
                    num_tokens=st.integers(1, 30), k=st.integers(0, 6), trials=st.integers(1, 20),
                    hostile_for={name: hostile_count for name in ("vocab_size", "num_tokens", "k", "trials")}))
def test_simulate(case):
    args, bad = case
    pair_args = {name: args[name] for name in ("vocab_size", "agreement", "seed")}
    run_args = {name: args[name] for name in ("num_tokens", "k", "trials", "seed")}
    res = outcome(lambda: sl.simulate(sl.SyntheticPair(**pair_args), progress=False, **run_args), bad, list(args))
    if res is None:
        return
    num_tokens, trials = int(args["num_tokens"]), int(args["trials"])
    assert len(res.tokens) == num_tokens and np.all((res.tokens >= 0) & (res.tokens < int(args["vocab_size"])))
    assert math.isfinite(res.speedup) and res.speedup > 0
    assert trials <= res.target_passes <= trials * num_tokens and res.accepted <= res.drafted
    assert math.isnan(res.alpha) == (res.drafted == 0)


@SETTINGS
@given(case=one_bad(alpha=unit, k=st.integers(0, 8), c=nonnegative, rounds=st.integers(1, 2000),
                    hostile_for={"k": hostile_count, "rounds": hostile_count}))
def test_simulate_iid(case):
    args, bad = case
    res = outcome(lambda: sl.simulate_iid(progress=False, **args), bad, list(args))
    if res is None:
        return
    assert res.rounds == int(args["rounds"]) and len(res.counts) == int(args["k"]) + 1
    assert 1.0 <= res.mean_tokens_per_round <= int(args["k"]) + 1 and math.isfinite(res.speedup)


@SETTINGS
@given(case=one_bad(min_k=st.integers(1, 3), start_k=st.integers(3, 5), max_k=st.integers(5, 20),
                    grow=st.integers(0, 3), shrink=st.integers(0, 3),
                    hostile_for={name: hostile_count for name in ("min_k", "start_k", "max_k", "grow", "shrink")}))
def test_adaptive_k(case):
    args, bad = case
    policy = outcome(lambda: sl.AdaptiveK(**args), bad, list(args))
    if policy is None:
        return
    assert policy.min_k <= policy.start_k <= policy.max_k
    for k in (policy.min_k, policy.start_k, policy.max_k):
        for n in (0, k):
            assert policy.min_k <= policy.next_k(k, n) <= policy.max_k


@SETTINGS
@given(case=one_bad(draft_ms=nonnegative, target_ms=st.floats(0.01, 100), verify_growth=st.floats(0, 0.3)))
def test_cost_model(case):
    args, bad = case
    cost = outcome(lambda: sl.CostModel(**args), bad, list(args))
    if cost is not None:
        assert math.isfinite(cost.c) and cost.c >= 0 and cost.round_ms(3) > 0
