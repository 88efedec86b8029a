"""Every subcommand's every option under hostile values: one line on stderr and exit status 2, or the right answer.

Values: names that read as options (`--target=--trust-remote-code`, `--draft -h`), NaN, infinities,
negative and huge numbers, fullwidth digits (int() and float() accept them; the command line takes
ASCII), empty strings, and for every path option the paths of tests/hostile_inputs.py (a FIFO with no
writer, devices, a folder, a symlink loop, a NUL byte, names too long, a 6 GiB sparse file). A value
that cannot be valid must be refused before any work, and a subcommand that needs a model
(measure, survey, train-draft) must refuse it before loading one: here loading or training a model
raises ModelLoad, which fails a refusal case. A value that may be valid (1e308, a 31-digit count)
may be refused or answered, never turned into NaN or a traceback.

Values in-process through speclab.cli.main; paths in one child process (a FIFO or a device could
hang or exhaust the test process), each case under an alarm, in a capped address space.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import time

import pytest

from hostile_inputs import DEEP, FULLWIDTH, hostile_paths

#: A refusal or an answer takes milliseconds; this bounds a case (the first to import torch included).
CASE_SECONDS = 10.0
#: The path child's address-space cap and its whole run's bound.
MEMORY_CAP = 2 * 2**30
CHILD_TIMEOUT = 240

REFUSE, EITHER = "refuse", "either"
FLOAT = {"nan": REFUSE, "inf": REFUSE, "-inf": REFUSE, "-1": REFUSE, "1e308": EITHER, "\uff15": REFUSE,
         "": REFUSE, "-h": REFUSE}
INT = {"-1": REFUSE, "1" + "0" * 30: EITHER, "\uff12": REFUSE, "": REFUSE, "1.5": REFUSE, "nan": REFUSE,
       "-h": REFUSE}
#: A model name placed in an emitted command: '' stands for the placeholder.
COMMAND_NAME = {"--trust-remote-code": REFUSE, "-h": REFUSE, "a\nb": REFUSE, "": EITHER}
KS = {"": REFUSE, "\uff15": REFUSE, "-1": REFUSE, "0": REFUSE, "nan": REFUSE, "1,,2": EITHER,
      "--trust-remote-code": REFUSE}
CHOICE = {"nan": REFUSE, "": REFUSE, "-h": REFUSE}
DEVICE = {"--trust-remote-code": REFUSE, "-h": REFUSE, "": REFUSE, "cuda:99": REFUSE}

SCRAPE = """\
vllm:spec_decode_num_drafts_total{engine="0",model_name="m"} 100.0
vllm:spec_decode_num_draft_tokens_total{engine="0",model_name="m"} 300.0
vllm:spec_decode_num_accepted_tokens_total{engine="0",model_name="m"} 120.0
vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="0",model_name="m",position="0"} 60.0
vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="0",model_name="m",position="1"} 40.0
vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="0",model_name="m",position="2"} 20.0
"""

PLAN = ["plan", "--alpha", "0.8", "--cost", "0.1", "--emit", "vllm"]
PLAN_BATCH = PLAN[:-2] + ["--batch-sizes", "1,8,32"]
FIT = ["fit", "--mean-acceptance-length", "2.5", "--bonus", "included", "--k", "4", "--emit", "vllm"]
SIMULATE = ["simulate", "--agreement", "0.8", "--tokens", "20", "--trials", "10"]

#: (valid command line, option, its hostile values); `{scrape}` is a valid vLLM scrape's path.
OPTIONS = [
    *[(PLAN, opt, FLOAT) for opt in ("--alpha", "--cost", "--verify-growth")],
    (PLAN, "--k-max", INT),
    *[(PLAN, opt, COMMAND_NAME) for opt in ("--draft", "--target")],
    (PLAN, "--emit", CHOICE), (PLAN, "--method", CHOICE),
    (PLAN_BATCH, "--batch-sizes", {**KS, "1,,2": REFUSE}),
    *[(PLAN_BATCH, opt, FLOAT) for opt in ("--params", "--bytes-per-param", "--bandwidth", "--peak-flops",
                                           "--kv-bytes-per-token")],
    *[(PLAN_BATCH, opt, INT) for opt in ("--context", "--max-batch")],
    (PLAN_BATCH, "--accelerator", CHOICE),
    *[(FIT, opt, FLOAT) for opt in ("--mean-acceptance-length", "--cost", "--verify-growth")],
    (["fit", "--vllm-metrics", "{scrape}"], "--confidence", FLOAT),
    *[(FIT, opt, INT) for opt in ("--k", "--k-max", "--eagle-topk")],
    *[(FIT, opt, COMMAND_NAME) for opt in ("--draft", "--target")],
    (FIT, "--bonus", CHOICE), (FIT, "--emit", CHOICE), (FIT, "--method", CHOICE),
    (["fit", "--vllm-metrics", "{scrape}"], "--model-name", {"--trust-remote-code": REFUSE, "-h": REFUSE,
                                                             "\uff4d": REFUSE}),
    *[(SIMULATE, opt, FLOAT) for opt in ("--agreement", "--draft-ms", "--target-ms", "--verify-growth")],
    *[(SIMULATE, opt, INT) for opt in ("--k", "--tokens", "--trials", "--vocab", "--seed")],
    (["measure"], "--target", {"--trust-remote-code": REFUSE, "-h": REFUSE, "": REFUSE, "a\nb": REFUSE}),
    (["measure"], "--draft", {"--trust-remote-code": REFUSE, "-h": REFUSE, "": REFUSE, "early-exit:\uff16": REFUSE,
                              "early-exit:0": REFUSE, "early-exit:-1": REFUSE}),
    (["measure"], "--ks", KS),
    *[(["measure"], opt, INT) for opt in ("--max-new-tokens", "--seed", "--repeats")],
    (["measure"], "--temperature", FLOAT),
    (["measure"], "--device", DEVICE),
    (["survey"], "--drafts", {"": REFUSE, "early-exit:\uff16": REFUSE, "early-exit:6,early-exit:06": REFUSE,
                              "-h": REFUSE, "--trust-remote-code": REFUSE}),
    (["survey"], "--ks", KS),
    *[(["survey"], opt, INT) for opt in ("--max-new-tokens", "--repeats")],
    *[(["train-draft"], opt, INT) for opt in ("--seed", "--epochs", "--new-tokens")],
    (["train-draft"], "--device", DEVICE),
]

#: The issue's own command lines, an option's name as the next word (argparse must not read it as a value).
LITERAL = [
    ["plan", "--alpha", "0.8", "--cost", "0.1", "--emit", "vllm", "--target", "--trust-remote-code"],
    ["plan", "--alpha", "0.8", "--cost", "0.1", "--emit", "sglang", "--draft", "-h"],
    ["fit", "--mean-acceptance-length", "2.5", "--bonus", "included", "--k", "4", "--emit", "hf", "--draft", "-h"],
    ["measure", "--target", "--trust-remote-code"],
    ["measure", "--draft", "-h"],
    ["train-draft", "--device", "-h"],
    [], [""], ["--trust-remote-code"], ["plan"], ["plan", "--alpha"], ["plan\x00"],
]

#: Options that take no value, so have no hostile value (besides a value, which argparse refuses).
FLAGS = {"--help", "--json", "--adaptive", "--force", "--ship"}

#: Output paths beyond the hostile ones: under a regular file (refused), in a missing folder (refused, or
#: the folder is made: either way before any work, never a traceback after it).
OUTPUTS = {"--plot", "--out"}
OUTPUT_EXTRAS = {"under a regular file": REFUSE, "in a missing folder": EITHER}

#: (valid command line, path option): every hostile path must be refused, before any model is loaded.
PATH_OPTIONS = [
    (["fit"], "--vllm-metrics"), (["fit", "--k", "3"], "--sglang-metrics"), (["fit"], "--sglang-server-info"),
    (["fit"], "--llama-cpp-log"), (["fit", "--vllm-metrics", "{scrape}"], "--before"),
    (["measure"], "--prompts"), (["survey"], "--prompts"), (["survey"], "--plot"), (["train-draft"], "--out"),
]


#: Hostile contents of an input file (a regular file, so in-process): none is an engine's report, and
#: a prompts file must hold UTF-8 text with a prompt in it (NUL bytes or fullwidth digits are still text).
CONTENTS = {"empty": b"", "NUL bytes": b"\x00" * 64, "not UTF-8": b"\xff\xfe\x80 n_drafted = 5",
            "JSON nested 100,000 deep": b"[" * DEEP + b"]" * DEEP,
            "fullwidth digits": SCRAPE.translate(FULLWIDTH).encode()}
#: (valid command line, input option, what each content must give: REFUSE unless listed).
INPUTS = [(["fit"], "--vllm-metrics", {}), (["fit", "--k", "3"], "--sglang-metrics", {}),
          (["fit"], "--sglang-server-info", {}), (["fit"], "--llama-cpp-log", {}),
          (["fit", "--vllm-metrics", "{scrape}"], "--before", {}),
          *[([command], "--prompts", {"NUL bytes": EITHER, "JSON nested 100,000 deep": EITHER,
                                      "fullwidth digits": EITHER}) for command in ("measure", "survey")]]


def content_cases() -> list:
    return [pytest.param(base, option, label, overrides.get(label, REFUSE), id=f"{base[0]} {option} {label}")
            for base, option, overrides in INPUTS for label in CONTENTS]


def value_cases() -> list:
    cases = [pytest.param(base + [f"{opt}={value}"], expected, id=f"{base[0]} {opt}={value!r}")
             for base, opt, values in OPTIONS for value, expected in values.items()]
    return cases + [pytest.param(argv, REFUSE, id=" ".join(argv)) for argv in LITERAL]


# ----------------------------------------------------------------------------- running one command line

class ModelLoad(BaseException):
    """Raised where a model would be loaded or trained (a BaseException: no `except Exception` hides it)."""


def _no_model(*args, **kwargs):
    raise ModelLoad("a model was loaded (or trained)")


#: What a subcommand would load or train; each is replaced by _no_model.
LOADERS = ("speclab.real.offline.load_offline_model", "speclab.real.hub.load_hub_model",
           "speclab.real.training.fit.train_draft")


def run_cli(argv: list) -> dict:
    """speclab.cli.main(argv): its exit status, stdout, stderr, seconds, and whether it went to load a model."""
    from speclab import cli

    out, err = io.StringIO(), io.StringIO()
    start, loaded, rc, failure = time.perf_counter(), False, None, None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = cli.main(argv)
        except ModelLoad:
            loaded = True
        except SystemExit as stop:                       # argparse's own --help or --version
            rc = stop.code
        except Exception as error:                       # noqa: BLE001 - a traceback is the finding
            failure = f"traceback: {type(error).__name__}: {str(error)[:200]}"
    return {"rc": rc, "out": out.getvalue(), "err": err.getvalue(), "seconds": time.perf_counter() - start,
            "loaded": loaded, "problem": failure}


def problem(result: dict, expected: str) -> str | None:
    """Why a result breaks the contract, or None: a refusal is exit status 2 and one stderr line, nothing
    printed, no model loaded; an answer is exit status 0, nothing on stderr, no NaN."""
    if result.get("problem"):
        return result["problem"]
    lines = result["err"].splitlines()
    refused = result["rc"] == 2 and len(lines) == 1 and lines[0].startswith("speclab: error: ") \
        and not result["out"] and not result["loaded"]
    answered = result["loaded"] or (result["rc"] == 0 and not result["err"] and "nan" not in result["out"].lower())
    if result["seconds"] > CASE_SECONDS:
        return f"took {result['seconds']:.1f} s"
    if refused or (expected == EITHER and answered):
        return None
    if result["loaded"]:
        return "went on to load (or train) a model instead of refusing the value first"
    return (f"exit status {result['rc']}, {len(lines)} stderr line(s): {result['err'][-300:]!r}; "
            f"stdout {result['out'][:200]!r}")


@pytest.fixture
def no_model(monkeypatch):
    for target in LOADERS:
        monkeypatch.setattr(target, _no_model)


@pytest.fixture
def scrape(tmp_path):
    path = tmp_path / "scrape.txt"
    path.write_text(SCRAPE)
    return str(path)


def _filled(argv: list, scrape: str) -> list:
    return [part.replace("{scrape}", scrape) for part in argv]


# ----------------------------------------------------------------------------- the tests

def test_every_option_of_every_subcommand_is_walked(capsys):
    """The options each subcommand's usage line lists: each one has hostile values above (or takes none)."""
    from speclab.cli import COMMANDS, main

    walked = {(base[0], opt) for base, opt, _ in OPTIONS} | {(base[0], opt) for base, opt in PATH_OPTIONS}
    missing = []
    for command in COMMANDS:
        with pytest.raises(SystemExit):
            main([command, "--help"])
        usage = capsys.readouterr().out.split("\n\n")[0]
        missing += [(command, opt) for opt in sorted(set(re.findall(r"--[a-z][a-z-]*", usage)) - FLAGS)
                    if (command, opt) not in walked]
    assert not missing, f"options without hostile values in this file: {missing}"


