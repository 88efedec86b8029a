"""`speclab measure`: measure a draft/target pair from the command line (wired by speclab.cli).

    speclab measure --target smollm2 --draft prompt-lookup
    speclab measure --target gpt2-medium --draft gpt2 --prompts prompts.txt --json
    speclab measure --draft early-exit:8
"""

from __future__ import annotations

import json
import math
import os
import re

from .._validate import short_repr
from ..files import as_path, regular_file, shown
from ..limits import MAX_TEXT_BYTES, human_bytes

OFFLINE_NAMES = ("smollm2", "offline")
#: The most ABBA blocks `speclab measure` runs (each runs every configuration twice per prompt).
MAX_REPEATS = 1000
#: The largest --seed (seeds of runs are seed + prompt index, and torch takes 64-bit seeds).
MAX_SEED = 2**62


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
    parser.add_argument("--repeats", type=int, default=3,
                        help="interleaved ABBA blocks; each runs every configuration twice per prompt (default 3)")
    parser.add_argument("--device", default=None, help="e.g. cuda; default: where the model loads")
    parser.add_argument("--json", action="store_true", help="print the measurement as JSON")


def parse_ks(text: str, most: int | None = None) -> list:
    """'1,2,4' -> [1, 2, 4], each k in 1..most in ASCII digits, with one clear error for anything else."""
    parts = [part.strip() for part in str(text).split(",") if part.strip()]
    ks = [int(part) for part in parts] if all(re.fullmatch("[0-9]{1,6}", part) for part in parts) else []
    if not ks or min(ks) < 1 or (most is not None and max(ks) > most):
        bound = f"in 1..{most}" if most is not None else ">= 1"
        raise ValueError(f"--ks must be comma-separated whole numbers {bound} in ASCII digits, e.g. 1,2,4,8; "
                         f"got {short_repr(text)}")
    return ks


def check_prompts_file(path, flag: str = "--prompts") -> None:
    """A prompts file is a regular file of at most MAX_TEXT_BYTES, looked at without opening it: a FIFO,
    a device, a folder, a symlink loop, a name too long or a file too large is one ValueError naming `flag`."""
    if os.path.isdir(as_path(path, flag)):
        raise ValueError(f"{flag} must be a text file, not a folder; got {shown(path)}")
    size = regular_file(path, flag, missing=f"{flag} file {shown(path)} does not exist").stat().st_size
    if size > MAX_TEXT_BYTES:
        raise ValueError(f"{flag} {shown(path)} holds {human_bytes(size)}, more than the "
                         f"{human_bytes(MAX_TEXT_BYTES)} a prompts file may hold")


def check_model_spec(value: str, flag: str) -> None:
    """A hub model name (or a local folder): not empty, not read as an option, printable (engines.check_model_name)."""
    from ..engines.config import check_model_name

    if not value.strip():
        raise ValueError(f"{flag} must name a model (a hub name or a local folder); got {value!r}")
    if value.startswith("-"):
        raise ValueError(f"{flag} must not begin with '-': {value[:60]!r} reads as an option, not a model "
                         "(a local folder whose name starts with '-' is written ./-name)")
    check_model_name(value, flag)


def check_arguments(args) -> None:
    """Every argument checked before a model is loaded: one ValueError naming the bad one."""
    from ..limits import MAX_NEW_TOKENS

    try:
        from ..real._checks import MAX_MEASURED_K
    except ImportError as err:
        raise ValueError(f"`speclab measure` needs the real-model extra: pip install 'speclab[real]' ({err})")
    ks = parse_ks(args.ks, MAX_MEASURED_K)
    if args.prompts is not None:
        check_prompts_file(args.prompts)
    if not 1 <= args.max_new_tokens <= MAX_NEW_TOKENS:
        raise ValueError(f"--max-new-tokens must be a whole number in 1..{MAX_NEW_TOKENS:,}; "
                         f"got {args.max_new_tokens}")
    if not 1 <= args.repeats <= MAX_REPEATS:
        raise ValueError(f"--repeats must be a whole number in 1..{MAX_REPEATS} (ABBA blocks); got {args.repeats}")
    if not (math.isfinite(args.temperature) and args.temperature >= 0):
        raise ValueError(f"--temperature must be a finite number >= 0 (0 = greedy); got {args.temperature}")
    if not 0 <= args.seed <= MAX_SEED:
        raise ValueError(f"--seed must be a whole number in 0..{MAX_SEED}; got {args.seed}")
    check_model_spec(args.target, "--target")
    check_draft_spec(args.draft)
    check_device(args.device)
    check_against_config(target_config(args.target), args, ks)


