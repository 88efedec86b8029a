"""Benchmark: SmolLM2-135M (offline) with prompt lookup, greedy, against plain decoding and HF's prompt lookup.

Four prompts: three edits (repeat, fix grammar, rewrite quoting) and one with no overlap (new code).
Every method runs on the same input ids, interleaved and repeated (median seconds), and the greedy
outputs are checked to be identical to Hugging Face's own `generate`.

    python benchmarks/bench_real.py [--max-new-tokens 128] [--repeats 3] [--k 16] [--json]

Goals (issue 5): >= 2x on the edits, >= 0.95x with no overlap, never slower than HF's prompt lookup.
"""

from __future__ import annotations

import argparse
import json
import statistics

import torch
from tqdm.auto import tqdm

from speclab.policies import FixedK
from speclab.real import PROMPTS, PromptLookupDrafter, SpeculativeDecoder, chat_input_ids, hf_generate, \
    load_offline_model
from speclab.real.baselines import autoregressive
from speclab.real.prompts import EDIT_PROMPTS


def methods(model, tokenizer, k: int, hf_lookup: int):
    """name -> function(ids, max_new_tokens) returning something with token_ids and seconds."""
    speclab_lookup = SpeculativeDecoder(model, PromptLookupDrafter(), tokenizer)
    return {
        "hf generate": lambda ids, n: hf_generate(model, ids, n),
        "speclab k=0": lambda ids, n: autoregressive(model, ids, n),
        f"hf lookup {hf_lookup}": lambda ids, n: hf_generate(model, ids, n, prompt_lookup_num_tokens=hf_lookup),
        f"speclab lookup k<={k}": lambda ids, n: speclab_lookup.generate(ids, n, policy=FixedK(k)),
    }


def run(max_new_tokens: int, repeats: int, k: int, hf_lookup: int) -> list:
    model, tokenizer = load_offline_model()
    torch.set_grad_enabled(False)
    runners = methods(model, tokenizer, k, hf_lookup)
    rows = []
    bar = tqdm(total=len(PROMPTS) * repeats * len(runners), desc="benchmark")
    for name, text in PROMPTS.items():
        ids = chat_input_ids(tokenizer, text)
        seconds = {m: [] for m in runners}
        outputs = {}
        for _ in range(repeats):                  # interleaved, so load spikes hit every method alike
            for method, fn in runners.items():
                out = fn(ids, max_new_tokens)
                seconds[method].append(out.seconds)
                outputs[method] = out
                bar.update()
        rows.append(_row(name, outputs, seconds))
    bar.close()
    return rows


def _row(name, outputs, seconds) -> dict:
    reference = outputs["hf generate"].token_ids
    rate = {m: len(outputs[m].token_ids) / statistics.median(s) for m, s in seconds.items()}
    base = rate["hf generate"]
    spec = next(m for m in outputs if m.startswith("speclab lookup"))
    hf_pl = next(m for m in outputs if m.startswith("hf lookup"))
    out = outputs[spec]
    return {
        "prompt": name, "tokens": len(reference), "hf_generate_tokens_per_s": base,
        "speedup": {m: r / base for m, r in rate.items()},
        "speclab_vs_hf_prompt_lookup": rate[spec] / rate[hf_pl],
        "identical_to_generate": {m: o.token_ids == reference for m, o in outputs.items()},
        "accepted": out.n_accepted, "drafted": out.n_drafted, "rounds": len(out.rounds),
    }


def print_table(rows) -> None:
    methods = list(rows[0]["speedup"])
    print(f"\n{'prompt':<16}{'tokens':>7}{'base tok/s':>11}" + "".join(f"{m:>22}" for m in methods)
          + f"{'vs HF lookup':>14}{'same ids':>10}{'acc/drafted':>13}")
    for r in rows:
        print(f"{r['prompt']:<16}{r['tokens']:>7}{r['hf_generate_tokens_per_s']:>11.1f}"
              + "".join(f"{r['speedup'][m]:>21.2f}x" for m in methods)
              + f"{r['speclab_vs_hf_prompt_lookup']:>13.2f}x{str(all(r['identical_to_generate'].values())):>10}"
              + f"{r['accepted']:>7}/{r['drafted']:<5}")
    spec = methods[-1]
    edits = [r["speedup"][spec] for r in rows if r["prompt"] in EDIT_PROMPTS]
    other = [r["speedup"][spec] for r in rows if r["prompt"] not in EDIT_PROMPTS]
    print(f"\ngoals: edits >= 2x: min {min(edits):.2f}x | no overlap >= 0.95x: {min(other):.2f}x | "
          f"vs HF prompt lookup >= 1x: min {min(r['speclab_vs_hf_prompt_lookup'] for r in rows):.2f}x")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-new-tokens", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--k", type=int, default=16, help="most drafts per round for speclab's prompt lookup")
    parser.add_argument("--hf-lookup", type=int, default=10, help="HF's prompt_lookup_num_tokens")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = run(args.max_new_tokens, args.repeats, args.k, args.hf_lookup)
    print(json.dumps(rows, indent=2)) if args.json else print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
