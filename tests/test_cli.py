"""The command line: plan, simulate, and one-line errors with exit status 2."""

import subprocess
import sys

import pytest

import speclab as sl
from speclab.cli import main


def test_plan_prints_table_optimal_k_and_breakeven(capsys):
    assert main(["plan", "--alpha", "0.7", "--cost", "0.1"]) == 0
    out = capsys.readouterr().out
    assert f"{sl.speedup(0.7, 4, 0.1):.3f}x" in out
    assert f"optimal k = {sl.optimal_k(0.7, 0.1, k_max=12)}" in out
    assert f"{sl.breakeven_alpha(0.1, 4):.4f}" in out


def test_plan_says_when_not_to_speculate(capsys):
    assert main(["plan", "--alpha", "0.05", "--cost", "0.5"]) == 0
    assert "do not speculate" in capsys.readouterr().out


def test_simulate_prints_summary(capsys):
    assert main(["simulate", "--agreement", "0.8", "--k", "4", "--trials", "200", "--tokens", "50"]) == 0
    out = capsys.readouterr().out
    expected = sl.simulate(sl.SyntheticPair(agreement=0.8), 50, 4, 200, seed=0)
    assert f"{expected.speedup:.3f}x" in out and "accepted / drafted" in out


@pytest.mark.parametrize("argv, words", [
    (["plan", "--alpha", "1.7", "--cost", "0.1"], "alpha must lie in [0, 1]"),
    (["plan", "--alpha", "0.7"], "required: --cost"),
    (["plan", "--alpha", "0.7", "--cost", "-1"], "c must be a finite number >= 0"),
    (["simulate", "--agreement", "0.8", "--k", "-1"], "k must be a whole number >= 0"),
    (["simulate", "--agreement", "0.8", "--k", "x"], "invalid int value"),
    (["fly"], "invalid choice"),
])
def test_bad_arguments_give_one_line_and_status_2(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and err.startswith("speclab: error:")


def test_console_script_runs():
    done = subprocess.run([sys.executable, "-m", "speclab.cli", "plan", "--alpha", "0.8", "--cost", "0.05"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "optimal k" in done.stdout
