"""The measurement's arithmetic on crafted numbers: the replay prediction, the guards, the verdict."""

import json

import numpy as np
import pytest

import speclab as sl
from speclab.interleave import Interleaved, spread
from speclab.real.measure import prediction
from speclab.rounds import RoundRecord

torch = pytest.importorskip("torch")

from speclab.real.measure.pair import _summarize  # noqa: E402
from speclab.real.result import GenerationResult  # noqa: E402
from speclab.real.measure.timing import PassTimes  # noqa: E402

# ----------------------------------------------------------------------------- replay prediction


def test_replay_of_rounds_without_drafts_is_plain_decoding():
    r = prediction.replay([0, 0, 0], alpha=0.9, baseline_step=0.04, extra_verify=[0.0], draft_step=0.0, prefill=0.1)
    assert r.tokens == 3 and r.seconds == pytest.approx(0.1 + 3 * 0.04) and r.tokens_per_round == 1


def test_replay_by_hand():
    # rounds with 2 drafts and none; alpha 0.5: (1 + 0.5 + 0.25) + 1 tokens
    r = prediction.replay([2, 0], alpha=0.5, baseline_step=1.0, extra_verify=[0.0, 0.1, 0.3], draft_step=0.05,
                          prefill=2.0)
    assert r.tokens == pytest.approx(2.75)
    assert r.seconds == pytest.approx(2.0 + (1.0 + 0.3 + 2 * 0.05) + 1.0)
    assert r.seconds_per_round(2.0) == pytest.approx(1.2)


def test_replay_with_acceptance_per_position():
    # a_1 = 0.5, a_2 = 0.8: rounds of 2, 1 and 0 drafts give (1 + 0.5 + 0.4) + (1 + 0.5) + 1 tokens
    r = prediction.replay([2, 1, 0], alpha=[0.5, 0.8], baseline_step=1.0, extra_verify=[0.0, 0.1, 0.3],
                          draft_step=0.0, prefill=0.0)
    assert r.tokens == pytest.approx(4.4)
    same = prediction.replay([2, 1, 0], alpha=[0.5, 0.5], baseline_step=1.0, extra_verify=[0.0, 0.1, 0.3],
                             draft_step=0.0, prefill=0.0)
    assert same.tokens == pytest.approx(prediction.replay([2, 1, 0], 0.5, 1.0, [0.0, 0.1, 0.3], 0.0, 0.0).tokens)
    with pytest.raises(ValueError, match="alpha"):
        prediction.replay([3], [0.5, 0.5], 1.0, [0.0, 0.1, 0.2, 0.3], 0.0, 0.0)   # no rate for position 3


def test_replay_bad_arguments():
    with pytest.raises(ValueError, match="draft_counts"):
        prediction.replay([], 0.5, 1.0, [0.0], 0.0, 0.0)
    with pytest.raises(ValueError, match="extra_verify"):
        prediction.replay([3], 0.5, 1.0, [0.0, 0.1], 0.0, 0.0)


def test_one_pooled_alpha_over_predicts_uneven_prompts():
    """Issue's numbers: half the rounds at alpha 0.95, half at 0.45, K = 4; alpha = accepted/examined pooled."""
    alphas, k = np.array([0.95, 0.45]), 4
    examined = (1 - alphas ** k) / (1 - alphas)            # drafts tested per round, up to the first rejection
    accepted = sl.expected_tokens(alphas, k) - 1
    pooled = accepted.sum() / examined.sum()
    per_prompt = sl.expected_tokens(alphas, k).mean()
    assert pooled == pytest.approx(0.790, abs=0.001)
    assert sl.expected_tokens(pooled, k) == pytest.approx(3.297, abs=0.002)
    assert per_prompt == pytest.approx(3.155, abs=0.001)
    assert sl.expected_tokens(pooled, k) > per_prompt


def test_formula_speedup_is_the_closed_form():
    assert prediction.formula_speedup(0.8, 4, 0.1, 1.2) == pytest.approx(sl.speedup(0.8, 4, 0.1, 0.05))
    assert prediction.formula_speedup(float("nan"), 2, 0.0, 0.9) == pytest.approx(1.0)   # no drafts examined


# ----------------------------------------------------------------------------- guards and the gap


def test_guards_fire_on_impossible_measurements():
    assert prediction.guard_flags(1.94, 1.0, 0, 1.1, 1) == [
        "speedup 1.94x above the 1.00x that 1.00 tokens per target pass allow", "speedup 1.94x with no draft accepted"]
    assert "faster than 1" in prediction.guard_flags(1.2, 3.0, 10, 0.60, 4)[0]
    assert prediction.guard_flags(2.0, 3.0, 10, 1.3, 4) == []
    assert prediction.guard_flags(1.02, 1.0, 0, 1.0, 1) == []                  # within the noise allowance


