"""The timeline and KV-cache figures: their data follow the cost model and the real runner's rules."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import speclab as sl  # noqa: E402
from speclab import plots  # noqa: E402
from speclab.rounds import RoundRecord  # noqa: E402

ROUNDS = [RoundRecord((1, 2, 3), 1, 9), RoundRecord((4, 5, 6), 3, 7), RoundRecord((), 0, 8)]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_timeline_charges_each_call_its_modelled_time():
    cost = sl.CostModel(draft_ms=5.0, target_ms=50.0, verify_growth=0.1)
    lanes = plots.timeline_segments(ROUNDS, cost)
    spec = lanes["speculative"]
    assert [s.model for s in spec] == ["draft"] * 3 + ["target"] + ["draft"] * 3 + ["target", "target"]
    assert [s.tokens for s in spec if s.model == "target"] == [2, 4, 1]
    for before, after in zip(spec, spec[1:]):                    # back to back, no gaps
        assert after.start == pytest.approx(before.start + before.duration)
    end = spec[-1].start + spec[-1].duration
    assert end == pytest.approx(sum(cost.round_ms(r.k) for r in ROUNDS))   # 2 * (15 + 65) + 50
    plain = lanes["plain"]
    assert len(plain) == 7 and plain[-1].start + plain[-1].duration == 7 * 50.0


def test_timeline_figure_draws_every_call():
    res = sl.simulate(sl.SyntheticPair(agreement=0.8), num_tokens=30, k=3, trials=1, seed=0)
    cost = sl.CostModel()
    fig = plots.plot_timeline(res.rounds, cost)
    lanes = plots.timeline_segments(res.rounds, cost)
    bars = fig.axes[0].collections
    assert len(bars) == len(lanes["speculative"]) + len(lanes["plain"]) and len(lanes["plain"]) == 30
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert "30 tokens in 1500 ms" in labels
    with pytest.raises(ValueError, match="records"):
        plots.timeline_segments([1, 2], cost)


def _statuses(row):
    return [status for _, _, status in row]


def test_kv_rollback_after_a_rejection():
    rows = plots.kv_rollback(k=4, n_accepted=1, context=2)
    assert _statuses(rows["target cache"]) == ["context"] * 2 + ["kept draft"] + ["cropped"] * 3
    assert _statuses(rows["draft cache"]) == ["context"] * 2 + ["kept draft"] + ["cropped"] * 2 + ["never fed"]
    assert rows["target feeds next"] == [(3, "correction", "fed next round")]
    assert rows["draft feeds next"] == [(3, "correction", "fed next round")]


def test_kv_rollback_after_a_bonus_feeds_the_draft_two_tokens():
    rows = plots.kv_rollback(k=3, n_accepted=3, context=1)
    assert _statuses(rows["target cache"]) == ["context"] + ["kept draft"] * 3
    assert _statuses(rows["draft cache"]) == ["context"] + ["kept draft"] * 2 + ["never fed"]
    assert [label for _, label, _ in rows["draft feeds next"]] == ["x3", "bonus"]
    fig = plots.plot_kv_rollback(k=3, n_accepted=3, context=1)
    assert "bonus" in fig.axes[0].get_title()
    with pytest.raises(ValueError, match="n_accepted"):
        plots.kv_rollback(k=3, n_accepted=4)


@pytest.mark.parametrize("n_accepted", [0, 1, 3, 4])
def test_kv_rollback_matches_the_real_draft_model(n_accepted):
    """Drive the real drafter through one round: its cache length and next feed match the picture."""
    pytest.importorskip("torch")
    import numpy as np

    from speclab.real.drafters.draft_model import DraftModelDrafter
    from speclab.real.sampling import Sampling
    from real_fixtures import tiny_gpt2

    k, prompt = 4, [3, 5, 7]
    drafter = DraftModelDrafter(tiny_gpt2(0))
    drafter.start(prompt)
    draft = drafter.propose(list(prompt), k, Sampling(0.0), np.random.default_rng(0))
    kept = len(prompt) + n_accepted
    drafter.feedback(kept, k, n_accepted)
    rows = plots.kv_rollback(k, n_accepted, context=len(prompt))
    cached = sum(s in ("context", "kept draft") for s in _statuses(rows["draft cache"]))
    assert drafter._state.length == cached
    tokens = prompt + draft.tokens[:n_accepted] + [0]          # the accepted drafts, then the extra token
    assert len(tokens) - drafter._state.length == len(rows["draft feeds next"])