def test_the_console_command_refuses_an_option_as_a_name_in_one_line():
    """The real process (not main() in-process): exit status 2 and exactly one line on stderr, nothing printed."""
    for argv in (["plan", "--alpha", "0.8", "--cost", "0.1", "--emit", "vllm", "--target=--trust-remote-code"],
                 ["simulate", "--agreement", "0.8", "--k", "\uff14"]):
        done = subprocess.run([sys.executable, "-m", "speclab.cli", *argv], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 2 and done.stdout == "", (argv, done)
        assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("speclab: error: "), (argv, done.stderr)


def test_a_file_failing_after_the_checks_is_still_one_line(monkeypatch):
    """A disk that fills or a folder that vanishes mid-run (no check up front can foresee it): one line, status 2."""
    def disk_full(args):
        raise OSError(28, "No space left on device", "/somewhere/out.png")

    monkeypatch.setattr("speclab.cli.simulate.run", disk_full)
    result = run_cli(SIMULATE)
    assert result["rc"] == 2 and result["err"] == "speclab: error: /somewhere/out.png: No space left on device\n"


def test_the_valid_command_lines_answer(no_model, scrape):
    """The baseline of every case: each valid command line answers (or, needing a model, goes to load it)."""
    for base in {tuple(base) for base, _, _ in OPTIONS}:
        result = run_cli(_filled(list(base), scrape))
        assert result["loaded"] or (result["rc"] == 0 and not result["err"]), (base, result)


@pytest.mark.parametrize("argv, expected", value_cases())
def test_a_hostile_value_is_refused_in_one_line_or_answered(argv, expected, no_model, scrape):
    result = run_cli(_filled(argv, scrape))
    assert problem(result, expected) is None, problem(result, expected)


@pytest.mark.parametrize("base, option, label, expected", content_cases())
def test_a_hostile_file_content_is_refused_in_one_line_or_answered(base, option, label, expected, no_model, scrape,
                                                                  tmp_path):
    path = tmp_path / "input.txt"
    path.write_bytes(CONTENTS[label])
    result = run_cli(_filled(base, scrape) + [f"{option}={path}"])
    assert problem(result, expected) is None, problem(result, expected)


@pytest.fixture(scope="module")
def path_results(tmp_path_factory):
    """Every (path option, hostile path) run once, in one child process (see _child)."""
    folder = tmp_path_factory.mktemp("cli-paths")
    out = folder / "results.json"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""), MPLBACKEND="Agg",
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    done = subprocess.run([sys.executable, os.path.abspath(__file__), str(folder), str(out)], capture_output=True,
                          timeout=CHILD_TIMEOUT, cwd=root, env=env)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
    return json.loads(out.read_text(encoding="utf-8"))