def check_draft_spec(spec: str) -> None:
    """'early-exit' needs a positive layer count in ASCII digits; anything else is a drafter or a hub name."""
    if not spec.strip():
        raise ValueError("--draft must be 'prompt-lookup', 'early-exit:L' or a hub model name; got ''")
    if spec.startswith("early-exit"):
        _, _, layers = spec.partition(":")
        if not re.fullmatch("[0-9]{1,4}", layers) or int(layers) < 1:
            raise ValueError(f"--draft early-exit needs a layer count >= 1 in ASCII digits, e.g. early-exit:8; "
                             f"got {short_repr(spec)}")
    elif spec != "prompt-lookup":
        check_model_spec(spec, "--draft")


def check_device(name) -> None:
    """None, or a device torch knows and this machine has (cpu, cuda[:N] with CUDA present, mps when available)."""
    from ..real._checks import check_device as check

    check(name, "--device")


def target_config(name: str):
    """The target's config as a dict, read without loading weights (None when not on this machine):
    the offline model's cached config.json, or a hub model's config from the local Hugging Face cache."""
    if name.lower() in OFFLINE_NAMES:
        from ..real.offline import cached_model_dir

        try:
            return json.loads((cached_model_dir() / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
    try:
        from ..real.hub import cached_config
    except ImportError:                              # no real extra: running the command says so
        return None
    return cached_config(name)


def check_against_config(config, args, ks: list) -> None:
    """What the target's config already rules out: passes over k + 1 tokens after a prompt of at
    least one token, and new tokens, must fit its positions; early exit needs that many layers."""
    if not config:
        return
    limit = config.get("max_position_embeddings") or config.get("n_positions")
    if isinstance(limit, int) and limit > 0:
        if max(ks) + 2 > limit:
            raise ValueError(f"--ks must be <= {limit - 2}: the target holds {limit} positions and a pass over "
                             f"k + 1 tokens follows the prompt; got {max(ks)}")
        if args.max_new_tokens > limit:
            raise ValueError(f"--max-new-tokens must be <= {limit}: the target holds {limit} positions, and a "
                             f"prompt of L tokens leaves room for {limit} + 1 - L new ones; "
                             f"got {args.max_new_tokens}")
    layers = config.get("num_hidden_layers") or config.get("n_layer")
    if args.draft.startswith("early-exit") and isinstance(layers, int):
        if int(args.draft.partition(":")[2]) > layers:
            raise ValueError(f"--draft early-exit:L needs L in 1..{layers} (the target's layers); "
                             f"got {args.draft!r}")


def load_target(name: str, device=None):
    """(model, tokenizer): the offline SmolLM2 for 'smollm2', else a hub model."""
    from ..real.hub import load_hub_model
    from ..real.offline import load_offline_model

    if name.lower() in OFFLINE_NAMES:
        return load_offline_model(device=device)
    return load_hub_model(name, device=device)


def make_drafter(spec: str, target, device=None):
    """'prompt-lookup', 'early-exit:L' or a hub model name -> a drafter (or draft model)."""
    from ..real.drafters.early_exit import EarlyExitDrafter
    from ..real.hub import load_hub_model
    from ..real.drafters.prompt_lookup import PromptLookupDrafter

    if spec == "prompt-lookup":
        return PromptLookupDrafter()
    if spec.startswith("early-exit"):
        check_draft_spec(spec)
        return EarlyExitDrafter(target, int(spec.partition(":")[2]))
    return load_hub_model(spec, device=device)[0]


def run_measure(args) -> int:
    """Check every argument, load the pair, measure it, print a table (or JSON); 0 on success."""
    check_arguments(args)                          # before torch, a model or a prompt is loaded
    from ..real._checks import MAX_MEASURED_K
    from ..real.measure.pair import measure_pair
    from ..real.prompts import read_prompts

    ks = parse_ks(args.ks, MAX_MEASURED_K)
    try:
        prompts = read_prompts(args.prompts, "--prompts file") if args.prompts else None
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"--prompts file {args.prompts!s} cannot be read as text ({error})") from None
    try:
        target, tokenizer = load_target(args.target, args.device)
        drafter = make_drafter(args.draft, target, args.device)
    except (ImportError, OSError) as error:      # no wheel / no hub: the CLI prints one line
        raise ValueError(str(error)) from None
    result = measure_pair(target, drafter, tokenizer, prompts=prompts, ks=ks, max_new_tokens=args.max_new_tokens,
                          temperature=args.temperature, seed=args.seed, repeats=args.repeats,
                          progress=not args.json)
    if args.json:
        report = {"target": args.target, "draft": args.draft, **result.to_dict()}
        print(json.dumps(report, indent=2, allow_nan=False))   # undefined numbers are null, never NaN
    else:
        print(f"target: {args.target}   draft: {args.draft}")
        print(result.table())
    return 0
