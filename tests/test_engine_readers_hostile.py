"""Engine readers refuse what no engine writes, naming what is inconsistent; per-engine series are summed, and said.

Each case is a scrape or log an engine cannot produce (counts that contradict each other, a series
twice, digits outside ASCII, sizes far beyond any engine): one ValueError, fast, in bounded memory.
"""

import json
import time
import tracemalloc

import numpy as np
import pytest

from speclab.cli import main
from speclab.engines import (ChainCounters, fit_profile, profile_report, read_llama_cpp_log, read_sglang_metrics,
                             read_sglang_server_info, read_vllm_metrics, simulate_counters, vllm_exposition)
from speclab.engines.counters import MAX_ENGINE_K

COUNTERS = ChainCounters(100, 300, 90, (60, 30, 0))
ONE = vllm_exposition(COUNTERS)
TWO = vllm_exposition(COUNTERS, engines=2)
DRAFTS_LINE = 'vllm:spec_decode_num_drafts_total{engine="0",model_name="target"} 100.0'
ACCEPTED_LINE = 'vllm:spec_decode_num_accepted_tokens_total{engine="0",model_name="target"} 90.0'
POSITION_2 = 'vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="0",model_name="target",position="2"} 0.0'


def _refused(call, *words):
    """The call raises one ValueError holding every one of `words`, quickly and without a large allocation."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ValueError) as error:
            call()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert time.perf_counter() - start < 2.0 and peak < 64 * 2**20
    for word in words:
        assert word in str(error.value), str(error.value)
    return str(error.value)


def _replaced(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new)


# ----------------------------------------------------------------------------- vLLM: counts that contradict

def test_the_fixtures_read_back():
    assert read_vllm_metrics(ONE, "s") == ChainCounters(100, 300, 90, (60, 30, 0), source="s")
    assert read_vllm_metrics(TWO).accepted_per_position == (60, 30, 0)


@pytest.mark.parametrize("old, new, words", [
    (ACCEPTED_LINE, ACCEPTED_LINE.replace("} 90.0", "} 400.0"),
     ["s.txt: accepted = 400 draft tokens but only draft_tokens = 300 drafted"]),
    (ACCEPTED_LINE, ACCEPTED_LINE.replace("} 90.0", "} 91.0"), ["s.txt: accepted (91) differs from the sum over "
                                                               "positions (90)"]),
    ("num_draft_tokens_total{engine=\"0\",model_name=\"target\"} 300.0",
     "num_draft_tokens_total{engine=\"0\",model_name=\"target\"} 301.0",
     ["s.txt: draft_tokens = 301 in drafts = 100 rounds of at most k = 3: more than drafts x k = 300"]),
    (DRAFTS_LINE, DRAFTS_LINE.replace("} 100.0", "} 1e30"), ["s.txt: drafts is about 10**30", "2**63 - 1"]),
    (DRAFTS_LINE, DRAFTS_LINE.replace("} 100.0", "} 99999999999999999999999999"), ["drafts is about 10**26"]),
    (DRAFTS_LINE, DRAFTS_LINE.replace("} 100.0", "} 1" + "0" * 400), ["drafts is about 10**400"]),
    (DRAFTS_LINE, DRAFTS_LINE.replace("} 100.0", "} ５00"), ["s.txt: line", "not an ASCII number ('５00')"]),
    (DRAFTS_LINE, DRAFTS_LINE.replace("} 100.0", "} ١٠٠"), ["not an ASCII number"]),
    (POSITION_2, POSITION_2.replace('"2"', '"99999999"'), ["position 99,999,999", f"at most k = {MAX_ENGINE_K}"]),
    (POSITION_2, POSITION_2.replace('"2"', f'"{MAX_ENGINE_K}"'), [f"position {MAX_ENGINE_K:,}"]),
    (POSITION_2, POSITION_2.replace('"2"', '"٢"'), ["without a whole-number position label", "ASCII digits"]),
    (POSITION_2, POSITION_2.replace('"2"', '"２"'), ["without a whole-number position label"]),
    (POSITION_2, POSITION_2.replace('"2"', '"00"'), ["position 0 twice"]),
    (POSITION_2, POSITION_2 + "\n" + POSITION_2.replace("_total", ""), ["appears twice"]),
    (DRAFTS_LINE, DRAFTS_LINE + "\n" + DRAFTS_LINE, ['series vllm:spec_decode_num_drafts{engine="0",'
                                                     'model_name="target"} appears twice']),
])
def test_a_single_engine_scrape_no_vllm_writes_is_refused(old, new, words):
    _refused(lambda: read_vllm_metrics(_replaced(ONE, old, new), "s.txt"), *words)


@pytest.mark.parametrize("text", [ONE + ONE, TWO + TWO])
def test_a_scrape_pasted_twice_is_refused_not_counted_twice(text):
    _refused(lambda: read_vllm_metrics(text, "both.txt"), "both.txt: the series", "appears twice")


def test_each_engine_is_checked_before_the_sum():
    """Engine 0 accepts more than it drafted; the sums alone would look possible."""
    tokens = 'vllm:spec_decode_num_draft_tokens_total{{engine="{}",model_name="target"}} {}'
    moved = _replaced(_replaced(TWO, tokens.format(0, "150.0"), tokens.format(0, "40.0")),
                      tokens.format(1, "150.0"), tokens.format(1, "260.0"))        # totals unchanged: 300
    message = _refused(lambda: read_vllm_metrics(moved, "s.txt"),
                       's.txt {engine="0"}: ', "accepted cannot exceed drafted")
    assert "engine=\"1\"" not in message


def test_an_engine_without_all_four_counters_is_refused():
    text = "\n".join(line for line in TWO.splitlines()
                     if not line.startswith('vllm:spec_decode_num_accepted_tokens_total{engine="1"'))
    _refused(lambda: read_vllm_metrics(text + "\n", "s.txt"),
             's.txt: the series {engine="1"} has no vllm:spec_decode_num_accepted_tokens counter')


def test_engines_with_different_k_are_refused():
    three = vllm_exposition(ChainCounters(50, 100, 30, (20, 10)), model_name="target")
    other = three.replace('engine="0"', 'engine="1"')
    _refused(lambda: read_vllm_metrics(ONE + "\n".join(l for l in other.splitlines() if not l.startswith("#")) + "\n"),
             "count different numbers of draft positions", 'text {engine="0"}: 3', 'text {engine="1"}: 2')


# ----------------------------------------------------------------------------- vLLM: summing, and saying so

def test_engines_are_summed_and_the_counters_say_so():
    counters = read_vllm_metrics(vllm_exposition(COUNTERS, engines=3))
    assert counters == ChainCounters(100, 300, 90, (60, 30, 0), source="text",
                                     summed="summed over 3 series differing only by label engine")
    assert read_vllm_metrics(ONE).summed == ""


def test_other_differing_labels_are_named():
    pods = []
    for pod in ("a", "b"):
        text = vllm_exposition(COUNTERS, engines=2).replace('model_name="target"', f'model_name="target",pod="{pod}"')
        pods += [line for line in text.splitlines() if not line.startswith("#")]
    counters = read_vllm_metrics("\n".join(pods) + "\n")
    assert counters.drafts == 200 and counters.accepted_per_position == (120, 60, 0)
    assert counters.summed == "summed over 4 series differing only by labels engine, pod"


@pytest.mark.parametrize("seed", range(6))
def test_vllm_exposition_splits_counts_the_way_engines_could_have_counted_them(seed):
    rng = np.random.default_rng(seed)
    rates = rng.uniform(0.1, 0.95, size=int(rng.integers(1, 7)))
    full = simulate_counters(rates, int(rng.integers(0, 500)), seed=rng)
    short = full.drafts * full.k - int(rng.integers(0, full.drafts * full.k - full.accepted + 1))
    counters = ChainCounters(full.drafts, short, full.accepted, full.accepted_per_position)
    for engines in (2, 3, 7):
        back = read_vllm_metrics(vllm_exposition(counters, engines=engines))   # every engine checked on its own
        assert (back.drafts, back.draft_tokens, back.accepted, back.accepted_per_position) == \
            (counters.drafts, counters.draft_tokens, counters.accepted, counters.accepted_per_position)


def test_the_note_reaches_the_fit_the_report_and_the_window():
    window = read_vllm_metrics(vllm_exposition(ChainCounters(300, 900, 270, (180, 90, 0)), engines=2), "after") \
        .since(read_vllm_metrics(TWO, "before"))
    assert window.drafts == 200 and window.summed == "summed over 2 series differing only by label engine"
    fit = fit_profile(window)
    assert fit.summed == window.summed and fit.to_dict()["summed"] == window.summed
    assert "note: the counts are summed over 2 series differing only by label engine" in profile_report(fit, "w")
    single = fit_profile(read_vllm_metrics(ONE))
    assert single.to_dict()["summed"] == "" and "note: the counts are" not in profile_report(single, "one")


def test_the_command_line_prints_the_note(tmp_path, capsys):
    scrape = tmp_path / "m.txt"
    scrape.write_text(TWO)
    assert main(["fit", "--vllm-metrics", str(scrape)]) == 0
    assert "summed over 2 series differing only by label engine" in capsys.readouterr().out
    assert main(["fit", "--vllm-metrics", str(scrape), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["summed"] == "summed over 2 series differing only by label engine"


@pytest.mark.parametrize("text, words", [
    (ONE + ONE, "appears twice"),
    (_replaced(ONE, ACCEPTED_LINE, ACCEPTED_LINE.replace("} 90.0", "} 91.0")), "differs from the sum over positions"),
    (_replaced(ONE, POSITION_2, POSITION_2.replace('"2"', '"99999999"')), "position 99,999,999"),
])
def test_the_command_line_refuses_them_in_one_line(tmp_path, text, words, capsys):
    scrape = tmp_path / "m.txt"
    scrape.write_text(text)
    assert main(["fit", "--vllm-metrics", str(scrape)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and words in captured.err


# ----------------------------------------------------------------------------- ChainCounters itself

@pytest.mark.parametrize("args, words", [
    ((10, 20, 11, (8, 4)), "accepted (11) differs from the sum over positions (12)"),
    ((10, 10, 12, (8, 4)), "accepted cannot exceed drafted"),
    ((10, 21, 12, (8, 4)), "more than drafts x k = 20"),
    ((2**63, 10, 0, (0,)), "drafts is about 10**19"),
    ((10, 10, 0, (0,) * (MAX_ENGINE_K + 1)), f"holds at most k = {MAX_ENGINE_K}"),
])
def test_chain_counters_refuse_counts_no_engine_keeps(args, words):
    _refused(lambda: ChainCounters(*args), words)


def test_a_million_positions_are_refused_before_they_are_read():
    positions = range(10**9)                         # len() is known; nothing is iterated
    _refused(lambda: ChainCounters(10, 10, 0, positions), "1,000,000,000 draft positions")


def test_counts_up_to_int64_still_fit():
    big = ChainCounters(10**18, 3 * 10**18, 9 * 10**17, (6 * 10**17, 3 * 10**17, 0))
    fit = fit_profile(big)
    assert fit.conditional[0] == pytest.approx(0.6) and fit.best_k >= 1


# ----------------------------------------------------------------------------- SGLang

def test_sglang_server_info_nested_100000_deep_is_refused():
    for text in ("[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000):
        _refused(lambda: read_sglang_server_info(text, "i.json"), "i.json nests JSON too deeply")


@pytest.mark.parametrize("info, words", [
    ({"avg_spec_accept_length": 4.5, "speculative_num_steps": 3}, "avg_spec_accept_length is 4.5, above k + 1 = 4"),
    ({"avg_spec_accept_length": 1e308, "speculative_num_steps": 3}, "above k + 1 = 4"),
    ({"avg_spec_accept_length": 1e308}, f"above k + 1 = {MAX_ENGINE_K + 1}"),
    ({"avg_spec_accept_length": 10**4000}, "about 10**4000"),
    ({"avg_spec_accept_length": 2, "speculative_num_steps": 10**30}, "speculative_num_steps must be a whole number"),
    ({"avg_spec_accept_length": 2, "speculative_num_steps": 10**4000}, "got about 10**4000"),
    ({"avg_spec_accept_length": 2, "speculative_eagle_topk": MAX_ENGINE_K + 1}, "speculative_eagle_topk must be"),
])
def test_sglang_server_info_no_server_writes_is_refused(info, words):
    _refused(lambda: read_sglang_server_info(json.dumps(info), "i.json"), "i.json: ", words)


def test_sglang_gauge_bounds_duplicates_and_averaging():
    two = 'sglang:spec_accept_length{tp_rank="0"} 2.5\nsglang:spec_accept_length{tp_rank="1"} 2.7\n'
    report = read_sglang_metrics(two)
    assert report.length == pytest.approx(2.6)
    assert report.averaged == "averaged over 2 series differing only by label tp_rank"
    assert read_sglang_metrics(two, k=2).k == 2
    _refused(lambda: read_sglang_metrics(two, "g.txt", k=1), "g.txt: sglang:spec_accept_length is 2.6, above k + 1 = 2")
    _refused(lambda: read_sglang_metrics(two + two, "g.txt"), "g.txt: the series sglang:spec_accept_length", "twice")
    _refused(lambda: read_sglang_metrics("sglang:spec_accept_length 1e308\n"), f"above k + 1 = {MAX_ENGINE_K + 1}")
    _refused(lambda: read_sglang_metrics("sglang:spec_accept_length 1" + "0" * 400 + "\n"), "about 10**400")
    _refused(lambda: read_sglang_metrics("sglang:spec_accept_length ３\n", "g.txt"), "not an ASCII number")


# ----------------------------------------------------------------------------- llama.cpp

@pytest.mark.parametrize("log, words", [
    (f"n_draft   = {10**30}\nn_drafted = 10\nn_accept  = 5\n", "n_draft = '1000000000000000000000000000000'"),
    (f"n_draft   = {MAX_ENGINE_K + 1}\nn_drafted = 10\nn_accept  = 5\n", f"at most k = {MAX_ENGINE_K}"),
    ("n_draft   = 8\nn_drafted = ٣٠\nn_accept  = 5\n", "n_drafted = '٣٠' is not a count"),
    ("n_draft   = 8\nn_drafted = 30\nn_accept  = ５\n", "n_accept = '５' is not a count"),
    ("n_draft   = ８\nn_drafted = 30\nn_accept  = 5\n", "n_draft = '８'"),
    ("n_draft   = 8\nn_drafted = " + "9" * 5000 + "\nn_accept  = 5\n", "ASCII digits, at most 2**63 - 1"),
    ("n_draft   = 8\nn_drafted = 30\nn_accept  = 31\n", "31 accepted of 30 drafted"),
    ("draft acceptance rate = 0.90000 (   50 accepted /    80 generated)\n", "is not 50 / 80"),
    ("draft acceptance rate = 1.20000 (   96 accepted /    80 generated)\n", "accepted 96 of 80 draft tokens"),
    ("draft acceptance rate = 0.50000 (   ٥ accepted /    10 generated)\n", "accepted = '٥' is not a count"),
])
def test_llama_cpp_logs_no_run_prints_are_refused(log, words):
    _refused(lambda: read_llama_cpp_log(log, "l.log"), "l.log: ", words)


def test_llama_cpp_rates_rounded_to_five_decimals_still_read():
    log = "draft acceptance rate = 0.33333 (    1 accepted /     3 generated)\n" * 2
    assert (read_llama_cpp_log(log).accepted, read_llama_cpp_log(log).drafted) == (2, 6)


# ----------------------------------------------------------------------------- the API's own arguments

def _deep(depth=100_000):
    value = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("call, words", [
    (lambda: ChainCounters(_deep(), 10, 0, (0,)), "drafts must be a count"),
    (lambda: ChainCounters(10, 10, 0, _deep()), "accepted_per_position[0] must be a count"),
    (lambda: ChainCounters(1000, 10**12, 0, (0, 0, 0)), "draft_tokens = 1,000,000,000,000 in drafts = 1,000"),
    (lambda: profile_report(2.5, "s"), "fit must be a ProfileFit"),
    (lambda: profile_report(fit_profile(COUNTERS), _deep()), "source must be a str"),
])
def test_api_arguments_get_one_named_error(call, words):
    _refused(call, words)
