"""The course's closing cells: takeaways and a credit line for every work the course builds on."""

from tools.notebooks.closing import closing_cells


def test_closing_cells_hold_takeaways_then_credits():
    cells = closing_cells()
    assert [c.cell_type for c in cells] == ["markdown", "markdown"]
    assert cells[0].source.startswith("## Key takeaways") and cells[1].source.startswith("## Further reading")
    credits = cells[1].source
    for work in ("Leviathan", "Chen", "Saxena", "SpecInfer", "Medusa", "EAGLE-2", "EAGLE-3", "Lookahead",
                 "Spec-Bench", "vLLM", "SGLang", "assisted generation"):
        assert work in credits, work
    # the corrected claims: Chen et al.'s sampling settings, and which alpha over-predicts
    assert "nucleus sampling" in cells[0].source and "2.01x" in cells[0].source
    assert "over-predicts" in cells[0].source
