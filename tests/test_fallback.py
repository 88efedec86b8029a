"""Never slower than plain decoding: the decoder's FallbackWatch, on a clock the test controls.

Timing tests here use an injected clock that charges each target pass and each draft a known cost,
so the decisions are exact and repeatable; the real-time figures (a busy machine, a burner) live in
benchmarks/bench_fallback.py.
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
    watch = FallbackWatch(window=4, probe=2, hold=8, max_hold=32, clock=charged)
    decoder = SpeculativeDecoder(target, NeverRight(target, charged, cost=0.2))
    prompt = random_prompt(5, 6)
    out = decoder.generate(prompt, 120, k=3, fallback=watch)
    assert out.token_ids == hf_greedy(target, prompt, 120)                 # exact whatever rounds ran
    plain = sum(1 for r in out.rounds if not r.draft_tokens)
    assert watch.switches >= 3 and plain / len(out.rounds) > 0.75
    assert watch.rates["plain"] == pytest.approx(1.0) and watch.rates["speculate"] == pytest.approx(1 / 1.6)


def test_a_draft_that_pays_is_never_switched_off(charged):
    target = tiny_gpt2(0)
    watch = FallbackWatch(window=4, probe=2, clock=charged)
    decoder = SpeculativeDecoder(target, NeverRight(target, charged, cost=0.05, right=True))
    prompt = random_prompt(6, 6)
    out = decoder.generate(prompt, 80, k=3, fallback=watch)
    assert out.token_ids == hf_greedy(target, prompt, 80)
    assert watch.switches == 0 and watch.rates["speculate"] > 3 * watch.rates["plain"]
    assert sum(1 for r in out.rounds if not r.draft_tokens) <= 2 + len(out.rounds) // 20


def test_the_hold_doubles_while_speculation_keeps_losing_and_resets_when_it_wins():
    clock = FakeClock()
    watch = FallbackWatch(window=1, probe=1, hold=2, max_hold=8, recheck=5, clock=clock)

    def round_(tokens, seconds):
        speculating = watch.speculating()
        clock.now += seconds
        watch.record(tokens)
        return speculating

    holds = []
    for _ in range(4):                              # speculation: 1 token in 2 s; plain: 1 token in 1 s
        assert round_(1, 2.0)
        assert not round_(1, 1.0)                   # the probe
        holds.append(watch.left)
        while watch.phase == "hold":
            assert not round_(1, 1.0)
    assert holds == [2, 4, 8, 8] and watch.switches == 4
    assert round_(4, 2.0) and not round_(1, 1.0)    # now it pays: keep speculating for `recheck` rounds
    assert watch.phase == "speculate" and watch.left == 5 and watch.hold == 2


@pytest.mark.parametrize("kwargs, match", [({"window": 0}, "window"), ({"probe": -1}, "probe"),
                                           ({"hold": 4, "max_hold": 2}, "max_hold"), ({"clock": 3}, "clock")])
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
