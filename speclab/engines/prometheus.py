"""Prometheus text exposition, read with prometheus_client's own parser.

A scrape is a list of samples (name, labels, value). Counters are exported with a `_total`
suffix (and a `_created` timestamp beside them); a sample is found here by its base name with
or without `_total`, so an exposition written with or without `# TYPE` lines reads the same.
An exporter writes each series once and its numbers in ASCII; a scrape with a series twice (two
scrapes pasted together) or a value in other digits (Python's int() reads '５' as 5) is refused.
"""

from __future__ import annotations

import math


def samples(text: str, source: str) -> list:
    """Every (name, labels, value) sample of `text`; one ValueError naming `source` if it is not exposition."""
    from prometheus_client.parser import text_string_to_metric_families

    check_source(source)
    if not isinstance(text, str):
        raise ValueError(f"{source} must be Prometheus text exposition (a str); got {type(text).__name__}")
    if not text.isascii():
        _check_ascii_values(text, source)
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


def matching(found: list, name: str, source: str) -> list:
    """(labels, value) of the samples called `name` or `name_total` (a counter's exported name).

    One ValueError naming `source` when a series (the name and its labels) appears twice.
    """
    series = [(labels, value) for sample, labels, value in found if sample in (name, name + "_total")]
    seen = set()
    for labels, _ in series:
        key = tuple(sorted(labels.items()))
        if key in seen:
            raise ValueError(f"{source}: the series {name}{{{show_labels(labels)}}} appears twice; an exporter "
                             "writes each series once (two scrapes pasted together?)")
        seen.add(key)
    return series


def combined_note(how: str, label_sets: list) -> str:
    """'summed over 2 series differing only by label engine' (how = 'summed'), or '' for one series."""
    if len(label_sets) < 2:
        return ""
    names = sorted({name for labels in label_sets for name in labels})
    differing = [name for name in names if len({labels.get(name) for labels in label_sets}) > 1]
    return (f"{how} over {len(label_sets)} series differing only by label{'s' if len(differing) > 1 else ''} "
            f"{', '.join(differing)}")


def show_labels(labels: dict) -> str:
    """Labels as the exposition writes them, shortened for an error message."""
    text = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    return text if len(text) <= 120 else text[:117] + "..."


def finite(value: float, name: str, source: str) -> float:
    """`value`, or a ValueError naming the metric and the input when it is NaN or infinite."""
    if isinstance(value, int):                  # the parser reads digits as an int, of any length
        return value
    if not math.isfinite(value):
        raise ValueError(f"{source}: {name} is {value!r}; a counter or gauge must be a finite number")
    return value


def _check_ascii_values(text: str, source: str) -> None:
    """Refuse a sample whose value or timestamp is not ASCII (labels and comments may hold any text)."""
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        tail = line[line.rfind("}") + 1:] if "{" in line else "".join(line.split(None, 1)[1:])
        if not tail.isascii():
            raise ValueError(f"{source}: line {number} has a value that is not an ASCII number "
                             f"({tail.strip()[:40]!r}); "
                             "Prometheus exposition writes numbers in ASCII digits")
