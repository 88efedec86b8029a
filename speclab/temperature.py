"""How sampling temperature changes alpha: both p and q are re-tempered, p_T proportional to p^(1/T).

At T = 0 both collapse onto their most likely token, so alpha(0) is the fraction of positions
where the two argmaxes agree (greedy decoding's acceptance). As T grows, both spread over their
tails, where they agree less, so a draft that usually agrees on the top token has its highest alpha at
T = 0; a draft that rarely does gains from temperature. Far above 1 both approach uniform and
alpha climbs again. (Leviathan et al. 2023, Table 3, measure alpha at both T = 0 and T = 1.)
"""

from __future__ import annotations

import numpy as np

from ._validate import as_count, as_logits, as_nonnegative, as_probability_rows, as_real_array
from .limits import MAX_ELEMENTS, MAX_TEMPERED


def tempered(log_probs, temperature) -> np.ndarray:
    """softmax(log_probs / T) along the last axis; T = 0 puts all mass on the first argmax.

    log_probs may be logits or log-probabilities (any per-row constant cancels; -inf is a token
    that cannot occur). Each row is shifted so that its largest entry is 0 before dividing, so a
    temperature so small that the quotient overflows (1e-310) still gives the T -> 0 limit: all
    mass on the argmax, shared equally by tied maxima (as `speclab.real.sampling` does in torch).
    """
    temperature = float(as_nonnegative(temperature, "temperature", scalar=True))
    return _tempered(as_logits(log_probs, "log_probs"), temperature)


def _tempered(log_probs: np.ndarray, temperature: float) -> np.ndarray:
    """`tempered` of checked logits."""
    if temperature == 0.0:
        out = np.zeros_like(log_probs)
        np.put_along_axis(out, log_probs.argmax(axis=-1)[..., None], 1.0, axis=-1)
        return out
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = (log_probs - log_probs.max(axis=-1, keepdims=True)) / temperature
    weights = np.exp(scaled)
    return weights / weights.sum(axis=-1, keepdims=True)


def log_of(probs, name: str = "probs") -> np.ndarray:
    """Natural log of probability rows (zeros become -inf, which tempering keeps at zero)."""
    probs = as_probability_rows(probs, name)
    with np.errstate(divide="ignore"):
        return np.log(probs)


def alpha_at_temperatures(p_log, q_log, temperatures, chunk: int = 64) -> np.ndarray:
    """Mean over positions of sum_x min(p_T(x), q_T(x)), for each T; p_log, q_log: [n, V] log-probs or logits.

    Works through the rows `chunk` at a time (each chunk's rows checked as it comes), so a real
    vocabulary (tens of thousands) stays small in memory.
    """
    p_log, q_log = _logit_table(p_log, "p_log"), _logit_table(q_log, "q_log")
    if p_log.shape != q_log.shape:
        raise ValueError(f"p_log and q_log must have the same shape [positions, V]; got {p_log.shape} and {q_log.shape}")
    temperatures = np.atleast_1d(as_nonnegative(temperatures, "temperatures"))
    if temperatures.ndim != 1 or temperatures.size == 0:
        raise ValueError(f"temperatures must be a non-empty list of numbers >= 0; got shape {temperatures.shape}")
    chunk = as_count(chunk, "chunk", minimum=1)
    if temperatures.size * p_log.size > MAX_TEMPERED:
        raise ValueError(f"temperatures * positions * V must be at most {MAX_TEMPERED:,} probabilities; got "
                         f"{temperatures.size:,} * {p_log.size:,}: reduce the temperatures or the positions")
    chunk = max(1, min(chunk, MAX_ELEMENTS // p_log.shape[1]))
    alphas = np.zeros(len(temperatures))
    for start in range(0, len(p_log), chunk):
        rows = slice(start, start + chunk)
        p_rows, q_rows = as_logits(p_log[rows], "p_log"), as_logits(q_log[rows], "q_log")
        for i, t in enumerate(temperatures):
            alphas[i] += np.minimum(_tempered(p_rows, t), _tempered(q_rows, t)).sum()
    return alphas / len(p_log)


def _logit_table(value, name: str) -> np.ndarray:
    """`value` as a 2-D numeric array [positions, V] (a view when it already is one); rows checked later."""
    arr = np.asarray(value) if isinstance(value, np.ndarray) else as_real_array(value, name)
    if arr.dtype.kind not in "iuf":
        as_real_array(value, name)                     # raises the type error naming `name`
    arr = np.atleast_2d(arr)
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError(f"{name} must be logits or log-probabilities [positions, V]; got shape {arr.shape}")
    return arr
