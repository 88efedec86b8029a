"""Benchmark: does `measure_pair` give the same answer twice on a noisy machine?

Measures the same pair (SmolLM2-135M offline, greedy, prompt lookup by default) twice in a row and
prints, per k, both medians with their [min-max] and how far apart they are. Requirement: two
identical measurements agree within 25% per k while a neighbour burns one core in irregular
bursts (--burn SEED: 0.2-1.5 s on, 0.2-1.5 s off, seeded).

    python benchmarks/bench_measure.py [--burn 0] [--repeats 3] [--max-new-tokens 48] [--draft early-exit:6]
"""

from __future__ import annotations

import argparse

import torch
from burner import burning

from speclab.real import PROMPTS, load_offline_model, measure_pair
from speclab.cli.measure import make_drafter

AGREEMENT = 0.25


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draft", default="prompt-lookup", help="prompt-lookup or early-exit:L")
    parser.add_argument("--ks", default="1,2,4,8")
    parser.add_argument("--max-new-tokens", type=int, default=48)
    parser.add_argument("--repeats", type=int, default=3, help="ABBA blocks per measurement")
    parser.add_argument("--prompts", default="repeat,new code", help="names from speclab.real.PROMPTS")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own choice)")
    parser.add_argument("--burn", type=int, default=None, metavar="SEED", help="start the bursty neighbour")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    model, tokenizer = load_offline_model()
    torch.set_grad_enabled(False)
    prompts = [PROMPTS[name.strip()] for name in args.prompts.split(",")]
    ks = [int(k) for k in args.ks.split(",")]
    results = []
    with burning(args.burn):
        for _ in range(2):
            results.append(measure_pair(model, make_drafter(args.draft, model), tokenizer, prompts=prompts, ks=ks,
                                        max_new_tokens=args.max_new_tokens, repeats=args.repeats))
    print(results[0].table())
    print(f"\nneighbour: {'bursts, seed %d' % args.burn if args.burn is not None else 'none started'}; "
          f"{args.repeats} ABBA blocks per measurement, {len(prompts)} prompts, {args.max_new_tokens} tokens, "
          f"{torch.get_num_threads()} torch thread(s)")
    print(f"{'k':>3}{'first':>22}{'second':>22}{'apart':>8}")
    worst = 0.0
    for i, k in enumerate(ks):
        a, b = results[0].pooled[i].measured, results[1].pooled[i].measured
        apart = abs(a.median - b.median) / min(a.median, b.median)
        worst = max(worst, apart)
        print(f"{k:>3}{format(a, '.2f'):>22}{format(b, '.2f'):>22}{apart:>7.0%}")
    print(f"largest disagreement {worst:.0%} (requirement: within {AGREEMENT:.0%}): "
          f"{'met' if worst <= AGREEMENT else 'NOT met'}; recommended k: "
          f"{results[0].recommended_k} and {results[1].recommended_k}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