def test_guards_allow_a_pass_that_uses_every_core_and_no_more():
    floor = prediction.growth_floor(2)                   # 2 threads: a 2-token pass may take 0.45 of a step
    assert floor == pytest.approx(0.45)
    # 1.5 tokens per pass, each pass 0.83 of a one-token step: up to 1.81x is possible
    assert prediction.guard_flags(1.75, 1.5, 10, 0.83, 1, floor) == []
    assert "above the 1.81x" in prediction.guard_flags(2.2, 1.5, 10, 0.83, 1, floor)[0]
    assert "faster than 1" in prediction.guard_flags(1.2, 1.5, 10, 0.30, 1, floor)[-1]
    assert prediction.guard_flags(1.75, 1.5, 10, 0.83, 1) != []          # one thread: 0.83 is not believable


def test_gap_explanations():
    assert prediction.explain_gap(1.8, 2.2, 2.0, 0.7, 1.0).startswith("agrees")
    assert prediction.explain_gap(1.8, 2.2, 3.0, 0.7, 0.95).startswith("acceptance: fewer tokens")
    assert prediction.explain_gap(1.8, 2.2, 3.0, 0.98, 0.7).startswith("cost: rounds slower")


# ----------------------------------------------------------------------------- a crafted measurement


def result(rounds, tokens):
    """A GenerationResult with the given rounds (greedy: alpha from accepted over examined drafts)."""
    examined = [min(r.n_accepted + 1, r.k) for r in rounds]
    accepted = sum(r.n_accepted for r in rounds)
    return GenerationResult(token_ids=list(range(tokens)), text=None, rounds=rounds, n_accepted=accepted,
                            n_drafted=sum(r.k for r in rounds), alpha=np.nan, seconds=1.0, target_forwards=0,
                            draft_forwards=0, finished_by="length", alpha_sum=float(accepted),
                            alpha_count=sum(examined))


def crafted(growth3, k1_seconds=0.5):
    """One prompt, baseline 10 tokens in 1 s; k=1 rejects everything; k=2 takes 3 tokens in 3 rounds of 4."""
    base = result([RoundRecord((), 0, 1)] * 10, 10)
    k1 = result([RoundRecord((5,), 0, 1)] * 10, 10)
    k2 = result([RoundRecord((5, 6), 2, 1)] * 3 + [RoundRecord((), 0, 1)], 10)
    seconds = np.array([[[1.0, k1_seconds, 0.5]] * 2] * 3)                        # [block, pass, key]
    timed = Interleaved([(0, 0), (0, 1), (0, 2)], seconds, {(0, 0): base, (0, 1): k1, (0, 2): k2})
    one = spread([0.08] * 6)
    passes = PassTimes(seconds=[one, spread([0.082] * 6), spread([0.08 * growth3] * 6)],
                       growth=[spread([1.0] * 3), spread([1.02] * 3), spread([growth3] * 3)],
                       draft_seconds=spread([1e-4] * 6), c=spread([1e-4 / 0.08] * 3), blocks=3)
    return _summarize(object(), [1, 2], ["repeat"], timed, passes, [0.05], 10, 0.0)


def test_a_win_with_nothing_accepted_is_flagged_and_never_recommended():
    m = crafted(growth3=1.05)
    k1, k2 = m.pooled
    assert k1.measured.median == pytest.approx(2.0) and k1.accepted == 0 and k1.alpha == 0.0
    assert len(k1.flags) == 2 and not k2.flags
    assert k2.tokens_per_round == 2.5 and k2.no_draft_rounds == 0.25 and k2.alpha == 1.0
    assert m.recommended_k == 2
    assert "flags (kept out of the recommendation)" in m.table() and "[flagged]" in m.table()


def test_each_row_records_its_proposal_lengths_and_acceptance_per_position():
    m = crafted(growth3=1.05)
    k1, k2 = m.pooled
    assert k1.length_pmf == [0.0, 1.0] and k1.acceptance == [0.0] and k1.proposal_tokens == pytest.approx(1.0)
    # three rounds of 2 drafts, both accepted, and one with nothing to say
    assert k2.length_pmf == [0.25, 0.0, 0.75] and k2.acceptance == [1.0, 1.0]
    assert k2.proposal_tokens == pytest.approx(k2.tokens_per_round) == pytest.approx(2.5)
    assert sl.expected_tokens(k2.alpha, 2) == pytest.approx(3.0)      # the chain would promise 3
    assert json.loads(json.dumps(m.to_dict()))["pooled"][1]["length_pmf"] == [0.25, 0.0, 0.75]


def test_verification_timed_faster_than_one_token_blocks_the_recommendation():
    m = crafted(growth3=0.3)
    assert any("faster than 1" in f for f in m.pooled[1].flags)
    assert m.recommended_k == 0


