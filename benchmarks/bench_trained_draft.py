"""Benchmark: the trained feature draft on the offline SmolLM2-135M, open-ended prompts, greedy.

The draft is loaded from the speclab cache (trained first, once, if absent). On each open-ended
prompt (none in the training set) these run in interleaved ABBA blocks (speclab.interleave), and
every speedup is the median of paired ratios over the strongest plain decoding measured on that
prompt (the faster of Hugging Face's KV-cached `generate` and two-row plain decoding), with
[min-max] over the blocks; the speedup over `generate` and the split (kernel gain x drafting
gain) are printed beside it, and a speedup above the tokens per target pass is flagged:

- "draft (defaults)": SpeculativeDecoder(model, draft).generate(ids) with no k: the draft's own k,
  plus the runners-up for its first token it chooses to offer (verified as a tree in the same pass),
  and the fallback to plain decoding when speculation stops paying (speclab.real.fallback);
- "draft, no fallback": the same k without the fallback;
- "draft, chain only": the same k with no runners-up (a plain chain), whatever the draft would
  choose: what tree verification adds on this machine;
- "draft, stock kernel": the same k with column_products=False, i.e. without the kernel that lets a
  verification pass use both cores (speclab.real.row_kernel): the draft's share without it;
- "plain, 2-row passes": plain decoding that pads every pass with one dummy token, so it too uses
  both cores: the strictest baseline, what the draft adds beyond the kernel;
- "prompt lookup": speclab's prompt lookup with its defaults (nothing to copy here: about 1x).

Every output is checked to be identical to `generate`'s. The prediction beside each measurement
is speclab.measured_k.tree_speedups from the draft's held-out acceptance per depth and top-j hit
rates, its c and the target's measured t(n)/t(1).

    python benchmarks/bench_trained_draft.py [--max-new-tokens 96] [--repeats 3] [--threads N] [--burner SEED]
                                             [--prompts NAME ...]

--burner runs the seeded one-core burner (benchmarks/burner.py) beside the benchmark: a busy neighbour.
Goals (issue 20): >= 1.5x over the strongest plain decoding on every prompt (aim 2x); held-out
acceptance >= 0.55 (aim 0.65).
"""

from __future__ import annotations

import argparse

import torch
from tqdm.auto import tqdm

from burner import burning
from speclab.interleave import run_interleaved
from speclab.measured_k import tree_speedups
from speclab.real import OPEN_ENDED_PROMPTS, FeatureDrafter, PromptLookupDrafter, SpeculativeDecoder, chat_input_ids, \
    hf_generate, load_offline_draft, load_offline_model
from speclab.real.baselines import two_row_autoregressive

BASE, DRAFT, NO_FALLBACK, CHAIN, STOCK, PADDED, LOOKUP = (
    "hf generate", "draft (defaults)", "draft, no fallback", "draft, chain only", "draft, stock kernel",
    "plain, 2-row passes", "prompt lookup")


def methods(model, tokenizer, drafter, k: int) -> dict:
    """name -> function(ids, max_new_tokens) returning an object with token_ids and seconds."""
    draft = SpeculativeDecoder(model, drafter, tokenizer)
    chain_only = FeatureDrafter(model, drafter.head, drafter.vocab, drafter.rates, drafter.c, drafter.pass_costs,
                                drafter.first_hits, alternatives=0)
    chain = SpeculativeDecoder(model, chain_only, tokenizer)
    stock = SpeculativeDecoder(model, drafter, tokenizer, column_products=False)
    lookup = SpeculativeDecoder(model, PromptLookupDrafter(), tokenizer)
    return {
        BASE: lambda ids, n: hf_generate(model, ids, n),
        DRAFT: lambda ids, n: draft.generate(ids, n),
        NO_FALLBACK: lambda ids, n: draft.generate(ids, n, fallback=False),
        CHAIN: lambda ids, n: chain.generate(ids, n, k=k),
        STOCK: lambda ids, n: stock.generate(ids, n, k=k),
        PADDED: lambda ids, n: two_row_autoregressive(model, ids, n),
        LOOKUP: lambda ids, n: lookup.generate(ids, n),
    }


