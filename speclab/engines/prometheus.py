"""Prometheus text exposition, read with prometheus_client's own parser.

A scrape is a list of samples (name, labels, value). Counters are exported with a `_total`
suffix (and a `_created` timestamp beside them); a sample is found here by its base name with
or without `_total`, so an exposition written with or without `# TYPE` lines reads the same.
"""

from __future__ import annotations

import math


def samples(text: str, source: str) -> list:
    """Every (name, labels, value) sample of `text`; one ValueError naming `source` if it is not exposition."""
    from prometheus_client.parser import text_string_to_metric_families

    check_source(source)
    if not isinstance(text, str):
        raise ValueError(f"{source} must be Prometheus text exposition (a str); got {type(text).__name__}")
    try:
        found = [(s.name, dict(s.labels), s.value) for family in text_string_to_metric_families(text)
                 for s in family.samples]
    except Exception as err:           # the parser raises ValueError, IndexError, ... on garbage
        raise ValueError(f"{source} is not Prometheus text exposition ({type(err).__name__}: "
                         f"{str(err)[:80] or 'unparsable line'})") from None
    return found


def check_source(source) -> str:
    """`source`, the name error messages give the input (a file, a flag), which must be a str."""
    if not isinstance(source, str):
        raise ValueError(f"source must be a str naming the input (a file, a flag); got {type(source).__name__}")
    return source


def matching(found: list, name: str) -> list:
    """(labels, value) of the samples called `name` or `name_total` (a counter's exported name)."""
    return [(labels, value) for sample, labels, value in found if sample in (name, name + "_total")]


def finite(value: float, name: str, source: str) -> float:
    """`value`, or a ValueError naming the metric and the input when it is NaN or infinite."""
    if not math.isfinite(value):
        raise ValueError(f"{source}: {name} is {value!r}; a counter or gauge must be a finite number")
    return value
