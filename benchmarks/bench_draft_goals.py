"""Benchmark: the draft goals, each printed with its figure and whether it is met, on this machine.

The offline SmolLM2-135M and the draft speclab ships, greedy decoding, every speedup over the
strongest plain decoding (the faster of `generate` and two-row passes) timed in the same
interleaved ABBA blocks (speclab.real.measure.race: median of half-block paired ratios with a 95%
bootstrap interval), every output checked identical to `generate`'s:

1. held-out acceptance at depth 1 of the shipped draft >= 0.5 (acceptance_by_depth on the
   held-out prompts, which no training template produces);
2. the default drafter when a trained draft is available (the hybrid: copy on a match, else the
   trained draft) >= 1.25x on held-out open prompts;
3. the hybrid at least prompt lookup on edits (within the interval);
4. the hybrid never below 0.95x on any prompt;
5. for every drafter of the survey, measured speedup >= 0.9 x the prediction made from the same
   run's proposal lengths, acceptance per position, c and t(n);
6. predicted tokens per pass within 10% of measured for prompt lookup and the suffix draft.

    python benchmarks/bench_draft_goals.py [--open 4] [--max-new-tokens 48] [--blocks 6] [--burner SEED]

--burner runs the seeded one-core burner (benchmarks/burner.py) beside it: a busy neighbour.
"""

from __future__ import annotations

import argparse

from burner import burning
from speclab.real import (HybridDrafter, OPEN_ENDED_PROMPTS, PROMPTS, PromptLookupDrafter, SpeculativeDecoder,
                          SuffixDrafter, chat_input_ids, load_offline_draft, load_offline_model, open_heldout_prompts,
                          survey)
from speclab.real.kernel_choice import calibrate
from speclab.real.measure.depth_acceptance import acceptance_by_depth
from speclab.real.measure.race import race
from speclab.real.threads import set_torch_threads

EDITS = ("fix grammar", "repeat")


def verdict(met: bool) -> str:
    return "MET" if met else "NOT MET"


def decoders(model, tokenizer, drafter) -> dict:
    return {"hybrid": SpeculativeDecoder(model, HybridDrafter(drafter, PromptLookupDrafter()), tokenizer),
            "prompt lookup": SpeculativeDecoder(model, PromptLookupDrafter(), tokenizer),
            "trained": SpeculativeDecoder(model, drafter, tokenizer)}


def run(n_open: int, max_new_tokens: int, blocks: int) -> None:
    threads = set_torch_threads()
    model, tokenizer = load_offline_model()
    drafter, _ = load_offline_draft(model, tokenizer)
    print(f"{threads} torch threads;", calibrate(model, chat_input_ids(tokenizer, OPEN_ENDED_PROMPTS["explain"]),
                                                  drafter))

    live = acceptance_by_depth(drafter, model, tokenizer, max_new_tokens=32)
    print(f"1. held-out acceptance at depth 1 >= 0.5: {live.rates[0]:.2f} ({live}) {verdict(live.rates[0] >= 0.5)}")

    opens = []
    for text in open_heldout_prompts()[:n_open]:
        found = race(model, decoders(model, tokenizer, drafter), chat_input_ids(tokenizer, text), max_new_tokens, blocks)
        assert all(found.identical.values()), "a decoder's output differs from generate's"
        opens.append(found.speedup("hybrid"))
        print(f"   open: {text[:50]!r}\n{found.table()}")
    worst_open = min(s.median for s in opens)
    print(f"2. hybrid >= 1.25x on held-out open prompts: medians "
          + ", ".join(f"{s.median:.2f}x [{s.low:.2f}-{s.high:.2f}]" for s in opens)
          + f" {verdict(worst_open >= 1.25)}")
    edit_ok, lows = [], list(opens)
    for name in EDITS:
        found = race(model, decoders(model, tokenizer, drafter), chat_input_ids(tokenizer, PROMPTS[name]),
                     max_new_tokens, blocks)
        hybrid, lookup = found.speedup("hybrid"), found.speedup("prompt lookup")
        edit_ok.append(hybrid.high >= lookup.median)
        lows.append(hybrid)
        print(f"   edit: {name}\n{found.table()}")
    print(f"3. hybrid at least prompt lookup on edits (its interval reaching lookup's median): "
          f"{verdict(all(edit_ok))}")
    worst = min(s.median for s in lows)
    print(f"4. hybrid never below 0.95x: lowest median {worst:.2f}x {verdict(worst >= 0.95)}")

    drafts = {"prompt lookup": PromptLookupDrafter(), "suffix": SuffixDrafter(), "trained (shipped)": drafter,
              "hybrid": HybridDrafter(drafter, PromptLookupDrafter())}
    found = survey(model, drafts, tokenizer, prompts=[PROMPTS["fix grammar"], OPEN_ENDED_PROMPTS["describe"]],
                   ks=(1, 2, 3), max_new_tokens=max_new_tokens, repeats=max(blocks // 2, 3))
    print(found.table())
    ratios = {r.name: r.measured / r.predicted for r in found.rows if r.drafted}
    print("5. measured >= 0.9 x predicted for every drafter: "
          + ", ".join(f"{name} {ratio:.2f}" for name, ratio in ratios.items())
          + f" {verdict(all(r >= 0.9 for r in ratios.values()))}")
    errors = {r.name: abs(r.predicted_tokens_per_pass / r.tokens_per_pass - 1) for r in found.rows
              if r.name in ("prompt lookup", "suffix") and r.drafted}
    print("6. predicted tokens per pass within 10% for the copying drafters: "
          + ", ".join(f"{name} off by {e:.0%}" for name, e in errors.items())
          + f" {verdict(bool(errors) and all(e <= 0.10 for e in errors.values()))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=4, help="held-out open prompts raced (default 4)")
    parser.add_argument("--max-new-tokens", type=int, default=48)
    parser.add_argument("--blocks", type=int, default=6, help="ABBA blocks per race (at least 5)")
    parser.add_argument("--burner", type=int, default=None, help="run the seeded one-core burner beside it")
    args = parser.parse_args()
    if args.open < 1 or args.max_new_tokens < 1 or args.blocks < 5:
        parser.error("--open and --max-new-tokens must be >= 1, --blocks >= 5")
    with burning(args.burner):
        run(args.open, args.max_new_tokens, args.blocks)


if __name__ == "__main__":
    main()
