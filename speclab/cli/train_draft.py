"""`speclab train-draft`: train (or load) the offline SmolLM2's draft and print where it lives.

    speclab train-draft                  # the cached draft, trained first if there is none
    speclab train-draft --force --seed 1 # train a fresh one and overwrite the cache
Arguments are checked before anything heavy is imported or loaded.
"""

from __future__ import annotations


def add_train_draft_arguments(parser) -> None:
    """Add the train-draft options to an argparse (sub)parser."""
    parser.add_argument("--seed", type=int, default=0, help="training seed (default 0)")
    parser.add_argument("--epochs", type=int, default=5, help="passes over the self-generated text (default 5)")
    parser.add_argument("--force", action="store_true", help="train even when a cached draft exists")
    parser.add_argument("--out", default=None, help="where to save the draft (default: the speclab cache)")
    parser.add_argument("--device", default=None, help="e.g. cuda; default: the CPU")


def check_train_draft_arguments(args) -> None:
    """One ValueError naming the bad option (the CLI turns it into one line and exit status 2)."""
    if args.seed < 0:
        raise ValueError(f"--seed must be a whole number >= 0; got {args.seed}")
    if not 1 <= args.epochs <= 50:
        raise ValueError(f"--epochs must lie in 1..50; got {args.epochs}")
    if args.device is not None and args.device.split(":")[0] not in ("cpu", "cuda", "mps"):
        raise ValueError(f"--device must be cpu, cuda, cuda:N or mps; got {args.device!r}")


def run_train_draft(args) -> int:
    check_train_draft_arguments(args)
    from pathlib import Path

    from ..real.training.store import default_draft_path, load_offline_draft
    from ..real.offline import load_offline_model

    target, tokenizer = load_offline_model(device=args.device)
    path = Path(args.out) if args.out else default_draft_path(target)
    if args.force and path.is_file():
        path.unlink()
    drafter, record = load_offline_draft(target, tokenizer, path=path, seed=args.seed, epochs=args.epochs)
    k = drafter.default_policy().start_k
    print(f"draft for SmolLM2-135M-Instruct: {path}")
    print(f"trained in {record['generate_seconds'] + record['train_seconds']:.0f} s "
          f"(writing text {record['generate_seconds']:.0f} s, fitting {record['train_seconds']:.0f} s) "
          f"on {record['n_tokens']} self-generated tokens; held-out greedy agreement per depth "
          + ", ".join(f"{a:.2f}" for a in record["heldout_acceptance"][-1])
          + f"; c = {drafter.c:.3f}; default k = {k}, with {drafter.alternatives_for(k)} runner(s)-up for "
          "the first draft under greedy decoding")
    return 0
