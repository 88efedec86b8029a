"""Engine reports: each engine's documented format parses, simulated counters fit back, windows, bad input."""

import math

import matplotlib
import numpy as np
import pytest
from scipy import stats

matplotlib.use("Agg")

from speclab import measured_k, roofline as rl, theory  # noqa: E402
from speclab.engines import (ChainCounters, fit_profile, read_llama_cpp_log, read_sglang_metrics,  # noqa: E402
                                    read_sglang_server_info, read_vllm_metrics, simulate_counters,
                                    vllm_exposition)
from speclab.engines import example  # noqa: E402
from speclab.schedule import batch_schedule  # noqa: E402

PROFILE = [0.9, 0.75, 0.6, 0.5, 0.4]

# A vLLM v1 scrape as its /metrics endpoint serves it: other metrics around, `_created` samples,
# two data-parallel engines (labels as vllm/v1/metrics/loggers.py sets them).
VLLM_SCRAPE = """\
# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="m"} 3.0
# HELP vllm:spec_decode_num_drafts_total Number of spec decoding drafts.
# TYPE vllm:spec_decode_num_drafts_total counter
vllm:spec_decode_num_drafts_total{engine="0",model_name="m"} 600.0
vllm:spec_decode_num_drafts_total{engine="1",model_name="m"} 400.0
# HELP vllm:spec_decode_num_drafts_created Number of spec decoding drafts.
# TYPE vllm:spec_decode_num_drafts_created gauge
vllm:spec_decode_num_drafts_created{engine="0",model_name="m"} 1.7e+09
# TYPE vllm:spec_decode_num_draft_tokens_total counter
vllm:spec_decode_num_draft_tokens_total{engine="0",model_name="m"} 1800.0
vllm:spec_decode_num_draft_tokens_total{engine="1",model_name="m"} 1200.0
# TYPE vllm:spec_decode_num_accepted_tokens_total counter
vllm:spec_decode_num_accepted_tokens_total{engine="0",model_name="m"} 900.0
vllm:spec_decode_num_accepted_tokens_total{engine="1",model_name="m"} 550.0
# TYPE vllm:spec_decode_num_accepted_tokens_per_pos_total counter
vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="0",model_name="m",position="0"} 450.0
vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="0",model_name="m",position="1"} 300.0
vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="0",model_name="m",position="2"} 150.0
vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="1",model_name="m",position="0"} 300.0
vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="1",model_name="m",position="1"} 170.0
vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="1",model_name="m",position="2"} 80.0
"""

# SGLang's /metrics (labels as its collector sets them, one series per tensor-parallel rank).
SGLANG_SCRAPE = """\
# HELP sglang:spec_accept_length The average acceptance length of speculative decoding.
# TYPE sglang:spec_accept_length gauge
sglang:spec_accept_length{dp_rank="0",engine_type="unified",model_name="m",tp_rank="0"} 2.5
sglang:spec_accept_length{dp_rank="0",engine_type="unified",model_name="m",tp_rank="1"} 2.5
# HELP sglang:num_running_reqs The number of running requests.
# TYPE sglang:num_running_reqs gauge
sglang:num_running_reqs{engine_type="unified",model_name="m",tp_rank="0"} 4.0
"""

SGLANG_INFO = ('{"model_path": "m", "speculative_algorithm": "EAGLE", "speculative_num_steps": 3, '
               '"speculative_eagle_topk": 1, "speculative_num_draft_tokens": 4, '
               '"internal_states": [{"last_gen_throughput": 120.5, "avg_spec_accept_length": 2.75}]}')

# llama.cpp examples/speculative: the summary it prints at the end of a run.
LLAMA_EXAMPLE_LOG = """\
encoded   18 tokens in    0.151 seconds, speed:  119.205 t/s
decoded  129 tokens in    2.092 seconds, speed:   61.663 t/s

n_draft   = 8
n_predict = 129
n_drafted = 176
n_accept  = 107
accept    = 60.795%
"""

