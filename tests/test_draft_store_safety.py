"""The draft store never loses a user's file and finds a draft wherever its target was loaded from.

Only a file that is a speclab draft is ever replaced (atomically, through a temporary file in the
same folder); every output path is checked before any training; the target fingerprint follows the
weights, not the folder they were loaded from. Tiny random GPT-2 models built in code.
"""

from __future__ import annotations

import hashlib
import io
import os
import signal
import time

import pytest

from real_fixtures import random_prompt, tiny_gpt2, torch, transformers

from speclab import cli
from speclab.real import train_draft
from speclab.real.training import store
from speclab.real.training.store import (
    CorruptDraftError, load_draft, load_offline_draft, save_draft, target_fingerprint)

TINY = dict(max_new_tokens=8, vocab_size=32, epochs=1, batch_size=8, depth=1, progress=False, measure_c=False)
NOTES = "my notes, not a draft\n"


@pytest.fixture(scope="module")
def target():
    return tiny_gpt2(0)


@pytest.fixture(scope="module")
def trained(target):
    return train_draft(target, None, prompts=[random_prompt(i, 6) for i in range(8)],
                       heldout=[random_prompt(500 + i, 6) for i in range(2)], **TINY)


@pytest.fixture
def no_training(monkeypatch):
    """Training during the test fails it (paths must be refused before any work)."""
    def refuse(*args, **kwargs):
        raise AssertionError("training started before the output path was checked")
    monkeypatch.setattr("speclab.real.training.fit.train_draft", refuse)


@pytest.fixture
def notes(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text(NOTES)
    return path


def leftovers(folder) -> list:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".partial-"))


# ----------------------------------------------------------------------------- the library

def test_load_offline_draft_refuses_a_file_that_is_not_a_draft(target, notes, no_training, recwarn):
    with pytest.raises(ValueError, match="is not a speclab draft file; it is never overwritten") as info:
        load_offline_draft(target, None, path=notes)
    assert "corrupted" not in str(info.value) and not recwarn.list
    assert notes.read_text() == NOTES


def test_save_draft_never_replaces_a_file_that_is_not_a_draft(trained, notes):
    drafter, record = trained
    with pytest.raises(ValueError, match="not a speclab draft"):
        save_draft(drafter, record, notes)
    assert notes.read_text() == NOTES and leftovers(notes.parent) == []


@pytest.mark.parametrize("where, words", [
    (lambda tmp: tmp, "is a folder"),
    (lambda tmp: "", "must name a draft file"),
    (lambda tmp: "   ", "must name a draft file"),
    (lambda tmp: tmp / "notes.txt" / "sub" / "x.draft", "is a file, not a folder"),
    (lambda tmp: 42, "must be a file path"),
])
def test_bad_output_paths_are_refused_before_training(target, trained, notes, no_training, where, words):
    path = where(notes.parent)
    for call in (lambda: save_draft(*trained, path), lambda: load_offline_draft(target, None, path=path)):
        with pytest.raises(ValueError, match=words):
            call()
    assert leftovers(notes.parent) == [] and notes.read_text() == NOTES


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs file permissions that bind")
def test_an_unwritable_folder_is_refused_before_training(target, tmp_path, no_training):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ValueError, match="not writable"):
            load_offline_draft(target, None, path=locked / "x.draft")
    finally:
        locked.chmod(0o700)


