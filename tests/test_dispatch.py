"""The GPU step model behind notebook 05's choice of pair: eager (launches overlapping the weights'
streaming, or added to it) and compiled (the weights alone), every speedup over compiled plain decoding."""

import math

import numpy as np
import pytest

from speclab import dispatch, theory
from speclab.dispatch import GPT2_SIZES, T4, ModelSize, eager_step_seconds, predict_pair

#: 1.6e9 parameters at 2 bytes on a T4 (320 GB/s) stream in 10 ms; 40 layers at 0.5 ms launch in 20 ms.
TARGET = ModelSize("target", 40, 1.6e9)
#: 4 layers launch in 2 ms; 0.08e9 parameters stream in 0.5 ms.
TINY_DRAFT = ModelSize("tiny", 4, 0.08e9)


@pytest.mark.parametrize("per_layer, overlap, seconds", [
    (2e-3, "max", 20e-3), (2e-3, "sum", 30e-3),          # launch-bound: 10 layers x 2 ms against 10 ms of weights
    (0.5e-3, "max", 10e-3), (0.5e-3, "sum", 15e-3),      # weight-bound: 5 ms of launches hide behind 10 ms
    (0.0, "max", 10e-3), (0.0, "sum", 10e-3)])
def test_an_eager_step_is_the_larger_of_launches_and_weights_or_their_sum(per_layer, overlap, seconds):
    model = ModelSize("m", 10, 1.6e9)
    assert eager_step_seconds(model, T4, per_layer=per_layer, overlap=overlap) == pytest.approx(seconds)


def test_overlap_defaults_to_the_larger_of_the_two():
    model = ModelSize("m", 10, 1.6e9)
    assert eager_step_seconds(model, T4, per_layer=2e-3) == pytest.approx(20e-3)


@pytest.mark.parametrize("per_step", [0.0, 1e-3])
def test_a_compiled_step_is_the_weight_time_plus_the_fixed_cost(per_step):
    pred = predict_pair(TARGET, TINY_DRAFT, mode="compiled", per_step=per_step, per_layer=0.5e-3)
    assert pred.target_seconds == pytest.approx(10e-3 + per_step)
    assert pred.draft_seconds == pytest.approx(0.5e-3 + per_step)
    assert pred.plain_seconds == pred.target_seconds
    assert pred.c == pytest.approx((0.5e-3 + per_step) / (10e-3 + per_step))


def test_the_baseline_is_compiled_plain_decoding_in_every_mode():
    eager = predict_pair(TARGET, TINY_DRAFT, per_layer=0.5e-3, per_step=1e-3)
    assert eager.mode == "eager" and eager.plain_seconds == pytest.approx(11e-3)
    assert eager.target_seconds == pytest.approx(20e-3) and eager.draft_seconds == pytest.approx(2e-3)


def test_an_eager_baseline_gives_the_closed_form_of_the_eager_pair():
    pred = predict_pair(TARGET, TINY_DRAFT, alphas=(0.5, 0.8), per_layer=0.5e-3, baseline="eager")
    assert pred.plain_seconds == pred.target_seconds == pytest.approx(20e-3)
    assert pred.speedup == pytest.approx([theory.speedup(a, k, 0.1) for a, k in zip(pred.alphas, pred.best_k)])
    assert pred.speedup[0] > 1 and "vs plain decoding eager" in pred.table()


def test_speedups_by_hand_in_both_modes():
    # alpha = 0.5, k = 1: a round emits 1.5 tokens.
    eager = predict_pair(TARGET, TINY_DRAFT, alphas=(0.5,), per_layer=0.5e-3, max_k=1)
    assert eager.c == pytest.approx(0.1)                                   # layers: 4 of 40
    assert eager.speedup[0] == pytest.approx(1.5 / (0.1 + 1) * 10 / 20)    # a round 22 ms, plain 10 ms a token
    compiled = predict_pair(TARGET, TINY_DRAFT, alphas=(0.5,), per_layer=0.5e-3, max_k=1, mode="compiled")
    assert compiled.c == pytest.approx(0.05)                               # weights: 0.08 of 1.6
    assert compiled.speedup[0] == pytest.approx(1.5 / 1.05)
    summed = predict_pair(TARGET, TINY_DRAFT, alphas=(0.5,), per_layer=0.5e-3, max_k=1, overlap="sum")
    assert summed.c == pytest.approx(2.5 / 30) and summed.speedup[0] == pytest.approx(1.5 / (1 + 2.5 / 30) / 3)


def test_an_eager_decoder_with_a_tiny_draft_loses_where_the_additive_model_said_it_wins():
    # The old model: launches added to weights on both sides, plain decoding eager too.
    draft_step, target_step = (eager_step_seconds(m, T4, 0.5e-3, overlap="sum") for m in (TINY_DRAFT, TARGET))
    old_c = draft_step / target_step
    assert theory.speedup(0.5, 1, old_c) > 1.3
    eager = predict_pair(TARGET, TINY_DRAFT, alphas=(0.5,), per_layer=0.5e-3, max_k=1)
    assert eager.speedup[0] < 0.7
    assert math.isnan(eager.breakeven_alpha()) and "never wins at k <= 1" in eager.table()


