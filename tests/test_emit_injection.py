"""Emitted engine commands: a model name is one argument the engine reads as a name, never an option.

Quoting keeps a name one shell word, but an engine's own parser still reads a word that begins
with '-' as an option (`vllm serve --trust-remote-code`), so such names are refused. Every other
name must come back from shlex.split (shell lines) or ast (Python lines) exactly as given.
"""

import argparse
import ast
import json
import shlex

import numpy as np
import pytest

import speclab as sl
from speclab.cli import main
from speclab.engines import ENGINES, engine_config

OPTION_LIKE = ["-h", "--help", "--trust-remote-code", "--model=evil", "-", "--", "-x y"]
# Names an engine must receive unchanged: shell metacharacters, quotes, spaces, non-ASCII, and
# names that contain (but do not begin with) a dash.
AWKWARD = ["my models/draft v2", "x'; touch /tmp/pwned; echo '", 'm"); import os; os.system("id"); ("',
           "$(id)", "`id`", "a;b|c&d>e<f", "*?[]~#!", "{a,b}", "\\back\\slash", "模型/草稿", "./-draft",
           "org/model --trust-remote-code", "a=b", "'", '"', " leading space"]
CONTROL = ["a\nb", "a\rb", "nul\x00", "tab\there", "esc\x1b[31m", "del\x7f", "nel\x85", "line\u2028sep",
           "bidi\u202eoverride", "zero\u200bwidth", "surrogate\ud800"]


