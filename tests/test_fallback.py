"""Never slower than plain decoding: the decoder's FallbackWatch, on a clock the test controls.

Timing tests here use an injected clock that charges each target pass and each draft a known cost,
so the decisions are exact and repeatable; the real-time figures (a busy machine, the seeded burner)
are benchmarks/bench_trained_draft.py's "draft (defaults)" against "draft, no fallback".
"""

from __future__ import annotations

import pytest

from real_fixtures import hf_greedy, random_prompt, tiny_gpt2, torch  # noqa: F401

import speclab.real.kv_cache as kv
from speclab.real import SpeculativeDecoder
from speclab.real.drafters.base import EMPTY, Draft
from speclab.real.fallback import FallbackWatch


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class NeverRight:
    """Proposes k tokens that the target never chooses (its greedy token plus one), charging `cost` each."""

    def __init__(self, target, clock, cost: float, right: bool = False):
        self.target, self.clock, self.cost, self.right = target, clock, cost, right
        self.forwards = 0

    def start(self, prompt, eos):
        pass

    def propose(self, tokens, k, sampling=None, rng=None):
        if k <= 0:
            return EMPTY
        out, seq = [], list(tokens)
        with torch.no_grad():
            for _ in range(k):
                best = int(self.target(torch.tensor([seq])).logits[0, -1].argmax())
                token = best if self.right else (best + 1) % self.target.config.vocab_size
                out.append(token)
                seq.append(token)
                self.clock.now += self.cost
        return Draft(out)

    def feedback(self, valid_length, n_drafted, n_accepted):
        pass


@pytest.fixture
def charged(monkeypatch):
    """A clock on which every target pass costs 1 s, whatever its length."""
    clock = FakeClock()
    original = kv.CachedModel.forward

    def forward(self, *args, **kwargs):
        clock.now += 1.0
        return original(self, *args, **kwargs)

    monkeypatch.setattr(kv.CachedModel, "forward", forward)
    return clock


def test_a_draft_that_is_never_right_is_switched_off_and_probed_again(charged):
    target = tiny_gpt2(0)
    watch = FallbackWatch(pairs=2, hold=8, max_hold=32, clock=charged)
    decoder = SpeculativeDecoder(target, NeverRight(target, charged, cost=0.2))
    prompt = random_prompt(5, 6)
    out = decoder.generate(prompt, 120, k=3, fallback=watch)
    assert out.token_ids == hf_greedy(target, prompt, 120)                 # exact whatever rounds ran
    plain = sum(1 for r in out.rounds if not r.draft_tokens)
    assert watch.switches >= 3 and plain / len(out.rounds) > 0.75
    assert watch.estimate == pytest.approx(1 / 1.6)      # 1 token per round, in 1.6 s against plain's 1 s


def test_a_draft_that_pays_is_never_switched_off(charged):
    target = tiny_gpt2(0)
    watch = FallbackWatch(pairs=2, recheck=24, clock=charged)
    decoder = SpeculativeDecoder(target, NeverRight(target, charged, cost=0.05, right=True))
    prompt = random_prompt(6, 6)
    out = decoder.generate(prompt, 80, k=3, fallback=watch)
    assert out.token_ids == hf_greedy(target, prompt, 80)
    assert watch.switches == 0 and watch.estimate > 3               # 4 tokens per round, in 1.15 s against 1 s
    assert sum(1 for r in out.rounds if not r.draft_tokens) <= 2    # only the first comparison's plain rounds


class Round:
    """Runs one round of `watch` on a fake clock: `seconds` is what the round takes if it speculates or not."""

    def __init__(self, watch, clock):
        self.watch, self.clock = watch, clock

    def __call__(self, spec, plain, tokens=1):
        speculating = self.watch.speculating()
        self.clock.now += spec if speculating else plain
        self.watch.record(tokens if speculating else 1)
        return speculating


def test_the_hold_doubles_while_speculation_keeps_losing_and_resets_when_it_wins():
    clock = FakeClock()
    watch = FallbackWatch(pairs=2, history=2, hold=2, max_hold=8, recheck=5, clock=clock)
    round_ = Round(watch, clock)
    holds = []
    for _ in range(4):                              # speculation: 1 token in 2 s; plain: 1 token in 1 s
        for _ in range(2):                          # the comparison: speculative and plain rounds in turn
            assert round_(2.0, 1.0) and not round_(2.0, 1.0)
        holds.append(watch.left)
        while watch.phase == "hold":
            assert not round_(2.0, 1.0)
    assert holds == [2, 4, 8, 8] and watch.switches == 4
    for _ in range(2):                              # now it pays: speculate for `recheck` rounds
        assert round_(1.0, 1.0, tokens=40) and not round_(1.0, 1.0)
    assert watch.phase == "speculate" and watch.left == 5 and watch.hold == 2