def run(max_new_tokens: int, repeats: int, prompts) -> None:
    model, tokenizer = load_offline_model()
    torch.set_grad_enabled(False)
    drafter, record = load_offline_draft(model, tokenizer)
    k = drafter.default_policy().start_k
    rates = record["heldout_acceptance"][-1]
    print(f"draft: trained in {record['generate_seconds'] + record['train_seconds']:.0f} s (writing "
          f"{record['generate_seconds']:.0f} s + fitting {record['train_seconds']:.0f} s, {record['n_tokens']} "
          f"tokens); held-out acceptance by depth {', '.join(f'{a:.2f}' for a in rates)}; c = {drafter.c:.3f}; "
          f"t(n)/t(1), n = 1..{len(drafter.pass_costs)}: {', '.join(f'{x:.2f}' for x in drafter.pass_costs)}")
    m = drafter.alternatives_for(k)
    table = tree_speedups(drafter.rates, drafter.c, drafter.pass_costs, drafter.first_hits)
    print(f"held-out P(target's token in the draft's top j), j = 1..{len(drafter.first_hits)}: "
          + ", ".join(f"{h:.2f}" for h in drafter.first_hits))
    print(f"default k = {k} with {m} runner(s)-up for the first draft (predicted {table[k, m]:.2f}x; as a "
          f"chain only {table[k, 0]:.2f}x); greedy, {max_new_tokens} new tokens, "
          f"{repeats} ABBA blocks, {torch.get_num_threads()} torch thread(s)\n")
    runners = methods(model, tokenizer, drafter, max(k, 1))
    ids = {name: chat_input_ids(tokenizer, OPEN_ENDED_PROMPTS[name]) for name in prompts}
    calls = {(p, m): (lambda fn=fn, x=ids[p]: fn(x, max_new_tokens)) for p in ids for m, fn in runners.items()}
    calls[(next(iter(ids)), BASE)]()                                      # warm-up, untimed
    with tqdm(total=2 * repeats * len(calls), desc="benchmark", leave=False) as bar:
        timed = run_interleaved(calls, repeats, progress=bar)
    names = [n for n in runners if n not in (BASE, PADDED)]
    print(f"{'prompt':<9}{'baseline':>21}" + "".join(f"{name:>22}" for name in names)
          + f"{'over generate':>18}{'kernel x drafting':>19}{'alpha':>7}{'tok/pass':>9}{'predicted':>10}")
    for p in ids:
        out = {m: timed.results[(p, m)] for m in runners}
        for name, o in out.items():
            if o.token_ids != out[BASE].token_ids:
                raise AssertionError(f"{p}: {name} output differs from generate's")
        plain = max((BASE, PADDED), key=lambda b: timed.ratio((p, BASE), (p, b)).median)   # the faster one
        spec = out[DRAFT]
        per_pass = len(spec.token_ids) / spec.target_forwards
        cells = "".join(f"{format(timed.ratio((p, plain), (p, name))):>22}" for name in names)
        kernel, drafting = timed.ratio((p, BASE), (p, plain)), timed.ratio((p, plain), (p, DRAFT))
        flag = "  FLAG: above tokens per pass" if drafting.median > per_pass else ""
        print(f"{p:<9}{plain:>21}{cells}{format(timed.ratio((p, BASE), (p, DRAFT))):>18}"
              f"{kernel.median:>9.2f} x {drafting.median:.2f}{spec.alpha:>7.2f}{per_pass:>9.2f}{table[k, m]:>9.2f}x"
              + flag)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-new-tokens", type=int, default=96)
    parser.add_argument("--repeats", type=int, default=3, help="ABBA blocks (each runs everything twice)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own choice)")
    parser.add_argument("--burner", type=int, default=None, help="run the seeded one-core burner beside it")
    parser.add_argument("--prompts", nargs="+", choices=list(OPEN_ENDED_PROMPTS), default=list(OPEN_ENDED_PROMPTS),
                        help="which held-out prompts (default: all)")
    args = parser.parse_args()
    if args.max_new_tokens < 1 or args.repeats < 1:
        parser.error("--max-new-tokens and --repeats must be >= 1")
    if args.threads:
        torch.set_num_threads(args.threads)
    with burning(args.burner):
        run(args.max_new_tokens, args.repeats, args.prompts)


if __name__ == "__main__":
    main()
