"""Files that are not files: every path argument refuses at once, in bounded memory, with one error naming it.

Named pipes with no writer, devices that never end (/dev/zero), folders, symlink loops, NUL bytes,
names and paths too long for the system, a 6 GiB sparse file: for speclab.files itself and for each
command-line option that takes a path. A pipe that blocked would hang the test, so every test runs
under an alarm that turns a hang into a failure.
"""

from __future__ import annotations

import os
import re
import signal
import time

import pytest

from speclab import cli, files

SPARSE_BYTES = 6 * 2**30
DRAFT_START = b"speclab-feature-draft-5 " + b"0" * 64 + b"\n"


@pytest.fixture(autouse=True)
def no_hang():
    """Fail, instead of hanging, if anything blocks for 20 s (an open() on a pipe, an endless read)."""
    def hung(signum, frame):
        raise AssertionError("blocked: a path was opened or read as if it were a regular file")
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def hostile(tmp_path):
    """name -> a path that is not a readable regular file (and the words its refusal uses)."""
    os.mkfifo(tmp_path / "pipe")
    os.symlink(tmp_path / "loop-b", tmp_path / "loop-a")
    os.symlink(tmp_path / "loop-a", tmp_path / "loop-b")
    (tmp_path / "folder").mkdir()
    return {
        "fifo": (tmp_path / "pipe", "named pipe"),
        "/dev/zero": ("/dev/zero", "character device"),
        "/dev/null": ("/dev/null", "character device"),
        "folder": (tmp_path / "folder", "folder"),
        "symlink loop": (tmp_path / "loop-a", "symbolic links"),
        "NUL": (str(tmp_path / "a\x00b.txt"), "NUL"),
        "300-character name": (tmp_path / ("n" * 300), "over 255 bytes"),
        "5,000-character path": ("/".join(["d" * 200] * 25), "bytes long"),
        "missing": (tmp_path / "missing.txt", "No such file"),
    }


@pytest.fixture
def sparse(tmp_path):
    """A 6 GiB sparse file (no disk used) that starts like a draft."""
    path = tmp_path / "huge.draft"
    with open(path, "wb") as handle:
        handle.write(DRAFT_START)
        handle.truncate(SPARSE_BYTES)
    return path


# ----------------------------------------------------------------------------- speclab.files

def test_reads_refuse_what_is_not_a_regular_file(hostile):
    for label, (path, words) in hostile.items():
        for read in (lambda: files.read_bytes(path, "--report", 1000), lambda: files.regular_file(path, "--report")):
            with pytest.raises(ValueError, match="--report") as info:
                read()
            assert words in str(info.value) and len(str(info.value)) < 300, (label, info.value)


def test_reads_are_capped_before_reading(sparse, tmp_path):
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"--report .* holds 6 GiB, more than the 1e\+03 B") as info:
        files.read_bytes(sparse, "--report", 1000)
    assert time.perf_counter() - start < 1 and "\n" not in str(info.value)
    small = tmp_path / "small.txt"
    small.write_text("héllo")
    assert files.read_text(small, "--report", 6) == "héllo"
    with pytest.raises(ValueError, match="more than"):
        files.read_text(small, "--report", 5)
    small.write_bytes(b"\xff\xfe")
    with pytest.raises(ValueError, match="--report .* is not UTF-8 text"):
        files.read_text(small, "--report", 100)


def test_output_paths_are_checked_before_any_work(hostile, tmp_path):
    refused = {label: words for label, (_, words) in hostile.items() if label != "missing"}
    refused.update({"/dev/zero": "character device", "fifo": "named pipe"})
    for label, words in refused.items():
        with pytest.raises(ValueError, match="--plot") as info:
            files.output_file(hostile[label][0], "--plot")
        assert words in str(info.value), (label, info.value)
    for bad, words in [(tmp_path / "no" / "such" / "x.png", "the folder .* does not exist"),
                       (tmp_path / "x.png" / "y.png", None), (42, "must be a file path"), ("", "must name a file")]:
        if words is None:
            (tmp_path / "x.png").write_text("a file")
            words = "is a file, not a folder"
        with pytest.raises(ValueError, match=words):
            files.output_file(bad, "--plot")
    assert files.output_file(tmp_path / "new" / "x.png", "--plot", make_folders=True) == tmp_path / "new" / "x.png"
    assert not (tmp_path / "new").exists()                 # checked, nothing made
    assert files.output_file(tmp_path / "x.png", "--plot") == tmp_path / "x.png"


def test_a_symlink_to_nothing_is_not_an_output_path(tmp_path):
    os.symlink(tmp_path / "gone", tmp_path / "dangling.png")
    with pytest.raises(ValueError, match="symbolic link to nothing"):
        files.output_file(tmp_path / "dangling.png", "--plot")


def test_a_path_with_line_breaks_is_shown_on_one_line(tmp_path):
    odd = tmp_path / "a\nb\rc\u2028d"
    odd.mkdir()
    with pytest.raises(ValueError, match="is a folder") as info:
        files.regular_file(odd, "--report")
    assert len(str(info.value).splitlines()) == 1 and "a\\nb\\rc\\u2028d" in str(info.value)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs file permissions that bind")
