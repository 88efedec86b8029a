"""Round records and their renderings: statuses, text table, figure, coloured HTML."""

import matplotlib

matplotlib.use("Agg")

import speclab as sl  # noqa: E402
from speclab.rounds import RoundRecord  # noqa: E402

REJECTED_ROUND = RoundRecord((5, 6, 7, 8), n_accepted=1, next_token=9, position=0)
BONUS_ROUND = RoundRecord((1, 2), n_accepted=2, next_token=3, position=2)


def test_statuses_and_emitted_tokens():
    assert REJECTED_ROUND.draft_statuses() == ["accepted", "rejected", "skipped", "skipped"]
    assert REJECTED_ROUND.extra_status() == "correction" and REJECTED_ROUND.emitted == (5, 9)
    assert BONUS_ROUND.draft_statuses() == ["accepted", "accepted"]
    assert BONUS_ROUND.extra_status() == "bonus" and BONUS_ROUND.emitted == (1, 2, 3)


def test_text_table_marks_each_draft():
    table = sl.rounds_table([REJECTED_ROUND, BONUS_ROUND], decode=lambda t: "abcdefghij"[t])
    lines = table.splitlines()
    assert "f+ gx h. i." in lines[1] and "j (correction)" in lines[1]
    assert "b+ c+" in lines[2] and "d (bonus)" in lines[2]
    assert lines[-1].startswith("legend")


def test_figure_puts_a_rejected_draft_and_its_correction_in_one_column():
    fig = sl.plot_rounds([REJECTED_ROUND, BONUS_ROUND])
    ax = fig.axes[0]
    assert len(ax.patches) == (1 + 2 + 2) + 3      # the shared column is split in two halves
    colours = [matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.patches]
    assert colours[:5] == ["#4caf50", "#e53935", "#fb8c00", "#bdbdbd", "#bdbdbd"]
    assert colours[5:] == ["#4caf50", "#4caf50", "#1e88e5"]
    columns = [p.get_x() for p in ax.patches[:5]]
    assert columns == [0, 1, 1, 2, 3]               # draft 2 (rejected) and its correction: column 2
    heights = [p.get_height() for p in ax.patches[1:3]]
    assert heights == [0.45, 0.45]
    labels = [t.get_text() for t in ax.texts]
    assert labels[:5] == ["5", "6", "9", "7", "8"] and labels[5:] == ["1", "2", "3"]


def test_html_colours_tokens_and_escapes_text():
    html = sl.tokens_html([REJECTED_ROUND], decode=lambda t: "<b>" if t == 5 else "x")
    assert "&lt;b&gt;" in html and "<b>" not in html
    assert 'title="round 1: accepted"' in html and 'title="round 1: correction"' in html
    assert "#fb8c00" in html


def test_simulated_records_render():
    res = sl.simulate(sl.SyntheticPair(agreement=0.7), num_tokens=30, k=3, trials=1)
    assert len(sl.rounds_table(res.rounds).splitlines()) == len(res.rounds) + 2
    assert sl.tokens_html(res.rounds).count("<span title=") == 30


def test_cells_give_one_column_per_output_position():
    assert REJECTED_ROUND.cells() == [(5, "accepted"), (9, "correction"), (7, "skipped"), (8, "skipped")]
    assert REJECTED_ROUND.rejected_draft == 6
    assert BONUS_ROUND.cells() == [(1, "accepted"), (2, "accepted"), (3, "bonus")]
    assert BONUS_ROUND.rejected_draft is None
    first_rejected = RoundRecord((4, 5), n_accepted=0, next_token=6)
    assert first_rejected.cells() == [(6, "correction"), (5, "skipped")]
    # the emitted tokens are exactly the columns' accepted/correction/bonus tokens, in order
    for rec in (REJECTED_ROUND, BONUS_ROUND, first_rejected):
        assert tuple(t for t, s in rec.cells() if s != "skipped") == rec.emitted


def test_column_layers_stack_the_rejected_draft_over_its_correction():
    from speclab.trace import column_layers

    assert column_layers(REJECTED_ROUND) == [[(5, "accepted")], [(6, "rejected"), (9, "correction")],
                                             [(7, "skipped")], [(8, "skipped")]]
    assert column_layers(BONUS_ROUND) == [[(1, "accepted")], [(2, "accepted")], [(3, "bonus")]]


def test_a_round_without_drafts_is_a_plain_step():
    plain = RoundRecord((), n_accepted=0, next_token=4)
    assert plain.extra_status() == "plain" and plain.cells() == [(4, "plain")]
    assert "4 (plain)" in sl.rounds_table([plain])
    assert 'title="round 1: plain"' in sl.tokens_html([plain])


def test_the_legend_names_the_statuses_a_figure_can_show():
    def legend(records):
        return [t.get_text() for t in sl.plot_rounds(records).axes[0].get_legend().get_texts()]

    assert legend([REJECTED_ROUND, BONUS_ROUND]) == ["accepted", "rejected (top half)", "correction (below it)",
                                                     "skipped", "bonus"]
    assert legend([REJECTED_ROUND, RoundRecord((), n_accepted=0, next_token=4)])[-1] == "plain (no drafts)"
    assert sl.plot_rounds([REJECTED_ROUND]).axes[0].get_xlabel() == "output position within the round"
