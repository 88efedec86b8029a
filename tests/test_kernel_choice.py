"""The decoder keeps the kernel that measured faster on this machine, once per target; calibrate
lets a drafter plan with the kept kernel's costs."""

import pytest

from real_fixtures import random_prompt, tiny_gpt2, torch  # noqa: F401

import speclab.real.measure.timing as timing
from speclab.interleave import Spread
from speclab.real import SpeculativeDecoder
from speclab.real.kernel_choice import _CHOSEN, calibrate, faster_kernel, forget


def fake_growth(column: list, stock: list):
    """A kernel_growth that reports the given medians (t(n)/t(1), n = 1..) and counts its calls."""
    calls = []

    def growth(model, prompt_ids, max_tokens, blocks=5, clock=None):
        calls.append(max_tokens)
        as_spreads = lambda medians: [Spread(m, m, m, 2) for m in medians[:max_tokens]]
        return {"column": as_spreads(column), "stock": as_spreads(stock)}
    return growth, calls


@pytest.mark.parametrize("column, stock, expected", [([1, 1.1, 1.2, 1.3] + [1.4] * 5, [1, 1.6, 2.0, 2.4] + [3] * 5, True),
                                                      ([1, 2.4, 2.3, 2.5] + [2.4] * 5, [1, 1.1, 1.2, 1.4] + [2] * 5, False)])
def test_the_faster_kernel_is_kept_and_remembered(monkeypatch, column, stock, expected):
    model = tiny_gpt2(0)
    growth, calls = fake_growth(column, stock)
    monkeypatch.setattr(timing, "kernel_growth", growth)
    assert faster_kernel(model, [1, 2, 3]) is expected
    assert faster_kernel(model, [1, 2, 3]) is expected and len(calls) == 1       # timed once per model
    forget(model)
    assert model not in _CHOSEN


def test_an_automatic_decoder_uses_the_kept_kernel_and_a_forced_one_its_own(monkeypatch):
    model = tiny_gpt2(1)
    growth, calls = fake_growth([1, 2.4, 2.3, 2.5], [1, 1.1, 1.2, 1.4])
    monkeypatch.setattr(timing, "kernel_growth", growth)
    auto = SpeculativeDecoder(model, tiny_gpt2(2))
    assert auto.kernel([1, 2, 3]) is False and SpeculativeDecoder(model, model, column_products=True).kernel([1]) is True
    prompt = random_prompt(0, 6)
    assert auto.generate(prompt, 8, k=2).token_ids == SpeculativeDecoder(model, tiny_gpt2(2), column_products=True) \
        .generate(prompt, 8, k=2).token_ids                                      # either kernel: the same text
    assert len(calls) == 1


def test_calibrate_lets_the_drafter_plan_with_the_kept_kernels_costs(monkeypatch):
    class Drafter:
        def use_costs(self, c, pass_costs):
            self.c, self.pass_costs = c, pass_costs

    model, drafter = tiny_gpt2(3), Drafter()
    stock = [1, 1.1, 1.2, 1.4, 1.6, 1.8, 2.0, 2.2, 2.4]
    growth, _ = fake_growth([1, 2.4, 2.3, 2.5, 2.6, 2.7, 2.8, 2.9, 3.0], stock)
    monkeypatch.setattr(timing, "kernel_growth", growth)
    monkeypatch.setattr("speclab.real.measure.draft_cost.measure_draft_cost", lambda d, t, tokens: 0.07)
    found = calibrate(model, [1, 2, 3, 4], drafter)
    assert found.column is False and drafter.pass_costs == stock and drafter.c == 0.07 and _CHOSEN[model] is False
    assert "kept the stock kernel" in str(found)


def test_bad_column_products_is_named():
    with pytest.raises(ValueError, match="column_products"):
        SpeculativeDecoder(tiny_gpt2(0), tiny_gpt2(1), column_products="yes")
