"""`speclab fit`: what an engine's reported acceptance implies: alpha, the best k, its speedup.

Each input states its convention in --help: vLLM's counters give the per-position profile
(fitted, tested against i.i.d. acceptance, and optimised over directly); the other inputs give
one number, turned into a mean acceptance length with the bonus token included at k, then alpha.
"""

from __future__ import annotations

from ..files import read_text, shown
from ..limits import MAX_TEXT_BYTES
from .emit import add_emit_arguments, emitted

#: The largest report file fit reads (a /metrics scrape is a few hundred KB).
MAX_REPORT_BYTES = MAX_TEXT_BYTES


def add_arguments(fit) -> None:
    fit.description = ("From an engine's own report (vLLM counters, SGLang's or llama.cpp's numbers, or a bare mean "
                       "acceptance length): alpha, the best k and its speedup. Each input's help says which "
                       "convention it uses; a bare number needs --bonus.")
    source = fit.add_argument_group("the report (exactly one)").add_mutually_exclusive_group(required=True)
    source.add_argument("--mean-acceptance-length", type=float, metavar="TAU",
                        help="a bare mean acceptance length (tokens per round); needs --bonus and --k")
    source.add_argument("--vllm-metrics", metavar="FILE",
                        help="a vLLM /metrics scrape (Prometheus text): its spec_decode counters, per position; "
                             "mean acceptance length = 1 + accepted / drafts (bonus included); k = positions")
    source.add_argument("--sglang-metrics", metavar="FILE",
                        help="an SGLang /metrics scrape: the sglang:spec_accept_length gauge (bonus included, "
                             "last logging interval); needs --k (--speculative-num-steps)")
    source.add_argument("--sglang-server-info", metavar="FILE",
                        help="SGLang's /get_server_info JSON: avg_spec_accept_length (bonus included, since "
                             "start), k and topk from its speculative_num_steps and speculative_eagle_topk")
    source.add_argument("--llama-cpp-log", metavar="FILE",
                        help="a llama.cpp speculative example or server log: n_accept / n_drafted (no bonus), "
                             "k from n_draft (or --k)")
    fit.add_argument("--before", metavar="FILE",
                     help="with --vllm-metrics: an earlier scrape of the same server; the window between the two is fitted")
    fit.add_argument("--model-name", help="with --vllm-metrics: the model_name label to read when a scrape holds several")
    fit.add_argument("--bonus", choices=("included", "excluded"),
                     help="with --mean-acceptance-length: does the number count the bonus/correction token? "
                          "(vLLM's and EAGLE's tau include it; the two conventions differ by one token)")
    fit.add_argument("--k", type=int, help="the drafts per round the engine ran with (>= 1)")
    fit.add_argument("--eagle-topk", type=int, metavar="N",
                     help="SGLang's --speculative-eagle-topk; N > 1 is a tree, which a chain fit refuses")
    fit.add_argument("--cost", type=float, default=0.05, help="c = draft step / target step (default 0.05)")
    fit.add_argument("--verify-growth", type=float, default=0.0, help="extra target cost per verified draft")
    fit.add_argument("--k-max", type=int, default=32, help="largest k to consider for one-number inputs (default 32)")
    fit.add_argument("--confidence", type=float, default=0.95, help="level of the per-position intervals (default 0.95)")
    fit.add_argument("--json", action="store_true",
                     help="print one JSON object (alpha, best_k, speedup; the per-position fit for vLLM; "
                          "the emitted configuration under 'emit')")
    add_emit_arguments(fit)


def run(args) -> int:
    import numpy as np

    _check_combinations(args)
    with np.errstate(over="ignore"):                 # k c beyond float range: speedup 0, correctly
        result, text, uncapped = _fit_vllm(args) if args.vllm_metrics else _fit_one_number(args)
    config = emitted(args, result["best_k"], uncapped)   # before printing: a bad name prints nothing
    if args.json:
        import json

        print(json.dumps({**result, **({"emit": config} if config is not None else {})}))
        return 0
    print(text)
    if config is not None:
        print(config)
    return 0


def _fit_vllm(args) -> tuple:
    from ..engines import fit_profile, read_vllm_metrics
    from ..engines.report import profile_report

    name = f"--vllm-metrics {args.vllm_metrics}"
    counters = read_vllm_metrics(_read(args.vllm_metrics, "--vllm-metrics"), name, args.model_name)
    if args.before:
        counters = counters.since(read_vllm_metrics(_read(args.before, "--before"), f"--before {args.before}",
                                                    args.model_name))
    if args.k is not None and args.k != counters.k:
        raise ValueError(f"--k {args.k} disagrees with {name}, which counts {counters.k} draft positions")
    fit = fit_profile(counters, cost=args.cost, verify_growth=args.verify_growth, confidence=args.confidence)
    return fit.to_dict(), profile_report(fit, counters.source), None