def _path_labels() -> list:
    return ["FIFO with no writer", "a link to /dev/zero", "a link to /dev/urandom", "a link to /dev/stdout",
            "a directory", "a symlink loop", "a NUL byte", "a 300-character name", "a 5,000-character path",
            "a 6 GiB sparse file"]


@pytest.mark.parametrize("label", _path_labels())
@pytest.mark.parametrize("base, option", PATH_OPTIONS, ids=[f"{b[0]} {o}" for b, o in PATH_OPTIONS])
def test_a_hostile_path_is_refused_in_one_line_before_any_work(path_results, base, option, label):
    result = path_results[f"{base[0]} {option} {label}"]
    assert problem(result, REFUSE) is None, problem(result, REFUSE)


@pytest.mark.parametrize("label", OUTPUT_EXTRAS)
@pytest.mark.parametrize("base, option", [(b, o) for b, o in PATH_OPTIONS if o in OUTPUTS],
                         ids=[f"{b[0]} {o}" for b, o in PATH_OPTIONS if o in OUTPUTS])
def test_an_output_path_is_checked_before_any_work(path_results, base, option, label):
    result = path_results[f"{base[0]} {option} {label}"]
    assert problem(result, OUTPUT_EXTRAS[label]) is None, problem(result, OUTPUT_EXTRAS[label])


