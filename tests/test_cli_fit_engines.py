"""`speclab fit` on engine reports, `plan --batch-sizes`, and emitted commands that cannot inject."""

import ast
import json
import shlex
import warnings

import numpy as np
import pytest

from speclab import metrics
from speclab.cli import main
from speclab.engines import ChainCounters, fit_profile, read_vllm_metrics, simulate_counters, vllm_exposition
from speclab.engines import engine_config
from speclab.schedule import batch_schedule

PROFILE = [0.85, 0.7, 0.55, 0.45]
HOSTILE_DRAFT = "x'; touch /tmp/pwned; echo '"
HOSTILE_TARGET = 'm"); import os; os.system("id"); ("'
SPACED = "my models/draft v2"


@pytest.fixture
def scrapes(tmp_path):
    """Two vLLM scrapes of one server run (before, after) and the counters of the window between."""
    rng = np.random.default_rng(7)
    first, window = simulate_counters(PROFILE, 3000, seed=rng), simulate_counters(PROFILE, 9000, seed=rng)
    total = ChainCounters(12_000, 48_000, first.accepted + window.accepted,
                          tuple(np.add(first.accepted_per_position, window.accepted_per_position)))
    before, after = tmp_path / "before.txt", tmp_path / "after.txt"
    before.write_text(vllm_exposition(first, engines=2))
    after.write_text(vllm_exposition(total, engines=2))
    return before, after, window


def _run(argv, capsys):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


# ----------------------------------------------------------------------------- fit on engine reports

def test_fit_vllm_window_reports_the_profile_and_the_measured_best_k(scrapes, capsys):
    before, after, window = scrapes
    code, out, err = _run(["fit", "--vllm-metrics", after, "--before", before, "--cost", "0.1"], capsys)
    expected = fit_profile(window, cost=0.1)
    assert code == 0 and err == ""
    flat = " ".join(out.split())                               # the report wraps at 100 characters
    assert "9,000 rounds of k = 4" in flat and f"alpha = {expected.alpha:.4f}" in flat
    for i in range(4):
        assert f"{expected.conditional[i]:.4f}  [{expected.low[i]:.4f}, {expected.high[i]:.4f}]" in out
    assert f"k = {expected.best_k}, predicted speedup {expected.speedup:.3f}x" in out


def test_fit_json_with_emit_is_one_json_document(scrapes, capsys):
    _, after, _ = scrapes
    code, out, _ = _run(["fit", "--vllm-metrics", after, "--json", "--emit", "vllm", "--draft", "d"], capsys)
    document = json.loads(out)                      # one document: json.loads refuses trailing text
    expected = fit_profile(read_vllm_metrics(after.read_text()))
    assert code == 0 and document["best_k"] == expected.best_k
    assert document["conditional"] == pytest.approx(list(expected.conditional))
    assert document["emit"] == engine_config("vllm", expected.best_k, draft="d")
    code, out, _ = _run(["fit", "--mean-acceptance-length", "2.9", "--bonus", "included", "--k", "4", "--json",
                         "--emit", "sglang"], capsys)
    assert code == 0 and "speculative-num-steps" in json.loads(out)["emit"]


def test_bonus_excluded_is_one_token_less_than_included(capsys):
    _, included, _ = _run(["fit", "--mean-acceptance-length", "2.9", "--bonus", "included", "--k", "4", "--json"], capsys)
    _, excluded, _ = _run(["fit", "--mean-acceptance-length", "1.9", "--bonus", "excluded", "--k", "4", "--json"], capsys)
    assert json.loads(included) == json.loads(excluded)
    assert json.loads(included)["alpha"] == pytest.approx(metrics.implied_alpha(2.9, 4))


def test_sglang_and_llama_cpp_inputs_convert_through_their_conventions(tmp_path, capsys):
    gauge = tmp_path / "sglang.txt"
    gauge.write_text('# TYPE sglang:spec_accept_length gauge\nsglang:spec_accept_length{tp_rank="0"} 2.5\n')
    _, out, _ = _run(["fit", "--sglang-metrics", gauge, "--k", "3", "--json"], capsys)
    assert json.loads(out)["alpha"] == pytest.approx(metrics.implied_alpha(2.5, 3))
    info = tmp_path / "info.json"
    info.write_text(json.dumps({"speculative_num_steps": 5, "speculative_eagle_topk": 1,
                                "internal_states": [{"avg_spec_accept_length": 3.2}]}))
    _, out, _ = _run(["fit", "--sglang-server-info", info, "--json"], capsys)
    assert json.loads(out)["alpha"] == pytest.approx(metrics.implied_alpha(3.2, 5))
    log = tmp_path / "llama.log"
    log.write_text("n_draft   = 8\nn_predict = 129\nn_drafted = 176\nn_accept  = 107\naccept    = 60.795%\n")
    _, out, _ = _run(["fit", "--llama-cpp-log", log, "--json"], capsys)
    assert json.loads(out)["alpha"] == pytest.approx(metrics.alpha_from_accepted_per_drafted(107 / 176, 8))


