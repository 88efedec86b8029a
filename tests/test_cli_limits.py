"""The command line under hostile input: one line, exit status 2, before any work; and --version."""

import subprocess
import sys

import pytest

import speclab as sl
from speclab.cli import main


@pytest.mark.parametrize("argv, words", [
    (["plan", "--alpha", "0.9", "--cost", "0.1", "--k-max", "1000000"], "--k-max must be a whole number >= 0 and <= 256"),
    (["plan", "--alpha", "0.9", "--cost", "0.1", "--k-max", "-1"], "--k-max must be a whole number >= 0"),
    (["plan", "--alpha", "nan", "--cost", "0.1"], "alpha must lie in [0, 1]"),
    (["plan", "--alpha", "0.9", "--cost", "inf"], "c must be a finite number >= 0"),
    (["plan", "--alpha", "0.9", "--cost", "0.1", "--verify-growth", "-0.5"], "verify_growth must be"),
    (["simulate", "--agreement", "0.8", "--trials", "1000000000"], "--trials must be a whole number >= 1 and <= 10,000,000"),
    (["simulate", "--agreement", "0.8", "--tokens", "0"], "--tokens must be a whole number >= 1"),
    (["simulate", "--agreement", "0.8", "--tokens", "1000000", "--trials", "1000"], "trials * num_tokens must be at most"),
    (["simulate", "--agreement", "0.8", "--vocab", "100000", "--tokens", "100000", "--trials", "1"], "of memory"),
    (["simulate", "--agreement", "0.8", "--vocab", "10000000000"], "vocab_size must be a whole number >= 2"),
    (["simulate", "--agreement", "2"], "agreement must lie in [0, 1]"),
    (["simulate", "--agreement", "0.8", "--k", "1000000"], "k must be a whole number >= 0 and <= 100,000"),
    (["simulate", "--agreement", "0.8", "--target-ms", "0"], "target_ms must be a finite number > 0"),
    (["simulate", "--agreement", "0.8", "--seed", "-1"], "seed must be a whole number >= 0"),
])
def test_bad_arguments_exit_2_with_one_line(argv, words, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert words in captured.err and captured.err.count("\n") == 1 and captured.out == ""


def test_k_max_zero_says_k_was_capped_not_do_not_speculate(capsys):
    assert main(["plan", "--alpha", ".9", "--cost", ".1", "--k-max", "0"]) == 0
    out = capsys.readouterr().out
    best = sl.optimal_k(0.9, 0.1, k_max=256)
    assert "do not speculate" not in out
    assert "k is capped by --k-max 0: the best choice within the cap is plain decoding (k = 0)" in out
    assert f"without the cap k = {best} would give {sl.speedup(0.9, best, 0.1):.3f}x" in out


def test_a_cap_below_the_optimum_is_reported(capsys):
    assert main(["plan", "--alpha", ".95", "--cost", ".02", "--k-max", "3"]) == 0
    out = capsys.readouterr().out
    assert f"the best choice within the cap is k = 3 ({sl.speedup(0.95, 3, 0.02):.3f}x)" in out


def test_a_cap_above_the_optimum_gives_the_plain_verdict(capsys):
    assert main(["plan", "--alpha", ".05", "--cost", ".5", "--k-max", "0"]) == 0
    assert "optimal k = 0: no k beats plain decoding at this alpha and cost; do not speculate" in capsys.readouterr().out


def test_version():
    done = subprocess.run([sys.executable, "-m", "speclab.cli", "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == f"speclab {sl.__version__}"
