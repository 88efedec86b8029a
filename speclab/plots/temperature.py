"""alpha against sampling temperature, for one or several draft/target pairs."""

from __future__ import annotations

from . import _checks
from ._axes import PAIR_COLOURS, axes


def plot_alpha_vs_temperature(curves: dict, temperatures, ax=None, colours=None):
    """curves: {label: alphas at `temperatures`}; one line per pair. Returns the figure.

    colours: {label: colour}, over PAIR_COLOURS, so that one pair keeps its colour across several
    figures and the temperature explorer.
    """
    temperatures = _checks.reals(temperatures, "temperatures", low=0.0)
    curves = _checks.instance(curves, dict, "curves", "a dict {label: alphas at the temperatures}")
    for label, alphas in curves.items():
        alphas = _checks.reals(alphas, f"curves[{label!r}]", low=0.0, high=1.0 + 1e-9)   # sums may round past 1
        if alphas.shape != temperatures.shape:
            raise ValueError(f"curves[{label!r}] must hold one alpha per entry of temperatures ({temperatures.size}); "
                             f"got {alphas.size}")
    fig, ax = axes(ax, figsize=(6.5, 4.0))
    colours = {**PAIR_COLOURS, **(colours or {})}
    for label, alphas in curves.items():
        ax.plot(temperatures, alphas, "o-", markersize=3, label=label, color=colours.get(label))
    ax.axvline(1.0, color="0.7", linewidth=1, linestyle=":")
    ax.set(xlabel="temperature T (both p and q re-tempered)", ylabel="alpha = mean sum min(p_T, q_T)",
           ylim=(0, 1.02), title="How temperature moves alpha")
    ax.legend(fontsize=9)
    return fig