def test_help_says_which_convention_each_input_uses(capsys):
    with pytest.raises(SystemExit):
        main(["fit", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for words in ("1 + accepted / drafts (bonus included)", "spec_accept_length gauge (bonus included",
                  "avg_spec_accept_length (bonus included", "n_accept / n_drafted (no bonus)",
                  "--bonus {included,excluded}", "N > 1 is a tree"):
        assert words in text


def _scrape_file(tmp_path, text, name="m.txt"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("make, words", [
    (lambda p, s: ["--vllm-metrics", s[1], "--before", s[0]], None),                  # sanity: fine
    (lambda p, s: ["--vllm-metrics", s[0], "--before", s[1]], "went backwards"),
    (lambda p, s: ["--vllm-metrics", _scrape_file(p, s[1].read_text().replace('position="1"', 'position="9"'))],
     "lacks position 1"),
    (lambda p, s: ["--vllm-metrics", s[1], "--before", s[1]], "zero drafts"),
    (lambda p, s: ["--vllm-metrics", _scrape_file(p, s[1].read_text().replace("} 6000.0", "} NaN"))], "is nan"),
    (lambda p, s: ["--vllm-metrics", _scrape_file(p, "<html>502 Bad Gateway</html>\n")],
     "is not Prometheus text exposition"),
    (lambda p, s: ["--vllm-metrics", _scrape_file(p, "\x00\x01garbage")], "is not Prometheus text exposition"),
    (lambda p, s: ["--vllm-metrics", p / "missing.txt"], "missing.txt: cannot read it"),
    (lambda p, s: ["--vllm-metrics", s[1], "--k", "5"], "--k 5 disagrees"),
    (lambda p, s: ["--mean-acceptance-length", "2", "--bonus", "included", "--k", "4", "--before", s[0]],
     "--before takes an earlier vLLM scrape"),
    (lambda p, s: ["--mean-acceptance-length", "2", "--bonus", "included", "--k", "4", "--eagle-topk", "4"],
     "is a tree"),
    (lambda p, s: ["--sglang-server-info", _scrape_file(p, '{"avg_spec_accept_length": 3.1, '
                   '"speculative_eagle_topk": 8, "speculative_num_steps": 3}')], "topk = 8 > 1 is a tree"),
    (lambda p, s: ["--sglang-metrics", _scrape_file(p, "sglang:spec_accept_length 2.5\n")], "needs --k"),
    (lambda p, s: ["--mean-acceptance-length", "5", "--bonus", "excluded", "--k", "4"], "must lie in [0, k]"),
    (lambda p, s: ["--llama-cpp-log", _scrape_file(p, "n_drafted = 10\nn_accept  = 4\n")], "does not state k"),
])
def test_bad_reports_exit_2_with_one_line(tmp_path, scrapes, make, words, capsys):
    code, out, err = _run(["fit"] + make(tmp_path, scrapes), capsys)
    if words is None:
        assert code == 0
        return
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("speclab: error:")
    assert words in err


# ----------------------------------------------------------------------------- plan --batch-sizes

def _config_json(line: str) -> dict:
    argv = shlex.split(line)
    return json.loads(argv[argv.index("--speculative-config") + 1])


def test_plan_emits_a_vllm_schedule_with_its_assumptions(capsys):
    code, out, err = _run(["plan", "--alpha", "0.7", "--cost", "0.05", "--batch-sizes", "1,8,32,128",
                           "--bytes-per-param", "0.5", "--emit", "vllm", "--k-max", "8"], capsys)
    schedule = batch_schedule(0.7, 0.05, [1, 8, 32, 128], bytes_per_param=0.5, k_max=8)
    assert code == 0 and err == ""
    config = _config_json(next(line for line in out.splitlines() if line.startswith("vllm serve")))
    assert config["num_speculative_tokens_per_batch_size"] == [list(r) for r in schedule.ranges]
    assert config["num_speculative_tokens"] == max(k for _, _, k in schedule.ranges)
    assert f"stops paying above batch {schedule.off_above}" in out
    assert "3.35 TB/s memory bandwidth, 989 TFLOP/s peak" in out and "0.5 bytes each" in out


@pytest.mark.parametrize("extra, words", [
    (["--batch-sizes", "1,x"], "--batch-sizes must be whole numbers"),
    (["--batch-sizes", "0,8"], "batch_sizes must be a whole number >= 1"),
    (["--batch-sizes", "1,8", "--emit", "sglang"], "emitted for vllm only"),
    (["--batch-sizes", "1,8", "--params", "-7"], "--params must be a finite number > 0"),
    (["--batch-sizes", "1,8", "--max-batch", "10000000"], "max_batch must be a whole number"),
])
def test_plan_schedule_bad_arguments_exit_2(extra, words, capsys):
    code, out, err = _run(["plan", "--alpha", "0.7", "--cost", "0.05"] + extra, capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and words in err


def test_plan_and_fit_with_a_huge_cost_leak_no_warnings(scrapes, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        code, out, err = _run(["plan", "--alpha", "0.8", "--cost", "1e308"], capsys)
        assert code == 0 and err == "" and "optimal k = 0" in out
        code, out, err = _run(["fit", "--mean-acceptance-length", "2.9", "--bonus", "included", "--k", "4",
                               "--cost", "1e308"], capsys)
        assert code == 0 and err == "" and "best k = 0" in out
        code, out, err = _run(["fit", "--vllm-metrics", scrapes[1], "--verify-growth", "1e308"], capsys)
        assert code == 0 and err == "" and "k = 0, predicted speedup 1.000x" in out


# ----------------------------------------------------------------------------- no injection

@pytest.mark.parametrize("name", [HOSTILE_DRAFT, HOSTILE_TARGET, SPACED])
def test_shell_lines_keep_every_name_one_argument(name):
    vllm = engine_config("vllm", 3, draft=name, target=name)
    argv = shlex.split(next(line for line in vllm.splitlines() if not line.startswith("#")))
    assert argv[:3] == ["vllm", "serve", name] and argv[3] == "--speculative-config" and len(argv) == 5
    assert json.loads(argv[4])["model"] == name
    sglang = shlex.split(engine_config("sglang", 3, "eagle", draft=name, target=name).splitlines()[1])
    flags = dict(zip(sglang[3::2], sglang[4::2]))
    assert sglang[:3] == ["python", "-m", "sglang.launch_server"] and len(sglang) == 3 + 2 * len(flags)
    assert flags["--model-path"] == name and flags["--speculative-draft-model-path"] == name


@pytest.mark.parametrize("name", [HOSTILE_DRAFT, HOSTILE_TARGET, SPACED])
def test_python_lines_keep_every_name_one_string(name):
    code = "\n".join(line for line in engine_config("hf", 3, draft=name, target=name).splitlines()
                     if not line.startswith("#"))
    calls = [node for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Call)]
    called = sorted(ast.unparse(call.func) for call in calls)
    assert called == ["AutoModelForCausalLM.from_pretrained", "AutoModelForCausalLM.from_pretrained", "model.generate"]
    assert [call.args[0].value for call in calls if call.args] == [name, name]
    comment = engine_config("vllm", 3, draft=name, target=name).splitlines()[-1]
    llm = ast.parse(comment.removeprefix("# Python: ")).body[0].value
    assert ast.unparse(llm.func) == "LLM" and [n for n in ast.walk(llm) if isinstance(n, ast.Call)] == [llm]
    assert ast.literal_eval(llm.keywords[0].value) == name
    assert ast.literal_eval(llm.keywords[1].value)["model"] == name


def test_the_issues_hostile_command_lines_print_quoted_configurations(capsys):
    code, out, _ = _run(["plan", "--alpha", "0.8", "--cost", "0.05", "--emit", "vllm", "--draft", HOSTILE_DRAFT], capsys)
    assert code == 0 and _config_json(next(l for l in out.splitlines() if l.startswith("vllm serve")))["model"] == HOSTILE_DRAFT
    code, out, _ = _run(["plan", "--alpha", "0.8", "--cost", "0.05", "--emit", "hf", "--target", HOSTILE_TARGET], capsys)
    tree = ast.parse("\n".join(line for line in out.splitlines() if line.startswith(("model", "draft_model"))))
    assert code == 0 and not [n for n in ast.walk(tree) if isinstance(n, ast.Import)]


@pytest.mark.parametrize("name", ["a\nb", "tab\there", "nul\x00"])
def test_control_characters_in_names_are_refused(name, capsys):
    code, out, err = _run(["plan", "--alpha", "0.8", "--cost", "0.05", "--emit", "vllm", "--target", name], capsys)
    assert code == 2 and out == "" and "target must be a model name or path without control characters" in err
