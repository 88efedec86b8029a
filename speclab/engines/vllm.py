"""vLLM's speculative-decoding counters, from a `/metrics` scrape.

Checked against vLLM's source (vllm/v1/spec_decode/metrics.py, SpecDecodingStats and
SpecDecodingProm, 2025): four prometheus_client Counters, exported with `_total`,

    vllm:spec_decode_num_drafts                   rounds verified ("drafts")
    vllm:spec_decode_num_draft_tokens             draft tokens proposed
    vllm:spec_decode_num_accepted_tokens          draft tokens accepted
    vllm:spec_decode_num_accepted_tokens_per_pos  label position="0".."k-1": rounds whose drafts
                                                  up to that position were all accepted

labelled by model_name and engine (one series per data-parallel engine, summed here); the
position counters exist from start-up for range(num_speculative_tokens), so k is their number.
`observe_draft` adds 1 to positions 0..n_accepted-1, so per_pos[i] / drafts is the
unconditional rate and per_pos[i] / per_pos[i-1] the conditional one; vLLM's "mean acceptance
length" is 1 + accepted / drafts, the bonus token included.
"""

from __future__ import annotations

from .._validate import as_count
from .counters import ChainCounters
from .prometheus import finite, matching, samples

DRAFTS = "vllm:spec_decode_num_drafts"
DRAFT_TOKENS = "vllm:spec_decode_num_draft_tokens"
ACCEPTED = "vllm:spec_decode_num_accepted_tokens"
PER_POSITION = "vllm:spec_decode_num_accepted_tokens_per_pos"


def read_vllm_metrics(text: str, source: str = "text", model_name: str | None = None) -> ChainCounters:
    """The spec-decode counters of one vLLM scrape, summed over engines (one model only).

    source names the input in error messages (a file name, a flag).
    """
    if model_name is not None and not isinstance(model_name, str):
        raise ValueError(f"model_name must be a str (a model_name label) or None; got {type(model_name).__name__}")
    found = samples(text, source)
    totals = {}
    for name in (DRAFTS, DRAFT_TOKENS, ACCEPTED):
        series = _one_model(matching(found, name), name, source, model_name)
        if not series:
            raise ValueError(f"{source} has no {name}_total counter: not a vLLM scrape with speculative "
                             "decoding on (or another model's; see model_name)")
        totals[name] = sum(finite(value, name, source) for _, value in series)
    per_pos = _per_position(_one_model(matching(found, PER_POSITION), PER_POSITION, source, model_name), source)
    return ChainCounters(totals[DRAFTS], totals[DRAFT_TOKENS], totals[ACCEPTED], per_pos, source=source)


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
    values = {DRAFTS: counters.drafts, DRAFT_TOKENS: counters.draft_tokens, ACCEPTED: counters.accepted}
    for engine in range(engines):
        share = (lambda total: total // engines + (total % engines if engine == 0 else 0))
        for name, counter in counters_by_name.items():
            counter.labels(model_name, str(engine)).inc(share(values[name]))
        for pos, total in enumerate(counters.accepted_per_position):
            per_pos.labels(model_name, str(engine), str(pos)).inc(share(total))
    return generate_latest(registry).decode()


def _one_model(series: list, name: str, source: str, model_name: str | None) -> list:
    """The series of one model: `model_name`'s, or all when the scrape holds a single model."""
    if model_name is not None:
        return [(labels, value) for labels, value in series if labels.get("model_name") == model_name]
    models = sorted({labels.get("model_name", "") for labels, _ in series})
    if len(models) > 1:
        raise ValueError(f"{source} holds {name} for several models ({', '.join(models)}); choose one "
                         "(model_name, or --model-name on the command line)")
    return series


def _per_position(series: list, source: str) -> tuple:
    """Counts per position 0..k-1, summed over engines; every position from 0 up must be there."""
    counts = {}
    for labels, value in series:
        position = labels.get("position")
        if position is None or not position.isdigit():
            raise ValueError(f"{source}: {PER_POSITION} has a sample without a whole-number position "
                             f"label ({labels})")
        counts[int(position)] = counts.get(int(position), 0.0) + finite(value, PER_POSITION, source)
    if not counts:
        raise ValueError(f"{source} has no {PER_POSITION}_total counter (vLLM v1 exports one per "
                         "draft position)")
    missing = sorted(set(range(max(counts) + 1)) - set(counts))
    if missing:
        raise ValueError(f"{source}: {PER_POSITION} lacks position {missing[0]} (positions run from 0 "
                         f"to k - 1 = {max(counts)}); the scrape is incomplete")
    return tuple(counts[i] for i in range(len(counts)))
