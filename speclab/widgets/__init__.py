"""Explorers: sliders in, readouts and a figure out, fast enough to follow a dragged slider.

`_frames` holds the machinery every explorer shares (the `Explorer` base class, blitted frames,
PNG encoding, coalescing of slider events); each explorer is its own module:
`speedup`, `acceptance` and `trace` (notebooks 01-03), `roofline` (06), `trees` (09) and
`temperature` (10).

    from speclab.widgets import speedup_explorer
    speedup_explorer(alpha=0.8, k=4, c=0.1)
"""

from ._frames import Explorer
from .acceptance import AcceptanceExplorer, acceptance_explorer
from .roofline import RooflineExplorer, roofline_explorer
from .speedup import SpeedupExplorer, speedup_explorer
from .temperature import TemperatureExplorer, temperature_explorer
from .trace import TraceExplorer, trace_explorer
from .trees import TreeExplorer, tree_explorer

__all__ = ["AcceptanceExplorer", "Explorer", "RooflineExplorer", "SpeedupExplorer", "TemperatureExplorer",
           "TraceExplorer", "TreeExplorer", "acceptance_explorer", "roofline_explorer", "speedup_explorer",
           "temperature_explorer", "trace_explorer", "tree_explorer"]