def test_the_gpt2_pairs_on_a_t4():
    chosen, old = (GPT2_SIZES["gpt2-xl"], GPT2_SIZES["distilgpt2"]), (GPT2_SIZES["gpt2-medium"], GPT2_SIZES["gpt2"])
    eager = predict_pair(*chosen, alphas=(0.4, 0.6))
    assert eager.c == pytest.approx(6 / 48) and np.all(eager.speedup < 1)   # launch-bound: loses to compiled plain
    compiled = predict_pair(*chosen, alphas=(0.4, 0.6), mode="compiled")
    assert compiled.c == pytest.approx(82 / 1558) and np.all(compiled.speedup > 1.25)
    old_compiled = predict_pair(*old, alphas=(0.4, 0.6), mode="compiled")
    assert old_compiled.c == pytest.approx(124 / 355) and np.all(old_compiled.speedup < compiled.speedup)
    assert np.all(predict_pair(*old, alphas=(0.4, 0.6)).speedup < 0.5)


def test_breakeven_alpha_is_where_the_best_k_ties_plain_decoding():
    compiled = predict_pair(TARGET, TINY_DRAFT, per_layer=0.5e-3, mode="compiled", max_k=1)
    assert compiled.breakeven_alpha() == pytest.approx(0.05)               # 1 + alpha = 1 + c
    pred = predict_pair(GPT2_SIZES["gpt2-xl"], GPT2_SIZES["distilgpt2"])
    alpha = pred.breakeven_alpha()
    best = max(theory.speedup(alpha, k, pred.c) for k in range(1, 17)) * pred.plain_seconds / pred.target_seconds
    assert 0 < alpha < 1 and best == pytest.approx(1.0)


@pytest.mark.parametrize("per_layer", [0.2e-3, 0.4e-3, 0.8e-3])
def test_only_eager_predictions_depend_on_the_assumed_launch_cost(per_layer):
    pair = (GPT2_SIZES["gpt2-xl"], GPT2_SIZES["distilgpt2"])
    compiled = predict_pair(*pair, mode="compiled", per_layer=per_layer)
    assert compiled.speedup == pytest.approx(predict_pair(*pair, mode="compiled").speedup)
    slower, faster = predict_pair(*pair, per_layer=per_layer), predict_pair(*pair, per_layer=per_layer / 2)
    assert np.all(slower.speedup <= faster.speedup) and np.all(slower.speedup <= compiled.speedup)


def test_c_runs_from_the_weight_share_to_the_layer_share():
    big, small = ModelSize("big", 40, 4e6), ModelSize("small", 4, 1e6)     # tiny weights: launches dominate
    weights_only = predict_pair(big, small, per_layer=0.0).c
    layers_only = predict_pair(big, small, per_layer=1.0).c
    assert weights_only == pytest.approx(0.25) and layers_only == pytest.approx(0.1)


def test_best_k_is_the_argmax_of_the_closed_form():
    pred = predict_pair(GPT2_SIZES["gpt2-xl"], GPT2_SIZES["distilgpt2"], alphas=(0.3, 0.7, 0.9))
    scale = pred.plain_seconds / pred.target_seconds
    for a, k, s in zip(pred.alphas, pred.best_k, pred.speedup):
        assert s == pytest.approx(scale * max(theory.speedup(a, j, pred.c) for j in range(1, 17)))
        assert s == pytest.approx(scale * theory.speedup(a, k, pred.c))


@pytest.mark.parametrize("kwargs, words", [
    ({}, ["eager", "0.40 ms", "(max)", "plain decoding compiled", "19.20 ms", "9.74 ms"]),
    ({"overlap": "sum"}, ["eager", "(sum)", "28.94 ms", "plain decoding compiled"]),
    ({"mode": "compiled", "per_step": 2e-4}, ["speculation compiled", "0.20 ms per step", "plain decoding compiled"])])
def test_the_table_states_its_assumptions_within_100_characters(kwargs, words):
    text = predict_pair(GPT2_SIZES["gpt2-xl"], GPT2_SIZES["distilgpt2"], **kwargs).table()
    assert "distilgpt2 drafting for gpt2-xl" in text and "predicted c" in text
    assert all(word in text for word in words), text
    assert max(len(line) for line in text.splitlines()) <= 100
    assert text.splitlines()[3].startswith("assumed alpha")                 # two lines of assumptions


@pytest.mark.parametrize("kwargs, name", [
    ({"per_layer": -1.0}, "per_layer"), ({"per_layer": 2.0}, "per_layer"), ({"alphas": (1.5,)}, "alphas"),
    ({"max_k": 0}, "max_k"), ({"bytes_per_param": float("nan")}, "bytes_per_param"),
    ({"mode": "graphs"}, "mode"), ({"mode": None}, "mode"), ({"overlap": "min"}, "overlap"),
    ({"overlap": ["max"]}, "overlap"), ({"baseline": "static"}, "baseline"), ({"per_step": -1e-3}, "per_step"),
    ({"per_step": "0"}, "per_step"), ({"per_step": float("inf")}, "per_step")])
def test_bad_arguments_are_named(kwargs, name):
    with pytest.raises((ValueError, TypeError), match=name):
        predict_pair(GPT2_SIZES["gpt2-xl"], GPT2_SIZES["distilgpt2"], **kwargs)


@pytest.mark.parametrize("call, name", [
    (lambda: eager_step_seconds(TARGET, T4, overlap="both"), "overlap"),
    (lambda: eager_step_seconds("gpt2", T4), "model"), (lambda: ModelSize("m", 0, 1e6), "layers"),
    (lambda: ModelSize("m", 4, 0.0), "params"), (lambda: ModelSize("m", 4, float("nan")), "params")])
def test_bad_models_and_overlaps_are_named(call, name):
    with pytest.raises((ValueError, TypeError), match=name):
        call()


def test_t4_is_the_datasheet_figure():
    assert dispatch.T4.bandwidth == 320e9 and "T4" in dispatch.T4.source
