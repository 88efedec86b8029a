"""`speclab survey`: every kind of draft for the offline SmolLM2 measured alike and placed on the (alpha, c) map.

    speclab survey                                   # all drafts, a table
    speclab survey --drafts prompt-lookup,trained --json
    speclab survey --drafts early-exit:8,int8 --prompts prompts.txt --plot map.png
Arguments are checked before a model is loaded; every speedup is over the strongest plain decoding.
"""

from __future__ import annotations

import json
import re
import sys

from .._validate import short_repr
from ..files import output_file, regular_file, shown
from ..limits import MAX_TEXT_BYTES, human_bytes

#: The drafts `--drafts` can name (early-exit takes :L, the layers kept).
DRAFTS = ("prompt-lookup", "suffix", "early-exit:L", "trained", "int8", "int4")
DEFAULT_DRAFTS = "prompt-lookup,suffix,early-exit:6,trained,int8"


def add_survey_arguments(parser) -> None:
    parser.add_argument("--drafts", default=DEFAULT_DRAFTS,
                        help=f"comma-separated drafts among {', '.join(DRAFTS)} (default {DEFAULT_DRAFTS})")
    parser.add_argument("--prompts", default=None,
                        help="text file of prompts separated by lines '---' (default: one edit, one open-ended)")
    parser.add_argument("--ks", default="1,2,3", help="comma-separated k values; each draft is timed at the one the theory picks for it (default 1,2,3)")
    parser.add_argument("--max-new-tokens", type=int, default=32, help="tokens per run (default 32)")
    parser.add_argument("--repeats", type=int, default=2, help="interleaved ABBA blocks, every draft and plain decoding in each (default 2)")
    parser.add_argument("--plot", default=None, help="also save the map to this image file (.png, .svg, .pdf)")
    parser.add_argument("--json", action="store_true", help="print the survey as JSON")


def parse_drafts(text: str) -> list:
    """'prompt-lookup,early-exit:08' -> ['prompt-lookup', 'early-exit:8'], each one of DRAFTS and named once;
    one ValueError otherwise (before any model is loaded)."""
    names = [_draft_name(part.strip()) for part in str(text).split(",") if part.strip()]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if not names or repeated:
        raise ValueError(f"--drafts must name at least one draft, each once; got {short_repr(text)}"
                         + (f" ({', '.join(repeated)} twice)" if repeated else ""))
    return names


def _draft_name(name: str) -> str:
    """One draft's name, early-exit's layer count written canonically (early-exit:06 is early-exit:6)."""
    base, colon, layers = name.partition(":")
    if base == "early-exit" and re.fullmatch("[0-9]{1,4}", layers) and 1 <= int(layers) <= 29:
        return f"early-exit:{int(layers)}"
    if not colon and name in DRAFTS and name != "early-exit:L":
        return name
    raise ValueError(f"--drafts must be comma-separated names among {', '.join(DRAFTS)} "
                     f"(early-exit:L with L in 1..29, ASCII digits); got {short_repr(name)}")


def check_survey_arguments(args) -> None:
    from .measure import MAX_REPEATS, parse_ks

    parse_drafts(args.drafts)
    parse_ks(args.ks, 16)
    if not 1 <= args.max_new_tokens <= 512:
        raise ValueError(f"--max-new-tokens must be a whole number in 1..512; got {args.max_new_tokens}")
    if not 1 <= args.repeats <= MAX_REPEATS:
        raise ValueError(f"--repeats must be a whole number in 1..{MAX_REPEATS}; got {args.repeats}")
    if args.prompts is not None:
        size = regular_file(args.prompts, "--prompts").stat().st_size
        if size > MAX_TEXT_BYTES:
            raise ValueError(f"--prompts {shown(args.prompts)} holds {human_bytes(size)}, more than the "
                             f"{human_bytes(MAX_TEXT_BYTES)} a prompts file may hold")
    if args.plot is not None:
        plot = output_file(args.plot, "--plot")
        if plot.suffix.lower() not in (".png", ".svg", ".pdf"):
            raise ValueError(f"--plot must name a .png, .svg or .pdf file; got {shown(args.plot)}")


def default_prompts() -> list:
    """One prompt whose answer copies it, one with nothing to copy (neither is in any training set)."""
    from ..real.prompts import PROMPTS
    from ..real.training.prompts import OPEN_ENDED_PROMPTS

    return [PROMPTS["fix grammar"], OPEN_ENDED_PROMPTS["explain"]]


def make_drafters(names: list, target, tokenizer) -> dict:
    """name -> a drafter for the offline target."""
    from ..real.drafters.early_exit import EarlyExitDrafter
    from ..real.drafters.prompt_lookup import PromptLookupDrafter
    from ..real.drafters.quantized import QuantizedCopyDrafter
    from ..real.drafters.suffix import SuffixDrafter
    from ..real.training.store import load_offline_draft

    drafters = {}
    for name in names:
        if name == "prompt-lookup":
            drafters[name] = PromptLookupDrafter()
        elif name == "suffix":
            drafters[name] = SuffixDrafter()
        elif name.startswith("early-exit"):
            drafters[name] = EarlyExitDrafter(target, int(name.partition(":")[2]))
        elif name == "trained":
            drafters[name] = load_offline_draft(target, tokenizer, progress=False)[0]
        else:
            drafters[name] = QuantizedCopyDrafter(target, bits=int(name[3:]))
    return drafters


def run_survey(args) -> int:
    check_survey_arguments(args)
    from ..real.measure.survey import survey
    from ..real.offline import load_offline_model
    from ..real.prompts import read_prompts
    from .measure import parse_ks

    prompts = read_prompts(args.prompts, "--prompts file") if args.prompts else default_prompts()
    try:
        target, tokenizer = load_offline_model(progress=not args.json)
    except (ImportError, OSError) as error:
        raise ValueError(str(error)) from None
    drafters = make_drafters(parse_drafts(args.drafts), target, tokenizer)
    result = survey(target, drafters, tokenizer, prompts=prompts, ks=parse_ks(args.ks, 16),
                    max_new_tokens=args.max_new_tokens, repeats=args.repeats, progress=not args.json)
    unsaved = save_plot(result, args.plot) if args.plot else None
    print(json.dumps(json.loads(result.to_json()), indent=1) if args.json else result.table())
    if unsaved:                                        # the survey's result is printed all the same
        print(f"speclab: error: {unsaved}", file=sys.stderr)
        return 2
    return 0


def save_plot(result, path) -> str | None:
    """Save the survey's map to `path`; None, or one line saying why the figure could not be written."""
    try:
        result.plot().savefig(path, dpi=110, bbox_inches="tight")
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error).splitlines()[0]
        return f"--plot {shown(path)}: the figure could not be written ({reason[:120]}); the survey is printed above"
    return None