def test_a_quiet_honest_measurement_agrees_and_recommends():
    m = crafted(growth3=1.05, k1_seconds=1.0)
    assert m.recommended_k == 2 and not m.flags
    k2 = m.pooled[1]
    # replay: 3 rounds of 3 tokens (alpha 1) and 1 plain round; each round one baseline step (0.095 s)
    # plus t(3) - t(1) = 0.004 s when it verified 2 drafts, plus 2e-4 s of drafting
    step = (1.0 - 0.05) / 10
    predicted_seconds = 0.05 + 4 * step + 3 * (0.05 * 0.08 + 2e-4)
    assert k2.predicted.median == pytest.approx((10 / predicted_seconds) / 10.0)
    assert k2.token_ratio == pytest.approx(1.0) and k2.measured.median == pytest.approx(2.0)


def test_json_has_no_nan():
    m = crafted(growth3=1.05)
    m.pooled[0].alpha = float("nan")
    text = json.dumps(m.to_dict(), allow_nan=False)
    assert '"alpha": null' in text and json.loads(text)["pooled"][1]["measured"]["median"] == pytest.approx(2.0)


def test_the_table_shows_four_columns_then_alpha_with_its_interval():
    from speclab.real.measure.report import wilson_interval

    m = crafted(growth3=1.05)
    lines = m.table().splitlines()
    header = next(line for line in lines if line.startswith("prompt"))
    assert header.split() == ["prompt", "k", "speedup", "[95%]", "tokens", "per", "pass", "over", "stock"]
    assert m.reference == "plain decoding, stock kernel"        # `generate` was not timed: over the stock kernel
    k2 = m.pooled[1]
    assert k2.examined == 6 and k2.alpha_interval == wilson_interval(6, 6)
    low, high = wilson_interval(6, 6)
    assert 0.5 < low < 0.7 and high == pytest.approx(1.0)     # 6 of 6: Wilson's lower bound is 0.61
    assert f"1.00 [{low:.2f}-{high:.2f}]" in m.table()
    assert np.isnan(wilson_interval(0, 0)[0])


def crafted_with_two_row(two_row_seconds, spec_seconds=0.5):
    """As `crafted`, plus two-row plain decoding timed: 10 tokens in `two_row_seconds` per run."""
    from speclab.real.baselines import BaselineResult
    from speclab.real.measure.pair import TWO_ROW

    base = result([RoundRecord((), 0, 1)] * 10, 10)
    k2 = result([RoundRecord((5, 6), 2, 1)] * 3 + [RoundRecord((), 0, 1)], 10)
    two = BaselineResult("two-row", list(range(10)), two_row_seconds)
    seconds = np.array([[[1.0, two_row_seconds, spec_seconds]] * 2] * 3)           # [block, pass, key]
    timed = Interleaved([(0, 0), (0, TWO_ROW), (0, 2)], seconds, {(0, 0): base, (0, TWO_ROW): two, (0, 2): k2})
    one = spread([0.08] * 6)
    passes = PassTimes(seconds=[one, spread([0.07] * 6), spread([0.08] * 6)],
                       growth=[spread([1.0] * 3), spread([0.875] * 3), spread([1.0] * 3)],
                       draft_seconds=spread([1e-4] * 6), c=spread([1e-4 / 0.08] * 3), blocks=3)
    return _summarize(object(), [2], ["repeat"], timed, passes, [0.05], 10, 0.0)


def test_the_headline_is_the_faster_plain_decoding_and_the_split_multiplies_out():
    m = crafted_with_two_row(0.8)                 # two-row plain: 1.25x the stock kernel's tokens/s
    k2 = m.pooled[0]
    assert m.baseline == "plain decoding, two-row kernel" and m.kernel_gain.median == pytest.approx(1.25)
    assert k2.measured_stock.median == pytest.approx(2.0) and k2.measured.median == pytest.approx(1.6)
    assert m.kernel_gain.median * k2.measured.median == pytest.approx(k2.measured_stock.median)
    assert "over the strongest plain decoding measured: plain decoding, two-row kernel" in m.table()
    assert m.baseline_tokens_per_second == pytest.approx(10 / 0.8)


def test_a_slower_two_row_kernel_leaves_the_stock_one_as_headline():
    m = crafted_with_two_row(1.25)
    assert m.baseline == "plain decoding, stock kernel" and m.two_row_gain.median == pytest.approx(0.8)
    assert m.kernel_gain.median == 1.0
    assert m.pooled[0].measured.median == pytest.approx(2.0) == m.pooled[0].measured_stock.median


def test_a_speedup_above_tokens_per_pass_over_the_two_row_baseline_is_flagged():
    # k = 2 emits 2.5 tokens per pass; over two-row plain decoding (0.8 s a run) a 0.25 s run is 3.2x,
    # more than 2.5 tokens per pass of the same kind can give: flagged. At 0.5 s (1.6x) it is not.
    assert not crafted_with_two_row(0.8).pooled[0].flags
    impossible = crafted_with_two_row(0.8, spec_seconds=0.25)
    assert impossible.pooled[0].measured.median == pytest.approx(3.2)
    assert any("above the" in flag for flag in impossible.pooled[0].flags)
    assert impossible.recommended_k == 0

