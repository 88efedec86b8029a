"""`speclab plan`: expected tokens and speedup per k from alpha and c, the optimal k, break-even alpha.

With --batch-sizes it also plans k per batch-size range from the roofline model (speclab.schedule)
and, with --emit vllm, prints it as vLLM's num_speculative_tokens_per_batch_size.
"""

from __future__ import annotations

import re

import numpy as np

from .emit import add_emit_arguments, emitted

#: --accelerator presets (datasheet figures from speclab.roofline).
ACCELERATORS = {"h100": "H100_SXM", "a100": "A100_SXM", "l4": "L4"}
#: Bytes of KV cache per context position of a Llama-3-8B shape in bf16 (32 layers, 8 KV heads of 128).
LLAMA3_8B_KV_BYTES = 2 * 32 * 8 * 128 * 2


def add_arguments(plan) -> None:
    plan.add_argument("--alpha", type=float, required=True, help="per-token acceptance probability in [0, 1]")
    plan.add_argument("--cost", type=float, required=True, help="c = draft step time / target step time (>= 0)")
    plan.add_argument("--verify-growth", type=float, default=0.0,
                      help="extra target cost per verified draft (0 = the paper's assumption)")
    plan.add_argument("--k-max", type=int, default=12, help="largest k to list, 0..256 (default 12)")
    batch = plan.add_argument_group("batch-aware schedule (roofline model of notebook 06)")
    batch.add_argument("--batch-sizes", metavar="B1,B2,...",
                       help="range starts, e.g. 1,8,32,128: the best k for each batch range, and where to stop")
    batch.add_argument("--params", type=float, default=7e9, help="target parameters (default 7e9)")
    batch.add_argument("--bytes-per-param", type=float, default=2.0, help="weight bytes per parameter (fp16 2, int4 0.5)")
    batch.add_argument("--accelerator", choices=ACCELERATORS, default="h100",
                       help="datasheet bandwidth and peak FLOP/s (default h100: H100 SXM)")
    batch.add_argument("--bandwidth", type=float, help="memory bandwidth in bytes/s (overrides --accelerator)")
    batch.add_argument("--peak-flops", type=float, help="dense peak FLOP/s (overrides --accelerator)")
    batch.add_argument("--context", type=int, default=0, help="context length per sequence, for its KV cache (default 0)")
    batch.add_argument("--kv-bytes-per-token", type=float, default=LLAMA3_8B_KV_BYTES,
                       help=f"KV-cache bytes per context position (default {LLAMA3_8B_KV_BYTES}: Llama-3-8B in bf16)")
    batch.add_argument("--max-batch", type=int, default=1024, help="largest batch the schedule covers (default 1024)")
    add_emit_arguments(plan)


def run(args) -> int:
    from .. import theory
    from .._validate import as_count
    from ..limits import MAX_PLAN_K

    k_max = as_count(args.k_max, "--k-max", minimum=0, maximum=MAX_PLAN_K)
    alpha, cost, growth = args.alpha, args.cost, args.verify_growth
    with np.errstate(over="ignore", invalid="ignore"):      # k c beyond float range: speedup 0, correctly
        best = theory.optimal_k(alpha, cost, k_max=k_max, verify_growth=growth)    # checks alpha, c, growth
        uncapped = theory.optimal_k(alpha, cost, k_max=MAX_PLAN_K, verify_growth=growth)
        schedule = _schedule(args) if args.batch_sizes is not None else None
        config = _config(args, best, uncapped if uncapped > k_max else None, schedule)   # a bad name prints nothing
        print(f"alpha = {alpha:g}, c = {cost:g}, verify_growth = {growth:g}")
        print(f"{'k':>3}  {'E[tokens/round]':>15}  {'speedup':>8}  {'break-even alpha':>16}")
        for k in range(1, k_max + 1):
            mark = "  <- optimal" if k == best else ""
            print(f"{k:>3}  {theory.expected_tokens(alpha, k):>15.3f}  {theory.speedup(alpha, k, cost, growth):>7.3f}x  "
                  f"{_fmt(theory.breakeven_alpha(cost, k, growth)):>16}{mark}")
        print(_plan_verdict(alpha, cost, growth, k_max, best, uncapped))
    if schedule is not None:
        print(_schedule_text(schedule))
    if config is not None:
        print(config)
    return 0


def _schedule(args):
    from .. import roofline
    from ..schedule import batch_schedule

    sizes = _batch_sizes(args.batch_sizes)
    if args.k_max < 1:
        raise ValueError(f"--k-max must be at least 1 with --batch-sizes; got {args.k_max}")
    chip = getattr(roofline, ACCELERATORS[args.accelerator])
    context = args.context
    if context < 0:
        raise ValueError(f"--context must be a whole number >= 0; got {context}")
    kv_bytes = context * _nonnegative(args.kv_bytes_per_token, "--kv-bytes-per-token")
    return batch_schedule(args.alpha, args.cost, sizes, params=_positive(args.params, "--params"),
                          bandwidth=_positive(args.bandwidth or chip.bandwidth, "--bandwidth"),
                          peak_flops=_positive(args.peak_flops or chip.peak_flops, "--peak-flops"),
                          bytes_per_param=_positive(args.bytes_per_param, "--bytes-per-param"),
                          kv_bytes=kv_bytes, k_max=min(args.k_max, 32), max_batch=args.max_batch)


def _config(args, best: int, uncapped: int | None, schedule):
    """The --emit text (None without it); `uncapped`: the k without --k-max when the cap bound it."""
    if schedule is None or not args.emit:
        return emitted(args, best, uncapped)
    if args.emit != "vllm":
        raise ValueError(f"a k per batch size is emitted for vllm only ({args.emit} has no such setting); "
                         "drop --batch-sizes or use --emit vllm")
    from ..engines import vllm_schedule_config
    from ..engines.config import check_model_name

    return vllm_schedule_config(schedule, args.method, check_model_name(args.draft, "--draft"),
                                check_model_name(args.target, "--target"))


def _schedule_text(schedule) -> str:
    lines = ["batch-aware schedule (roofline model; the same alpha and c at every batch):", schedule.assumptions(),
             f"{'batches':>13}  {'k':>3}"]
    lines += [f"{f'{lo}-{hi}':>13}  {k:>3}" for lo, hi, k in schedule.ranges]
    if schedule.off_above == 0:
        lines.append("speculation does not pay at any batch size here")
    elif schedule.off_above < schedule.max_batch:
        lines.append(f"speculation stops paying above batch {schedule.off_above}: turn it off there (k = 0)")
    else:
        lines.append(f"speculation still pays at batch {schedule.max_batch} (--max-batch)")
    return "\n".join(lines)


def _batch_sizes(text: str) -> list:
    parts = [p.strip() for p in text.split(",")]
    if not parts or not all(re.fullmatch("[0-9]+", p) for p in parts):        # ASCII digits only, not '５'
        raise ValueError(f"--batch-sizes must be whole numbers >= 1 separated by commas, e.g. 1,8,32,128; got {text!r:.60}")
    return [int(p) for p in parts]


def _positive(value: float, flag: str) -> float:
    if not (value > 0 and value != float("inf")):
        raise ValueError(f"{flag} must be a finite number > 0; got {value:g}")
    return value


def _nonnegative(value: float, flag: str) -> float:
    if not (value >= 0 and value != float("inf")):
        raise ValueError(f"{flag} must be a finite number >= 0; got {value:g}")
    return value


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
