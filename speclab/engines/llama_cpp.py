"""llama.cpp's drafted and accepted counts, from the log of its speculative example or its server.

Checked against llama.cpp's source (2025): examples/speculative and speculative-simple print, at
the end of a run, `n_draft   = K` (drafts per round, at most), `n_drafted = D` and
`n_accept  = A` (draft tokens proposed and accepted, no bonus token); llama-server prints per
request `draft acceptance rate = R (A accepted / D generated)`, summed here over requests.
Both stop a round's draft early when the draft is unsure, so some rounds draft fewer than K:
read as a chain of K, A / D is the i.i.d. model's accepted fraction, an approximation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .prometheus import check_source

_EXAMPLE = {name: re.compile(rf"\b{name}\s*=\s*(\d+)\s*$", re.MULTILINE) for name in ("n_draft", "n_drafted", "n_accept")}
_SERVER = re.compile(r"draft acceptance rate = \S+ \(\s*(\d+) accepted /\s*(\d+) generated\)")


@dataclass(frozen=True)
class DraftedAccepted:
    """Draft tokens proposed and accepted (no bonus token), and K when the log states it."""

    drafted: int
    accepted: int
    k: int | None = None
    source: str = "log"

    @property
    def accepted_per_drafted(self) -> float:
        return self.accepted / self.drafted


def read_llama_cpp_log(text: str, source: str = "text") -> DraftedAccepted:
    """The counts of a speculative-example run, or the sum of a server's per-request lines."""
    if not isinstance(check_source(source), str) or not isinstance(text, str):
        raise ValueError(f"{source} must be text (a llama.cpp log); got {type(text).__name__}")
    found = {name: pattern.findall(text) for name, pattern in _EXAMPLE.items()}
    if found["n_drafted"] or found["n_accept"]:
        if not (found["n_drafted"] and found["n_accept"]):
            raise ValueError(f"{source} has {'n_drafted' if found['n_drafted'] else 'n_accept'} but not "
                             f"{'n_accept' if found['n_drafted'] else 'n_drafted'}: the run's summary is cut off")
        drafted, accepted = int(found["n_drafted"][-1]), int(found["n_accept"][-1])
        k = int(found["n_draft"][-1]) if found["n_draft"] else None
    else:
        lines = _SERVER.findall(text)
        if not lines:
            raise ValueError(f"{source} has neither 'n_drafted = ...' / 'n_accept = ...' (the speculative "
                             "example) nor 'draft acceptance rate = ...' lines (llama-server)")
        accepted, drafted, k = sum(int(a) for a, _ in lines), sum(int(d) for _, d in lines), None
    return _checked(drafted, accepted, k, source)


def _checked(drafted: int, accepted: int, k, source: str) -> DraftedAccepted:
    if drafted == 0:
        raise ValueError(f"{source}: zero tokens drafted, nothing to fit")
    if accepted > drafted:
        raise ValueError(f"{source}: {accepted} accepted of {drafted} drafted; accepted cannot exceed drafted")
    if k == 0:
        raise ValueError(f"{source}: n_draft = 0, speculation was off")
    return DraftedAccepted(drafted, accepted, k, source)
