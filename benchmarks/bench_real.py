"""Benchmark: SmolLM2-135M (offline), greedy: speclab's prompt lookup with its defaults against plain
decoding and Hugging Face's prompt lookup.

Four prompts: three edits (repeat, fix grammar, rewrite quoting) and one with no overlap (new code).
Every method runs on the same input ids, in interleaved ABBA blocks (speclab.interleave): each block
runs every (prompt, method) once forward and once in reverse order, so a busy neighbour hits all
of them alike. A speedup is the median over blocks of the paired ratio, printed with [min-max],
over the STRONGEST plain decoding measured on that prompt: the fastest of Hugging Face's
`generate`, speclab's runner with no drafts, and two-row plain decoding (every pass padded with a
dummy row, so it uses both cores as verification passes do). The speedup over `generate` and the
split (kernel gain x drafting gain) are printed beside it, and a speedup the run's tokens per
target pass cannot produce is flagged. The greedy outputs are checked to be identical to
Hugging Face's own `generate`.

    python benchmarks/bench_real.py [--max-new-tokens 128] [--repeats 3] [--burn SEED] [--json]

--burn SEED starts a neighbour that burns one core in seeded bursts (0.2-1.5 s on, 0.2-1.5 s off).
Goals (over the strongest plain decoding): speclab's defaults >= 2x on the edits, >= 0.95x with no
overlap; >= 1x HF's prompt lookup (10).
"""

from __future__ import annotations

import argparse
import json

import torch
from burner import burning
from tqdm.auto import tqdm

from speclab.interleave import run_interleaved
from speclab.real.measure.prediction import guard_flags
from speclab.real import PROMPTS, PromptLookupDrafter, SpeculativeDecoder, chat_input_ids, hf_generate, \
    load_offline_model
from speclab.real.baselines import autoregressive, two_row_autoregressive
from speclab.real.prompts import EDIT_PROMPTS

BASE, SPECLAB, TWO_ROW = "hf generate", "speclab lookup (defaults)", "plain, 2-row passes"
PLAIN = (BASE, "speclab k=0", TWO_ROW)       # the plain decodings; the fastest is the headline baseline


def methods(model, tokenizer, hf_lookup: int) -> dict:
    """name -> function(ids, max_new_tokens) returning something with token_ids and seconds."""
    speclab_lookup = SpeculativeDecoder(model, PromptLookupDrafter(), tokenizer)
    return {
        BASE: lambda ids, n: hf_generate(model, ids, n),
        "speclab k=0": lambda ids, n: autoregressive(model, ids, n),
        TWO_ROW: lambda ids, n: two_row_autoregressive(model, ids, n),
        f"hf lookup {hf_lookup}": lambda ids, n: hf_generate(model, ids, n, prompt_lookup_num_tokens=hf_lookup),
        SPECLAB: lambda ids, n: speclab_lookup.generate(ids, n),         # k=None: the drafter's own policy
    }


def run(max_new_tokens: int, repeats: int, hf_lookup: int) -> list:
    model, tokenizer = load_offline_model()
    torch.set_grad_enabled(False)
    runners = methods(model, tokenizer, hf_lookup)
    ids = {name: chat_input_ids(tokenizer, text) for name, text in PROMPTS.items()}
    calls = {(p, m): (lambda fn=fn, x=ids[p]: fn(x, max_new_tokens)) for p in PROMPTS for m, fn in runners.items()}
    calls[(next(iter(PROMPTS)), BASE)]()                                  # warm-up, untimed
    with tqdm(total=2 * repeats * len(calls), desc="benchmark") as bar:
        timed = run_interleaved(calls, repeats, progress=bar)
    return [_row(p, list(runners), timed, hf_lookup) for p in PROMPTS]