def test_a_read_only_file_is_not_an_output_path(tmp_path):
    locked = tmp_path / "map.png"
    locked.write_bytes(b"")
    locked.chmod(0o444)
    with pytest.raises(ValueError, match="--plot .* read-only"):
        files.output_file(locked, "--plot")


# ----------------------------------------------------------------------------- the command line

def one_line(capsys) -> str:
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.splitlines()) == 1, captured.err
    assert captured.err.startswith("speclab: error:")
    return captured.err


@pytest.fixture
def no_model(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a model was loaded before the paths were checked")
    monkeypatch.setattr("speclab.real.offline.load_offline_model", refuse)


@pytest.mark.parametrize("option", ["--vllm-metrics", "--sglang-metrics", "--sglang-server-info", "--llama-cpp-log"])
def test_fit_refuses_files_that_are_not_files(option, hostile, sparse, capsys):
    extra = ["--k", "3"] if option == "--sglang-metrics" else []
    cases = {**hostile, "/dev/urandom": ("/dev/urandom", "character device"), "6 GiB": (sparse, "more than")}
    for label, (path, words) in cases.items():
        start = time.perf_counter()
        assert cli.main(["fit", option, str(path), *extra]) == 2, label
        err = one_line(capsys)
        assert option in err and words in err and time.perf_counter() - start < 2, (label, err)


def test_fit_before_is_checked_like_the_scrape(hostile, capsys):
    assert cli.main(["fit", "--vllm-metrics", "/dev/null", "--before", str(hostile["fifo"][0])]) == 2
    assert "--vllm-metrics" in one_line(capsys)


def test_server_info_nested_too_deep_is_one_line(tmp_path, capsys):
    deep = tmp_path / "info.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    assert cli.main(["fit", "--sglang-server-info", str(deep)]) == 2
    assert "--sglang-server-info" in one_line(capsys)


def test_train_draft_out_refuses_what_is_not_a_file_before_loading(hostile, sparse, tmp_path, no_model, capsys):
    cases = {label: case for label, case in hostile.items() if label != "missing"}
    cases.update({"/dev/stdout": ("/dev/stdout", "not a regular file|not a speclab draft"),   # a pipe, a tty or a file
                  "6 GiB draft": (sparse, "not a verified draft file")})
    for label, (path, words) in cases.items():
        assert cli.main(["train-draft", "--out", str(path)]) == 2, label
        err = one_line(capsys)
        assert "--out" in err and re.search(words, err), (label, err)
    assert os.path.getsize(sparse) == SPARSE_BYTES


@pytest.mark.parametrize("option", ["--plot", "--prompts"])
def test_survey_paths_are_checked_before_loading(option, hostile, sparse, tmp_path, no_model, capsys):
    cases = dict(hostile)
    if option == "--plot":
        del cases["missing"]
        cases["missing folder"] = (tmp_path / "no" / "map.png", "does not exist")
        cases["folder"] = (tmp_path / "folder", "is a folder")
    else:
        cases["6 GiB"] = (sparse, "more than")
    for label, (path, words) in cases.items():
        assert cli.main(["survey", option, str(path)]) == 2, label
        err = one_line(capsys)
        assert option in err and words in err, (label, err)


class _Survey:
    """What run_survey needs of a survey's result: a table, JSON and a map."""

    def table(self):
        return "the survey's table"

    def to_json(self):
        return '{"rows": []}'

    def plot(self):
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.figure import Figure

        return Figure()


def test_a_figure_that_cannot_be_written_at_the_end_still_prints_the_table(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "figures"
    folder.mkdir()

    def survey_that_loses_its_folder(*args, **kwargs):
        folder.rmdir()                                  # the folder goes away while the survey runs
        return _Survey()

    monkeypatch.setattr("speclab.real.offline.load_offline_model", lambda **kw: (None, None))
    monkeypatch.setattr("speclab.cli.survey.make_drafters", lambda names, target, tok: dict.fromkeys(names))
    monkeypatch.setattr("speclab.real.measure.survey.survey", survey_that_loses_its_folder)
    assert cli.main(["survey", "--drafts", "suffix", "--plot", str(folder / "map.png")]) == 2
    captured = capsys.readouterr()
    assert captured.out.strip() == "the survey's table"
    assert len(captured.err.splitlines()) == 1 and "--plot" in captured.err and "could not be written" in captured.err


# ----------------------------------------------------------------------------- --drafts

@pytest.mark.parametrize("text, names", [("early-exit:06, suffix", ["early-exit:6", "suffix"]),
                                         ("trained,early-exit:29", ["trained", "early-exit:29"])])
def test_drafts_are_named_canonically(text, names):
    from speclab.cli.survey import parse_drafts

    assert parse_drafts(text) == names


@pytest.mark.parametrize("drafts, words", [("early-exit:06,early-exit:6", "early-exit:6 twice"),
                                           ("early-exit:\u0666", "ASCII digits"), ("early-exit:\uff16", "ASCII digits"),
                                           ("early-exit:+6", "1..29"), ("early-exit:6:1", "1..29"),
                                           ("suffix,suffix ", "suffix twice")])
def test_drafts_refused_at_once(drafts, words, no_model, capsys):
    start = time.perf_counter()
    assert cli.main(["survey", "--drafts", drafts]) == 2
    err = one_line(capsys)
    assert "--drafts" in err and words in err and time.perf_counter() - start < 2
