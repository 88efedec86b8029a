"""`speclab plan`: expected tokens and speedup per k from alpha and c, the optimal k, break-even alpha."""

from __future__ import annotations

from .emit import add_emit_arguments, emit


def add_arguments(plan) -> None:
    plan.add_argument("--alpha", type=float, required=True, help="per-token acceptance probability in [0, 1]")
    plan.add_argument("--cost", type=float, required=True, help="c = draft step time / target step time (>= 0)")
    plan.add_argument("--verify-growth", type=float, default=0.0,
                      help="extra target cost per verified draft (0 = the paper's assumption)")
    plan.add_argument("--k-max", type=int, default=12, help="largest k to list, 0..256 (default 12)")
    add_emit_arguments(plan)


def run(args) -> int:
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
    emit(args, best)
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


def _fmt(value: float) -> str:
    return "none" if value != value else f"{value:.4f}"
