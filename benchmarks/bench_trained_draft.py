"""Benchmark: the trained feature draft on the offline SmolLM2-135M, open-ended prompts, greedy.

The draft is loaded from the speclab cache (trained first, once, if absent). For each open-ended
prompt (none in the training set) the target's own KV-cached `generate` and speculative decoding
with the draft's default k run interleaved, `--repeats` times; the speedup is the median of the
paired ratios (min..max beside it). Theory's prediction uses the measured alpha (greedy: the
fraction of examined drafts that matched), the measured c and the CPU's verification growth.

    python benchmarks/bench_trained_draft.py [--max-new-tokens 96] [--repeats 5]

Goals (issue 8): >= 1.3x on every prompt (aiming for 1.6x); alpha >= 0.6 on held-out prompts.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from tqdm.auto import tqdm

from speclab.real import OPEN_ENDED_PROMPTS, SpeculativeDecoder, chat_input_ids, hf_generate, load_offline_draft, \
    load_offline_model
from speclab.theory import speedup


def run(max_new_tokens: int, repeats: int) -> None:
    model, tokenizer = load_offline_model()
    torch.set_grad_enabled(False)
    begin = time.perf_counter()
    drafter, record = load_offline_draft(model, tokenizer)
    print(f"draft ready in {time.perf_counter() - begin:.1f} s; its one-time training took "
          f"{record['generate_seconds'] + record['train_seconds']:.0f} s (writing text "
          f"{record['generate_seconds']:.0f} s + fitting {record['train_seconds']:.0f} s, "
          f"{record['n_tokens']} tokens); held-out greedy agreement by depth: "
          + ", ".join(f"{a:.2f}" for a in record["heldout_acceptance"][-1]))
    policy = drafter.default_policy()
    k = max(1, policy.start_k)          # the draft's own k; at least 1, so the draft is measured at work
    print(f"c = {drafter.c:.3f} (one draft step / one target step), verify growth {drafter.verify_growth:.2f} "
          f"per extra token, default policy {policy!r} (theory's optimal k; 0 = plain decoding); measured at "
          f"k = {k}, greedy, {max_new_tokens} new tokens, {repeats} interleaved repeats per prompt\n")
    decoder = SpeculativeDecoder(model, drafter, tokenizer)
    header = f"{'prompt':<9} {'speedup (min..max)':>20} {'predicted':>9} {'alpha':>6} {'tok/pass':>8} {'k':>3}"
    print(header)
    print("-" * len(header))
    bar = tqdm(total=len(OPEN_ENDED_PROMPTS) * repeats, desc="benchmark", leave=False)
    for name, text in OPEN_ENDED_PROMPTS.items():
        ids = chat_input_ids(tokenizer, text)
        ratios, outs = [], []
        for _ in range(repeats):                 # interleaved: a load spike hits both sides alike
            base = hf_generate(model, ids, max_new_tokens)
            out = decoder.generate(ids, max_new_tokens, k=k)
            if out.token_ids != base.token_ids:
                raise AssertionError(f"{name}: speculative output differs from generate's")
            ratios.append(base.seconds / out.seconds)
            outs.append(out)
            bar.update()
        out = outs[-1]
        per_pass = len(out.token_ids) / out.target_forwards
        predicted = speedup(out.alpha, k, drafter.c, drafter.verify_growth)
        bar.clear()
        print(f"{name:<9} {statistics.median(ratios):>7.2f}x ({min(ratios):.2f}..{max(ratios):.2f}) "
              f"{predicted:>8.2f}x {out.alpha:>6.2f} {per_pass:>8.2f} {k:>3}")
    bar.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-new-tokens", type=int, default=96)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if args.max_new_tokens < 1 or args.repeats < 1:
        parser.error("--max-new-tokens and --repeats must be >= 1")
    run(args.max_new_tokens, args.repeats)


if __name__ == "__main__":
    main()