def _run(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def _shell_line(text: str) -> list:
    """The argv of the one command line of an emitted configuration."""
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert len(lines) == 1
    return shlex.split(lines[0])


def _vllm_parser() -> argparse.ArgumentParser:
    """`vllm serve`'s shape: the model is a positional argument; options include --trust-remote-code."""
    parser = argparse.ArgumentParser(prog="vllm serve", exit_on_error=False)
    parser.add_argument("model_tag")
    parser.add_argument("--speculative-config")
    parser.add_argument("--trust-remote-code", action="store_true")
    return parser


def _sglang_parser() -> argparse.ArgumentParser:
    """`sglang.launch_server`'s shape: every value follows its option."""
    parser = argparse.ArgumentParser(prog="sglang.launch_server", exit_on_error=False)
    for option in ("--model-path", "--speculative-algorithm", "--speculative-draft-model-path"):
        parser.add_argument(option)
    for option in ("--speculative-num-steps", "--speculative-eagle-topk", "--speculative-num-draft-tokens"):
        parser.add_argument(option, type=int)
    parser.add_argument("--trust-remote-code", action="store_true")
    return parser


# ----------------------------------------------------------------------------- names that look like options

@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("flag", ["--draft", "--target"])
@pytest.mark.parametrize("name", OPTION_LIKE)
def test_option_like_names_are_refused_on_the_command_line(engine, flag, name, capsys):
    code, out, err = _run(["plan", "--alpha", "0.8", "--cost", "0.05", "--emit", engine, f"{flag}={name}"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    if name == "--":                  # argparse itself turns `--draft=--` into an empty list
        assert f"{flag} must be a model name or path" in err
    else:
        assert f"{flag} must not begin with '-'" in err and "./-name" in err


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("argument", ["draft", "target"])
def test_option_like_names_are_refused_by_engine_config(engine, argument):
    for name in OPTION_LIKE:
        with pytest.raises(ValueError, match=f"^{argument} must not begin with '-'"):
            engine_config(engine, 3, **{argument: name})


def test_the_schedule_line_refuses_option_like_names_too(capsys):
    code, out, err = _run(["plan", "--alpha", "0.8", "--cost", "0.05", "--batch-sizes", "1,8", "--emit", "vllm",
                           "--target=--trust-remote-code"], capsys)
    assert code == 2 and out == "" and "--target must not begin with '-'" in err


def test_a_refused_name_would_really_have_been_an_option(capsys):
    """Why quoting is not enough: the quoted name still reaches vLLM's parser as an option."""
    line = f"vllm serve {shlex.quote('--trust-remote-code')} --speculative-config {shlex.quote('{}')}"
    with pytest.raises(SystemExit):                  # the model went missing: the name became a flag
        _vllm_parser().parse_args(shlex.split(line)[2:])
    assert "required: model_tag" in capsys.readouterr().err
    parsed, _ = _vllm_parser().parse_known_args(["m", "--trust-remote-code"])
    assert parsed.trust_remote_code                 # and the option it names is one vLLM acts on


# ----------------------------------------------------------------------------- every other name, exactly

@pytest.mark.parametrize("name", AWKWARD)
def test_vllm_line_parses_back_to_the_intended_argv(name):
    text = engine_config("vllm", 3, draft=name, target=name)
    argv = _shell_line(text)
    config = json.dumps({"model": name, "num_speculative_tokens": 3})
    assert argv == ["vllm", "serve", name, "--speculative-config", config]
    parsed = _vllm_parser().parse_args(argv[2:])
    assert parsed.model_tag == name and json.loads(parsed.speculative_config)["model"] == name
    assert not parsed.trust_remote_code
    comment = text.splitlines()[-1].removeprefix("# Python: ")
    llm = ast.parse(comment, mode="eval").body
    assert ast.literal_eval(llm.keywords[0].value) == name
    assert ast.literal_eval(llm.keywords[1].value) == {"model": name, "num_speculative_tokens": 3}


@pytest.mark.parametrize("name", AWKWARD)
def test_sglang_line_parses_back_to_the_intended_argv(name):
    argv = _shell_line(engine_config("sglang", 4, "eagle", draft=name, target=name))
    assert argv == ["python", "-m", "sglang.launch_server", "--model-path", name, "--speculative-algorithm", "EAGLE",
                    "--speculative-draft-model-path", name, "--speculative-num-steps", "4",
                    "--speculative-eagle-topk", "1", "--speculative-num-draft-tokens", "5"]
    parsed = _sglang_parser().parse_args(argv[3:])
    assert parsed.model_path == name and parsed.speculative_draft_model_path == name
    assert parsed.speculative_num_steps == 4 and not parsed.trust_remote_code


@pytest.mark.parametrize("name", AWKWARD)
def test_hf_lines_hold_each_name_as_one_string_literal(name):
    code = "\n".join(line for line in engine_config("hf", 3, draft=name, target=name).splitlines()
                     if not line.startswith("#"))
    tree = ast.parse(code)
    loads = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and node.args]
    assert [ast.literal_eval(call.args[0]) for call in loads] == [name, name]
    assert len([node for node in ast.walk(tree) if isinstance(node, ast.Call)]) == 3


@pytest.mark.parametrize("engine", ENGINES)
def test_the_command_line_emits_awkward_names_unchanged(engine, capsys):
    for name in ("x'; touch /tmp/pwned; echo '", "./-draft", "模型 草稿"):
        code, out, err = _run(["plan", "--alpha", "0.8", "--cost", "0.05", "--emit", engine, "--draft", name,
                               "--target", name], capsys)
        assert code == 0 and err == ""
        if engine == "hf":
            assert out.count(repr(name)) == 2
        elif engine == "vllm":
            argv = shlex.split(next(line for line in out.splitlines() if line.startswith("vllm serve")))
            assert argv[2] == name and json.loads(argv[4])["model"] == name
        else:
            argv = shlex.split(next(line for line in out.splitlines() if line.startswith("python -m sglang")))
            assert argv[argv.index("--model-path") + 1] == name
            assert argv[argv.index("--speculative-draft-model-path") + 1] == name


# ----------------------------------------------------------------------------- control characters

@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", CONTROL)
def test_control_and_invisible_characters_are_refused(engine, name):
    for argument in ("draft", "target"):
        with pytest.raises(ValueError, match=f"^{argument} must be a model name or path without control"):
            engine_config(engine, 3, **{argument: name})


@pytest.mark.parametrize("name", ["a\nb", "esc\x1b[2J", "bidi\u202e"])
def test_control_characters_on_the_command_line_exit_2(name, capsys):
    code, out, err = _run(["plan", "--alpha", "0.8", "--cost", "0.05", "--emit", "sglang", "--draft", name], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and "--draft must be a model name" in err


def test_names_longer_than_4096_characters_are_refused():
    with pytest.raises(ValueError, match="at most 4096 characters"):
        engine_config("vllm", 3, target="m" * 4097)
    assert "m" * 4096 in engine_config("vllm", 3, target="m" * 4096)


# ----------------------------------------------------------------------------- k = 0 forced by the cap

@pytest.mark.parametrize("engine", ENGINES)
def test_k_max_zero_says_the_cap_forced_k_zero(engine, capsys):
    code, out, err = _run(["plan", "--alpha", "0.9", "--cost", "0.1", "--k-max", "0", "--emit", engine], capsys)
    uncapped = sl.optimal_k(0.9, 0.1, k_max=256)
    emitted = out.splitlines()[-1]
    assert code == 0 and err == "" and uncapped > 0
    assert emitted.startswith("# k = 0 only because the cap --k-max 0 forced it")
    assert f"uncapped, the theory picks k = {uncapped}" in emitted and "does not pay" not in out


def test_k_zero_without_a_cap_still_says_speculation_does_not_pay(capsys):
    code, out, _ = _run(["plan", "--alpha", "0.1", "--cost", "0.9", "--k-max", "0", "--emit", "vllm"], capsys)
    assert code == 0 and sl.optimal_k(0.1, 0.9, k_max=256) == 0
    assert out.splitlines()[-1].startswith("# k = 0: speculation does not pay") and "cap" not in out.splitlines()[-1]


def test_engine_config_names_the_cap_it_is_given():
    text = engine_config("sglang", 0, uncapped_k=7, cap="k_max = 0")
    assert text.startswith("# k = 0 only because the cap k_max = 0 forced it") and "k = 7" in text
    assert engine_config("vllm", 0, uncapped_k=0) == engine_config("vllm", 0)
    with pytest.raises(ValueError, match="uncapped_k must be a whole number"):
        engine_config("vllm", 0, uncapped_k=-1)


@pytest.mark.parametrize("kwargs, words", [
    (dict(k="5", method="draft-model", draft="d"), "k must be a whole number"),
    (dict(k=float("nan"), method="draft-model", draft="d"), "k must be a whole number"),
    (dict(k=3, method=["eagle"], draft="d"), "method must be one of"),
    (dict(k=3, method="draft-model", draft=float("nan")), "draft must be a model name or path (a str)"),
    (dict(k=3, method="draft-model", draft="--trust-remote-code"), "draft must not begin with '-'"),
])
def test_vllm_speculative_config_checks_its_arguments(kwargs, words):
    from speclab.engines import vllm_speculative_config

    with pytest.raises(ValueError) as error:
        vllm_speculative_config(**kwargs)
    assert words in str(error.value)


@pytest.mark.parametrize("value", [np.array([0.5, np.nan]), np.zeros((2, 3)), ["a"]])
def test_names_that_are_not_strings_are_refused_by_name(value):
    for argument in ("draft", "target"):
        with pytest.raises(ValueError, match=f"^{argument} must be a model name or path \\(a str\\)"):
            engine_config("vllm", 3, **{argument: value})