def test_a_clear_winner_is_compared_less_and_less_often():
    """Speculation emits 2 or 4 tokens in 1.2 s against plain's 1 token in 1 s: it wins even one standard
    error down, so each comparison doubles the stretch before the next (5, 10, 20, then the cap 20);
    a win only within the error (1 or 2 tokens in 1.2 s) brings the first stretch back."""
    clock = FakeClock()
    watch = FallbackWatch(pairs=2, history=2, recheck=5, max_recheck=20, clock=clock)
    round_ = Round(watch, clock)
    stretches, tokens = [], iter([2, 4] * 100)
    for _ in range(4):
        for _ in range(2):                          # the comparison
            assert round_(1.2, 1.0, tokens=next(tokens)) and not round_(1.2, 1.0)
        stretches.append(watch.left)
        while watch.phase == "speculate":
            assert round_(1.2, 1.0, tokens=next(tokens))
    assert stretches == [5, 10, 20, 20] and watch.switches == 0
    unsure = FallbackWatch(pairs=2, history=2, recheck=5, max_recheck=20, clock=clock)
    round_ = Round(unsure, clock)
    for spec_tokens in (1, 2):                      # mean 1.5 tokens, 1.25x; one standard error down 0.83x
        round_(1.2, 1.0, tokens=spec_tokens), round_(1.2, 1.0)
    assert unsure.phase == "speculate" and unsure.left == 5 and unsure.recheck == 5


def test_a_draft_right_half_the_time_is_not_judged_on_a_few_unlucky_rounds():
    """Speculative rounds of 1 to 3 tokens take 1.6 s, plain ones 1 s. Three rounds of 1, 2 and 1
    tokens estimate 0.83x, but one standard error up it is 1.04x, so the watch keeps speculating;
    rounds of exactly 1 token have no spread, and are switched off at once."""
    clock = FakeClock()
    watch = FallbackWatch(pairs=3, history=3, clock=clock)
    round_ = Round(watch, clock)
    for tokens in (1, 1, 1):                        # an unlucky start: mean 1 token, estimate 0.625x
        round_(1.6, 1.0, tokens=tokens), round_(1.6, 1.0)
    assert watch.estimate == pytest.approx(1 / 1.6) and watch.phase == "hold"      # no spread: it loses
    luckier = FallbackWatch(pairs=3, history=3, clock=clock)
    round_ = Round(luckier, clock)
    for tokens in (1, 1, 3):                        # mean 1.67 tokens, but one standard error is 0.67
        round_(1.6, 1.0, tokens=tokens), round_(1.6, 1.0)
    assert luckier.estimate == pytest.approx((5 / 3) / 1.6) and luckier.phase == "speculate"
    unlucky = FallbackWatch(pairs=3, history=3, clock=clock)
    round_ = Round(unlucky, clock)
    for tokens in (1, 2, 1):                        # mean 1.33 + 0.33 = 1.67 tokens at best: 1.04x, keep going
        round_(1.6, 1.0, tokens=tokens), round_(1.6, 1.0)
    assert unlucky.estimate < 1 and unlucky.phase == "speculate"


def test_a_burst_during_one_speculative_round_does_not_decide():
    """Speculation pays 1.5x (3 tokens in 2 s against plain's 1 s); a neighbour slows one speculative
    round 4x. Totals over the comparison (9 tokens in 12 s against 1 token per s) would switch
    speculation off; the median of the paired ratios does not."""
    clock = FakeClock()
    watch = FallbackWatch(pairs=3, history=3, clock=clock)
    round_ = Round(watch, clock)
    for busy in (1, 1, 4, 1, 1, 1):                           # the 3rd round (speculative) meets the burst
        round_(2.0 * busy, 1.0 * busy, tokens=3)
    assert watch.phase == "speculate" and watch.switches == 0
    assert watch.estimate == pytest.approx(1.5)


def test_a_neighbour_slowing_both_rounds_of_a_pair_changes_nothing():
    """Speculation loses (1 token in 2 s against 1 s); the neighbour slows the second pair 4x: still off."""
    clock = FakeClock()
    watch = FallbackWatch(pairs=3, history=3, clock=clock)
    round_ = Round(watch, clock)
    for busy in (1, 1, 4, 4, 1, 1):
        round_(2.0 * busy, 1.0 * busy, tokens=1)
    assert watch.estimate == pytest.approx(0.5) and watch.phase == "hold"


@pytest.mark.parametrize("kwargs, match", [({"pairs": 0}, "pairs"), ({"history": -1}, "history"),
                                           ({"hold": 4, "max_hold": 2}, "max_hold"), ({"clock": 3}, "clock"),
                                           ({"recheck": 30, "max_recheck": 20}, "max_recheck")])
def test_bad_settings_are_named(kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):
        FallbackWatch(**kwargs)


def test_fallback_is_greedy_only_and_checked():
    target = tiny_gpt2(0)
    decoder = SpeculativeDecoder(target, target)
    with pytest.raises(ValueError, match="greedy"):
        decoder.generate(random_prompt(1, 5), 8, temperature=1.0, seed=0, fallback=True)
    with pytest.raises(TypeError, match="fallback"):
        decoder.generate(random_prompt(1, 5), 8, fallback="yes")
    same = [decoder.generate(random_prompt(1, 5), 16, temperature=1.0, seed=3).token_ids for _ in range(2)]
    assert same[0] == same[1]                      # sampling with the default: no watch, same seed same output