# llama-server: one line per finished request.
LLAMA_SERVER_LOG = """\
slot print_timing: id  0 | task 0 | draft acceptance rate = 0.62500 (   50 accepted /    80 generated)
slot print_timing: id  0 | task 3 | draft acceptance rate = 0.50000 (   10 accepted /    20 generated)
"""


# ----------------------------------------------------------------------------- formats parse

def test_a_vllm_scrape_sums_its_engines():
    counters = read_vllm_metrics(VLLM_SCRAPE)
    assert (counters.drafts, counters.draft_tokens, counters.accepted) == (1000, 3000, 1450)
    assert counters.accepted_per_position == (750, 470, 230) and counters.k == 3
    assert counters.mean_acceptance_length == pytest.approx(2.45)


def test_counters_exported_like_vllm_read_back_exactly():
    counters = simulate_counters(PROFILE, 12345, seed=4)
    for engines in (1, 3):
        back = read_vllm_metrics(vllm_exposition(counters, engines=engines))
        assert back.accepted_per_position == counters.accepted_per_position
        assert (back.drafts, back.draft_tokens, back.accepted) == (counters.drafts, counters.draft_tokens,
                                                                   counters.accepted)


def test_one_model_of_several_is_chosen_by_name():
    two = vllm_exposition(simulate_counters(PROFILE, 100, seed=1), model_name="a") + \
        vllm_exposition(simulate_counters(PROFILE[:2], 50, seed=2), model_name="b")
    with pytest.raises(ValueError, match="several models"):
        read_vllm_metrics(two)
    assert read_vllm_metrics(two, model_name="b").drafts == 50


def test_sglang_gauge_and_server_info():
    assert read_sglang_metrics(SGLANG_SCRAPE).length == 2.5
    info = read_sglang_server_info(SGLANG_INFO)
    assert (info.length, info.k, info.topk) == (2.75, 3, 1)
    assert read_sglang_server_info('{"avg_spec_accept_length": 3.0}').length == 3.0


def test_llama_cpp_example_and_server_logs():
    run = read_llama_cpp_log(LLAMA_EXAMPLE_LOG)
    assert (run.drafted, run.accepted, run.k) == (176, 107, 8)
    server = read_llama_cpp_log(LLAMA_SERVER_LOG)
    assert (server.drafted, server.accepted, server.k) == (100, 60, None)


# ----------------------------------------------------------------------------- the fit

def test_simulated_counters_fit_back_within_their_intervals():
    """50,000 rounds from a known profile: every true rate inside its 99.99% interval."""
    fit = fit_profile(simulate_counters(PROFILE, 50_000, seed=11), confidence=0.9999)
    assert np.all(fit.low <= PROFILE) and np.all(np.asarray(PROFILE) <= fit.high)
    assert np.all(fit.high - fit.low < 0.05)          # and the intervals are informative


def test_wilson_intervals_cover_about_95_percent():
    truth = np.array([0.9, 0.7, 0.5, 0.3])
    hits = [np.sum((f.low <= truth) & (truth <= f.high))
            for f in (fit_profile(simulate_counters(truth, 2000, seed=s)) for s in range(100))]
    assert 0.91 <= np.sum(hits) / 400 <= 0.99


def test_iid_alpha_is_the_pooled_maximum_likelihood_and_fits_iid_counters():
    fit = fit_profile(simulate_counters([0.7] * 5, 40_000, seed=5), confidence=0.9999)
    assert fit.alpha == pytest.approx(fit.accepted.sum() / fit.tries.sum())
    assert fit.alpha_low <= 0.7 <= fit.alpha_high


