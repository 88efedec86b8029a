"""What one speculative generation returns: tokens, text, rounds, acceptance, alpha, time, passes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class GenerationResult:
    """The output of SpeculativeDecoder.generate, with everything needed to judge it."""

    token_ids: list                # the new tokens only (prompt excluded)
    text: str | None               # their decoded text, when a tokenizer is known
    rounds: list                   # speclab.rounds.RoundRecord per round, for speclab.trace
    n_accepted: int                # drafts the target accepted
    n_drafted: int                 # drafts proposed
    alpha: float                   # mean sum_x min(p, q) over examined draft positions (nan if none)
    seconds: float                 # wall-clock time of the generation (prefill included)
    target_forwards: int           # forward passes of the target (prefill included)
    draft_forwards: int            # forward passes of the draft model (0 for prompt lookup)
    finished_by: str               # "eos" or "length"
    alpha_sum: float = 0.0         # sum of the examined sum_x min(p, q) values (alpha = sum / count)
    alpha_count: int = 0           # examined draft positions, for pooling alpha over runs
    prompt_ids: list = field(default_factory=list)
    decode: object = field(default=None, repr=False)  # token id -> text, for the trace

    @property
    def acceptance_rate(self) -> float:
        """Accepted drafts / drafted tokens (NOT alpha: drafts after a rejection count as lost)."""
        return self.n_accepted / self.n_drafted if self.n_drafted else float("nan")

    @property
    def tokens_per_round(self) -> float:
        """Mean tokens emitted per target verification pass."""
        return len(self.token_ids) / len(self.rounds) if self.rounds else float("nan")

    @property
    def tokens_per_second(self) -> float:
        return len(self.token_ids) / self.seconds if self.seconds > 0 else float("nan")

    def html(self):
        """The coloured token trace (accepted / rejected / correction / bonus) via speclab.trace."""
        from ..trace import tokens_html

        return tokens_html(self.rounds, decode=self.decode)

    def summary(self) -> str:
        """One line: tokens, rounds, acceptance, alpha, passes and speed."""
        return (f"{len(self.token_ids)} tokens in {len(self.rounds)} rounds "
                f"({self.tokens_per_round:.2f}/round), accepted {self.n_accepted}/{self.n_drafted} drafts, "
                f"alpha~{_or_na(self.alpha)}, target passes {self.target_forwards}, "
                f"draft passes {self.draft_forwards}, {self.seconds:.2f} s")


def _or_na(x: float) -> str:
    """alpha for the summary line; n/a when nothing was drafted (alpha is then undefined)."""
    return "n/a" if x != x else f"{x:.2f}"


def mean_or_nan(values) -> float:
    return float(np.mean(values)) if len(values) else float("nan")
