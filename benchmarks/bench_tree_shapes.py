"""Benchmark: which tree shape the shipped draft should verify, from measured hit rates and pass costs.

The target writes the held-out answers the shipped draft was scored on (its own greedy text on
topics never trained on); on them the draft's top-j hit rates are measured at depths 1-4
(teacher-forced). With those and three sets of pass costs (this machine's, measured now; the
ones stored with the draft, from the machine that made it; and flat passes, as on a GPU) the
planner (`speclab.trees.best_branches`) gives the best expected speedup of three shapes:
a chain, a chain with runners-up for its first draft (what decoding offers today), and a chain
with runners-up at every depth (EAGLE-2-like side branches). A shape is worth building into
decoding only where it beats the one before by more than the planner's margin.

    python benchmarks/bench_tree_shapes.py [--depth 4] [--most 8]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from speclab.measured_k import TREE_MARGIN
from speclab.trees import best_branches
from speclab.real import load_offline_draft, load_offline_model
from speclab.real._checks import eos_ids
from speclab.real.training.corpus import as_prompt_ids, generate_sequences, pad_id
from speclab.real.training.fit import heldout_hits_by_depth, rows_of
from speclab.real.training.prompts import held_out_prompts

SHAPES = ("chain", "runners-up, first draft", "runners-up, every depth")


def plans(hits: np.ndarray, c: float, costs: list) -> dict:
    """The best (speedup, runners-up per depth) of each shape."""
    return {SHAPES[0]: best_branches(hits[:, :1], c, costs, every_depth=False),
            SHAPES[1]: best_branches(hits, c, costs, every_depth=False),
            SHAPES[2]: best_branches(hits, c, costs, every_depth=True)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=4, help="depths whose hit rates are measured")
    parser.add_argument("--most", type=int, default=8, help="top-j hit rates for j = 1..most")
    parser.add_argument("--out", default="build/tree-shapes.json")
    args = parser.parse_args()
    torch.set_grad_enabled(False)
    model, tokenizer = load_offline_model()
    drafter, record = load_offline_draft(model, tokenizer)
    stored = (drafter.c, list(drafter.pass_costs))
    held = generate_sequences(model, as_prompt_ids(held_out_prompts(), tokenizer), record["max_new_tokens"],
                              eos_ids(model, tokenizer), 8, pad_id(model, tokenizer),
                              desc="target writes held-out text")
    hits = np.array(heldout_hits_by_depth(drafter.head, rows_of(model, drafter.vocab),
                                          drafter.vocab, held, model.get_input_embeddings(), args.depth, args.most))
    positions = sum(len(s.tokens) - s.first_generated for s in held)
    print(f"held-out top-j hit rates ({len(held)} answers, {positions:,} generated tokens), j = 1..{args.most}:")
    for d, row in enumerate(hits, start=1):
        print(f"  depth {d}: " + " ".join(f"{h:.3f}" for h in row))
    drafter.measure_costs(record["cost_tokens"])
    costs = {"this machine, now": (drafter.c, list(drafter.pass_costs)),
             "stored with the draft": stored,
             "flat passes (as on a GPU)": (drafter.c, [1.0] * len(drafter.pass_costs))}
    result = {"date": time.strftime("%Y-%m-%d"), "threads": torch.get_num_threads(), "hits": hits.tolist(),
              "positions": positions, "margin": TREE_MARGIN, "costs": {}}
    print(f"\n{'costs':<28}{'c':>6}  " + "".join(f"{s:>30}" for s in SHAPES))
    for name, (c, pass_costs) in costs.items():
        found = plans(hits, c, pass_costs)
        result["costs"][name] = {"c": c, "pass_costs": pass_costs,
                                 "plans": {s: {"speedup": v[0], "runners_up": list(v[1])} for s, v in found.items()}}
        print(f"{name:<28}{c:>6.3f}  " + "".join(f"{f'{v[0]:.2f}x k={len(v[1])} {list(v[1])}':>30}"
                                                 for v in found.values()))
        print(f"{'':<36}t(n)/t(1), n = 1..{len(pass_costs)}: " + " ".join(f"{x:.2f}" for x in pass_costs))
    print(f"\nA shape pays for building only where it beats the one before by more than {TREE_MARGIN:.2f}x.")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
