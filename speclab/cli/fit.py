"""`speclab fit`: what an engine's reported acceptance implies: alpha, the best k, its speedup."""

from __future__ import annotations

from .emit import add_emit_arguments, emit


def add_arguments(fit) -> None:
    fit.add_argument("--mean-acceptance-length", type=float, required=True,
                     help="tokens per round incl. the bonus (vLLM's 'Mean acceptance length', EAGLE's tau)")
    fit.add_argument("--k", type=int, required=True, help="the drafts per round the engine ran with (>= 1)")
    fit.add_argument("--cost", type=float, default=0.05, help="c = draft step / target step (default 0.05)")
    fit.add_argument("--verify-growth", type=float, default=0.0, help="extra target cost per verified draft")
    fit.add_argument("--k-max", type=int, default=32, help="largest k to consider (default 32)")
    fit.add_argument("--json", action="store_true", help="print one JSON object: alpha, best_k, speedup")
    add_emit_arguments(fit)


def run(args) -> int:
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
    emit(args, result.best_k)
    return 0
