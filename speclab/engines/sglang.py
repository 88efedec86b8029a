"""SGLang's acceptance length, from a `/metrics` scrape or the `/get_server_info` JSON.

Checked against SGLang's source (python/sglang/srt/managers/scheduler*.py, metrics/collector.py,
2025): the scheduler divides the tokens its verify passes accepted, one bonus token per request
and step included, by the number of such steps. `sglang:spec_accept_length` is a gauge set to
that ratio over the last decode-logging interval; `avg_spec_accept_length` in the server info
(under `internal_states`, one entry per scheduler) is the same ratio since start-up. Both include
the bonus token. With `speculative_eagle_topk` > 1 SGLang verifies a tree, and the ratio is a
tree's acceptance length: it does not convert to a chain's alpha, so it is refused here.
A round of k drafts emits at most k + 1 tokens, so a length above k + 1 (k = speculative_num_steps,
or at most MAX_ENGINE_K + 1 when k is unknown) cannot come from SGLang and is refused.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from .._validate import as_count, short_repr
from .counters import MAX_ENGINE_K
from .prometheus import check_source, combined_note, finite, matching, samples

ACCEPT_LENGTH = "sglang:spec_accept_length"


@dataclass(frozen=True)
class AcceptLength:
    """A mean acceptance length (bonus included) and what the report says of k and the tree width."""

    length: float
    k: int | None = None
    topk: int | None = None
    source: str = "report"
    averaged: str = ""           # which series were averaged (one per rank), or ''


def read_sglang_metrics(text: str, source: str = "text", k=None) -> AcceptLength:
    """The `sglang:spec_accept_length` gauge, averaged over the scheduler ranks that report it.

    k: the drafts per round the server ran with, when known; a length above k + 1 is refused.
    """
    series = matching(samples(text, source), ACCEPT_LENGTH, source)
    if k is not None:
        k = as_count(k, "k", minimum=1, maximum=MAX_ENGINE_K)
    if not series:
        raise ValueError(f"{source} has no {ACCEPT_LENGTH} gauge: not an SGLang scrape with speculative decoding")
    values = [_number(value, ACCEPT_LENGTH, source) for _, value in series]
    return AcceptLength(_length(sum(values) / len(values), ACCEPT_LENGTH, source, k), k=k, source=source,
                        averaged=combined_note("averaged", [labels for labels, _ in series]))


def read_sglang_server_info(text: str, source: str = "text") -> AcceptLength:
    """avg_spec_accept_length, speculative_num_steps (k) and speculative_eagle_topk of a server-info JSON."""
    if not isinstance(check_source(source), str) or not isinstance(text, str):
        raise ValueError(f"{source} must be SGLang's server-info JSON (a str); got {type(text).__name__}")
    try:
        info = json.loads(text)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{source} is not JSON ({str(err)[:80]})") from None
    except RecursionError:
        raise ValueError(f"{source} nests JSON too deeply to read; SGLang's server info is an object "
                         "a few levels deep") from None
    if not isinstance(info, dict):
        raise ValueError(f"{source} must be a JSON object (SGLang's /get_server_info); got {type(info).__name__}")
    states = info.get("internal_states") if isinstance(info.get("internal_states"), list) else []
    values = [s.get("avg_spec_accept_length") for s in states if isinstance(s, dict)]
    values = [v for v in values + [info.get("avg_spec_accept_length")] if v is not None]
    if not values:
        raise ValueError(f"{source} has no avg_spec_accept_length (top level or under internal_states): "
                         "speculative decoding is off, or this is not SGLang's server info")
    numbers = [_number(v, "avg_spec_accept_length", source) for v in values]
    k = _optional_count(info, "speculative_num_steps", source)
    averaged = f"averaged over {len(numbers)} scheduler entries" if len(numbers) > 1 else ""
    return AcceptLength(_length(sum(numbers) / len(numbers), "avg_spec_accept_length", source, k), k=k,
                        topk=_optional_count(info, "speculative_eagle_topk", source), source=source,
                        averaged=averaged)


def _length(value: float, name: str, source: str, k: int | None) -> float:
    """An acceptance length a round of k drafts can have: 1 <= length <= k + 1."""
    if value < 1.0:
        raise ValueError(f"{source}: {name} is {value:g}, below 1 (it counts the bonus token): no "
                         "speculative rounds were measured yet")
    most = (k if k is not None else MAX_ENGINE_K) + 1
    if value > most:
        said = f"k = {k} drafts" if k is not None else f"at most k = {MAX_ENGINE_K} drafts (any engine)"
        raise ValueError(f"{source}: {name} is {value:g}, above k + 1 = {most}: a round of {said} emits at "
                         "most k + 1 tokens")
    return value


def _number(value, name: str, source: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{source}: {name} must be a number; got {short_repr(value)}")
    if isinstance(value, int) and abs(value) > 2**1000:      # float() of a longer int overflows
        raise ValueError(f"{source}: {name} is about 10**{math.log10(abs(value)):.0f}; not a length a round can have")
    return finite(float(value), name, source)


def _optional_count(info: dict, name: str, source: str):
    value = info.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not (isinstance(value, int) or math.isfinite(value) and value == int(value)) \
            or not 1 <= value <= MAX_ENGINE_K:
        big = isinstance(value, int) and value >= 10**60
        shown = f"about 10**{math.log10(value):.0f}" if big else short_repr(value)
        raise ValueError(f"{source}: {name} must be a whole number in 1..{MAX_ENGINE_K}; got {shown}")
    return int(value)