def test_a_failed_save_leaves_the_old_draft_and_no_partial_file(trained, tmp_path, monkeypatch):
    drafter, record = trained
    path = save_draft(drafter, record, tmp_path / "kept.draft")
    before = path.read_bytes()

    def interrupted(src, dst):
        raise KeyboardInterrupt
    monkeypatch.setattr(store.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_draft(drafter, record, path)
    assert path.read_bytes() == before and leftovers(tmp_path) == []


def test_a_draft_is_replaced_in_place(trained, tmp_path):
    drafter, record = trained
    path = save_draft(drafter, record, tmp_path / "sub" / "a.draft")     # missing folders are made
    record.n_prompts = 12345
    save_draft(drafter, record, path)
    assert store.read_payload(path)["record"]["n_prompts"] == 12345 and leftovers(path.parent) == []


def test_loading_a_missing_or_foreign_file_names_the_path(target, notes):
    for bad, words in [(notes.parent / "missing.draft", "there is no draft file at"),
                       (notes.parent, "is a folder"), (notes, "is not a speclab draft file")]:
        with pytest.raises(ValueError, match=words) as info:
            load_draft(bad, target)
        assert str(info.value).startswith("path") and not isinstance(info.value, CorruptDraftError)


def test_a_draft_of_an_older_format_is_retrained_and_replaced(target, trained, tmp_path, monkeypatch):
    """A version-4 file (checksum line, then a torch zip) is a draft: retrained with a warning, replaced."""
    buffer = io.BytesIO()
    torch.save({"format": "speclab-feature-draft-4"}, buffer)
    data = buffer.getvalue()
    path = tmp_path / "old.draft"
    path.write_bytes(hashlib.sha256(data).hexdigest().encode() + b"\n" + data)
    assert store.is_draft_file(path)
    monkeypatch.setattr("speclab.real.training.fit.train_draft", lambda *a, **k: trained)
    with pytest.warns(UserWarning, match="another version"):
        load_offline_draft(target, None, path=path)
    assert store.read_payload(path)["format"] == store.FORMAT


def test_force_retrains_a_good_draft_and_keeps_it_until_the_new_one_is_written(target, trained, tmp_path,
                                                                               monkeypatch):
    drafter, record = trained
    path = save_draft(drafter, record, tmp_path / "a.draft")
    calls = []

    def fresh(*args, **kwargs):
        assert path.is_file()                                   # nothing deleted before training
        calls.append(kwargs)
        return trained
    monkeypatch.setattr("speclab.real.training.fit.train_draft", fresh)
    load_offline_draft(target, None, path=path)
    assert calls == []                                          # a good draft is loaded, not retrained
    load_offline_draft(target, None, path=path, force=True, seed=3)
    assert calls == [{"progress": True, "seed": 3}] and store.is_draft_file(path)


# ----------------------------------------------------------------------------- the fingerprint

def test_the_same_weights_from_another_folder_load_the_draft(target, trained, tmp_path):
    drafter, record = trained
    copies = []
    for name in ("home", "cache"):
        target.save_pretrained(tmp_path / name)
        copies.append(transformers.AutoModelForCausalLM.from_pretrained(tmp_path / name))
    assert copies[0].config._name_or_path != copies[1].config._name_or_path
    path = save_draft(drafter, record, tmp_path / "a.draft")
    for model in copies:
        loaded, _ = load_draft(path, model)
        assert torch.equal(loaded.vocab, drafter.vocab)
    assert target_fingerprint(copies[0]) == target_fingerprint(copies[1]) == target_fingerprint(target)
    assert store.default_draft_path(copies[0]) == store.default_draft_path(copies[1])


def test_the_fingerprint_follows_the_weights(target):
    changed = tiny_gpt2(0)
    with torch.no_grad():
        changed.transformer.h[1].mlp.c_proj.weight.mul_(1.001)     # a deep layer, every entry
    assert target_fingerprint(changed) != target_fingerprint(target) == target_fingerprint(tiny_gpt2(0))
    with pytest.raises(TypeError, match="target must be a causal language model"):
        target_fingerprint("smollm2")


# ----------------------------------------------------------------------------- `speclab train-draft`

@pytest.fixture
def no_model(monkeypatch):
    """Loading the model during the test fails it (arguments and paths are checked first)."""
    def refuse(*args, **kwargs):
        raise AssertionError("the model was loaded before the arguments were checked")
    monkeypatch.setattr("speclab.real.offline.load_offline_model", refuse)


def one_line_error(capsys) -> str:
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.splitlines()) == 1, captured.err
    assert captured.err.startswith("speclab: error:")
    return captured.err


