"""vLLM's speculative-decoding counters, from a `/metrics` scrape.

Checked against vLLM's source (vllm/v1/spec_decode/metrics.py, SpecDecodingStats and
SpecDecodingProm, 2025): four prometheus_client Counters, exported with `_total`,

    vllm:spec_decode_num_drafts                   rounds verified ("drafts")
    vllm:spec_decode_num_draft_tokens             draft tokens proposed
    vllm:spec_decode_num_accepted_tokens          draft tokens accepted
    vllm:spec_decode_num_accepted_tokens_per_pos  label position="0".."k-1": rounds whose drafts
                                                  up to that position were all accepted

labelled by model_name and engine (one series per data-parallel engine); the position counters
exist from start-up for range(num_speculative_tokens), so k is their number. Series that differ
only by a label other than model_name and position (engine, or a scraper's pod or instance) are
each checked as one engine's counts, then summed, and the result says so (ChainCounters.summed).
`observe_draft` adds 1 to positions 0..n_accepted-1, so per_pos[i] / drafts is the
unconditional rate and per_pos[i] / per_pos[i-1] the conditional one; vLLM's "mean acceptance
length" is 1 + accepted / drafts, the bonus token included.
"""

from __future__ import annotations

import re

from .._validate import as_count
from .counters import MAX_ENGINE_K, ChainCounters
from .prometheus import combined_note, finite, matching, samples, show_labels

DRAFTS = "vllm:spec_decode_num_drafts"
DRAFT_TOKENS = "vllm:spec_decode_num_draft_tokens"
ACCEPTED = "vllm:spec_decode_num_accepted_tokens"
PER_POSITION = "vllm:spec_decode_num_accepted_tokens_per_pos"
#: Labels that say what a series counts; any other label (engine, pod, ...) tells apart series to sum.
_MEANING = ("model_name", "position")
_POSITION = re.compile(r"[0-9]{1,9}")


def read_vllm_metrics(text: str, source: str = "text", model_name: str | None = None) -> ChainCounters:
    """The spec-decode counters of one vLLM scrape, summed over engines (one model only).

    source names the input in error messages (a file name, a flag). Each engine's counts are
    checked on their own before they are summed; a scrape no vLLM server can serve is refused.
    """
    if model_name is not None and not isinstance(model_name, str):
        raise ValueError(f"model_name must be a str (a model_name label) or None; got {type(model_name).__name__}")
    found = samples(text, source)
    series = {}
    for name in (DRAFTS, DRAFT_TOKENS, ACCEPTED):
        series[name] = _one_model(matching(found, name, source), name, source, model_name)
        if not series[name]:
            raise ValueError(f"{source} has no {name}_total counter: not a vLLM scrape with speculative "
                             "decoding on (or another model's; see model_name)")
    per_pos = _one_model(matching(found, PER_POSITION, source), PER_POSITION, source, model_name)
    if not per_pos:
        raise ValueError(f"{source} has no {PER_POSITION}_total counter (vLLM v1 exports one per "
                         "draft position)")
    groups = _engines(series, per_pos, source)
    named = len(groups) > 1
    counters = [ChainCounters(values[DRAFTS], values[DRAFT_TOKENS], values[ACCEPTED],
                              _per_position(values[PER_POSITION], _in(source, key) if named else source),
                              source=_in(source, key) if named else source) for key, values in groups.items()]
    if len({c.k for c in counters}) > 1:
        raise ValueError(f"{source}: its engines count different numbers of draft positions "
                         f"({', '.join(f'{c.source}: {c.k}' for c in counters)}); one server runs one k")
    return ChainCounters(sum(c.drafts for c in counters), sum(c.draft_tokens for c in counters),
                         sum(c.accepted for c in counters),
                         tuple(sum(column) for column in zip(*(c.accepted_per_position for c in counters))),
                         source=source, summed=combined_note("summed", [dict(key) for key in groups]))


def vllm_exposition(counters: ChainCounters, model_name: str = "target", engines: int = 1) -> str:
    """`counters` as vLLM would export them: the same prometheus_client Counters, names and labels.

    Spread over `engines` data-parallel engines (the first takes the remainder); for examples and tests.
    """
    from prometheus_client import CollectorRegistry, Counter, generate_latest

    if not isinstance(counters, ChainCounters):
        raise ValueError(f"counters must be ChainCounters; got {type(counters).__name__}")
    if not isinstance(model_name, str):
        raise ValueError(f"model_name must be a str; got {type(model_name).__name__}")
    engines = as_count(engines, "engines", minimum=1, maximum=1024)
    registry = CollectorRegistry()
    labels = ["model_name", "engine"]
    counters_by_name = {name: Counter(name, doc, labels, registry=registry) for name, doc in (
        (DRAFTS, "Number of spec decoding drafts."), (DRAFT_TOKENS, "Number of draft tokens."),
        (ACCEPTED, "Number of accepted tokens."))}
    per_pos = Counter(PER_POSITION, "Accepted tokens per draft position.", labels + ["position"], registry=registry)
    for engine, (drafts, draft_tokens, accepted, positions) in enumerate(_split(counters, engines)):
        for name, value in ((DRAFTS, drafts), (DRAFT_TOKENS, draft_tokens), (ACCEPTED, accepted)):
            counters_by_name[name].labels(model_name, str(engine)).inc(value)
        for pos, value in enumerate(positions):
            per_pos.labels(model_name, str(engine), str(pos)).inc(value)
    return generate_latest(registry).decode()


