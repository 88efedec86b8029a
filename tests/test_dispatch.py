"""The eager-dispatch cost model behind notebook 05's choice of GPU pair."""

import numpy as np
import pytest

from speclab import dispatch, theory
from speclab.dispatch import GPT2_SIZES, T4, ModelSize, eager_step_seconds, predict_pair


def test_the_old_pair_loses_and_the_chosen_pair_wins_at_modest_acceptance():
    old = predict_pair(GPT2_SIZES["gpt2-medium"], GPT2_SIZES["gpt2"], alphas=(0.4,))
    new = predict_pair(GPT2_SIZES["gpt2-xl"], GPT2_SIZES["distilgpt2"], alphas=(0.4,))
    assert old.c > 0.4 and old.speedup[0] < 1
    assert new.c < 0.15 and new.speedup[0] > 1.25


@pytest.mark.parametrize("per_layer", [0.2e-3, 0.4e-3, 0.8e-3])
def test_the_choice_holds_across_the_assumed_dispatch_cost(per_layer):
    new = predict_pair(GPT2_SIZES["gpt2-xl"], GPT2_SIZES["distilgpt2"], alphas=(0.4, 0.6), per_layer=per_layer)
    assert np.all(new.speedup > 1.2) and theory.breakeven_alpha(new.c, int(new.best_k[0])) < 0.3


def test_c_runs_from_the_weight_share_to_the_layer_share():
    big, small = ModelSize("big", 40, 4e6), ModelSize("small", 4, 1e6)     # tiny weights: dispatch dominates
    weights_only = predict_pair(big, small, per_layer=0.0).c
    layers_only = predict_pair(big, small, per_layer=1.0).c
    assert weights_only == pytest.approx(0.25) and layers_only == pytest.approx(0.1, rel=1e-3)


def test_step_time_is_dispatch_plus_weight_traffic():
    model = ModelSize("m", 10, 1.6e9)
    assert eager_step_seconds(model, T4, per_layer=1e-3) == pytest.approx(10e-3 + 3.2e9 / 320e9)


def test_best_k_is_the_argmax_of_the_closed_form():
    pred = predict_pair(GPT2_SIZES["gpt2-xl"], GPT2_SIZES["distilgpt2"], alphas=(0.3, 0.7, 0.9))
    for a, k, s in zip(pred.alphas, pred.best_k, pred.speedup):
        assert s == pytest.approx(max(theory.speedup(a, j, pred.c) for j in range(1, 17)))
        assert s == pytest.approx(theory.speedup(a, k, pred.c))
    assert "distilgpt2 drafting for gpt2-xl" in pred.table() and "predicted c" in pred.table()


@pytest.mark.parametrize("kwargs, name", [({"per_layer": -1.0}, "per_layer"), ({"alphas": (1.5,)}, "alphas"),
                                          ({"max_k": 0}, "max_k"), ({"bytes_per_param": float("nan")},
                                                                    "bytes_per_param")])
def test_bad_arguments_are_named(kwargs, name):
    with pytest.raises((ValueError, TypeError), match=name):
        predict_pair(GPT2_SIZES["gpt2-xl"], GPT2_SIZES["distilgpt2"], **kwargs)


def test_t4_is_the_datasheet_figure():
    assert dispatch.T4.bandwidth == 320e9 and "T4" in dispatch.T4.source
