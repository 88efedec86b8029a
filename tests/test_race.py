"""race(): decoders against both plain decodings in the same blocks, a bootstrap interval, a verdict."""

import numpy as np
import pytest

from real_fixtures import random_prompt, tiny_gpt2, torch  # noqa: F401

from speclab.interleave import Interleaved, bootstrap_spread
from speclab.real import SpeculativeDecoder
from speclab.real.measure.race import Race, race


@pytest.fixture(scope="module")
def finished():
    target, draft = tiny_gpt2(1, layers=2), tiny_gpt2(2, layers=1)
    decoders = {"draft model": SpeculativeDecoder(target, draft), "itself": SpeculativeDecoder(target, target)}
    return race(target, decoders, random_prompt(0, 6), max_new_tokens=12, blocks=5)


def test_every_decoder_is_timed_beside_both_plain_decodings(finished):
    assert finished.timed.keys == ["generate", "two-row plain", "draft model", "itself"]
    assert finished.timed.blocks == 5 and finished.plain in ("generate", "two-row plain")
    assert all(finished.identical.values())                     # greedy: the target's own text
    assert finished.tokens_per_pass("itself") > finished.tokens_per_pass("draft model")


def test_the_table_fits_100_characters_and_names_the_baseline(finished):
    table = finished.table()
    assert all(len(line) <= 100 for line in table.splitlines())
    assert f"faster plain decoding, {finished.plain}" in table and len(table.splitlines()) == 4


def _race_from(seconds):
    """A Race over made-up seconds [block, pass, (generate, two-row, spec)], the spec at 1.6 tokens per pass."""
    class Out:
        token_ids, target_forwards, alpha, alpha_count, alpha_sum = [0] * 16, 10, 0.5, 4, 2.0
    timed = Interleaved(["generate", "two-row plain", "spec"], np.asarray(seconds, float),
                        {"generate": Out(), "two-row plain": Out(), "spec": Out()})
    return Race(timed, ["spec"], {"spec": True})


def test_verdicts_follow_the_interval_and_flag_the_impossible():
    blocks = lambda spec: [[[1.0, 2.0, spec], [1.0, 2.0, spec * 1.01]] for _ in range(5)]
    assert "faster" in _race_from(blocks(0.8)).verdict("spec")
    assert "slower" in _race_from(blocks(1.25)).verdict("spec")
    assert "FLAGGED" in _race_from(blocks(0.5)).verdict("spec")      # 2x > 1.6 tokens per pass


def test_one_disrupted_block_of_six_barely_moves_the_interval():
    quiet = [1.30, 1.32, 1.31, 1.29, 1.33, 1.30, 1.31, 1.32, 1.28, 1.30]
    found = bootstrap_spread(quiet + [20.0, 21.0])
    assert 1.28 <= found.low and found.high < 1.4 and found.n == 12
    assert bootstrap_spread(quiet + [20.0, 21.0]) == found           # seeded


@pytest.mark.parametrize("kwargs, match", [(dict(decoders={}), "decoders"), (dict(decoders={"generate": 1}), "decoders"),
                                           (dict(blocks=2), "blocks"), (dict(max_new_tokens=0), "max_new_tokens")])
def test_bad_arguments_name_themselves(kwargs, match):
    target = tiny_gpt2(1)
    arguments = dict(decoders={"x": SpeculativeDecoder(target, target)}, input_ids=[1, 2], max_new_tokens=4, blocks=5)
    with pytest.raises((ValueError, TypeError), match=match):
        race(target, **{**arguments, **kwargs})