def _fit_one_number(args) -> tuple:
    from ..limits import MAX_PLAN_K
    from ..metrics import fit

    length, k, convention = _one_number(args)
    result = fit(length, k, cost=args.cost, verify_growth=args.verify_growth, k_max=args.k_max)
    uncapped = fit(length, k, cost=args.cost, verify_growth=args.verify_growth, k_max=MAX_PLAN_K).best_k
    text = "\n".join([
        convention,
        f"mean acceptance length {length:g} (bonus included) at k = {k} implies alpha = {result.alpha:.4f} "
        "(i.i.d. acceptance)",
        f"expected speedup at k = {k}: {result.speedup_at_k:.3f}x (c = {args.cost:g}, "
        f"verify_growth = {args.verify_growth:g})",
        f"best k = {result.best_k} (of 0..{args.k_max}): {result.speedup:.3f}x",
    ])
    return result.to_dict(), text, (uncapped if uncapped > args.k_max else None)


def _one_number(args) -> tuple:
    """(mean acceptance length with the bonus, k, a line saying where it came from) for one-number inputs."""
    from ..engines import read_llama_cpp_log, read_sglang_metrics, read_sglang_server_info

    if args.mean_acceptance_length is not None:
        k = _need_k(args.k, "--mean-acceptance-length")
        tau = args.mean_acceptance_length
        if args.bonus == "excluded":
            if not 0.0 <= tau <= k:
                raise ValueError(f"--mean-acceptance-length with --bonus excluded must lie in [0, k] = [0, {k}]; got {tau:g}")
            return tau + 1.0, k, f"bare mean acceptance length {tau:g}, bonus excluded: {tau + 1:g} with the bonus"
        return tau, k, f"bare mean acceptance length {tau:g}, bonus included"
    if args.llama_cpp_log:
        counts = read_llama_cpp_log(_read(args.llama_cpp_log, "--llama-cpp-log"), f"--llama-cpp-log {args.llama_cpp_log}")
        k = _agree(args.k, counts.k, "n_draft in the log", "--llama-cpp-log")
        fraction = counts.accepted_per_drafted
        return 1.0 + k * fraction, k, (f"llama.cpp: {counts.accepted:,} accepted of {counts.drafted:,} drafted "
                                       f"({fraction:.4f}, no bonus) read as full chains of k = {k}")
    if args.sglang_server_info:
        try:
            report = read_sglang_server_info(_read(args.sglang_server_info, "--sglang-server-info"),
                                             f"--sglang-server-info {args.sglang_server_info}")
        except RecursionError:                        # json.loads of a structure nested too deep to be server info
            raise ValueError(f"--sglang-server-info {shown(args.sglang_server_info)} is nested too deeply "
                             "to be SGLang's server info") from None
        _refuse_tree(args.eagle_topk if report.topk is None else report.topk)
        k = _agree(args.k, report.k, "speculative_num_steps in the server info", "--sglang-server-info")
        averaged = f"; {report.averaged}" if report.averaged else ""
        return report.length, k, f"SGLang avg_spec_accept_length {report.length:g} (bonus included, since start{averaged})"
    k = _need_k(args.k, "--sglang-metrics")
    report = read_sglang_metrics(_read(args.sglang_metrics, "--sglang-metrics"),
                                 f"--sglang-metrics {args.sglang_metrics}", k=k)
    topk = "" if args.eagle_topk else "; assumes a chain (--speculative-eagle-topk 1): pass --eagle-topk otherwise"
    averaged = f"; {report.averaged}" if report.averaged else ""
    return report.length, k, f"SGLang spec_accept_length {report.length:g} (bonus included, last interval{averaged}){topk}"


def _check_combinations(args) -> None:
    if args.before and not args.vllm_metrics:
        raise ValueError("--before takes an earlier vLLM scrape and needs --vllm-metrics")
    if args.model_name and not args.vllm_metrics:
        raise ValueError("--model-name selects a model in a vLLM scrape and needs --vllm-metrics")
    if args.mean_acceptance_length is not None and args.bonus is None:
        raise ValueError("--mean-acceptance-length needs --bonus included|excluded: does the number count the "
                         "bonus token? (vLLM's and EAGLE's tau include it; the two differ by exactly one token)")
    if args.bonus is not None and args.mean_acceptance_length is None:
        raise ValueError("--bonus describes a bare --mean-acceptance-length; the engine inputs state their own convention")
    if args.eagle_topk is not None and args.eagle_topk < 1:
        raise ValueError(f"--eagle-topk must be a whole number >= 1; got {args.eagle_topk}")
    _refuse_tree(args.eagle_topk)


def _refuse_tree(topk) -> None:
    if topk is not None and topk > 1:
        raise ValueError(f"eagle topk = {topk} > 1 is a tree, and a tree's acceptance length is not a chain's: "
                         "a chain fit would overstate alpha; fit a run with --speculative-eagle-topk 1")


def _need_k(k, flag: str) -> int:
    if k is None:
        raise ValueError(f"{flag} needs --k, the drafts per round the engine ran with")
    return k


def _agree(given, reported, what: str, flag: str) -> int:
    if given is not None and reported is not None and given != reported:
        raise ValueError(f"--k {given} disagrees with {what} ({reported}) of {flag}")
    if given is None and reported is None:
        raise ValueError(f"{flag} does not state k ({what}); pass --k")
    return given if given is not None else reported


def _read(path: str, flag: str) -> str:
    """The text of a report file (a regular file of at most MAX_REPORT_BYTES), or one ValueError naming the flag."""
    return read_text(path, flag, MAX_REPORT_BYTES, "an engine report")