def test_likelihood_ratio_test_is_scipys_g_test():
    fit = fit_profile(simulate_counters(PROFILE, 3000, seed=8))
    table = np.array([fit.accepted, fit.tries - fit.accepted])
    g, p, dof, _ = stats.chi2_contingency(table, correction=False, lambda_="log-likelihood")
    assert fit.lr_statistic == pytest.approx(g) and fit.p_value == pytest.approx(p) and dof == fit.k - 1


def test_the_test_rejects_a_falling_profile_and_keeps_iid_at_its_level():
    assert fit_profile(simulate_counters(PROFILE, 20_000, seed=2)).p_value < 1e-6
    small = [fit_profile(simulate_counters([0.7] * 4, 1000, seed=s)).p_value < 0.2 for s in range(100)]
    assert 0.08 <= np.mean(small) <= 0.34


def test_best_k_is_measured_ks_optimum_over_the_measured_rates():
    rates = np.array([0.8, 0.6, 0.5, 0.35, 0.3, 0.2])
    reached = np.round(10**7 * np.cumprod(rates)).astype(int)
    counters = ChainCounters(10**7, 6 * 10**7, int(reached.sum()), tuple(reached))
    for cost, growth in ((0.02, 0.0), (0.1, 0.0), (0.05, 0.1), (0.5, 0.0)):
        fit = fit_profile(counters, cost=cost, verify_growth=growth)
        costs = 1.0 + growth * np.arange(7)
        assert fit.best_k == measured_k.best_k(rates, cost, costs)
        assert fit.speedup == pytest.approx(measured_k.speedups(rates, cost, costs)[fit.best_k], rel=1e-6)
        assert fit.iid_best_k == theory.optimal_k(fit.alpha, cost, k_max=6, verify_growth=growth)


def test_the_constructed_example_says_what_the_notebook_says():
    window = read_vllm_metrics(example.AFTER).since(read_vllm_metrics(example.BEFORE))
    fit = fit_profile(window, cost=0.05)
    assert window.drafts == 12_000 and fit.k == 5
    assert (fit.best_k, fit.iid_best_k) == (4, 5)
    assert round(fit.speedup, 2) == 2.34 and round(fit.speedups[5], 2) == 2.29 and round(fit.alpha, 2) == 0.66
    assert round(fit.conditional[0], 2) == 0.83 and round(fit.conditional[4], 2) == 0.38
    schedule = batch_schedule(fit.conditional, 0.05, [1, 8, 32, 128], params=8e9, bytes_per_param=0.5)
    assert schedule.ranges[0] == (1, 7, 4) and schedule.ranges[1][2] < 4 and schedule.ranges[-1][2] == 0


# ----------------------------------------------------------------------------- windows and bad input

def test_two_scrapes_give_the_window():
    rng = np.random.default_rng(3)
    first, second = simulate_counters(PROFILE, 2000, seed=rng), simulate_counters(PROFILE, 5000, seed=rng)
    total = ChainCounters(7000, 35_000, first.accepted + second.accepted,
                          tuple(np.add(first.accepted_per_position, second.accepted_per_position)))
    window = read_vllm_metrics(vllm_exposition(total)).since(read_vllm_metrics(vllm_exposition(first)))
    assert window.accepted_per_position == second.accepted_per_position and window.drafts == 5000


def _scrape(drafts=100, per_pos=(60, 30), accepted=None, extra=""):
    counters = ChainCounters(drafts, drafts * len(per_pos), sum(per_pos) if accepted is None else accepted, per_pos)
    return vllm_exposition(counters) + extra


