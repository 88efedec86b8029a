"""THE acceptance rule of speculative sampling (Leviathan et al. 2023, Algorithm 1).

One implementation, lossless, shared by the simulator, the exercises and the real-model
runner. Notation: p = target distribution, q = draft distribution, k = drafts per round.

    Step 1  draw r_i ~ U(0, 1) for every draft x_i
    Step 2  accept x_i while r_i < p_i(x_i) / q_i(x_i), i.e. with probability min(1, p/q)
    Step 3  at the first rejection n, emit one token from the residual norm(max(0, p_n - q_n))
    Step 4  if all k drafts were accepted, emit a bonus token from p_k

The output of a round is then distributed exactly as k+1 draws from p would be.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import ArgumentTypeError, as_probability_rows, broadcast_shape, short_repr


@dataclass(frozen=True)
class Verification:
    """What one round of verification decided."""

    n_accepted: int          # how many drafts were accepted (0..k)
    tokens: np.ndarray       # the accepted drafts followed by one correction or bonus token
    n_drafted: int           # k
    accept_probs: np.ndarray  # min(1, p_i(x_i)/q_i(x_i)) for every draft, in order

    @property
    def bonus(self) -> bool:
        """True when every draft was accepted and the last token is a bonus from p_k."""
        return self.n_accepted == self.n_drafted


# ----------------------------------------------------------------------------- sampling

def cumulative_table(probs: np.ndarray) -> np.ndarray:
    """Stack the normalized CDFs of the rows of `probs` [R, V] into one sorted flat table.

    Row r occupies values in [2r, 2r + 1], so one `searchsorted` samples many rows at once.
    """
    probs = np.asarray(probs, dtype=np.float64)
    cdf = np.cumsum(probs, axis=-1)
    cdf /= cdf[:, -1:]
    cdf += 2.0 * np.arange(len(cdf))[:, None]
    return cdf.ravel()


def sample_from_table(table: np.ndarray, vocab_size: int, rows, u) -> np.ndarray:
    """Inverse-CDF draw from row `rows` of a `cumulative_table`, with uniforms `u` in [0, 1).

    Uses 1 - u in (0, 1] and side='left', so a token of probability zero is never returned.
    """
    rows = np.asarray(rows)
    start = 2.0 * rows
    # Keep the target strictly above the row's start even where 2r + (1 - u) rounds down to 2r.
    target = np.maximum(start + (1.0 - np.asarray(u)), np.nextafter(start, np.inf))
    flat_index = np.searchsorted(table, target, side="left")
    return np.clip(flat_index - rows * vocab_size, 0, vocab_size - 1)


def sample_categorical(probs: np.ndarray, u) -> np.ndarray:
    """Draw one token from each probability vector in `probs` [..., V] with uniforms `u` [...]."""
    probs = np.asarray(probs, dtype=np.float64)
    vocab_size = probs.shape[-1]
    flat = probs.reshape(-1, vocab_size)
    table = cumulative_table(flat)
    tokens = sample_from_table(table, vocab_size, np.arange(len(flat)), np.asarray(u).reshape(-1))
    return tokens.reshape(probs.shape[:-1])


# ----------------------------------------------------------------------------- the rule

def residual(p, q) -> np.ndarray:
    """norm(max(0, p - q)) along the last axis; where it is all zero (p == q) fall back to p.

    p and q are probability vectors (checked: a NaN row is refused) of one vocabulary size. The
    fallback is never reached with positive probability: if p == q every draft is accepted.
    """
    p = as_probability_rows(p, "p")
    q = as_probability_rows(q, "q")
    if p.shape[-1] != q.shape[-1]:
        raise ValueError(f"p and q must have the same vocabulary size; got {p.shape[-1]} and {q.shape[-1]}")
    broadcast_shape(p=p, q=q)
    return residual_of_checked(p, q)


def residual_of_checked(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """`residual` without the checks, for callers whose p and q are already valid (hot loops)."""
    diff = np.maximum(np.asarray(p, dtype=np.float64) - q, 0.0)
    mass = diff.sum(axis=-1, keepdims=True)
    safe = np.where(mass > 0, mass, 1.0)
    return np.where(mass > 0, diff / safe, p)


def accept_probabilities(p_x, q_x) -> np.ndarray:
    """min(1, p(x)/q(x)) for drafts x; q(x) > 0 because x was drawn from q."""
    p_x = np.asarray(p_x, dtype=np.float64)
    q_x = np.asarray(q_x, dtype=np.float64)
    return np.minimum(1.0, p_x / np.where(q_x > 0, q_x, 1.0))


def count_accepted(p_x, q_x, r, n_drafted=None) -> np.ndarray:
    """Steps 1-2: the number of drafts accepted before the first rejection, per row.

    p_x, q_x, r: [..., k]. Draft i is accepted when r_i * q_i(x_i) < p_i(x_i), which is
    r_i < p/q without dividing. Positions at or beyond `n_drafted` (per row) count as rejected.
    """
    accepted = np.asarray(r) * q_x < p_x
    if n_drafted is not None:
        accepted &= np.arange(accepted.shape[-1]) < np.asarray(n_drafted)[..., None]
    if accepted.shape[-1] == 0:
        return np.zeros(accepted.shape[:-1], dtype=np.int64)
    # The first rejection is the first False; a row with none accepted all of its drafts.
    return np.where(accepted.all(axis=-1), accepted.shape[-1], accepted.argmin(axis=-1))


def verify(p, q, draft_tokens, rng: np.random.Generator) -> Verification:
    """Verify k drafts against the target: p [k+1, V], q [k, V], draft_tokens [k].

    Returns the accepted drafts plus one correction (from the residual) or bonus (from p_k).
    """
    p, q, draft_tokens = _check_round(p, q, draft_tokens)
    _check_rng(rng)
    k = len(draft_tokens)
    n, last = decide(p, q, draft_tokens, rng.random(k))        # Steps 1-2
    extra = int(sample_categorical(last, rng.random()))        # Step 3 / Step 4
    tokens = np.append(draft_tokens[:n], extra).astype(np.int64)
    p_x, q_x = p[np.arange(k), draft_tokens], q[np.arange(k), draft_tokens]
    return Verification(n, tokens, k, accept_probabilities(p_x, q_x))


def decide(p, q, draft_tokens, r):
    """Given the uniforms r [k], return (n accepted, the distribution the extra token comes from).

    The deterministic core of `verify` (inputs already checked): tests enumerate its branches.
    """
    k = len(draft_tokens)
    positions = np.arange(k)
    n = int(count_accepted(p[positions, draft_tokens], q[positions, draft_tokens], r))
    return n, (residual(p[n], q[n]) if n < k else p[k])


def verify_greedy(p, draft_tokens) -> Verification:
    """Greedy verification: accept drafts while they equal argmax p_i, then emit argmax p_n."""
    p = as_probability_rows(p, "p")
    draft_tokens = _check_tokens(draft_tokens, p.shape[-1])
    if p.ndim != 2 or p.shape[0] != len(draft_tokens) + 1:
        raise ValueError(f"p must have shape [k+1, V] = [{len(draft_tokens) + 1}, V]; got {p.shape}")
    k = len(draft_tokens)
    best = p.argmax(axis=-1)
    n = count_greedy_matches(best, draft_tokens)
    tokens = np.append(draft_tokens[:n], best[n]).astype(np.int64)
    return Verification(n, tokens, k, (best[:k] == draft_tokens).astype(np.float64))


def count_greedy_matches(best, draft_tokens) -> int:
    """The greedy rule: how many drafts equal the target's argmax before the first mismatch.

    `best` holds argmax p_i per position (argmax of the logits gives the same ids, no softmax).
    """
    matches = np.asarray(best[: len(draft_tokens)]) == np.asarray(draft_tokens)
    return int(matches.argmin()) if not matches.all() else len(matches)


# ----------------------------------------------------------------------------- checks

def _check_round(p, q, draft_tokens):
    p = as_probability_rows(p, "p")
    q = as_probability_rows(q, "q")
    if p.ndim != 2 or q.ndim != 2:
        raise ValueError(f"p must be [k+1, V] and q [k, V]; got p {p.shape}, q {q.shape}")
    draft_tokens = _check_tokens(draft_tokens, p.shape[-1])
    k = len(draft_tokens)
    if p.shape[0] != k + 1 or q.shape[0] != k or q.shape[1] != p.shape[1]:
        raise ValueError(
            f"shapes must be p [k+1, V], q [k, V], draft_tokens [k]; got p {p.shape}, "
            f"q {q.shape}, draft_tokens ({k},)"
        )
    if k and np.any(q[np.arange(k), draft_tokens] <= 0):
        raise ValueError("draft_tokens must have q > 0: each draft is a sample from its q row")
    return p, q, draft_tokens


def _check_tokens(draft_tokens, vocab_size: int) -> np.ndarray:
    try:
        tokens = np.asarray(draft_tokens)
    except (TypeError, ValueError, OverflowError):
        tokens = np.asarray(None)
    if tokens.ndim != 1 or (tokens.size and tokens.dtype.kind not in "iu"):
        raise ArgumentTypeError(f"draft_tokens must be a 1-D array of token ids; got {short_repr(draft_tokens)}")
    tokens = tokens.astype(np.int64)
    if np.any((tokens < 0) | (tokens >= vocab_size)):
        raise ValueError(f"draft_tokens must be ids in 0..{vocab_size - 1}; got {tokens.tolist()}")
    return tokens


def _check_rng(rng) -> None:
    if not isinstance(rng, np.random.Generator):
        raise ArgumentTypeError("rng must be a numpy Generator, e.g. np.random.default_rng(0)")

