"""Explorer factories check their arguments first: one clear error, never a clamped slider."""

import pytest

from speclab.widgets import acceptance_explorer, speedup_explorer, trace_explorer


@pytest.mark.parametrize("factory, kwargs, words", [
    (speedup_explorer, {"alpha": float("nan")}, "alpha must lie in [0, 1]"),
    (speedup_explorer, {"alpha": 2.0}, "alpha must lie in [0, 1]"),
    (speedup_explorer, {"alpha": "0.8"}, "alpha must be a real number"),
    (speedup_explorer, {"k": 17}, "k must be a whole number >= 1 and <= 16"),
    (speedup_explorer, {"k": 0}, "k must be a whole number >= 1 and <= 16"),
    (speedup_explorer, {"c": 1.5}, "c must lie in [0, 1]"),
    (speedup_explorer, {"verify_growth": 0.5}, "verify_growth must lie in [0, 0.2]"),
    (acceptance_explorer, {"agreement": -0.1}, "agreement must lie in [0, 1]"),
    (acceptance_explorer, {"vocab_size": 1}, "vocab_size must be a whole number >= 2 and <= 64"),
    (acceptance_explorer, {"position": 21}, "position must be a whole number >= 0 and <= 20"),
    (acceptance_explorer, {"seed": -1}, "seed must be a whole number >= 0"),
    (trace_explorer, {"num_tokens": 0}, "num_tokens must be a whole number >= 1 and <= 2,000"),
    (trace_explorer, {"seed": -1}, "seed must be a whole number >= 0 and <= 50"),
    (trace_explorer, {"seed": 51}, "seed must be a whole number >= 0 and <= 50"),
    (trace_explorer, {"k": 2.5}, "k must be a whole number"),
    (trace_explorer, {"vocab_size": 10**9}, "vocab_size must be a whole number >= 2 and <= 10,000"),
    (trace_explorer, {"agreement": True}, "agreement must be a real number"),
])
def test_bad_starting_values_are_refused_before_any_widget(factory, kwargs, words):
    with pytest.raises(ValueError) as info:
        factory(**kwargs)
    assert words in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("factory, name, value", [
    (speedup_explorer, "alpha", 1.0), (speedup_explorer, "k", 16), (speedup_explorer, "verify_growth", 0.2),
    (acceptance_explorer, "position", 20), (trace_explorer, "seed", 50), (trace_explorer, "k", 1),
])
def test_values_at_the_ends_of_a_slider_are_kept_exactly(factory, name, value):
    explorer = factory(**{name: value})
    assert explorer.controls[name].value == value
