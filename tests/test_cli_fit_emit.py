"""`speclab fit` and `speclab plan --emit`: numbers from the package, configurations engines parse."""

import json
import re

import pytest

import speclab as sl
from speclab import metrics
from speclab.cli import main
from speclab.engines import engine_config, vllm_speculative_config


def test_fit_json_is_one_object_with_the_three_keys(capsys):
    assert main(["fit", "--mean-acceptance-length", "2.9", "--bonus", "included", "--k", "4", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    expected = metrics.fit(2.9, 4, cost=0.05)
    assert set(out) == {"alpha", "best_k", "speedup"}
    assert out["alpha"] == pytest.approx(expected.alpha) and out["best_k"] == expected.best_k
    assert out["speedup"] == pytest.approx(expected.speedup)


def test_fit_text_names_alpha_best_k_and_speedup(capsys):
    assert main(["fit", "--mean-acceptance-length", "2.9", "--bonus", "included", "--k", "4", "--cost", "0.1"]) == 0
    out = capsys.readouterr().out
    expected = metrics.fit(2.9, 4, cost=0.1)
    assert f"alpha = {expected.alpha:.4f}" in out and f"best k = {expected.best_k}" in out
    assert f"{expected.speedup:.3f}x" in out


def _json_in_quotes(text: str) -> dict:
    return json.loads(re.search(r"--speculative-config '(\{.*?\})'", text).group(1))


def test_plan_emits_vllm_config_for_the_optimal_k(capsys):
    assert main(["plan", "--alpha", "0.8", "--cost", "0.05", "--emit", "vllm", "--draft", "my/draft"]) == 0
    config = _json_in_quotes(capsys.readouterr().out)
    assert config == {"model": "my/draft", "num_speculative_tokens": sl.optimal_k(0.8, 0.05, k_max=12)}


def test_vllm_methods():
    assert vllm_speculative_config(3, "eagle", "d") == {"method": "eagle", "model": "d", "num_speculative_tokens": 3}
    ngram = _json_in_quotes(engine_config("vllm", 5, "ngram"))
    assert ngram["method"] == "ngram" and ngram["num_speculative_tokens"] == 5 and "model" not in ngram


def test_sglang_chain_verifies_k_plus_one_tokens():
    text = engine_config("sglang", 5, "eagle", draft="d", target="t")
    flags = dict(re.findall(r"--([a-z-]+) (\S+)", text))
    assert flags["speculative-algorithm"] == "EAGLE" and flags["speculative-num-steps"] == "5"
    assert flags["speculative-eagle-topk"] == "1" and flags["speculative-num-draft-tokens"] == "6"
    assert flags["model-path"] == "t" and flags["speculative-draft-model-path"] == "d"


def test_hf_assisted_generation_and_prompt_lookup():
    assert "num_assistant_tokens=7" in engine_config("hf", 7)
    assert 'num_assistant_tokens_schedule="constant"' in engine_config("hf", 7)
    assert "prompt_lookup_num_tokens=9" in engine_config("hf", 9, "ngram")


def test_fit_emit_uses_best_k_and_k_zero_turns_speculation_off(capsys):
    assert main(["fit", "--mean-acceptance-length", "1.0", "--bonus", "included", "--k", "4", "--emit", "vllm"]) == 0
    out = capsys.readouterr().out
    assert "best k = 0" in out and "without a speculative setting" in out and "--speculative-config" not in out


@pytest.mark.parametrize("argv, words", [
    (["fit", "--mean-acceptance-length", "6", "--bonus", "included", "--k", "4"],
     "mean_acceptance_length must lie in [1, k + 1]"),
    (["fit", "--mean-acceptance-length", "2", "--bonus", "included", "--k", "0"], "k must be a whole number >= 1"),
    (["fit", "--mean-acceptance-length", "2", "--bonus", "included", "--k", "4", "--cost", "-0.1"],
     "cost must be a finite number >= 0"),
    (["fit", "--mean-acceptance-length", "x", "--k", "4"], "invalid float value"),
    (["fit", "--k", "4"], "one of the arguments --mean-acceptance-length"),
    (["fit", "--mean-acceptance-length", "2.9", "--k", "4"], "needs --bonus included|excluded"),
    (["plan", "--alpha", "0.8", "--cost", "0.1", "--emit", "tgi"], "invalid choice"),
    (["plan", "--alpha", "0.8", "--cost", "0.1", "--emit", "hf", "--method", "eagle"], "not available in Hugging Face"),
    (["fit", "--mean-acceptance-length", "2", "--bonus", "included", "--k", "4", "--emit", "sglang", "--method", "ngram"],
     "not emitted for sglang"),
])
def test_bad_arguments_exit_2_with_one_line(argv, words, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert words in captured.err and captured.err.count("\n") == 1 and captured.out == ""


def test_fit_says_when_the_cap_forced_k_zero(capsys):
    from speclab import cli

    argv = ["fit", "--mean-acceptance-length", "3.5", "--bonus", "included", "--k", "4", "--emit", "vllm"]
    assert cli.main(argv + ["--k-max", "0"]) == 0
    capped = capsys.readouterr().out
    assert "only because the cap --k-max 0 forced it" in capped and "does not pay" not in capped
    assert cli.main(["fit", "--mean-acceptance-length", "1.0", "--bonus", "included", "--k", "4", "--emit", "vllm",
                     "--k-max", "0"]) == 0
    assert "forced" not in capsys.readouterr().out      # nothing pays here, cap or no cap
