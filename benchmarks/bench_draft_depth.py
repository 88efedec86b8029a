"""Benchmark: does training the draft deeper (EAGLE-3's training-time test at depth > 1) pay?

One seeded corpus is written once; a draft is then fitted on it at each training depth with the
same seed, steps and batches. Each is scored on the same held-out answers at depths 1-3
(teacher-forced greedy agreement, fit.heldout_acceptance), and the expected speedup of its best
chain is computed from this machine's measured costs (c and t(n)/t(1), measured once, on the
depth-1 draft), so the table says what a deeper-trained draft would give here.

    python benchmarks/bench_draft_depth.py [--prompts 400] [--new-tokens 256] [--depths 1 2 3] [--steps 600]
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import torch

from speclab.measured_k import best_k, speedups
from speclab.real import load_offline_model
from speclab.real.training.corpus import write_corpus
from speclab.real.training.fit import train_draft
from speclab.real.training.prompts import training_prompts

BATCH = 8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=400, help="training prompts, each answered greedily once")
    parser.add_argument("--new-tokens", type=int, default=256, help="longest answer per prompt")
    parser.add_argument("--depths", type=int, nargs="+", default=[1, 2, 3], help="training depths to compare")
    parser.add_argument("--steps", type=int, default=600, help="optimizer steps per draft (at least)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="build/draft-depth.json")
    args = parser.parse_args()

    model, tokenizer = load_offline_model()
    corpus = write_corpus(model, tokenizer, training_prompts(args.prompts, seed=args.seed),
                          max_new_tokens=args.new_tokens, seed=args.seed)
    epochs = max(2, math.ceil(args.steps / math.ceil(len(corpus.data) / BATCH)))
    print(f"corpus: {corpus.tokens():,} tokens in {len(corpus.data):,} answers, written in {corpus.seconds:.0f} s; "
          f"{epochs} epochs per draft ({torch.get_num_threads()} threads)", flush=True)
    rows, costs = [], None
    for depth in args.depths:
        drafter, record = train_draft(model, tokenizer, corpus=corpus, depth=depth, epochs=epochs, seed=args.seed,
                                      batch_size=BATCH, measure_c=costs is None)
        if costs is None:
            costs = (record.c, record.pass_costs)
        rates = record.heldout_acceptance[-1]
        gains = speedups(rates, costs[0], costs[1])
        k = best_k(rates, costs[0], costs[1])
        rows.append({"depth": depth, "heldout_acceptance": rates, "fit_seconds": record.train_seconds,
                     "steps": record.steps[-1], "best_k": k, "expected_speedup": float(gains[k])})
        print(f"trained at depth {depth}: held-out acceptance " + " / ".join(f"{a:.3f}" for a in rates)
              + f"; fitted in {record.train_seconds:.0f} s; best k here {k}, expected {gains[k]:.2f}x "
              f"(k = 1..3: " + ", ".join(f"{g:.2f}x" for g in gains[1:4]) + ")", flush=True)
    result = {"date": time.strftime("%Y-%m-%d"), "threads": torch.get_num_threads(), "tokens": corpus.tokens(),
              "answers": len(corpus.data), "write_seconds": corpus.seconds, "epochs": epochs,
              "c": costs[0], "pass_costs": costs[1], "rows": rows}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
