"""The `speclab` command: plan k from alpha and c, fit an engine's report, simulate, measure.

Bad arguments print one line, `speclab: error: ...`, and exit with status 2.
"""

from __future__ import annotations

import argparse
import sys


class _OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are a single line (no usage dump) and exit status 2."""

    def error(self, message):
        raise _UsageError(message)


class _UsageError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__
    from . import fit, plan, simulate

    parser = _OneLineParser(prog="speclab", description="Speculative decoding: plan, simulate, measure.")
    parser.add_argument("--version", action="version", version=f"speclab {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_OneLineParser)
    plan.add_arguments(commands.add_parser(
        "plan", help="expected tokens and speedup per k, optimal k, break-even alpha"))
    fit.add_arguments(commands.add_parser(
        "fit", help="from an engine's mean acceptance length: alpha, best k, speedup"))
    simulate.add_arguments(commands.add_parser("simulate", help="Monte Carlo on a synthetic target/draft pair"))
    _add_measure_arguments(commands.add_parser(
        "measure", help="measure alpha, c and speedup of a real draft/target pair"))
    _add_real_arguments(commands.add_parser(
        "train-draft", help="train (or load) the offline model's draft, print where it is"),
        "train_draft", "add_train_draft_arguments")
    return parser


def _add_measure_arguments(parser) -> None:
    try:
        from .measure import add_measure_arguments
    except ImportError:
        parser.add_argument("rest", nargs=argparse.REMAINDER)
        return
    add_measure_arguments(parser)


def _add_real_arguments(parser, module: str, adder: str) -> None:
    """Options of a real-model subcommand, or a catch-all when torch is not installed."""
    import importlib

    try:
        getattr(importlib.import_module(f".{module}", __package__), adder)(parser)
    except ImportError:
        parser.add_argument("rest", nargs=argparse.REMAINDER)


def run_train_draft(args) -> int:
    try:
        from .train_draft import run_train_draft as run
    except ImportError as err:
        raise ValueError(f"`speclab train-draft` needs the real-model extra: pip install 'speclab[real]' ({err})")
    return run(args)


def run_measure(args) -> int:
    try:
        from .measure import run_measure as run
    except ImportError as err:
        raise ValueError(f"`speclab measure` needs the real-model extra: pip install 'speclab[real]' ({err})")
    return run(args)


def main(argv=None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if getattr(args, "emit", None):           # refuse an impossible --emit before any work
            from ..engines import check_engine_method

            check_engine_method(args.emit, args.method)
        from . import fit, plan, simulate

        runner = {"plan": plan.run, "fit": fit.run, "simulate": simulate.run, "measure": run_measure,
                  "train-draft": run_train_draft}[args.command]
        return runner(args)
    except (_UsageError, ValueError) as err:
        print(f"speclab: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
