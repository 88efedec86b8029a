"""An explorer's output also carries its figure as a PNG, for viewers without a kernel.

GitHub's notebook preview and nbviewer cannot show a widget: they fall back to the next mime type
of the output. So a displayed explorer's bundle holds the widget view, a still picture as
`image/png` (the current frame, with the settings, the readouts and a line saying that a live
notebook gives sliders under it) and a line of text, on ipywidgets 7.7.1 (Colab's) and 8.x alike
(this file also runs under 7.7.1: tests/test_widgets_classic.py).
"""

import base64
import io

import matplotlib

matplotlib.use("Agg")

import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from speclab import widgets  # noqa: E402
from speclab.widgets._frames import LIVE_NOTE, WIDGET_VIEW_MIMETYPE  # noqa: E402


def shown_pixels(bundle) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(bundle["image/png"]))).convert("RGBA"))


def canvas_pixels(explorer) -> np.ndarray:
    return np.asarray(explorer.figure.canvas.buffer_rgba())


def frame_part(pixels, explorer) -> np.ndarray:
    """The rows of a still picture that hold the frame (the caption lies below them)."""
    return pixels[: round(explorer.figsize[1] * explorer.dpi)]


def test_the_bundle_holds_the_widget_the_current_frame_and_the_settings():
    e = widgets.speedup_explorer(alpha=0.7)
    bundle = e._repr_mimebundle_()
    assert set(bundle) == {WIDGET_VIEW_MIMETYPE, "image/png", "text/plain"}
    assert bundle[WIDGET_VIEW_MIMETYPE]["model_id"] == e.model_id
    assert bundle["text/plain"] == "SpeedupExplorer(alpha=0.7, k=4, c=0.1, verify_growth=0.0)"
    first = shown_pixels(bundle)
    assert first.shape[1] == round(e.figsize[0] * e.dpi) and first.shape[0] > round(e.figsize[1] * e.dpi)
    assert np.array_equal(frame_part(first, e), canvas_pixels(e))

    e.controls["alpha"].value = 0.95
    moved = shown_pixels(e._repr_mimebundle_())
    assert np.array_equal(frame_part(moved, e), canvas_pixels(e)), "the picture is the frame on screen now"
    assert not np.array_equal(moved, first)


def test_the_still_picture_carries_the_settings_the_readouts_and_how_to_get_sliders():
    """A stored notebook shows no sliders and no readouts: the picture says what they were and
    that running the cell in a live notebook gives the sliders."""
    e = widgets.roofline_explorer(batch=32, alpha=0.6, bytes_per_param=0.5)
    lines = e.caption_lines()
    text = " ".join(lines)
    assert lines[-1] == LIVE_NOTE == "Run this cell in a live notebook to drag the sliders."
    assert "batch size: 32" in text and "alpha (acceptance): 0.6" in text
    for name in e.readout_names:                  # each readout's label and value, as the page shows them
        label, value = e.readouts[name].value.split(": <b")[0], shown_value_text(e.readouts[name].value)
        assert f"{label}: {value}" in text, (name, text)
    assert max(len(line) for line in lines) <= 130, "lines fit the frame's width"
    caption = shown_pixels(e.mimebundle())[round(e.figsize[1] * e.dpi):]
    ink_rows = np.flatnonzero((caption[:, :, :3] < 128).any(axis=(1, 2)))
    assert caption.shape[0] >= 14 * len(lines) and ink_rows.size > 10 * len(lines), "the lines are drawn"


def shown_value_text(html: str) -> str:
    return html.split('class="speclab-value">')[1].split("</b>")[0]


def test_other_explorers_carry_their_picture_too():
    for factory in (widgets.acceptance_explorer, widgets.trace_explorer):
        e = factory()
        pixels = shown_pixels(e._repr_mimebundle_())
        assert np.array_equal(frame_part(pixels, e), canvas_pixels(e)), factory.__name__
        assert len(np.unique(pixels.reshape(-1, 4), axis=0)) > 10, f"{factory.__name__}: a blank picture"


def test_a_closed_explorer_shows_its_last_picture_without_the_widget():
    e = widgets.acceptance_explorer()
    e.close()
    assert set(e.mimebundle()) == {"image/png", "text/plain"}


@pytest.mark.timeout(180)
def test_a_kernel_stores_both_and_a_static_export_shows_the_picture(tmp_path):
    """Run an explorer cell in a real kernel (the display path IPython takes), then export the
    notebook to HTML without widget state, as a viewer without a kernel sees it. The progress bar
    of a second cell shows as a widget too (tqdm.auto finds ipywidgets 7 and 8 alike)."""
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from speclab.widgets import acceptance_explorer\n"
                                          "acceptance_explorer(agreement=0.3)"),
                nbformat.v4.new_code_cell("import speclab as sl\n"
                                          "_ = sl.sweep([0.5], [1, 2], num_tokens=5, trials=5)")]
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    bar = nb.cells[1].outputs                            # tqdm.auto's bar is a widget on both stacks
    assert any(WIDGET_VIEW_MIMETYPE in o.get("data", {}) for o in bar), bar
    assert not [o for o in bar if o.get("name") == "stderr"], "no 'IProgress not found' fallback"
    outputs = nb.cells[0].outputs
    assert len(outputs) == 1, [o.get("output_type") for o in outputs]
    assert set(outputs[0]["data"]) == {WIDGET_VIEW_MIMETYPE, "image/png", "text/plain"}
    assert outputs[0]["data"]["text/plain"] == "AcceptanceExplorer(agreement=0.3, position=0)"

    nb.metadata.pop("widgets", None)                     # GitHub's preview keeps no widget state
    html, _ = HTMLExporter().from_notebook_node(nb)
    assert f'src="data:image/png;base64,{outputs[0]["data"]["image/png"]}"' in html


def test_the_stored_notebooks_show_each_explorer_as_a_picture():
    """What GitHub and nbviewer show: every explorer output stored in notebooks/ holds its PNG
    (`make notebooks` stores it)."""
    from pathlib import Path

    explorers, missing = 0, []
    for path in sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code" or "_explorer(" not in cell.source:
                continue
            views = [o for o in cell.outputs if WIDGET_VIEW_MIMETYPE in o.get("data", {})]
            explorers += len(views)
            missing += [f"{path.name}: {cell.source.splitlines()[-1]}" for o in views if "image/png" not in o["data"]]
    assert explorers >= 5, "the course shows its explorers"
    assert not missing, f"stored without a picture (run `make notebooks`): {missing}"
