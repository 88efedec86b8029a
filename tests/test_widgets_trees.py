"""Notebook 09's explorers: readouts and panels equal the package's numbers; every frame blits
(no slider changes anything static) and equals a full redraw."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from speclab.trees import theory as tt  # noqa: E402
from speclab import widgets as widgets_trees  # noqa: E402
from speclab.temperature import alpha_at_temperatures, log_of  # noqa: E402
from speclab.trees import TreeShape  # noqa: E402
from test_widgets_frames import fresh_frame, pixels  # noqa: E402


def shown(html_widget) -> str:
    return html_widget.value.split('class="speclab-value">')[1].split("</b>")[0]


def test_tree_readouts_equal_tree_theory():
    e = widgets_trees.tree_explorer(alpha=0.6, nodes=12, branching=3, depth=4)
    assert e.png.startswith(b"\x89PNG") and e.moving, "built, with its moving artists registered"
    for alpha, nodes, branching, depth in [(0.6, 12, 3, 4), (0.9, 20, 1, 20), (0.3, 7, 8, 1)]:
        for name, value in dict(alpha=alpha, nodes=nodes, branching=branching, depth=depth).items():
            e.controls[name].value = value
        shape = tt.best_tree(nodes, alpha, max_children=branching, max_depth=depth)
        assert e.values["shape"] == shape
        assert shown(e.readouts["tree"]) == f"{tt.expected_tokens_tree(shape, alpha):.3f}"
        assert shown(e.readouts["chain"]) == f"{tt.expected_tokens_tree(TreeShape.chain(nodes), alpha):.3f}"
        assert shown(e.readouts["best"]) == f"{tt.expected_tokens_tree(tt.best_tree(nodes, alpha), alpha):.3f}"
    assert e.values["shape"] == TreeShape.full((7,)), "depth 1: every node hangs off the root"
    before = e.png
    e.controls["depth"].value = 3
    assert e.png != before


def test_temperature_readouts_equal_alpha_at_temperatures():
    rng = np.random.default_rng(0)
    p, q = rng.dirichlet(np.ones(20), 30), rng.dirichlet(np.ones(20), 30)
    e = widgets_trees.temperature_explorer(pairs={"mine": (log_of(p), log_of(q))}, temperature=1.0)
    for t in (0.0, 0.35, 1.0, 2.0):
        e.controls["temperature"].value = t
        assert e.values["alphas"]["mine"] == pytest.approx(alpha_at_temperatures(log_of(p), log_of(q), t)[0])
        assert shown(e.readouts["alphas"]) == f"{e.values['alphas']['mine']:.3f}"
    assert e.values["alphas"]["mine"] == pytest.approx(np.mean(np.minimum(*(
        w / w.sum(-1, keepdims=True) for w in (p**0.5, q**0.5))).sum(-1)))


# ----------------------------------------------------------------------------- frames

#: (factory, its main slider, [(control, value), ...]): every other slider moved too.
MOVES = {
    "tree": (widgets_trees.tree_explorer, "alpha", [("alpha", 0.61), ("alpha", 0.95), ("nodes", 32), ("branching", 1),
                                                    ("depth", 1), ("nodes", 1), ("alpha", 0.0)]),
    "temperature": (widgets_trees.temperature_explorer, "temperature", [("temperature", 1.05), ("temperature", 0.0),
                                                                        ("temperature", 2.0)]),
}


@pytest.mark.parametrize("name", MOVES)
def test_every_frame_is_blitted_and_equals_a_full_redraw(name):
    factory, _, moves = MOVES[name]
    explorer = factory()
    for control, value in moves:
        explorer.controls[control].value = value
        move = f"{name}: {control} = {value}"
        assert not explorer.timings["full_redraw"], f"{move} changed something static"
        np.testing.assert_array_equal(pixels(explorer.png), fresh_frame(explorer), err_msg=move)


@pytest.mark.parametrize("name", MOVES)
def test_dragging_the_main_slider_never_redraws_the_background(name):
    factory, main, _ = MOVES[name]
    explorer = factory()
    slider = explorer.controls[main]
    full_before, frames_before = explorer.full_redraws, explorer.frames
    for value in np.round(np.arange(slider.min, slider.max + slider.step / 2, slider.step), 10):
        slider.value = float(value)
    assert explorer.frames - frames_before >= 20 and explorer.full_redraws == full_before


def test_tree_panels_draw_the_tree_its_mask_and_the_best_tree_at_every_alpha():
    e = widgets_trees.tree_explorer(alpha=0.7, nodes=9, branching=2, depth=5)
    shape, mask = e.values["shape"], e.values["shape"].attention_mask()
    corners = np.array([path.vertices[0] for path in e.mask_cells.get_paths()]) * len(mask)   # (column, row)
    assert sorted((int(row), int(col)) for col, row in np.rint(corners)) == sorted(zip(*np.nonzero(mask)))
    assert len(e.edges.get_segments()) == len(shape)
    np.testing.assert_allclose(e.dots.get_array()[1: len(shape) + 1], tt.node_acceptance(shape, 0.7))
    np.testing.assert_allclose(e.line_best.get_ydata(),
                               [tt.expected_tokens_tree(tt.best_tree(9, a), a) for a in e.alpha_grid], atol=1e-12)
    np.testing.assert_allclose(e.line_tree.get_ydata(), tt.expected_tokens_tree(shape, e.alpha_grid))
    assert tuple(e.point.get_xydata()[0]) == pytest.approx((0.7, tt.expected_tokens_tree(shape, 0.7)))


def test_temperature_bars_are_the_tempered_position_and_its_overlap_is_read_out():
    e = widgets_trees.temperature_explorer(temperature=0.5)
    p, q = e.values["p"], e.values["q"]
    order = np.argsort(-p, kind="stable")[: e.shown_tokens]
    np.testing.assert_allclose(e.bars_p.heights, p[order])
    np.testing.assert_allclose(e.bars_q.heights, q[order])
    assert shown(e.readouts["shown"]) == f"{np.minimum(p, q).sum():.3f}"
