"""`speclab train-draft`: train (or load) the offline SmolLM2's draft and print where it lives.

    speclab train-draft                  # the cached draft, trained first if there is none
    speclab train-draft --force --seed 1 # train a fresh one and replace the cached draft
    speclab train-draft --out my.draft   # keep it elsewhere (only a draft file is ever replaced)
    speclab train-draft --new-tokens 192 --epochs 3 --ship   # remake the draft the package ships
Arguments, the device and the output path are checked before a model is loaded.
"""

from __future__ import annotations

#: The largest --seed (torch generators take 64-bit seeds).
MAX_SEED = 2**63 - 1
#: The longest answer per training prompt (the offline model holds 8,192 positions).
MAX_NEW_TOKENS = 1024


def add_train_draft_arguments(parser) -> None:
    """Add the train-draft options to an argparse (sub)parser."""
    parser.add_argument("--seed", type=int, default=0, help="training seed (default 0)")
    parser.add_argument("--epochs", type=int, default=5, help="passes over the self-generated text (default 5)")
    parser.add_argument("--new-tokens", type=int, default=96,
                        help="tokens the target writes per training prompt (default 96)")
    parser.add_argument("--force", action="store_true", help="train even when a cached draft exists")
    parser.add_argument("--out", default=None,
                        help="draft file to write (default: the speclab cache); an existing file must be a draft")
    parser.add_argument("--ship", action="store_true",
                        help="train afresh and write the package's shipped draft (for maintainers)")
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:N or mps; default: the CPU")


def check_train_draft_arguments(args) -> None:
    """One ValueError naming the bad option (the CLI turns it into one line and exit status 2)."""
    if not 0 <= args.seed <= MAX_SEED:
        raise ValueError(f"--seed must be a whole number in 0..{MAX_SEED}; got {args.seed}")
    if not 1 <= args.epochs <= 50:
        raise ValueError(f"--epochs must lie in 1..50; got {args.epochs}")
    if not 1 <= args.new_tokens <= MAX_NEW_TOKENS:
        raise ValueError(f"--new-tokens must lie in 1..{MAX_NEW_TOKENS}; got {args.new_tokens}")
    from ..real._checks import check_device
    from ..real.training.store import check_draft_path

    check_device(args.device, "--device")
    if args.out is not None and args.ship:
        raise ValueError("--out and --ship exclude each other: --ship writes the package's own draft file")
    if args.out is not None:
        check_draft_path(args.out, "--out")
    if args.ship:
        from ..files import output_file
        from ..real.training.shipped import SHIPPED_FILE

        output_file(SHIPPED_FILE, "--ship")


def run_train_draft(args) -> int:
    check_train_draft_arguments(args)
    from ..real.offline import load_offline_model
    from ..real.training.store import check_draft_path, default_draft_path, load_offline_draft

    try:
        target, tokenizer = load_offline_model(device=args.device)
    except (ImportError, OSError) as error:          # no wheel, unreadable cache: one line
        raise ValueError(str(error)) from None
    if args.ship:
        from ..real.training.fit import train_draft
        from ..real.training.shipped import write_shipped_draft

        drafter, record = train_draft(target, tokenizer, seed=args.seed, epochs=args.epochs,
                                      max_new_tokens=args.new_tokens)
        path, record = write_shipped_draft(drafter, record), record.as_dict()
    else:
        mine = args.out is not None                  # else speclab's own cache, where a damaged draft is replaced
        path = check_draft_path(args.out if mine else default_draft_path(target), "--out", replace_damaged=not mine)
        drafter, record = load_offline_draft(target, tokenizer, path=path if mine else None, seed=args.seed,
                                             epochs=args.epochs, max_new_tokens=args.new_tokens, force=args.force)
    k = drafter.default_policy().start_k
    c = "n/a" if drafter.c is None else f"{drafter.c:.3f}"
    print(f"draft for SmolLM2-135M-Instruct: {path}")
    print(f"trained in {record['generate_seconds'] + record['train_seconds']:.0f} s "
          f"(writing text {record['generate_seconds']:.0f} s, fitting {record['train_seconds']:.0f} s) "
          f"on {record['n_tokens']} self-generated tokens; held-out greedy agreement per depth "
          + ", ".join(f"{a:.2f}" for a in record["heldout_acceptance"][-1])
          + f"; c = {c}; default k = {k}, with {drafter.alternatives_for(k)} runner(s)-up for "
          "the first draft under greedy decoding")
    return 0
