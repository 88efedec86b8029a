"""A walk over the whole public API with hostile arguments, one argument at a time.

Every public callable that `speclab.__all__` and the front doors export (the subpackages and the
core modules below) is called once per (argument, hostile value), the other arguments at the
valid values of its row in EXAMPLES. Each call must either refuse with one ValueError/TypeError
whose message names the argument, or return a result without NaN (where NaN is not documented),
within TIME_BOUND seconds, in a child process whose address space is capped at MEMORY_CAP bytes.
A public callable with no row in EXAMPLES (and no reason in SKIPPED) fails the test, so a new
function cannot skip validation unnoticed.

Beyond one value per argument: a string where a number belongs (ASCII or fullwidth digits, an
option name) must be refused; an engine report's `text` must refuse what no engine writes (JSON
nested 100,000 deep, NUL bytes, a 10 MB line, fullwidth digits); every argument gets lists and
dicts nested 100,000 deep; a model name that reads as an option must be refused where it lands in
a command. A second walk feeds every path argument of the package (speclab.files; with torch, the
draft store, the shipped draft and prompts files of speclab.real, on a tiny model) paths that are
not plain files: a FIFO with no writer, devices, a folder, a symlink loop, a NUL byte, names too
long, a 6 GiB sparse file (tests/hostile_inputs.py); each must be refused at once, in bounded memory.

Not walked here: `speclab.exercises` (a check's contract is to print feedback and never raise;
tests/test_exercises_hostile.py feeds it hostile solutions) and the rest of `speclab.real` (its
entry points need a model; tests/test_real_hostile.py feeds them hostile arguments on tiny models).
The command line's options are walked by tests/test_cli_hostile.py.

Run as a script, `python tests/test_api_walk.py values|paths OUT`, this file is the child: it walks
the values or the paths and writes one JSON problem per line to OUT (not stdout: stdout is one of
the hostile paths).
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import math
import os
import re
import subprocess
import sys
import time
import warnings

import numpy as np

from hostile_inputs import DEEP, FULLWIDTH, deep_dict, deep_list, hostile_paths

#: Where the public callables are found: `__all__` where a module has one, else its own public defs.
FRONT_DOORS = ("speclab", "speclab.trees", "speclab.plots", "speclab.widgets", "speclab.metrics",
               "speclab.bursty", "speclab.interleave", "speclab.measured_k", "speclab.temperature",
               "speclab.typical", "speclab.roofline", "speclab.plots.trees",
               "speclab.plots.typical", "speclab.plots.temperature", "speclab.plots.roofline", "speclab.dispatch",
               "speclab.engines", "speclab.stats", "speclab.plots.draft_map", "speclab.plots.engine_fit",
               "speclab.files")

#: Per call: seconds, and the child's address-space cap (1 GiB is the package's own memory bound).
TIME_BOUND = 5.0
#: Per call with a path: refusing a path takes a stat, so a call that waits longer is waiting on a FIFO or a device.
PATH_TIME_BOUND = 3.0
MEMORY_CAP = 2 * 2**30
#: The whole walk, a guard against a call that hangs inside C code where the timer cannot reach.
WALK_TIMEOUT = 300

RAGGED = [[1, 2], [3]]
HOSTILE = {
    "nan": float("nan"), "inf": float("inf"), "-inf": float("-inf"), "-1": -1, "-0.5": -0.5, "2.5": 2.5,
    "1e308": 1e308, "10**12": 10**12, "'abc'": "abc", "True": True, "None": None, "[]": [],
    "ragged": RAGGED, "3-d": np.full((2, 3, 4), 0.25), "[0.5, nan]": np.array([0.5, float("nan")]),
    "'5'": "5", "'\uff15'": "\uff15", "'--trust-remote-code'": "--trust-remote-code",
    "list nested 100,000 deep": deep_list(), "dict nested 100,000 deep": deep_dict(),
}
#: Strings where a number belongs: an argument whose valid value is a number (or numbers) must refuse them.
STRINGS = ("'abc'", "'5'", "'\uff15'", "'--trust-remote-code'")

#: Hostile engine reports for every argument named `text` (an engine's scrape, log or JSON): none can
#: come from an engine, so each must be refused. "fullwidth digits" is the row's own valid text with
#: its digits written in another script, which int() and float() would accept.
TEXTS = {
    "JSON array nested 100,000 deep": "[" * DEEP + "]" * DEEP,
    "JSON object nested 100,000 deep": '{"a":' * DEEP + "1" + "}" * DEEP,
    "NUL bytes": "\x00" * 64,
    "a 10 MB line": "9" * 10_000_000,
    "fullwidth digits": None,
}

#: (callable, argument): model names placed in an engine's command; a name that reads as an option
#: (it starts with '-') must be refused, whatever the quoting.
COMMAND_NAMES = {("speclab.engines.engine_config", "draft"), ("speclab.engines.engine_config", "target"),
                 ("speclab.engines.vllm_schedule_config", "draft"),
                 ("speclab.engines.vllm_schedule_config", "target")}

#: Arguments handed to matplotlib (an Axes, colours, labels) or only printed: matplotlib reports its
#: own errors for them, and any text is a valid label.
COSMETIC = {"ax", "title", "fmt", "cmap", "colour", "colours", "labels", "label", "measured_label", "xlabel", "name",
            "decode", "colorbar", "theory_curves"}

#: Public names that are not walked, with the reason.
SKIPPED = {
    **{name: "a result record the package builds and returns; its fields are not user input" for name in (
        "speclab.IIDResult", "speclab.SimulationResult", "speclab.SweepResult", "speclab.Verification",
        "speclab.trees.TreeVerification", "speclab.trees.TreeSimulation", "speclab.bursty.BurstyResult",
        "speclab.interleave.Spread", "speclab.interleave.Interleaved", "speclab.typical.TypicalTradeoff",
        "speclab.metrics.Fit", "speclab.metrics.Metric", "speclab.roofline.Accelerator",
        "speclab.engines.AcceptLength", "speclab.engines.DraftedAccepted", "speclab.engines.ProfileFit")},
    **{name: "built by its factory function (walked), which checks every value; the class takes "
             "ready-made ipywidgets controls" for name in (
        "speclab.widgets.Explorer", "speclab.widgets.AcceptanceExplorer", "speclab.widgets.RooflineExplorer",
        "speclab.widgets.SpeedupExplorer", "speclab.widgets.TemperatureExplorer", "speclab.widgets.TraceExplorer",
        "speclab.widgets.TreeExplorer")},
    "speclab.trees.decide_tree": "the unchecked vectorized core of verify_tree (documented: callers check; "
                                 "verify_tree and simulate_tree are walked)",
    "speclab.dispatch.ModelSize": "a plain record of a model's size; eager_step_seconds and predict_pair (walked) "
                                  "refuse anything else",
    "speclab.dispatch.PairPrediction": "predict_pair's result (walked), never built by hand",
    "speclab.files.open_regular": "a context manager, whose checks run on entering it; read_bytes and read_text "
                                  "(walked) open through it",
    "speclab.plots.plot_training": "plots a TrainingRecord of speclab.real (torch); walked with the real "
                                   "package's tests",
}

#: Results that may hold NaN by their documentation, with where it says so.
NAN_DOCUMENTED = {
    "speclab.breakeven_alpha": "nan where speculation never pays (theory.breakeven_alpha)",
    "speclab.roofline.breakeven_batch": "nan when speculation does not pay even at batch 1",
    "speclab.simulate": "SimulationResult.alpha is NaN when nothing was drafted",
    "speclab.alpha_for_tokens": "nan where no alpha in [0, 1] reaches `tokens` (above k + 1)",
    "speclab.measured_k.alpha_for_speedup": "(nan, 0) when no alpha <= 1 reaches the goal",
    "speclab.interleave.spread": "no samples give an all-NaN spread (nothing was measured)",
}

#: Values of the right type but the wrong size: a refusal may name the argument they disagree with.
SHAPE_VALUES = ("[]", "3-d")

#: Failures in code outside this change's scope, each to be removed when its fix lands.
KNOWN: dict = {}


def examples() -> dict:
    """Valid arguments for every walked callable: {qualified name: {argument: value}}.

    Arguments left out are walked from their default (which must be valid).
    """
    import speclab as sl
    from speclab import dispatch
    from speclab import roofline as rl
    from speclab.interleave import Spread
    from speclab.trees import TreeShape

    p = np.array([[0.5, 0.3, 0.2], [0.2, 0.5, 0.3]])           # [k+1, V] with k = 1
    q = np.array([[0.3, 0.4, 0.3]])                             # [k, V]
    rng = np.random.default_rng(0)
    pair = sl.SyntheticPair(vocab_size=20, agreement=0.7, seed=0)
    records = [sl.RoundRecord((1, 2), 1, 3, 0, (0.9, 0.4)), sl.RoundRecord((4, 5), 2, 6, 3, (1.0, 0.8))]
    tree = TreeShape.full((2, 1))
    shape_args = dict(shape=tree, alpha=0.6)
    hw = dict(params=7e9, bandwidth=3.35e12, peak_flops=989e12)
    measured = dict(rates=[0.7, 0.6], c=0.05, pass_costs=[1.0, 1.02, 1.05, 1.1])
    ex = {
        # speclab
        "AdaptiveK": dict(start_k=4, min_k=1, max_k=16, grow=2, shrink=1),
        "CostModel": dict(draft_ms=5.0, target_ms=50.0, verify_growth=0.0),
        "FixedK": dict(k=4),
        "RoundRecord": dict(draft_tokens=(1, 2), n_accepted=1, next_token=3, position=0, accept_probs=(0.5, 0.4),
                            alternatives=(7,)),
        "SyntheticPair": dict(vocab_size=20, agreement=0.7, seed=0, zipf_exponent=1.1),
        "accepted_fraction": dict(alpha=0.5, k=4),
        "acceptance_rate": dict(p=p, q=np.vstack([q, q])),
        "alpha_for_tokens": dict(tokens=2.0, k=4),
        "breakeven_alpha": dict(c=0.1, k=4, verify_growth=0.0),
        "chi_square_test": dict(counts=[10, 12, 8], probs=[0.3, 0.4, 0.3]),
        "expected_tokens": dict(alpha=0.5, k=4),
        "optimal_k": dict(alpha=0.8, c=0.1, k_max=32, verify_growth=0.0),
        "plot_rounds": dict(records=records, max_rounds=12),
        "residual": dict(p=p[0], q=q[0]),
        "rounds_table": dict(records=records),
        "simulate": dict(pair=pair, num_tokens=20, k=2, trials=10, cost=sl.CostModel(), seed=0, policy=None,
                         keep_tokens=False, progress=False),
        "simulate_iid": dict(alpha=0.5, k=2, c=0.1, rounds=1000, seed=0, verify_growth=0.0, progress=False),
        "speedup": dict(alpha=0.5, k=4, c=0.1, verify_growth=0.0),
        "sweep": dict(agreements=[0.5], ks=[2], num_tokens=10, trials=10, cost=None, seed=0, vocab_size=20,
                      progress=False),
        "tokens_html": dict(records=records),
        "tokens_per_round_pmf": dict(alpha=0.5, k=4),
        "verify": dict(p=p, q=q, draft_tokens=np.array([0]), rng=rng),
        "verify_greedy": dict(p=p, draft_tokens=np.array([1])),
        # speclab.trees
        "trees.TreeShape": dict(parents=(-1, 0, 0)),
        "trees.verify_tree": dict(p=p, q=q, tokens=np.array([0]), shape=TreeShape.chain(1), rng=rng),
        "trees.best_tree": dict(n_nodes=8, alpha=0.6, max_children=3, max_depth=4),
        "trees.best_tree_tokens": dict(max_nodes=8, alpha=0.6),
        "trees.expected_accepted": shape_args, "trees.expected_tokens_tree": shape_args,
        "trees.node_acceptance": shape_args,
        "trees.full_tree_accepted": dict(branching=(2, 2), alpha=0.6),
        "trees.sibling_rates": dict(p=p[0], q=q[0], width=3),
        "trees.tree_speedup": dict(shape=tree, alpha=0.6, c=0.1),
        "trees.simulate_tree": dict(pair=pair, shape=tree, rounds=200, starts=2, seed=0),
        "trees.simulate_tree_iid": dict(shape=tree, alpha=0.6, rounds=200, seed=0),
        # speclab.plots
        "plots.plot_acceptance": dict(p=p[0], q=q[0]), "plots.plot_residual": dict(p=p[0], q=q[0]),
        "plots.plot_grid_heatmap": dict(values=[[1.1, 1.2]], agreements=[0.5], ks=[1, 2], vmin=None, vmax=None,
                                        center=None),
        "plots.plot_policy_comparison": dict(names=["fixed", "adaptive"], speedups=[1.2, 1.3], lows=[1.1, 1.2],
                                             highs=[1.3, 1.4]),
        "plots.plot_speedup_vs_acceptance": dict(x=[0.5, 0.7], ks=[2], speedup=[[1.1], [1.3]], low=[[1.0], [1.2]],
                                                 high=[[1.2], [1.4]], c=0.1, verify_growth=0.0),
        "plots.plot_lossless": dict(counts=[10, 12, 8], p=[0.3, 0.4, 0.3], p_value=0.5),
        "plots.plot_accepted_fraction": dict(ks=(1, 2)),
        "plots.plot_optimal_k": dict(cs=(0.05,), verify_growth=0.0, k_max=16, point=None),
        "plots.plot_speedup_vs_alpha": dict(ks=(1, 2), c=0.1, verify_growth=0.0, highlight_k=None, point=None,
                                            envelope=False),
        "plots.plot_speedup_vs_cost": dict(alphas=(0.5,), k=4, verify_growth=0.0, c_max=0.5),
        "plots.plot_speedup_vs_k": dict(alphas=(0.5,), c=0.1, verify_growth=0.0, k_max=12, mark_k=None),
        "plots.plot_verify_growth": dict(alpha=0.8, c=0.05, growths=(0.0, 0.05), k_max=16),
        "plots.kv_rollback": dict(k=4, n_accepted=1, context=3),
        "plots.plot_kv_rollback": dict(k=4, n_accepted=1, context=3),
        "plots.panels": dict(ncols=2, height=3.8),
        "plots.plot_timeline": dict(records=records, cost=sl.CostModel()),
        "plots.timeline_segments": dict(records=records, cost=sl.CostModel()),
        "plots.trees.tree_layout": dict(shape=tree),
        "plots.trees.tree_edges": dict(shape=tree, x=np.arange(5.0), y=np.arange(5.0)),
        "plots.trees.plot_tree": dict(shape=tree, alpha=0.7, tokens=None),
        "plots.trees.plot_attention_mask": dict(shape=tree),
        "plots.trees.plot_chain_vs_tree": dict(n_nodes=8, alphas=None),
        "plots.typical.plot_typical_tradeoff": dict(tradeoff=_tradeoff(p, q)),
        "plots.temperature.plot_alpha_vs_temperature": dict(curves={"pair": [0.9, 0.8]}, temperatures=[0.5, 1.0]),
        "plots.roofline.plot_roofline": dict(accelerator=rl.H100_SXM, params=7e9, k=4, batches=(1, 32),
                                             bytes_per_param=2.0),
        "plots.roofline.plot_batch_speedup": dict(alphas=(0.6, 0.8), k=4, c=0.05, params=7e9, accelerator=rl.L4,
                                                  bytes_per_param=2.0, kv_bytes=0.0),
        "plots.roofline.plot_verify_cost": dict(measured_seconds=[0.01, 0.011, 0.013], params=1.35e8,
                                                accelerator=rl.L4, bytes_per_param=2.0),
        "plots.roofline.plot_kernel_growth": dict(growth={"column": [Spread(1.0, 1.0, 1.0, 2), Spread(1.1, 1.0, 1.2, 2)]},
                                                  params=1.35e8, accelerator=rl.L4, bytes_per_param=2.0),
        "plots.plot_draft_scaling": dict(curve={"points": [
            {"tokens": 15000, "heldout_acceptance": [0.3, 0.1], "write_seconds": 30.0, "fit_seconds": 20.0},
            {"tokens": 60000, "heldout_acceptance": [0.4, 0.2], "write_seconds": 120.0, "fit_seconds": 40.0}]}),
        "dispatch.eager_step_seconds": dict(model=dispatch.GPT2_SIZES["gpt2"], accelerator=dispatch.T4,
                                            per_layer=4e-4, bytes_per_param=2.0),
        "dispatch.predict_pair": dict(target=dispatch.GPT2_SIZES["gpt2-xl"], draft=dispatch.GPT2_SIZES["distilgpt2"],
                                      accelerator=dispatch.T4, alphas=(0.5,), per_layer=4e-4, bytes_per_param=2.0,
                                      max_k=8),
        # speclab.widgets
        "widgets.acceptance_explorer": dict(agreement=0.6, position=0, vocab_size=12, seed=0),
        "widgets.roofline_explorer": dict(params_b=7.0, bandwidth_tbs=3.35, peak_tflops=989.0, k=4, batch=1,
                                          alpha=0.8, bytes_per_param=2.0, c=0.05, kv_bytes=0.0),
        "widgets.speedup_explorer": dict(alpha=0.8, k=4, c=0.1, verify_growth=0.0),
        "widgets.temperature_explorer": dict(pairs=None, temperature=1.0, vocab_size=30, positions=20),
        "widgets.trace_explorer": dict(agreement=0.75, k=4, seed=0, num_tokens=20, vocab_size=30),
        "widgets.tree_explorer": dict(alpha=0.6, nodes=8, branching=3, depth=8),
        # speclab.metrics
        "metrics.mean_acceptance_length": dict(alpha=0.5, k=4), "metrics.accepted_per_drafted": dict(alpha=0.5, k=4),
        "metrics.per_position_acceptance": dict(alpha=0.5, k=4), "metrics.system_efficiency": dict(alpha=0.5, k=4),
        "metrics.implied_alpha": dict(mean_acceptance_length=2.5, k=4),
        "metrics.alpha_from_accepted_per_drafted": dict(fraction=0.5, k=4),
        "metrics.alpha_from_system_efficiency": dict(efficiency=0.5, k=4),
        "metrics.convert": dict(value=2.5, source="mean_acceptance_length", target="alpha", k=4),
        "metrics.fit": dict(mean_acceptance_length=2.5, k=4, cost=0.05, verify_growth=0.0, k_max=32),
        # the core modules
        "bursty.bursty_alphas": dict(alphas=[0.5, 0.9], k=4, weights=[1.0, 2.0]),
        "bursty.simulate_bursty": dict(alphas=[0.5, 0.9], k=4, weights=[1.0, 2.0], rounds=1000, seed=0),
        "interleave.spread": dict(samples=[1.0, 2.0, 4.0]),
        "interleave.bootstrap_spread": dict(samples=[1.1, 1.2, 0.9, 1.05], confidence=0.95, resamples=200, seed=0),
        "interleave.abba_order": dict(n_configs=2, blocks=2),
        "interleave.run_interleaved": dict(calls={"a": lambda: None, "b": lambda: None}, blocks=2,
                                           clock=time.perf_counter, progress=None),
        "measured_k.tokens_per_pass": dict(rates=[0.7, 0.6]),
        "measured_k.speedups": measured, "measured_k.best_k": measured,
        "measured_k.tree_speedups": dict(measured, first_hits=[0.6, 0.8]),
        "measured_k.best_plan": dict(measured, first_hits=[0.6, 0.8]),
        "measured_k.alternatives_for": dict(measured, k=1, first_hits=[0.6, 0.8]),
        "measured_k.alpha_for_speedup": dict(goal=1.5, c=0.05, pass_costs=[1.0, 1.2, 1.3]),
        "measured_k.as_pass_costs": dict(pass_costs=[1.0, 1.2, 1.3]),
        "trees.branch_speedup": dict(hits=[[0.5, 0.6], [0.3, 0.4]], c=0.05,
                                                 pass_costs=[1.0, 1.1, 1.2, 1.3, 1.4], branches=[1, 1]),
        "trees.best_branches": dict(hits=[[0.5, 0.6], [0.3, 0.4]], c=0.05, pass_costs=[1.0, 1.1, 1.2, 1.3],
                                                every_depth=True),
        "temperature.tempered": dict(log_probs=np.log([0.2, 0.5, 0.3]), temperature=0.7),
        "temperature.log_of": dict(probs=[0.2, 0.5, 0.3]),
        "temperature.alpha_at_temperatures": dict(p_log=np.log(p), q_log=np.log(np.vstack([q, q])),
                                                  temperatures=[0.5, 1.0], chunk=1),
        "typical.typical_threshold": dict(p=p, epsilon=0.09, delta=0.3),
        "typical.typical_mask": dict(p=p, epsilon=0.09, delta=0.3),
        "typical.verify_typical": dict(p=p, q=q, draft_tokens=np.array([0]), rng=rng, epsilon=0.09, delta=0.3),
        "typical.typical_acceptance_rate": dict(p=p[:1], q=q, epsilon=0.09, delta=0.3),
        "typical.typical_output_law": dict(p=p[:1], q=q, epsilon=0.09, delta=0.3),
        "typical.total_variation": dict(a=p, b=p[::-1]),
        "typical.typical_tradeoff": dict(p=p, q=q, epsilons=[0.05, 0.1], delta=None),
        "roofline.weight_bytes": dict(params=7e9, bytes_per_param=2.0),
        "roofline.flops_per_token": dict(params=7e9),
        "roofline.kv_cache_bytes": dict(layers=32, kv_heads=8, head_dim=128, context=4096, bytes_per_value=2.0),
        "roofline.memory_seconds": dict(params=7e9, bandwidth=3.35e12, batch=4, bytes_per_param=2.0, kv_bytes=1e8),
        "roofline.compute_seconds": dict(params=7e9, peak_flops=989e12, tokens=5, batch=4),
        "roofline.arithmetic_intensity": dict(params=7e9, tokens=5, batch=4, bytes_per_param=2.0, kv_bytes=1e8),
        "roofline.ridge_point": dict(bandwidth=3.35e12, peak_flops=989e12),
        "roofline.attainable_flops": dict(intensity=10.0, bandwidth=3.35e12, peak_flops=989e12),
        "roofline.ridge_tokens": dict(bandwidth=3.35e12, peak_flops=989e12, bytes_per_param=2.0),
    }
    for name in ("step_seconds", "is_compute_bound"):
        ex[f"roofline.{name}"] = dict(hw, tokens=5, batch=4, bytes_per_param=2.0, kv_bytes=1e8)
    for name in ("verify_cost_ratio", "verify_growth"):
        ex[f"roofline.{name}"] = dict(hw, k=4, batch=4, bytes_per_param=2.0, kv_bytes=1e8)
    ex["roofline.batch_speedup"] = dict(hw, alpha=0.8, k=4, c=0.05, batch=4, bytes_per_param=2.0, kv_bytes=1e8)
    ex["roofline.breakeven_batch"] = dict(hw, alpha=0.8, k=4, c=0.05, bytes_per_param=2.0, kv_bytes=1e8)
    ex.update(_third_wave())
    return {_qualified(name): kwargs for name, kwargs in ex.items()}


def _third_wave() -> dict:
    """Rows for the engines (configuration, readers, fit), the draft map and the Wilson interval."""
    from speclab import engines
    from speclab.engines.example import AFTER
    from speclab.schedule import batch_schedule

    counters = engines.ChainCounters(drafts=1000, draft_tokens=3000, accepted=1200,
                                     accepted_per_position=(600, 400, 200), source="counters")
    drafts = [{"name": "prompt-lookup \u00b7 edit", "alpha": 0.6, "alpha_low": 0.5, "alpha_high": 0.7, "c": 0.02,
               "predicted": 1.8, "measured": 1.6},
              {"name": "early-exit:6 \u00b7 edit", "alpha": 0.4, "alpha_low": 0.3, "alpha_high": 0.5, "c": 0.3,
               "predicted": 0.9, "measured": 0.8}]
    return {
        "engines.check_engine_method": dict(engine="vllm", method="draft-model"),
        "engines.engine_config": dict(engine="vllm", k=4, method="draft-model", draft="org/draft", target="org/target"),
        "engines.vllm_schedule_config": dict(schedule=batch_schedule(0.8, 0.05, [1, 8, 64]), method="draft-model",
                                             draft="org/draft", target="org/target"),
        "engines.vllm_speculative_config": dict(k=4, method="draft-model", draft="org/draft"),
        "engines.ChainCounters": dict(drafts=1000, draft_tokens=3000, accepted=1200,
                                      accepted_per_position=(600, 400, 200), source="counters"),
        "engines.fit_profile": dict(counters=counters, cost=0.05, verify_growth=0.0, confidence=0.95),
        "engines.profile_report": dict(fit=engines.fit_profile(counters), source="counters"),
        "engines.read_vllm_metrics": dict(text=AFTER, source="scrape", model_name=None),
        "engines.read_sglang_metrics": dict(text='# TYPE sglang:spec_accept_length gauge\n'
                                                 'sglang:spec_accept_length{tp_rank="0"} 2.5\n', source="scrape"),
        "engines.read_sglang_server_info": dict(text=json.dumps({
            "speculative_num_steps": 5, "speculative_eagle_topk": 1,
            "internal_states": [{"avg_spec_accept_length": 3.2}]}), source="info"),
        "engines.read_llama_cpp_log": dict(text="n_draft   = 8\nn_predict = 129\nn_drafted = 176\nn_accept  = 107\n",
                                           source="log"),
        "engines.simulate_counters": dict(rates=[0.8, 0.6], drafts=1000, seed=0, source="simulated"),
        "engines.vllm_exposition": dict(counters=counters, model_name="target", engines=2),
        "stats.chi_square_test": dict(counts=[10, 12, 8], probs=[0.3, 0.4, 0.3]),
        "stats.chi_square_sf": dict(x=3.0, df=2),
        "stats.wilson_interval": dict(successes=7, trials=10, confidence=0.95),
        "plots.draft_map.best_speedup_grid": dict(alphas=[0.5, 0.7], cs=[0.05, 0.1], pass_costs=[1.0, 1.05, 1.1]),
        "plots.draft_map.plot_draft_map": dict(drafts=drafts, pass_costs=[1.0, 1.05, 1.1], c_max=0.6),
        "plots.engine_fit.plot_engine_fit": dict(fit=engines.fit_profile(counters)),
        **{f"files.{name}": kwargs for name, kwargs in _file_rows().items()},
    }


def _file_rows() -> dict:
    """speclab.files: a readable regular file (the module's own source), and a writable new path."""
    import tempfile

    from speclab import files

    source, out = files.__file__, os.path.join(tempfile.gettempdir(), "speclab-api-walk.out")
    return {"shown": dict(path=source), "as_path": dict(path=source, name="path"),
            "regular_file": dict(path=source, name="path", missing=None),
            "read_bytes": dict(path=source, name="path", limit=10**6, missing=None),
            "read_text": dict(path=source, name="path", limit=10**6, what="text"),
            "output_file": dict(path=out, name="path", make_folders=False)}


def _tradeoff(p, q):
    from speclab.typical import typical_tradeoff
    return typical_tradeoff(p, q, [0.05, 0.1])


def _qualified(name: str) -> str:
    return f"speclab.{name}"


# ----------------------------------------------------------------------------- enumeration

def public_callables() -> dict:
    """{qualified name: callable} over the front doors (`__all__`, else the module's own public defs)."""
    found = {}
    for module_name in FRONT_DOORS:
        module = importlib.import_module(module_name)
        names = getattr(module, "__all__", None)
        if names is None:
            names = [n for n, v in vars(module).items()
                     if not n.startswith("_") and getattr(v, "__module__", None) == module_name]
        for name in names:
            value = getattr(module, name)
            if inspect.ismodule(value) or not callable(value):
                continue
            found[f"{module_name}.{name}"] = value
    return found


def walked_arguments(fn, example: dict) -> list:
    """The arguments to walk: every parameter of `fn` but the cosmetic ones and *args/**kwargs."""
    params = inspect.signature(fn).parameters.values()
    return [p.name for p in params if p.name not in COSMETIC and p.name != "self"
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def missing_required(fn, example: dict) -> list:
    params = inspect.signature(fn).parameters.values()
    return [p.name for p in params if p.default is p.empty and p.name not in example
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


# ----------------------------------------------------------------------------- the child

class _Timeout(BaseException):
    """Raised by the per-call timer (a BaseException, so `except Exception` in the package cannot hide it)."""


def _has_nan(value, depth: int = 0) -> bool:
    if depth > 2:
        return False
    if isinstance(value, (float, np.floating)):
        return math.isnan(value)
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "fc" and bool(np.isnan(value).any())
    if isinstance(value, (list, tuple)):
        return any(_has_nan(v, depth + 1) for v in value[:1000])
    if isinstance(value, dict):
        return any(_has_nan(v, depth + 1) for v in list(value.values())[:1000])
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(_has_nan(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value))
    return False


def _call(name, fn, kwargs, arg, label, must_refuse=False, named=None,  # noqa: C901 - one branch per outcome
          bound=TIME_BOUND):
    """One call; a problem string, or None when the call behaved.

    must_refuse: the value can only be refused (a result is a problem); named: the words a refusal
    may name (default: the argument, and for a value of the wrong size any other argument).
    """
    import signal

    import matplotlib.pyplot as plt

    signal.setitimer(signal.ITIMER_REAL, bound)
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)      # numpy's overflow / invalid warnings
            result = fn(**kwargs)
    except _Timeout:
        return f"ran past {bound:g} s"
    except MemoryError:
        return f"MemoryError: needs more than the {MEMORY_CAP / 2**30:g} GiB address-space cap"
    except (ValueError, TypeError) as error:
        message = str(error)
        named = named or [arg] + (list(kwargs) if label in SHAPE_VALUES else [])
        named = named + [other.replace("_", " ") for other in named if "_" in other]     # draft_tokens: "draft tokens"
        if not any(re.search(rf"(?<![\w.]){re.escape(other)}(?!\w)", message) for other in named):
            return f"{type(error).__name__} not naming {arg!r}: {message[:200]}"
        return None
    except Exception as error:                                    # noqa: BLE001 - that is the finding
        return f"{type(error).__name__}: {str(error)[:200]}"
    except _WouldWork as error:
        return str(error)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        plt.close("all")
    elapsed = time.perf_counter() - start
    if elapsed > bound:
        return f"took {elapsed:.1f} s"
    if must_refuse:
        return f"accepted it (returned {_short(result)})"
    if name not in NAN_DOCUMENTED and _has_nan(result):
        return "returned NaN"
    return None


def _short(value) -> str:
    try:
        text = repr(value)
    except Exception:                                              # noqa: BLE001 - a repr that fails is still a value
        text = f"<{type(value).__name__}>"
    return " ".join(text.split())[:80]


def _takes_numbers(value) -> bool:
    """Whether a valid value is a real number, or numbers (so a string in its place must be refused)."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (int, float, np.integer, np.floating)):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "iuf"
    if isinstance(value, (list, tuple)) and value:
        return all(_takes_numbers(v) for v in value)
    return False


def cases(name: str, arg: str, valid) -> list:
    """(label, hostile value, must it be refused?) for one argument whose valid value is `valid`."""
    found = [(label, value, (label in STRINGS and _takes_numbers(valid))
              or ((name, arg) in COMMAND_NAMES and label == "'--trust-remote-code'"))
             for label, value in HOSTILE.items()]
    if arg == "text" and isinstance(valid, str):
        found += [(label, valid.translate(FULLWIDTH) if value is None else value, True)
                  for label, value in TEXTS.items()]
    return found


def walk() -> list:
    """Every (callable, argument, hostile value): the problems found, as dicts."""
    import copy

    table = examples()
    problems = []
    for name, fn in sorted(public_callables().items()):
        if name in SKIPPED or name not in table:
            continue
        defaults = {p.name: p.default for p in inspect.signature(fn).parameters.values()}
        for arg in walked_arguments(fn, table[name]):
            valid = table[name].get(arg, defaults.get(arg))
            for label, value, must_refuse in cases(name, arg, valid):
                kwargs = {k: copy.copy(v) for k, v in table[name].items()}
                kwargs[arg] = copy.copy(value)
                named = [arg, kwargs["source"]] if arg == "text" and isinstance(kwargs.get("source"), str) else None
                problem = _call(name, fn, kwargs, arg, label, must_refuse, named)
                if problem:
                    problems.append({"callable": name, "argument": arg, "value": label, "problem": problem})
    return problems


# ----------------------------------------------------------------------------- path arguments

class _WouldWork(BaseException):
    """Raised by a stand-in for training or a model load: the call went on to work with a path it
    should have refused (a BaseException, so `except Exception` cannot hide it)."""


def _refuse_work(what: str):
    def stand_in(*args, **kwargs):
        raise _WouldWork(f"went on to {what} instead of refusing the path first")
    return stand_in


#: Callables whose answer for any path is a value, not a refusal: they probe what is there (as_path
#: only checks the text of a path).
PROBES = {"speclab.real.training.store.is_draft_file", "speclab.real.training.shipped.shipped_fingerprint",
          "speclab.files.as_path"}
#: (callable, path) pairs accepted by contract: a huge regular file is still a regular file (whose
#: readers refuse it by size), and an output path where a regular file is.
ACCEPTED = {("speclab.files.regular_file", "a 6 GiB sparse file"), ("speclab.files.output_file", "a 6 GiB sparse file")}


def path_rows() -> dict:
    """{qualified name: (callable, valid arguments but the path, the path argument)} for every
    callable that reads or writes a path: speclab.files, and with torch the draft store, the
    shipped draft and a prompts file."""
    from speclab import files

    rows = {files.as_path: dict(name="path"), files.regular_file: dict(name="path"),
            files.read_bytes: dict(name="path", limit=10**6), files.read_text: dict(name="path", limit=10**6),
            files.output_file: dict(name="path", make_folders=True)}
    rows = {f"{fn.__module__}.{fn.__name__}": (fn, kwargs, "path") for fn, kwargs in rows.items()}
    try:
        import torch  # noqa: F401  (the draft store needs it)
    except ImportError:
        return rows
    return {**rows, **_real_path_rows()}


def _real_path_rows() -> dict:
    import torch
    import transformers

    from speclab.real.drafters.feature import FeatureDrafter
    from speclab.real.drafters.feature_head import FeatureHead
    from speclab.real.prompts import read_prompts
    from speclab.real.training import fit, shipped, store

    torch.manual_seed(0)
    config = transformers.GPT2Config(vocab_size=64, n_positions=64, n_embd=32, n_layer=1, n_head=2)
    target = transformers.GPT2LMHeadModel(config).eval()
    drafter = FeatureDrafter(target, FeatureHead(32, 16), vocab=list(range(1, 17)))
    fit.train_draft = _refuse_work("train a draft")          # load_offline_draft imports it at call time
    rows = {
        store.check_draft_path: (dict(name="--out"), "path"),
        store.is_draft_file: ({}, "path"),
        store.read_payload: ({}, "path"),
        store.load_draft: (dict(target=target), "path"),
        store.save_draft: (dict(drafter=drafter, record={}), "path"),
        store.load_offline_draft: (dict(target=target, tokenizer=None, progress=False), "path"),
        shipped.shipped_fingerprint: ({}, "path"),
        shipped.read_shipped_draft: (dict(target=target), "path"),
        shipped.write_shipped_draft: (dict(drafter=drafter, record={}), "path"),
        read_prompts: (dict(name="--prompts file"), "path"),
    }
    return {f"{fn.__module__}.{fn.__name__}": (fn, kwargs, arg) for fn, (kwargs, arg) in rows.items()}


def walk_paths(folder: str) -> list:
    """Every path callable with every hostile path: refused with one error naming the argument or
    the path (or, for a probe, any plain answer), fast, in bounded memory, never hanging on a FIFO
    or a device."""
    problems = []
    for i, (name, (fn, kwargs, arg)) in enumerate(sorted(path_rows().items())):
        own = os.path.join(folder, str(i))         # a fresh set each: a writer that fails may replace a path
        os.mkdir(own)
        for label, path in hostile_paths(own).items():
            named = [arg, own] + ([kwargs["name"]] if "name" in kwargs else [])
            must_refuse = name not in PROBES and (name, label) not in ACCEPTED
            problem = _call(name, fn, {**kwargs, arg: path}, arg, label, must_refuse=must_refuse,
                            named=named, bound=PATH_TIME_BOUND)
            if problem:
                problems.append({"callable": name, "argument": arg, "value": label, "problem": problem})
    return problems


# ----------------------------------------------------------------------------- the child

def _child(what: str, out: str) -> None:
    import resource
    import signal
    import tempfile

    import matplotlib
    matplotlib.use("Agg")

    def on_alarm(*_):
        raise _Timeout

    signal.signal(signal.SIGALRM, on_alarm)
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    with tempfile.TemporaryDirectory() as folder:
        problems = walk_paths(folder) if what == "paths" else walk()
    with open(out, "w", encoding="utf-8") as handle:       # not stdout: /dev/stdout is one of the paths
        handle.writelines(json.dumps(problem) + "\n" for problem in problems)


def run_child(what: str, tmp_path) -> list:
    """The problems the child walk `what` found (its stdout is a pipe, as under any test runner)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""),
               MPLBACKEND="Agg", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    out = tmp_path / f"{what}.jsonl"
    done = subprocess.run([sys.executable, os.path.abspath(__file__), what, str(out)], capture_output=True,
                          timeout=WALK_TIMEOUT, cwd=root, env=env)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def report(problems: list) -> None:
    """Fail with every problem not in KNOWN, one per line; warn about KNOWN entries that now pass."""
    unknown = [p for p in problems if (p["callable"], p["argument"]) not in KNOWN]
    fixed = sorted(set(KNOWN) - {(p["callable"], p["argument"]) for p in problems})
    if fixed:
        warnings.warn(f"KNOWN exceptions that now pass the walk (remove them from KNOWN): {fixed}")
    listing = "\n".join(f"{p['callable']}({p['argument']}={p['value']}): {p['problem']}" for p in unknown)
    assert not unknown, f"{len(unknown)} hostile calls misbehaved:\n{listing}"


# ----------------------------------------------------------------------------- the tests

def test_every_public_callable_has_an_example_or_a_reason():
    table, public = examples(), public_callables()
    unlisted = sorted(set(public) - set(table) - set(SKIPPED))
    assert not unlisted, f"public callables without a row in EXAMPLES (or a reason in SKIPPED): {unlisted}"
    stale = sorted((set(table) | set(SKIPPED)) - set(public))
    assert not stale, f"rows for names that are no longer public: {stale}"
    missing = {name: missing_required(public[name], kwargs) for name, kwargs in table.items()}
    assert not any(missing.values()), f"rows without a value for a required argument: {missing}"


def test_every_example_row_is_valid():
    """The walk's baseline: each row's call succeeds, so a refusal in the walk is the hostile value's."""
    import matplotlib
    import matplotlib.pyplot as plt

    matplotlib.use("Agg")
    public = public_callables()
    for name, kwargs in examples().items():
        try:
            public[name](**kwargs)
        finally:
            plt.close("all")


def test_hostile_arguments_get_a_named_error_or_a_sound_result(tmp_path):
    report(run_child("values", tmp_path))


def test_hostile_paths_are_refused_fast_and_in_bounded_memory(tmp_path):
    """Every path argument of the package, fed paths that are not plain files (see hostile_paths)."""
    report(run_child("paths", tmp_path))


if __name__ == "__main__":
    _child(*sys.argv[1:])
