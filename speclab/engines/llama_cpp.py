"""llama.cpp's drafted and accepted counts, from the log of its speculative example or its server.

Checked against llama.cpp's source (2025): examples/speculative and speculative-simple print, at
the end of a run, `n_draft   = K` (drafts per round, at most), `n_drafted = D` and
`n_accept  = A` (draft tokens proposed and accepted, no bonus token); llama-server prints per
request `draft acceptance rate = R (A accepted / D generated)`, summed here over requests.
Both stop a round's draft early when the draft is unsure, so some rounds draft fewer than K:
read as a chain of K, A / D is the i.i.d. model's accepted fraction, an approximation.
Numbers must be ASCII digits (Python reads '٣' as 3; llama.cpp never writes it), K at most
MAX_ENGINE_K, counts at most int64's largest, and a server line's rate must be its A / D.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .counters import MAX_COUNT, MAX_ENGINE_K
from .prometheus import check_source

_EXAMPLE = {name: re.compile(rf"\b{name}\s*=\s*(\S+)\s*$", re.MULTILINE)
            for name in ("n_draft", "n_drafted", "n_accept")}
_SERVER = re.compile(r"draft acceptance rate = (\S+) \(\s*(\S+) accepted /\s*(\S+) generated\)")
_WHOLE = re.compile(r"[0-9]{1,19}")
_RATE = re.compile(r"[0-9]{1,3}\.[0-9]{1,9}")
#: llama-server prints the rate with 5 decimals (%0.5f): it may differ from A / D by half of 1e-5.
_RATE_TOLERANCE = 1e-5


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
        drafted = _whole(found["n_drafted"][-1], "n_drafted", source)
        accepted = _whole(found["n_accept"][-1], "n_accept", source)
        k = _whole(found["n_draft"][-1], "n_draft", source) if found["n_draft"] else None
    else:
        lines = _SERVER.findall(text)
        if not lines:
            raise ValueError(f"{source} has neither 'n_drafted = ...' / 'n_accept = ...' (the speculative "
                             "example) nor 'draft acceptance rate = ...' lines (llama-server)")
        counts = [_server_line(*line, source) for line in lines]
        accepted, drafted, k = sum(a for a, _ in counts), sum(d for _, d in counts), None
    return _checked(drafted, accepted, k, source)


def _whole(text: str, name: str, source: str) -> int:
    """A count as llama.cpp prints it: ASCII digits, at most int64's largest."""
    if not _WHOLE.fullmatch(text) or int(text) > MAX_COUNT:
        raise ValueError(f"{source}: {name} = {text[:40]!r} is not a count llama.cpp prints (ASCII digits, "
                         "at most 2**63 - 1)")
    return int(text)


def _server_line(rate: str, accepted: str, drafted: str, source: str) -> tuple:
    """(accepted, drafted) of one llama-server line, whose printed rate must be accepted / drafted."""
    accepted, drafted = _whole(accepted, "accepted", source), _whole(drafted, "generated", source)
    if accepted > drafted:
        raise ValueError(f"{source}: a request accepted {accepted} of {drafted} draft tokens; accepted cannot "
                         "exceed drafted")
    if not _RATE.fullmatch(rate) or (drafted and abs(float(rate) - accepted / drafted) > _RATE_TOLERANCE):
        raise ValueError(f"{source}: 'draft acceptance rate = {rate[:20]}' is not {accepted} / {drafted}; "
                         "llama-server prints the two together, so this line was not written by it")
    return accepted, drafted


def _checked(drafted: int, accepted: int, k, source: str) -> DraftedAccepted:
    if drafted == 0:
        raise ValueError(f"{source}: zero tokens drafted, nothing to fit")
    if accepted > drafted:
        raise ValueError(f"{source}: {accepted} accepted of {drafted} drafted; accepted cannot exceed drafted")
    if drafted > MAX_COUNT:
        raise ValueError(f"{source}: {drafted:,} tokens drafted in all, beyond what a counter holds (2**63 - 1)")
    if k == 0:
        raise ValueError(f"{source}: n_draft = 0, speculation was off")
    if k is not None and k > MAX_ENGINE_K:
        raise ValueError(f"{source}: n_draft = {k:,}; an engine drafts at most k = {MAX_ENGINE_K} tokens a round")
    return DraftedAccepted(drafted, accepted, k, source)
