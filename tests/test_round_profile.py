"""profile_rounds splits a generation's time into the parts of its rounds, and they add up."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from real_fixtures import random_prompt, tiny_gpt2, torch  # noqa: E402,F401

from speclab.real import SpeculativeDecoder  # noqa: E402
from speclab.real.measure.round_profile import PARTS, profile_rounds  # noqa: E402


@pytest.fixture(scope="module")
def profile():
    target, draft = tiny_gpt2(1, layers=2), tiny_gpt2(2, layers=1)
    return profile_rounds(SpeculativeDecoder(target, draft), random_prompt(0, 8), max_new_tokens=24, k=3)


def test_the_parts_cover_the_generation_and_each_ran(profile):
    assert set(profile.seconds) == set(PARTS)
    assert all(profile.seconds[part] > 0 for part in ("drafting", "target pass", "draft catch-up", "cache crop"))
    total = sum(profile.seconds.values())
    assert total <= profile.result.seconds * 1.01            # the parts never exceed the wall time
    assert profile.tokens == 24 and profile.all_rounds == len(profile.result.rounds)


def test_per_round_steps_add_up_to_the_round(profile):
    steps = profile.per_round_steps()
    assert sum(steps.values()) == pytest.approx(profile.round_steps())
    assert steps["target pass"] > 0.5        # a verifying pass costs at least about one plain step


def test_the_table_fits_and_the_bar_draws_every_part(profile):
    assert all(len(line) <= 100 for line in profile.table().splitlines())
    fig = profile.plot(charged=1.2)
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert labels == list(PARTS)
    assert fig.get_size_inches()[0] * fig.dpi <= 1000


def test_the_drafter_is_left_as_it_was():
    target, draft = tiny_gpt2(1, layers=2), tiny_gpt2(2, layers=1)
    decoder = SpeculativeDecoder(target, draft)
    before = type(decoder.drafter).propose
    profile_rounds(decoder, random_prompt(1, 6), max_new_tokens=6, k=2)
    assert "propose" not in vars(decoder.drafter) and type(decoder.drafter).propose is before
