"""`speclab measure`: measure a draft/target pair from the command line (wired by speclab.cli).

    speclab measure --target smollm2 --draft prompt-lookup
    speclab measure --target gpt2-medium --draft gpt2 --prompts prompts.txt --json
    speclab measure --draft early-exit:8
"""

from __future__ import annotations

import json

OFFLINE_NAMES = ("smollm2", "offline")


def add_measure_arguments(parser) -> None:
    """Add the measure options to an argparse (sub)parser."""
    parser.add_argument("--target", default="smollm2",
                        help="hub name of the target model, or 'smollm2' for the offline model (default)")
    parser.add_argument("--draft", default="prompt-lookup",
                        help="hub name of a draft model, 'prompt-lookup', or 'early-exit:L' (first L layers)")
    parser.add_argument("--prompts", default=None, help="text file of prompts separated by lines '---'")
    parser.add_argument("--ks", default="1,2,4,8", help="comma-separated k values to try (default 1,2,4,8)")
    parser.add_argument("--max-new-tokens", type=int, default=64, help="tokens per run (default 64)")
    parser.add_argument("--temperature", type=float, default=0.0, help="0 = greedy (default)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=5, help="timing repeats per forward size")
    parser.add_argument("--device", default=None, help="e.g. cuda; default: where the model loads")
    parser.add_argument("--json", action="store_true", help="print the measurement as JSON")


def parse_ks(text: str) -> list:
    """'1,2,4' -> [1, 2, 4], with one clear error for anything else."""
    try:
        ks = [int(part) for part in str(text).split(",") if part.strip()]
    except ValueError:
        ks = []
    if not ks or min(ks) < 1:
        raise ValueError(f"--ks must be comma-separated whole numbers >= 1, e.g. 1,2,4,8; got {text!r}")
    return ks


def load_target(name: str, device=None):
    """(model, tokenizer): the offline SmolLM2 for 'smollm2', else a hub model."""
    from .hub import load_hub_model
    from .offline import load_offline_model

    if name.lower() in OFFLINE_NAMES:
        return load_offline_model(device=device)
    return load_hub_model(name, device=device)


def make_drafter(spec: str, target, device=None):
    """'prompt-lookup', 'early-exit:L' or a hub model name -> a drafter (or draft model)."""
    from .early_exit import EarlyExitDrafter
    from .hub import load_hub_model
    from .prompt_lookup import PromptLookupDrafter

    if spec == "prompt-lookup":
        return PromptLookupDrafter()
    if spec.startswith("early-exit"):
        _, _, layers = spec.partition(":")
        if not layers.isdigit():
            raise ValueError(f"--draft early-exit needs a layer count, e.g. early-exit:8; got {spec!r}")
        return EarlyExitDrafter(target, int(layers))
    return load_hub_model(spec, device=device)[0]


def run_measure(args) -> int:
    """Load the pair, measure it, print a table (or JSON); 0 on success."""
    from .measure import measure_pair
    from .prompts import read_prompts

    ks = parse_ks(args.ks)
    prompts = read_prompts(args.prompts) if args.prompts else None
    try:
        target, tokenizer = load_target(args.target, args.device)
        drafter = make_drafter(args.draft, target, args.device)
    except (ImportError, OSError) as error:      # no wheel / no hub: the CLI prints one line
        raise ValueError(str(error)) from None
    result = measure_pair(target, drafter, tokenizer, prompts=prompts, ks=ks, max_new_tokens=args.max_new_tokens,
                          temperature=args.temperature, seed=args.seed, repeats=args.repeats,
                          progress=not args.json)
    if args.json:
        print(json.dumps({"target": args.target, "draft": args.draft, **result.to_dict()}, indent=2))
    else:
        print(f"target: {args.target}   draft: {args.draft}")
        print(result.table())
    return 0
