"""How sampling temperature changes alpha: both p and q are re-tempered, p_T proportional to p^(1/T).

At T = 0 both collapse onto their most likely token, so alpha(0) is the fraction of positions
where the two argmaxes agree (greedy decoding's acceptance). As T grows, both spread over their
tails, where they agree less, so a draft that usually agrees on the top token has its highest alpha at
T = 0; a draft that rarely does gains from temperature. Far above 1 both approach uniform and
alpha climbs again. (Leviathan et al. 2023, Table 3, measure alpha at both T = 0 and T = 1.)
"""

from __future__ import annotations

import numpy as np

from ._validate import as_nonnegative, as_probability_rows


def tempered(log_probs, temperature) -> np.ndarray:
    """softmax(log_probs / T) along the last axis; T = 0 puts all mass on the first argmax.

    log_probs may be logits or log-probabilities (any per-row constant cancels).
    """
    temperature = float(as_nonnegative(temperature, "temperature"))
    log_probs = np.asarray(log_probs, dtype=np.float64)
    if temperature == 0.0:
        out = np.zeros_like(log_probs)
        np.put_along_axis(out, log_probs.argmax(axis=-1)[..., None], 1.0, axis=-1)
        return out
    scaled = log_probs / temperature
    scaled = scaled - scaled.max(axis=-1, keepdims=True)
    weights = np.exp(scaled)
    return weights / weights.sum(axis=-1, keepdims=True)


def log_of(probs, name: str = "probs") -> np.ndarray:
    """Natural log of probability rows (zeros become -inf, which tempering keeps at zero)."""
    probs = as_probability_rows(probs, name)
    with np.errstate(divide="ignore"):
        return np.log(probs)


def alpha_at_temperatures(p_log, q_log, temperatures, chunk: int = 64) -> np.ndarray:
    """Mean over positions of sum_x min(p_T(x), q_T(x)), for each T; p_log, q_log: [n, V] log-probs or logits.

    Works through the rows `chunk` at a time, so a real vocabulary (tens of thousands) stays small in memory.
    """
    p_log, q_log = np.atleast_2d(p_log), np.atleast_2d(q_log)
    if p_log.shape != q_log.shape:
        raise ValueError(f"p and q must have the same shape [positions, V]; got {p_log.shape} and {q_log.shape}")
    temperatures = np.atleast_1d(as_nonnegative(temperatures, "temperatures"))
    alphas = np.zeros(len(temperatures))
    for i, t in enumerate(temperatures):
        for start in range(0, len(p_log), chunk):
            rows = slice(start, start + chunk)
            alphas[i] += np.minimum(tempered(p_log[rows], t), tempered(q_log[rows], t)).sum()
    return alphas / len(p_log)
