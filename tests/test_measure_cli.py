"""`speclab measure`: every bad argument is one line and status 2, before any model is loaded."""

import json

import pytest

from speclab.cli import main

real = pytest.importorskip("speclab.cli.measure")
torch = pytest.importorskip("torch")


@pytest.fixture
def nothing_loads(monkeypatch):
    """Loading a model during argument checking fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("a model was loaded before the arguments were checked")
    monkeypatch.setattr(real, "load_target", refuse)
    monkeypatch.setattr(real, "make_drafter", refuse)


def bad_arguments(tmp_path):
    cuda = [] if torch.cuda.is_available() else [(["--device", "cuda"], "no CUDA GPU")]
    return [
        (["--prompts", str(tmp_path / "missing.txt")], "does not exist"),
        (["--prompts", str(tmp_path)], "not a folder"),
        (["--device", "bogus"], "--device must be cpu, cuda, cuda:N or mps"),
        (["--repeats", "0"], "--repeats must be a whole number in 1..1000"),
        (["--max-new-tokens", "0"], "--max-new-tokens must be a whole number in 1.."),
        (["--temperature", "-1"], "--temperature must be a finite number >= 0"),
        (["--temperature", "nan"], "--temperature must be a finite number >= 0"),
        (["--ks", "0,2"], "--ks must be comma-separated whole numbers in 1..64"),
        (["--draft", "early-exit:x"], "early-exit needs a layer count"),
        (["--seed", "-3"], "--seed must be a whole number in 0.."),
        (["--repeats", "two"], "invalid int value"),
        (["--ks", "20000"], "--ks must be comma-separated whole numbers in 1..64"),
        (["--ks", "1,2,65"], "--ks must be comma-separated whole numbers in 1..64"),
        (["--max-new-tokens", "1000000"], "--max-new-tokens must be a whole number in 1..100,000"),
        (["--repeats", "100000"], "--repeats must be a whole number in 1..1000"),
        (["--seed", str(2**70)], "--seed must be a whole number in 0.."),
        (["--device", "cuda:x"], "--device must be cpu, cuda, cuda:N or mps"),
        (["--draft", ""], "--draft must be"),
    ] + cuda


def test_every_bad_argument_is_one_line_and_status_2(nothing_loads, tmp_path, capsys):
    for argv, words in bad_arguments(tmp_path):
        assert main(["measure", *argv]) == 2, argv
        err = capsys.readouterr().err
        assert words in err and err.count("\n") == 1 and err.startswith("speclab: error:"), (argv, err)


@pytest.mark.parametrize("text", ["---\n---\n", "\n  \n---\n\n---", "---", ""])
def test_a_prompts_file_of_separators_only_is_refused(nothing_loads, tmp_path, capsys, text):
    empty = tmp_path / "prompts.txt"
    empty.write_text(text)
    assert main(["measure", "--prompts", str(empty)]) == 2
    err = capsys.readouterr().err
    assert "--prompts file" in err and "holds no prompt" in err and err.count("\n") == 1


def test_prompts_are_split_at_separator_lines_only(tmp_path):
    from speclab.real.prompts import read_prompts

    path = tmp_path / "p.txt"
    path.write_text("---\nfirst\n--- \nsecond\nstill second ---\n---\n\n---\nthird")
    assert read_prompts(path) == ["first", "second\nstill second ---", "third"]


@pytest.mark.parametrize("argv, words", [
    (["--ks", "63"], "--ks must be <= 62: the target holds 64 positions"),
    (["--max-new-tokens", "65"], "--max-new-tokens must be <= 64"),
    (["--draft", "early-exit:5"], "--draft early-exit:L needs L in 1..4"),
])
def test_what_the_targets_config_rules_out_is_refused_before_loading(nothing_loads, monkeypatch, capsys, argv,
                                                                     words):
    monkeypatch.setattr(real, "target_config", lambda name: {"max_position_embeddings": 64, "num_hidden_layers": 4})
    assert main(["measure", *argv]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1, err


def test_the_offline_targets_config_is_read_without_loading(monkeypatch, tmp_path):
    from speclab.real import offline

    monkeypatch.setattr(offline, "cached_model_dir", lambda: tmp_path)
    assert real.target_config("smollm2") is None                  # not cached: the load reports it
    (tmp_path / "config.json").write_text('{"max_position_embeddings": 8192, "num_hidden_layers": 30}')
    assert real.target_config("smollm2")["num_hidden_layers"] == 30


def test_unreadable_prompts_file_is_one_line(monkeypatch, tmp_path, capsys):
    binary = tmp_path / "prompts.bin"
    binary.write_bytes(b"\xff\xfe\x00\x81")
    monkeypatch.setattr(real, "load_target", lambda *a, **k: (_ for _ in ()).throw(AssertionError("loaded")))
    assert main(["measure", "--prompts", str(binary)]) == 2
    err = capsys.readouterr().err
    assert "is not UTF-8 text" in err and err.count("\n") == 1


def test_good_arguments_pass_the_checks(tmp_path):
    prompts = tmp_path / "p.txt"
    prompts.write_text("one\n---\ntwo\n")
    parser = __import__("argparse").ArgumentParser()
    real.add_measure_arguments(parser)
    real.check_arguments(parser.parse_args(["--prompts", str(prompts), "--device", "cpu", "--ks", "1,4",
                                            "--draft", "early-exit:3", "--temperature", "0.7"]))


def test_json_report_prints_null_for_undefined_numbers(monkeypatch, capsys):
    """An undefined figure (no draft ever examined) is null in --json, never NaN."""
    from test_measure_report import crafted

    measurement = crafted(growth3=1.05)
    measurement.alpha = float("nan")
    measurement.pooled[0].measured = type(measurement.pooled[0].measured)(float("nan"), float("nan"),
                                                                          float("nan"), 0)
    monkeypatch.setattr(real, "load_target", lambda name, device=None: (object(), None))
    monkeypatch.setattr(real, "make_drafter", lambda spec, target, device=None: object())
    monkeypatch.setattr("speclab.real.measure.pair.measure_pair", lambda *a, **k: measurement)
    assert main(["measure", "--json"]) == 0
    out = capsys.readouterr().out
    assert "NaN" not in out
    report = json.loads(out)
    assert report["alpha"] is None and report["pooled"][0]["measured"]["median"] is None
