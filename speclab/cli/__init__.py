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

    parser = _OneLineParser(prog="speclab", description="Speculative decoding: plan, simulate, measure.")
    parser.add_argument("--version", action="version", version=f"speclab {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_OneLineParser)

    plan = commands.add_parser("plan", help="expected tokens and speedup per k, optimal k, break-even alpha")
    plan.add_argument("--alpha", type=float, required=True, help="per-token acceptance probability in [0, 1]")
    plan.add_argument("--cost", type=float, required=True, help="c = draft step time / target step time (>= 0)")
    plan.add_argument("--verify-growth", type=float, default=0.0,
                      help="extra target cost per verified draft (0 = the paper's assumption)")
    plan.add_argument("--k-max", type=int, default=12, help="largest k to list, 0..256 (default 12)")
    _add_emit_arguments(plan)

    fit = commands.add_parser("fit", help="from an engine's mean acceptance length: alpha, best k, speedup")
    fit.add_argument("--mean-acceptance-length", type=float, required=True,
                     help="tokens per round incl. the bonus (vLLM's 'Mean acceptance length', EAGLE's tau)")
    fit.add_argument("--k", type=int, required=True, help="the drafts per round the engine ran with (>= 1)")
    fit.add_argument("--cost", type=float, default=0.05, help="c = draft step / target step (default 0.05)")
    fit.add_argument("--verify-growth", type=float, default=0.0, help="extra target cost per verified draft")
    fit.add_argument("--k-max", type=int, default=32, help="largest k to consider (default 32)")
    fit.add_argument("--json", action="store_true", help="print one JSON object: alpha, best_k, speedup")
    _add_emit_arguments(fit)

    sim = commands.add_parser("simulate", help="Monte Carlo on a synthetic target/draft pair")
    sim.add_argument("--agreement", type=float, required=True, help="draft/target agreement in [0, 1]")
    sim.add_argument("--k", type=int, default=4, help="drafts per round (default 4)")
    sim.add_argument("--adaptive", action="store_true", help="adapt k each round instead of fixing it")
    sim.add_argument("--tokens", type=int, default=200, help="tokens per trial, 1..1,000,000 (default 200)")
    sim.add_argument("--trials", type=int, default=1000, help="independent trials, 1..10,000,000 (default 1000)")
    sim.add_argument("--draft-ms", type=float, default=5.0, help="modelled draft step time (default 5)")
    sim.add_argument("--target-ms", type=float, default=50.0, help="modelled target step time (default 50)")
    sim.add_argument("--verify-growth", type=float, default=0.0, help="verification cost growth per draft")
    sim.add_argument("--vocab", type=int, default=100, help="vocabulary size (default 100)")
    sim.add_argument("--seed", type=int, default=0, help="random seed (default 0)")

    measure = commands.add_parser("measure", help="measure alpha, c and speedup of a real draft/target pair")
    _add_measure_arguments(measure)

    train = commands.add_parser("train-draft", help="train (or load) the offline model's draft, print where it is")
    _add_real_arguments(train, "train_draft", "add_train_draft_arguments")
    return parser


def run_plan(args) -> int:
    from .. import theory
    from .._validate import as_count
    from ..limits import MAX_PLAN_K

    k_max = as_count(args.k_max, "--k-max", minimum=0, maximum=MAX_PLAN_K)
    alpha, cost, growth = args.alpha, args.cost, args.verify_growth
    best = theory.optimal_k(alpha, cost, k_max=k_max, verify_growth=growth)    # checks alpha, c, growth
    uncapped = theory.optimal_k(alpha, cost, k_max=MAX_PLAN_K, verify_growth=growth)
    print(f"alpha = {alpha:g}, c = {cost:g}, verify_growth = {growth:g}")
    print(f"{'k':>3}  {'E[tokens/round]':>15}  {'speedup':>8}  {'break-even alpha':>16}")
    for k in range(1, k_max + 1):
        mark = "  <- optimal" if k == best else ""
        print(f"{k:>3}  {theory.expected_tokens(alpha, k):>15.3f}  {theory.speedup(alpha, k, cost, growth):>7.3f}x  "
              f"{_fmt(theory.breakeven_alpha(cost, k, growth)):>16}{mark}")
    print(_plan_verdict(alpha, cost, growth, k_max, best, uncapped))
    _emit(args, best)
    return 0


def _plan_verdict(alpha, cost, growth, k_max, best, uncapped) -> str:
    """The last line of `plan`: the optimal k, or why not to speculate, or that --k-max capped it."""
    from .. import theory

    gain = theory.speedup(alpha, best, cost, growth)
    if uncapped > k_max:
        within = "plain decoding (k = 0)" if best == 0 else f"k = {best} ({gain:.3f}x)"
        return (f"k is capped by --k-max {k_max}: the best choice within the cap is {within}; "
                f"without the cap k = {uncapped} would give {theory.speedup(alpha, uncapped, cost, growth):.3f}x")
    if best == 0:
        return "optimal k = 0: no k beats plain decoding at this alpha and cost; do not speculate"
    return (f"optimal k = {best} (speedup {gain:.3f}x); "
            f"break-even alpha at k = {best}: {_fmt(theory.breakeven_alpha(cost, best, growth))}")


def run_fit(args) -> int:
    from ..metrics import fit

    result = fit(args.mean_acceptance_length, args.k, cost=args.cost, verify_growth=args.verify_growth,
                 k_max=args.k_max)
    if args.json:
        import json

        print(json.dumps(result.to_dict()))
    else:
        print(f"mean acceptance length {args.mean_acceptance_length:g} at k = {args.k} implies alpha = "
              f"{result.alpha:.4f} (i.i.d. acceptance)")
        print(f"expected speedup at k = {args.k}: {result.speedup_at_k:.3f}x (c = {args.cost:g}, "
              f"verify_growth = {args.verify_growth:g})")
        print(f"best k = {result.best_k} (of 0..{args.k_max}): {result.speedup:.3f}x")
    _emit(args, result.best_k)
    return 0


def _add_emit_arguments(parser) -> None:
    from ..engines import ENGINES, METHODS

    parser.add_argument("--emit", choices=ENGINES, help="also print this engine's configuration for the best k")
    parser.add_argument("--method", choices=METHODS, default="draft-model", help="how the engine drafts")
    parser.add_argument("--draft", help="draft model path for the emitted configuration")
    parser.add_argument("--target", help="target model path for the emitted configuration")


def _emit(args, k: int) -> None:
    if args.emit:
        from ..engines import engine_config

        print(engine_config(args.emit, k, args.method, args.draft, args.target))


def run_simulate(args) -> int:
    from .._validate import as_count
    from ..limits import MAX_NUM_TOKENS, MAX_TRIALS
    from ..policies import AdaptiveK, FixedK
    from ..simulator import CostModel, SyntheticPair, simulate

    tokens = as_count(args.tokens, "--tokens", minimum=1, maximum=MAX_NUM_TOKENS)
    trials = as_count(args.trials, "--trials", minimum=1, maximum=MAX_TRIALS)
    pair = SyntheticPair(vocab_size=args.vocab, agreement=args.agreement, seed=args.seed)
    cost = CostModel(args.draft_ms, args.target_ms, args.verify_growth)
    policy = FixedK(args.k)
    if args.adaptive:
        policy = AdaptiveK(start_k=max(args.k, 1), max_k=max(args.k, 16))
    result = simulate(pair, tokens, args.k, trials, cost, seed=args.seed, policy=policy)
    print(f"{pair!r}, {policy!r}, c = {cost.c:g}")
    print(result.summary())
    return 0


def _fmt(value: float) -> str:
    return "none" if value != value else f"{value:.4f}"


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
        runner = {"plan": run_plan, "fit": run_fit, "simulate": run_simulate, "measure": run_measure,
                  "train-draft": run_train_draft}[args.command]
        return runner(args)
    except (_UsageError, ValueError) as err:
        print(f"speclab: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
