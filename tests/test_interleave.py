"""Interleaved timing: ABBA blocks cancel a neighbour that slows every other run, or a drift."""

import json

import numpy as np
import pytest

from speclab.interleave import Spread, abba_order, run_interleaved, spread


class FakeMachine:
    """Virtual time with a known lie: timed run j costs cost * slowdown(j); the clock only reads it."""

    def __init__(self, slowdown):
        self.now, self.reads, self.slowdown = 0.0, 0, slowdown

    def clock(self) -> float:
        self.reads += 1
        return self.now

    def work(self, cost):
        def run():
            index = (self.reads - 1) // 2          # the start of this run was the latest read
            self.now += cost * self.slowdown(index)
            return cost
        return run


def every_other_run_slow(index):
    return 3.0 if index % 2 else 1.0


def naive_speedup(machine, base, fast, repeats):
    """What a one-after-the-other measurement reports: base then fast, each repeat, medians."""
    times = {"base": [], "fast": []}
    for _ in range(repeats):
        for name, cost in (("base", base), ("fast", fast)):
            start = machine.clock()
            machine.work(cost)()
            times[name].append(machine.clock() - start)
    return np.median(times["base"]) / np.median(times["fast"])


def test_the_fake_machine_fools_a_sequential_measurement():
    """The test below has teeth: the same lying clock biases the naive ordering threefold."""
    assert naive_speedup(FakeMachine(every_other_run_slow), 1.0, 0.25, 5) == pytest.approx(4.0 / 3.0)


@pytest.mark.parametrize("blocks", [1, 2, 3, 4])
def test_abba_blocks_cancel_a_slowdown_on_every_other_run(blocks):
    machine = FakeMachine(every_other_run_slow)
    calls = {"base": machine.work(1.0), ("k", 1): machine.work(0.5), ("k", 2): machine.work(0.25)}
    timed = run_interleaved(calls, blocks, clock=machine.clock)
    assert timed.ratio("base", ("k", 1)).median == pytest.approx(2.0)
    assert timed.ratio("base", ("k", 2)).median == pytest.approx(4.0)
    assert timed.ratio("base", ("k", 2)).n == blocks
    assert timed.results == {"base": 1.0, ("k", 1): 0.5, ("k", 2): 0.25}
    assert timed.minimum("base") == pytest.approx(1.0)


def test_abba_blocks_cancel_a_linear_drift():
    machine = FakeMachine(lambda index: 1.0 + 0.2 * index)     # the machine gets slower and slower
    timed = run_interleaved({"a": machine.work(1.0), "b": machine.work(0.5), "c": machine.work(0.1)}, 3,
                            clock=machine.clock)
    assert np.allclose(timed.paired_ratios("a", "c"), 10.0)
    assert np.allclose(timed.paired_ratios(["a", "b"], "c"), 15.0)   # several keys add up


def test_one_spoiled_block_moves_the_spread_not_the_median():
    machine = FakeMachine(lambda index: 5.0 if index == 7 else 1.0)   # one burst: block 1's second "base"
    timed = run_interleaved({"base": machine.work(1.0), "fast": machine.work(0.5)}, 3, clock=machine.clock)
    ratio = timed.ratio("base", "fast")
    assert ratio.median == pytest.approx(2.0) and ratio.low == pytest.approx(2.0) and ratio.high == 3.0 * 2.0


def test_order_is_forward_then_reversed_in_every_block():
    assert [i for _, _, i in abba_order(3, 2)] == [0, 1, 2, 2, 1, 0, 0, 1, 2, 2, 1, 0]


def test_spread_is_a_log_median_with_min_and_max():
    s = spread([0.5, 2.0, 1.0, 4.0])
    assert s.median == pytest.approx(np.sqrt(2.0)) and (s.low, s.high, s.n) == (0.5, 4.0, 4)
    assert spread([0.5, 2.0]).median == pytest.approx(1.0)         # a ratio and its inverse balance
    assert f"{spread([1.0, 2.0, 3.0]):.1f}" == "2.0 [1.0-3.0]"
    assert s.contains(1.0) and not s.contains(5.0)


def test_undefined_spread_is_null_in_json():
    s = spread([])
    assert np.isnan(s.median) and isinstance(s, Spread)
    assert json.dumps(s.to_dict()) == '{"median": null, "low": null, "high": null, "n": 0}'


@pytest.mark.parametrize("calls, blocks, words", [({}, 1, "calls"), ({"a": lambda: None}, 0, "blocks")])
def test_bad_arguments(calls, blocks, words):
    with pytest.raises(ValueError, match=words):
        run_interleaved(calls, blocks)