def bad_command_lines(folder, notes) -> list:
    lines = [(["--force", "--out", str(notes)], "not a speclab draft"), (["--out", str(notes)], "not a speclab draft"),
             (["--out", ""], "--out must name a draft file"), (["--out", str(folder)], "is a folder"),
             (["--out", str(notes / "x.draft")], "is a file, not a folder"),
             (["--device", "cuda:x"], "--device must be cpu, cuda, cuda:N or mps"),
             (["--device", "bogus"], "--device must be"), (["--seed", str(2**64)], "--seed")]
    if not torch.cuda.is_available():
        lines.append((["--device", "cuda"], "no CUDA GPU"))
    return lines


def test_train_draft_cli_refuses_bad_paths_and_devices_before_loading(notes, no_model, no_training, capsys):
    for argv, words in bad_command_lines(notes.parent, notes):
        assert cli.main(["train-draft", *argv]) == 2, argv
        assert words in one_line_error(capsys), argv
    assert notes.read_text() == NOTES and leftovers(notes.parent) == []


def test_train_draft_cli_force_replaces_only_a_draft(target, trained, tmp_path, monkeypatch, capsys):
    drafter, record = trained
    path = save_draft(drafter, record, tmp_path / "mine.draft")
    monkeypatch.setattr("speclab.real.offline.load_offline_model", lambda device=None: (target, None))
    trainings = []
    monkeypatch.setattr("speclab.real.training.fit.train_draft", lambda *a, **k: trainings.append(k) or trained)
    assert cli.main(["train-draft", "--out", str(path)]) == 0 and trainings == []
    assert cli.main(["train-draft", "--force", "--out", str(path), "--seed", "2"]) == 0
    assert [k["seed"] for k in trainings] == [2] and str(path) in capsys.readouterr().out
    assert load_draft(path, target)[1]["loss"] == record.loss


# ----------------------------------------------------------------------------- only a verified draft is replaced

def write_payload(path, payload: dict):
    """A file in the draft format whose checksum matches `payload` (what save_draft writes, for any dict)."""
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    data = buffer.getvalue()
    path.write_bytes(store.FORMAT.encode() + b" " + hashlib.sha256(data).hexdigest().encode() + b"\n" + data)
    return path


@pytest.fixture
def looks_like_a_draft(tmp_path):
    """A user's file whose first line happens to be the draft format's."""
    path = tmp_path / "notes.txt"
    path.write_bytes(b"speclab-feature-draft-5 " + b"a" * 64 + b"\nmy notes on the draft format\n")
    return path


def test_a_file_that_merely_starts_like_a_draft_is_never_trained_over(target, looks_like_a_draft, no_training,
                                                                      no_model, capsys, recwarn):
    before = looks_like_a_draft.read_bytes()
    with pytest.raises(ValueError, match="not a verified draft file.*will not be overwritten: remove it"):
        load_offline_draft(target, None, path=looks_like_a_draft)
    assert not store.is_draft_file(looks_like_a_draft) and not recwarn.list
    assert cli.main(["train-draft", "--force", "--out", str(looks_like_a_draft)]) == 2
    assert "--out" in one_line_error(capsys) and looks_like_a_draft.read_bytes() == before


def test_a_damaged_draft_is_refused_not_replaced(target, trained, tmp_path, no_training):
    path = save_draft(*trained, tmp_path / "a.draft")
    raw = bytearray(path.read_bytes())
    raw[-100] ^= 0x01                                       # one flipped bit in the payload
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="not a verified draft file"):
        load_offline_draft(target, None, path=path)
    with pytest.raises(CorruptDraftError, match="checksum mismatch"):
        load_draft(path, target)
    assert path.read_bytes() == bytes(raw)


