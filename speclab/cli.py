"""The `speclab` command: plan k from alpha and c, simulate a synthetic pair, measure a real pair.

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
    parser = _OneLineParser(prog="speclab", description="Speculative decoding: plan, simulate, measure.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_OneLineParser)

    plan = commands.add_parser("plan", help="expected tokens and speedup per k, optimal k, break-even alpha")
    plan.add_argument("--alpha", type=float, required=True, help="per-token acceptance probability in [0, 1]")
    plan.add_argument("--cost", type=float, required=True, help="c = draft step time / target step time (>= 0)")
    plan.add_argument("--verify-growth", type=float, default=0.0,
                      help="extra target cost per verified draft (0 = the paper's assumption)")
    plan.add_argument("--k-max", type=int, default=12, help="largest k to list (default 12)")

    sim = commands.add_parser("simulate", help="Monte Carlo on a synthetic target/draft pair")
    sim.add_argument("--agreement", type=float, required=True, help="draft/target agreement in [0, 1]")
    sim.add_argument("--k", type=int, default=4, help="drafts per round (default 4)")
    sim.add_argument("--adaptive", action="store_true", help="adapt k each round instead of fixing it")
    sim.add_argument("--tokens", type=int, default=200, help="tokens per trial (default 200)")
    sim.add_argument("--trials", type=int, default=1000, help="independent trials (default 1000)")
    sim.add_argument("--draft-ms", type=float, default=5.0, help="modelled draft step time (default 5)")
    sim.add_argument("--target-ms", type=float, default=50.0, help="modelled target step time (default 50)")
    sim.add_argument("--verify-growth", type=float, default=0.0, help="verification cost growth per draft")
    sim.add_argument("--vocab", type=int, default=100, help="vocabulary size (default 100)")
    sim.add_argument("--seed", type=int, default=0, help="random seed (default 0)")

    measure = commands.add_parser("measure", help="measure alpha, c and speedup of a real draft/target pair")
    _add_measure_arguments(measure)

    train = commands.add_parser("train-draft", help="train (or load) the offline model's draft, print where it is")
    _add_real_arguments(train, "train_draft_cli", "add_train_draft_arguments")
    return parser


def run_plan(args) -> int:
    from . import theory

    ks = range(1, args.k_max + 1)
    tokens = [theory.expected_tokens(args.alpha, k) for k in ks]
    gains = [theory.speedup(args.alpha, k, args.cost, args.verify_growth) for k in ks]
    best = theory.optimal_k(args.alpha, args.cost, k_max=args.k_max, verify_growth=args.verify_growth)
    print(f"alpha = {args.alpha:g}, c = {args.cost:g}, verify_growth = {args.verify_growth:g}")
    print(f"{'k':>3}  {'E[tokens/round]':>15}  {'speedup':>8}  {'break-even alpha':>16}")
    for k, t, s in zip(ks, tokens, gains):
        even = theory.breakeven_alpha(args.cost, k, args.verify_growth)
        mark = "  <- optimal" if k == best else ""
        print(f"{k:>3}  {t:>15.3f}  {s:>7.3f}x  {_fmt(even):>16}{mark}")
    if best == 0:
        print("optimal k = 0: no k beats plain decoding at this alpha and cost; do not speculate")
    else:
        print(f"optimal k = {best} (speedup {theory.speedup(args.alpha, best, args.cost, args.verify_growth):.3f}x); "
              f"break-even alpha at k = {best}: {_fmt(theory.breakeven_alpha(args.cost, best, args.verify_growth))}")
    return 0


def run_simulate(args) -> int:
    from .policies import AdaptiveK, FixedK
    from .simulator import CostModel, SyntheticPair, simulate

    pair = SyntheticPair(vocab_size=args.vocab, agreement=args.agreement, seed=args.seed)
    cost = CostModel(args.draft_ms, args.target_ms, args.verify_growth)
    policy = AdaptiveK(start_k=max(args.k, 1)) if args.adaptive else FixedK(args.k)
    result = simulate(pair, args.tokens, args.k, args.trials, cost, seed=args.seed, policy=policy)
    print(f"{pair!r}, {policy!r}, c = {cost.c:g}")
    print(result.summary())
    return 0


def _fmt(value: float) -> str:
    return "none" if value != value else f"{value:.4f}"


def _add_measure_arguments(parser) -> None:
    try:
        from .real.measure_cli import add_measure_arguments
    except ImportError:
        parser.add_argument("rest", nargs=argparse.REMAINDER)
        return
    add_measure_arguments(parser)


def _add_real_arguments(parser, module: str, adder: str) -> None:
    """Options of a real-model subcommand, or a catch-all when torch is not installed."""
    import importlib

    try:
        getattr(importlib.import_module(f".real.{module}", __package__), adder)(parser)
    except ImportError:
        parser.add_argument("rest", nargs=argparse.REMAINDER)


def run_train_draft(args) -> int:
    try:
        from .real.train_draft_cli import run_train_draft as run
    except ImportError as err:
        raise ValueError(f"`speclab train-draft` needs the real-model extra: pip install 'speclab[real]' ({err})")
    return run(args)


def run_measure(args) -> int:
    try:
        from .real.measure_cli import run_measure as run
    except ImportError as err:
        raise ValueError(f"`speclab measure` needs the real-model extra: pip install 'speclab[real]' ({err})")
    return run(args)


def main(argv=None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        runner = {"plan": run_plan, "simulate": run_simulate, "measure": run_measure,
                  "train-draft": run_train_draft}[args.command]
        return runner(args)
    except (_UsageError, ValueError) as err:
        print(f"speclab: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
