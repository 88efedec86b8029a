"""The `speclab` command: its parser and dispatch; each subcommand lives in its own module.

`plan` (k from alpha and c), `fit` (what an engine's report implies), `simulate` (a synthetic
pair), `measure` and `train_draft` (real models, with the real extra); `emit` prints the chosen k
as an engine's configuration; `parser` holds the parser whose every error is one line. Bad
arguments print one line, `speclab: error: ...`, and exit 2; so does a file that fails in a way
no check up front foresaw (an OSError: a full disk, a vanished folder).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .parser import OneLineParser, UsageError


#: subcommand -> its help line; each lives in the module of the same name (`real_model` for the real ones)
COMMANDS = {"plan": "expected tokens and speedup per k, optimal k, break-even alpha",
            "fit": "from an engine's counters or acceptance length: per-position alpha, best k, speedup",
            "simulate": "Monte Carlo on a synthetic target/draft pair",
            "measure": "measure alpha, c and speedup of a real draft/target pair",
            "train-draft": "train (or load) the offline model's draft, print where it is",
            "survey": "every kind of draft for the offline model, measured alike, on the (alpha, c) map"}


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__
    from . import real_model

    parser = OneLineParser(prog="speclab", description="Speculative decoding: plan, simulate, measure.")
    parser.add_argument("--version", action="version", version=f"speclab {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    for name, help_line in COMMANDS.items():
        sub = commands.add_parser(name, help=help_line)
        if name in real_model.COMMANDS:
            real_model.add_arguments(sub, name)
        else:
            importlib.import_module(f".{name}", __package__).add_arguments(sub)
    return parser


def main(argv=None) -> int:
    from . import real_model

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if getattr(args, "emit", None):           # refuse an impossible --emit before any work
            from ..engines import check_engine_method

            check_engine_method(args.emit, args.method)
        if args.command in real_model.COMMANDS:
            return real_model.run(args.command, args)
        return importlib.import_module(f".{args.command}", __package__).run(args)
    except (UsageError, ValueError) as err:
        print(f"speclab: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:                         # a file the checks up front could not foresee: still one line
        from ..files import shown

        where = f" {shown(err.filename)}" if err.filename is not None else ""
        print(f"speclab: error:{where}: {err.strerror or err}", file=sys.stderr)
        return 2