@pytest.mark.parametrize("call, words", [
    (lambda: read_vllm_metrics(_scrape(50, (20, 10))).since(read_vllm_metrics(_scrape(100), "early")),
     "went backwards"),
    (lambda: read_vllm_metrics(_scrape().replace('position="1"', 'position="2"'), "scrape.txt"),
     "scrape.txt: vllm:spec_decode_num_accepted_tokens_per_pos lacks position 1"),
    (lambda: fit_profile(read_vllm_metrics(_scrape(0, (0, 0)))), "zero drafts"),
    (lambda: read_vllm_metrics(_scrape().replace("} 100.0", "} NaN"), "s.txt"), "s.txt: vllm:spec_decode_num_drafts is nan"),
    (lambda: read_vllm_metrics("<html><body>502 Bad Gateway</body></html>", "g.txt"),
     "g.txt is not Prometheus text exposition"),
    (lambda: read_vllm_metrics(SGLANG_SCRAPE, "x.txt"), "x.txt has no vllm:spec_decode_num_drafts_total"),
    (lambda: read_vllm_metrics(_scrape().replace("} 100.0", "} 1.5"), "f.txt"), "f.txt: drafts must be a count"),
    (lambda: ChainCounters(10, 20, 5, (3, 7)), "never grow with the position"),
    (lambda: read_sglang_metrics(VLLM_SCRAPE, "v.txt"), "v.txt has no sglang:spec_accept_length"),
    (lambda: read_sglang_server_info("{not json", "i.json"), "i.json is not JSON"),
    (lambda: read_sglang_server_info('{"avg_spec_accept_length": 0.0}', "i.json"), "below 1"),
    (lambda: read_sglang_server_info('{"avg_spec_accept_length": 2, "speculative_eagle_topk": 1.5}', "i"),
     "speculative_eagle_topk must be a whole number"),
    (lambda: read_llama_cpp_log("n_drafted = 0\nn_accept  = 0\n", "l.log"), "l.log: zero tokens drafted"),
    (lambda: read_llama_cpp_log("n_drafted = 10\n", "l.log"), "has n_drafted but not n_accept"),
    (lambda: read_llama_cpp_log("hello\n", "l.log"), "l.log has neither"),
    (lambda: fit_profile(simulate_counters(PROFILE, 10, seed=0), confidence=1.5), "confidence must lie in"),
])
def test_bad_reports_give_one_clear_error(call, words):
    with pytest.raises(ValueError) as error:
        call()
    assert words in str(error.value)


# ----------------------------------------------------------------------------- schedule and figure

@pytest.mark.parametrize("alpha, bytes_per_param", [(0.6, 2.0), (0.8, 0.5), (0.9, 0.5)])
def test_schedule_stops_where_the_roofline_breakeven_says(alpha, bytes_per_param):
    hw = (7e9, rl.H100_SXM.bandwidth, rl.H100_SXM.peak_flops)
    schedule = batch_schedule(alpha, 0.05, [1, 8, 32, 128], bytes_per_param=bytes_per_param, k_max=8)
    edge = max(rl.breakeven_batch(alpha, k, 0.05, *hw, bytes_per_param) for k in range(1, 9))
    assert schedule.off_above == math.floor(edge)
    starts = [lo for lo, _, _ in schedule.ranges]
    assert starts[0] == 1 and all(hi + 1 == nxt for (_, hi, _), nxt in zip(schedule.ranges, starts[1:]))
    assert schedule.ranges[-1] == (schedule.off_above + 1, 1024, 0)
    for lo, hi, k in schedule.ranges[:-1]:        # each k is the best mean speedup over its range
        batches = np.arange(lo, hi + 1)
        means = [rl.batch_speedup(alpha, kk, 0.05, *hw, batches, bytes_per_param).mean() for kk in range(1, 9)]
        assert k == int(np.argmax(means)) + 1


def test_plot_engine_fit_draws_the_profile_and_the_iid_curve():
    from speclab.plots.engine_fit import plot_engine_fit

    fit = fit_profile(simulate_counters(PROFILE, 5000, seed=1))
    fig = plot_engine_fit(fit)
    ax = fig.axes[0]
    assert len(ax.containers) == 1 and len(ax.containers[0].lines[0].get_xdata()) == fit.k
    assert any(len(line.get_ydata()) == 5 and np.allclose(line.get_ydata(), fit.alpha ** np.arange(1, 6))
               for line in ax.lines)