@pytest.mark.parametrize("change, words", [
    (lambda p: p.pop("fingerprint"), "lacks its 'fingerprint' entry"),
    (lambda p: p.pop("state"), "lacks its 'state' entry"),
    (lambda p: p.update(hidden="576"), "holds a str as 'hidden'"),
    (lambda p: p["state"].update({"fuse.weight": torch.zeros(3, 4)}), r"weight fuse.weight has shape \(3, 4\)"),
    (lambda p: p["state"].pop("qkv.weight"), "missing qkv.weight"),
    (lambda p: p["state"].update(extra=torch.zeros(2)), "unexpected extra"),
    (lambda p: p.update(hidden=10**9), "hidden = 1000000000"),
    (lambda p: p.update(mlp_ratio=float("nan")), "mlp_ratio = nan"),
])
def test_a_verified_file_with_wrong_entries_is_one_error_naming_the_file(target, trained, tmp_path, change, words):
    path = save_draft(*trained, tmp_path / "a.draft")
    payload = store.read_payload(path)
    change(payload)
    write_payload(path, payload)
    with pytest.raises(CorruptDraftError, match=words) as info:
        load_draft(path, target)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_a_huge_sparse_file_that_starts_like_a_draft_is_refused_at_once(target, tmp_path, no_training):
    path = tmp_path / "huge.draft"
    with open(path, "wb") as handle:
        handle.write(b"speclab-feature-draft-5 " + b"0" * 64 + b"\n")
        handle.truncate(6 * 2**30)                          # sparse: no disk used
    start = time.perf_counter()
    with pytest.raises(ValueError, match="not a verified draft file"):
        load_offline_draft(target, None, path=path)
    with pytest.raises(ValueError, match="holds 6 GiB, more than the 512 MiB"):
        load_draft(path, target)
    assert time.perf_counter() - start < 2 and os.path.getsize(path) == 6 * 2**30


@pytest.fixture
def odd_paths(tmp_path):
    """Paths where no draft can be written, and the words of each refusal."""
    os.mkfifo(tmp_path / "pipe.draft")
    os.symlink(tmp_path / "b.draft", tmp_path / "a.draft")
    os.symlink(tmp_path / "a.draft", tmp_path / "b.draft")
    return [(tmp_path / "pipe.draft", "named pipe"), ("/dev/null", "character device"),
            (tmp_path / "a.draft", "symbolic links"), (str(tmp_path / "x\x00.draft"), "NUL"),
            (tmp_path / ("x" * 300 + ".draft"), "over 255 bytes"), ("/".join(["d" * 200] * 25), "bytes long")]


def test_paths_that_are_not_files_are_refused_before_training(target, trained, odd_paths, no_training):
    signal.signal(signal.SIGALRM, lambda *a: pytest.fail("blocked on a path that is not a regular file"))
    signal.alarm(20)
    try:
        for path, words in odd_paths:
            for call in (lambda: store.check_draft_path(path), lambda: save_draft(*trained, path),
                         lambda: load_offline_draft(target, None, path=path)):
                with pytest.raises(ValueError, match=words):
                    call()
            assert not store.is_draft_file(path)
    finally:
        signal.alarm(0)


def test_a_damaged_draft_in_speclabs_own_cache_is_retrained(target, trained, tmp_path, monkeypatch):
    """The cache holds only what speclab wrote there: a damaged draft is reported and replaced, nothing else is."""
    cached = save_draft(*trained, tmp_path / "cache" / "d.draft")
    raw = bytearray(cached.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    cached.write_bytes(bytes(raw))
    monkeypatch.setattr(store, "default_draft_path", lambda model: cached)
    monkeypatch.setattr("speclab.real.training.fit.train_draft", lambda *a, **k: trained)
    with pytest.warns(UserWarning, match="corrupted"):
        load_offline_draft(target, None, seed=1)
    assert store.is_draft_file(cached)
    cached.write_text(NOTES)
    with pytest.raises(ValueError, match="is not a speclab draft file; it is never overwritten"):
        load_offline_draft(target, None, seed=1)
    assert cached.read_text() == NOTES