def _split(counters: ChainCounters, engines: int) -> list:
    """Per engine (drafts, draft tokens, accepted, per position): what one engine could count; they sum to `counters`.

    Rounds and per-position counts are shared out evenly ((n + e) // engines keeps each engine's
    positions non-increasing); the drafted-not-accepted tokens go where an engine has room (<= drafts x k).
    """
    rows = []
    for e in range(engines):
        positions = [(n + e) // engines for n in counters.accepted_per_position]
        rows.append([(counters.drafts + e) // engines, sum(positions), positions])
    spare = counters.draft_tokens - counters.accepted
    rooms = [drafts * counters.k - accepted for drafts, accepted, _ in rows]
    takes = [min(room, (spare + e) // engines) for e, room in enumerate(rooms)]
    for e in range(engines):                      # what an even share left over, where there is room
        extra = min(rooms[e] - takes[e], spare - sum(takes))
        takes[e] += extra
    return [(drafts, accepted + take, accepted, positions) for (drafts, accepted, positions), take in zip(rows, takes)]


def _one_model(series: list, name: str, source: str, model_name: str | None) -> list:
    """The series of one model: `model_name`'s, or all when the scrape holds a single model."""
    if model_name is not None:
        return [(labels, value) for labels, value in series if labels.get("model_name") == model_name]
    models = sorted({labels.get("model_name", "") for labels, _ in series})
    if len(models) > 1:
        raise ValueError(f"{source} holds {name} for several models ({', '.join(models)}); choose one "
                         "(model_name, or --model-name on the command line)")
    return series


def _engines(series: dict, per_pos: list, source: str) -> dict:
    """{other labels: {metric: value, PER_POSITION: [(position label, value)]}}, one entry per engine.

    Every engine exports all four counters; a series of one metric without its engine's others
    does not come from one vLLM server.
    """
    groups = {}
    for name, found in series.items():
        for labels, value in found:
            groups.setdefault(_key(labels), {})[name] = finite(value, name, source)
    for labels, value in per_pos:
        entry = groups.setdefault(_key(labels), {})
        entry.setdefault(PER_POSITION, []).append((labels.get("position"), finite(value, PER_POSITION, source)))
    for key, values in groups.items():
        for name in (DRAFTS, DRAFT_TOKENS, ACCEPTED, PER_POSITION):
            if name not in values:
                raise ValueError(f"{source}: the series {{{show_labels(dict(key))}}} has no {name} counter while "
                                 "others do; each vLLM engine exports all four spec-decode counters")
    return groups


def _key(labels: dict) -> tuple:
    return tuple(sorted((k, v) for k, v in labels.items() if k not in _MEANING))


def _in(source: str, key: tuple) -> str:
    return f"{source} {{{show_labels(dict(key))}}}"


def _per_position(found: list, source: str) -> tuple:
    """Counts per position 0..k-1 of one engine; every position from 0 up must be there, once."""
    counts = {}
    for position, value in found:
        if position is None or not _POSITION.fullmatch(position):
            raise ValueError(f"{source}: {PER_POSITION} has a sample without a whole-number position "
                             f"label (position={position!r:.40}; vLLM writes 0, 1, 2, ... in ASCII digits)")
        if int(position) >= MAX_ENGINE_K:
            raise ValueError(f"{source}: {PER_POSITION} has position {int(position):,}; an engine report holds "
                             f"at most k = {MAX_ENGINE_K} positions")
        if int(position) in counts:
            raise ValueError(f"{source}: {PER_POSITION} has position {int(position)} twice "
                             f"(labels {position!r} and another)")
        counts[int(position)] = value
    missing = sorted(set(range(max(counts) + 1)) - set(counts))
    if missing:
        raise ValueError(f"{source}: {PER_POSITION} lacks position {missing[0]} (positions run from 0 "
                         f"to k - 1 = {max(counts)}); the scrape is incomplete")
    return tuple(counts[i] for i in range(len(counts)))