def test_the_path_labels_are_the_hostile_paths(tmp_path):
    assert sorted(_path_labels()) == sorted(hostile_paths(tmp_path))


# ----------------------------------------------------------------------------- the child

def _child(folder: str, out: str) -> None:
    """Run every path case under an alarm in a capped address space; write {case: result} as JSON."""
    import resource
    import signal

    import speclab.cli.measure  # noqa: F401  (imported before the clock starts)
    import speclab.cli.survey  # noqa: F401
    import speclab.cli.train_draft  # noqa: F401
    with contextlib.suppress(ImportError):
        import speclab.real._checks  # noqa: F401
        import speclab.real.training.store  # noqa: F401
        import speclab.real.offline  # noqa: F401
        import speclab.real.hub  # noqa: F401
        import speclab.real.training.fit as fit
        import speclab.real.offline as offline
        import speclab.real.hub as hub
        offline.load_offline_model = hub.load_hub_model = fit.train_draft = _no_model

    class Alarm(BaseException):
        pass

    def on_alarm(*_):
        raise Alarm

    signal.signal(signal.SIGALRM, on_alarm)
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    scrape = os.path.join(folder, "scrape.txt")
    with open(scrape, "w", encoding="utf-8") as handle:
        handle.write(SCRAPE)
    results = {}
    for i, (base, option) in enumerate(PATH_OPTIONS):
        own = os.path.join(folder, str(i))               # a fresh set each: a writer that fails may replace a path
        os.mkdir(own)
        paths = hostile_paths(own)
        if option in OUTPUTS:
            with open(os.path.join(own, "notes.txt"), "w", encoding="utf-8") as handle:
                handle.write("my notes\n")
            paths.update({"under a regular file": os.path.join(own, "notes.txt", "out.png"),
                          "in a missing folder": os.path.join(own, "missing", "out.png")})
        for label, path in paths.items():
            signal.setitimer(signal.ITIMER_REAL, CASE_SECONDS)
            try:
                result = run_cli(_filled(base, scrape) + [f"{option}={path}"])
            except Alarm:
                result = {"problem": f"ran past {CASE_SECONDS:g} s"}
            except MemoryError:
                result = {"problem": f"MemoryError: needs more than the {MEMORY_CAP / 2**30:g} GiB address-space cap"}
            except Exception as error:                   # noqa: BLE001 - that is the finding
                result = {"problem": f"traceback: {type(error).__name__}: {str(error)[:200]}"}
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            results[f"{base[0]} {option} {label}"] = result
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(results, handle)


if __name__ == "__main__":
    _child(*sys.argv[1:])