def _row(prompt, names, timed, hf_lookup) -> dict:
    out = {m: timed.results[(prompt, m)] for m in names}
    reference = out[BASE].token_ids

    def speedup(over, m):
        tokens = len(out[m].token_ids) / len(out[over].token_ids)
        s = timed.ratio((prompt, over), (prompt, m))
        return {"median": tokens * s.median, "low": tokens * s.low, "high": tokens * s.high}

    spec = out[SPECLAB]
    strongest = max(PLAIN, key=lambda b: timed.ratio((prompt, BASE), (prompt, b)).median)   # the fastest plain
    over_strongest = speedup(strongest, SPECLAB)["median"]
    flags = guard_flags(over_strongest, spec.tokens_per_round, spec.n_accepted, 1.0, 1)
    return {
        "prompt": prompt, "tokens": len(reference), "blocks": timed.blocks, "baseline": strongest,
        "baseline_tokens_per_s": len(reference) / (timed.block_seconds((prompt, strongest)).mean() / 2),
        "speedup": {m: speedup(strongest, m) for m in names},
        "over_generate": speedup(BASE, SPECLAB),
        "kernel_gain": speedup(BASE, strongest)["median"], "drafting_gain": over_strongest,
        "tokens_per_pass": spec.tokens_per_round,
        "speclab_vs_hf_prompt_lookup": speedup(f"hf lookup {hf_lookup}", SPECLAB),
        "identical_to_generate": {m: o.token_ids == reference for m, o in out.items()},
        "accepted": spec.n_accepted, "drafted": spec.n_drafted, "rounds": len(spec.rounds),
        "flags": flags,                    # a speedup the run's tokens per target pass cannot produce
    }


def _fmt(s: dict) -> str:
    return f"{s['median']:.2f}x [{s['low']:.2f}-{s['high']:.2f}]"


def print_table(rows) -> None:
    names = list(rows[0]["speedup"])
    print(f"\n{rows[0]['blocks']} ABBA blocks: every (prompt, method) ran {2 * rows[0]['blocks']} times, interleaved; "
          "speedups over the strongest plain decoding on that prompt (the baseline column) are medians of paired "
          "ratios [min-max over blocks]")
    print(f"{'prompt':<16}{'tokens':>7}{'baseline':>21}{'tok/s':>7}" + "".join(f"{m:>28}" for m in names)
          + f"{'lookup over generate':>22}{'kernel x drafting':>19}{'tok/pass':>9}{'speclab vs HF lookup':>26}"
          + f"{'same ids':>10}{'acc/drafted':>13}")
    for r in rows:
        print(f"{r['prompt']:<16}{r['tokens']:>7}{r['baseline']:>21}{r['baseline_tokens_per_s']:>7.1f}"
              + "".join(f"{_fmt(r['speedup'][m]):>28}" for m in names)
              + f"{_fmt(r['over_generate']):>22}{r['kernel_gain']:>9.2f} x {r['drafting_gain']:.2f}"
              + f"{r['tokens_per_pass']:>9.2f}{_fmt(r['speclab_vs_hf_prompt_lookup']):>26}"
              + f"{str(all(r['identical_to_generate'].values())):>10}"
              + f"{r['accepted']:>7}/{r['drafted']:<5}" + ("  FLAGGED: " + "; ".join(r["flags"]) if r["flags"] else ""))
    edits = [r["speedup"][SPECLAB]["median"] for r in rows if r["prompt"] in EDIT_PROMPTS]
    other = [r["speedup"][SPECLAB]["median"] for r in rows if r["prompt"] not in EDIT_PROMPTS]
    vs_hf = [r["speclab_vs_hf_prompt_lookup"]["median"] for r in rows if r["prompt"] in EDIT_PROMPTS]
    print(f"\ngoals (medians, over the strongest plain decoding): edits >= 2x: min {min(edits):.2f}x | no overlap >= 0.95x: {min(other):.2f}x | "
          f"vs HF prompt lookup on the edits >= 1x: min {min(vs_hf):.2f}x")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-new-tokens", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3, help="ABBA blocks (each runs everything twice)")
    parser.add_argument("--hf-lookup", type=int, default=10, help="HF's prompt_lookup_num_tokens")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own choice)")
    parser.add_argument("--burn", type=int, default=None, metavar="SEED",
                        help="start a neighbour burning one core in seeded 0.2-1.5 s bursts")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    with burning(args.burn):
        rows = run(args.max_new_tokens, args.repeats, args.hf_lookup)
    print(json.dumps(rows, indent=2)) if args.json else print_table(rows)
    if not args.json:
        print(f"neighbour: {'bursts, seed %d' % args.burn if args.burn is not None else 'none started'}; "
              f"{torch.get_num_threads()} torch thread(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
