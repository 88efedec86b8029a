"""SGLang's acceptance length, from a `/metrics` scrape or the `/get_server_info` JSON.

Checked against SGLang's source (python/sglang/srt/managers/scheduler*.py, metrics/collector.py,
2025): the scheduler divides the tokens its verify passes accepted, one bonus token per request
and step included, by the number of such steps. `sglang:spec_accept_length` is a gauge set to
that ratio over the last decode-logging interval; `avg_spec_accept_length` in the server info
(under `internal_states`, one entry per scheduler) is the same ratio since start-up. Both include
the bonus token. With `speculative_eagle_topk` > 1 SGLang verifies a tree, and the ratio is a
tree's acceptance length: it does not convert to a chain's alpha, so it is refused here.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from .prometheus import check_source, finite, matching, samples

ACCEPT_LENGTH = "sglang:spec_accept_length"


@dataclass(frozen=True)
class AcceptLength:
    """A mean acceptance length (bonus included) and what the report says of k and the tree width."""

    length: float
    k: int | None = None
    topk: int | None = None
    source: str = "report"


def read_sglang_metrics(text: str, source: str = "text") -> AcceptLength:
    """The `sglang:spec_accept_length` gauge, averaged over the scheduler ranks that report it."""
    series = matching(samples(text, source), ACCEPT_LENGTH)
    if not series:
        raise ValueError(f"{source} has no {ACCEPT_LENGTH} gauge: not an SGLang scrape with speculative decoding")
    values = [finite(value, ACCEPT_LENGTH, source) for _, value in series]
    return AcceptLength(_length(sum(values) / len(values), ACCEPT_LENGTH, source), source=source)


def read_sglang_server_info(text: str, source: str = "text") -> AcceptLength:
    """avg_spec_accept_length, speculative_num_steps (k) and speculative_eagle_topk of a server-info JSON."""
    if not isinstance(check_source(source), str) or not isinstance(text, str):
        raise ValueError(f"{source} must be SGLang's server-info JSON (a str); got {type(text).__name__}")
    try:
        info = json.loads(text)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{source} is not JSON ({str(err)[:80]})") from None
    if not isinstance(info, dict):
        raise ValueError(f"{source} must be a JSON object (SGLang's /get_server_info); got {type(info).__name__}")
    states = info.get("internal_states") if isinstance(info.get("internal_states"), list) else []
    values = [s.get("avg_spec_accept_length") for s in states if isinstance(s, dict)]
    values = [v for v in values + [info.get("avg_spec_accept_length")] if v is not None]
    if not values:
        raise ValueError(f"{source} has no avg_spec_accept_length (top level or under internal_states): "
                         "speculative decoding is off, or this is not SGLang's server info")
    numbers = [_number(v, "avg_spec_accept_length", source) for v in values]
    return AcceptLength(_length(sum(numbers) / len(numbers), "avg_spec_accept_length", source),
                        k=_optional_count(info, "speculative_num_steps", source),
                        topk=_optional_count(info, "speculative_eagle_topk", source), source=source)


def _length(value: float, name: str, source: str) -> float:
    if value < 1.0:
        raise ValueError(f"{source}: {name} is {value:g}, below 1 (it counts the bonus token): no "
                         "speculative rounds were measured yet")
    return value


def _number(value, name: str, source: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{source}: {name} must be a number; got {value!r:.60}")
    return finite(float(value), name, source)


def _optional_count(info: dict, name: str, source: str):
    value = info.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or value != int(value) or value < 1:
        raise ValueError(f"{source}: {name} must be a whole number >= 1; got {value!r:.60}")
    return int(value)
