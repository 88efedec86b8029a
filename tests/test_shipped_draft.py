"""The shipped draft: safetensors written and read back whole, tied to its target, preferred over training.

Tiny random GPT-2s stand in for the offline SmolLM2 (the same code paths); the real shipped file
is checked against the real model in tests/test_trained_draft_smollm.py.
"""

from __future__ import annotations

import json

import pytest
import safetensors.torch

from real_fixtures import random_prompt, tiny_gpt2, torch
from test_trained_draft import TINY, target, tiny_prompts, train_tiny, trained  # noqa: F401 (fixtures)

from speclab.real import SpeculativeDecoder
from speclab.real.training import shipped, store
from speclab.real.training.corpus import write_corpus
from speclab.real.training.fit import train_draft


def test_written_and_read_back_whole(tmp_path, target, trained):
    drafter, record = trained
    path = shipped.write_shipped_draft(drafter, record, tmp_path / "d.safetensors")
    again, record_again = shipped.read_shipped_draft(target, path)
    for name, value in drafter.head.state_dict().items():
        torch.testing.assert_close(again.head.state_dict()[name], value, rtol=0, atol=0)
    assert again.vocab.tolist() == drafter.vocab.tolist() and again.rates == drafter.rates
    assert record_again["heldout_acceptance"] == record.as_dict()["heldout_acceptance"]
    prompt = random_prompt(77, 8)
    assert (SpeculativeDecoder(target, again).generate(prompt, 24, k=2).token_ids
            == SpeculativeDecoder(target, drafter).generate(prompt, 24, k=2).token_ids)
    assert shipped.shipped_fingerprint(path) == store.target_fingerprint(target)


def test_refuses_another_target_and_a_missing_or_foreign_file(tmp_path, target, trained):
    path = shipped.write_shipped_draft(*trained, tmp_path / "d.safetensors")
    with pytest.raises(ValueError, match="another target"):
        shipped.read_shipped_draft(tiny_gpt2(1), path)
    with pytest.raises(ValueError, match="no readable shipped draft"):
        shipped.read_shipped_draft(target, tmp_path / "missing.safetensors")
    (tmp_path / "junk.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{}")
    assert shipped.shipped_fingerprint(tmp_path / "junk.safetensors") is None


def test_a_draft_over_the_size_limit_is_not_written(tmp_path, trained, monkeypatch):
    monkeypatch.setattr(shipped, "MAX_BYTES", 1000)
    with pytest.raises(ValueError, match="under"):
        shipped.write_shipped_draft(*trained, tmp_path / "d.safetensors")
    assert list(tmp_path.iterdir()) == []            # no partial file left behind


@pytest.fixture
def places(tmp_path, target, trained, monkeypatch):
    """The shipped file and the cache both moved into tmp_path; training forbidden unless allowed."""
    ship = shipped.write_shipped_draft(*trained, tmp_path / "ship" / "d.safetensors")
    monkeypatch.setattr(shipped, "SHIPPED_FILE", ship)
    monkeypatch.setattr(store, "default_draft_path", lambda model: tmp_path / "cache" / "d.draft")

    def no_training(*args, **kwargs):
        raise AssertionError("a draft was trained although one was at hand")

    monkeypatch.setattr("speclab.real.training.fit.train_draft", no_training)
    return tmp_path


def test_load_offline_draft_uses_the_shipped_draft_without_training(places, target, trained):
    drafter, record = store.load_offline_draft(target, None)
    torch.testing.assert_close(drafter.head.fuse.weight, trained[0].head.fuse.weight)
    assert record["n_tokens"] == trained[1].n_tokens
    assert not (places / "cache" / "d.draft").exists()        # nothing copied into the cache


def test_a_draft_in_the_cache_comes_before_the_shipped_one(places, target):
    other, record = train_tiny(target, seed=5)
    store.save_draft(other, record, places / "cache" / "d.draft")
    drafter, _ = store.load_offline_draft(target, None)
    torch.testing.assert_close(drafter.head.fuse.weight, other.head.fuse.weight)


def test_the_shipped_draft_of_another_target_is_never_used(places, monkeypatch):
    trained_here = []
    monkeypatch.setattr("speclab.real.training.fit.train_draft",
                        lambda model, tok, **kw: trained_here.append(1) or train_tiny(model))
    store.load_offline_draft(tiny_gpt2(1), None)
    assert trained_here == [1]


def test_corpus_variants_are_seeded_and_sampled(target):
    prompts, held = tiny_prompts(6), tiny_prompts(2, 500)
    one = write_corpus(target, None, prompts, held, max_new_tokens=12, variants=3, seed=4, progress=False)
    two = write_corpus(target, None, prompts, held, max_new_tokens=12, variants=3, seed=4, progress=False)
    assert len(one.data) == 18 and [s.tokens.tolist() for s in one.data] == [s.tokens.tolist() for s in two.data]
    greedy, sampled = one.data[:6], one.data[6:12]
    assert any(g.tokens.tolist() != s.tokens.tolist() for g, s in zip(greedy, sampled))
    assert one.first(1) == one.data[:1] and one.tokens(one.first(one.tokens())) == one.tokens()


def test_training_on_the_leading_part_of_a_corpus(target):
    corpus = write_corpus(target, None, tiny_prompts(16), tiny_prompts(4, 500), max_new_tokens=16, progress=False)
    options = {k: v for k, v in TINY.items() if k != "max_new_tokens"}
    _, part = train_draft(target, None, corpus=corpus, corpus_tokens=100, **options)
    _, whole = train_draft(target, None, corpus=corpus, **options)
    assert 100 <= part.n_tokens < whole.n_tokens == corpus.tokens()
    with pytest.raises(ValueError, match="corpus"):
        train_draft(target, None, corpus="text", **options)


# ----------------------------------------------------------------------------- checksum, damaged headers

def rewrite_header(path, change, reseal: bool = True):
    """Rewrite the safetensors header of `path` after change(metadata); reseal recomputes the checksum."""
    raw = path.read_bytes()
    size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + size])
    change(header["__metadata__"])
    if reseal:
        tensors = safetensors.torch.load(raw)
        header["__metadata__"]["sha256"] = shipped.contents_digest(tensors, header["__metadata__"])
    text = json.dumps(header).encode()
    path.write_bytes(len(text).to_bytes(8, "little") + text + raw[8 + size:])


def test_the_shipped_file_verifies_and_its_weights_are_unchanged():
    """The checksum is over the weights and metadata; the file in the package passes it."""
    tensors, meta = shipped.read_contents()
    assert meta["format"] == shipped.SHIPPED_FORMAT and shipped.shipped_fingerprint() == meta["fingerprint"]
    assert tensors["head.fuse.weight"].shape == (576, 1152) and len(meta["sha256"]) == 64
    assert shipped.contents_digest(tensors, meta) == meta["sha256"]
    assert shipped.contents_digest(tensors, {**meta, "record": meta["record"] + " "}) != meta["sha256"]


def test_a_flipped_byte_in_the_weights_is_refused(tmp_path, target, trained):
    path = shipped.write_shipped_draft(*trained, tmp_path / "d.safetensors")
    raw = bytearray(path.read_bytes())
    raw[-5] ^= 0x10                                          # inside the last tensor's bytes
    path.write_bytes(bytes(raw))
    assert shipped.shipped_fingerprint(path) == store.target_fingerprint(target)   # the header is intact
    with pytest.raises(ValueError, match="damaged: its checksum does not match"):
        shipped.read_shipped_draft(target, path)


@pytest.mark.parametrize("damage, words", [
    (lambda p: p.write_bytes((2**62).to_bytes(8, "little") + b"{}"), "header length"),
    (lambda p: p.write_bytes(p.read_bytes()[:20]), "header length"),
    (lambda p: p.write_bytes(b"\x05\x00\x00\x00\x00\x00\x00\x00[1, 2" + b"\x00" * 40), "not JSON"),
    (lambda p: p.write_bytes(b"\x06\x00\x00\x00\x00\x00\x00\x00[1, 2]" + b"\x00" * 40), "not a JSON object"),
    (lambda p: p.write_bytes(b"\x20\x4e\x00\x00\x00\x00\x00\x00" + b"[" * 10_000 + b"]" * 10_000), "not JSON"),
    (lambda p: rewrite_header(p, lambda m: m.pop("record")), "'record' entry is missing"),
    (lambda p: rewrite_header(p, lambda m: m.update(format="speclab-shipped-draft-1")), "is not a speclab-shipped"),
    (lambda p: rewrite_header(p, lambda m: m.update(shape="{")), "does not hold a usable draft"),
    (lambda p: rewrite_header(p, lambda m: m.update(shape="[]")), "does not hold a usable draft"),
    (lambda p: rewrite_header(p, lambda m: m.update(shape='{"hidden": 32}')), "lacks the entry 'head_dim'"),
    (lambda p: rewrite_header(p, lambda m: m.update(shape='{"hidden": 64, "head_dim": 8, "mlp_ratio": 2}')),
     "has shape"),
    (lambda p: rewrite_header(p, lambda m: m.update(measured="null")), "does not hold a usable draft"),
    (lambda p: rewrite_header(p, lambda m: m.update(shape='{"hidden": 33}'), reseal=False), "checksum"),
])
def test_a_damaged_header_is_one_error_naming_the_file(tmp_path, target, trained, damage, words):
    path = shipped.write_shipped_draft(*trained, tmp_path / "d.safetensors")
    damage(path)
    with pytest.raises(ValueError, match=words) as info:
        shipped.read_shipped_draft(target, path)
    assert "d.safetensors" in str(info.value) and "\n" not in str(info.value)
    assert shipped.shipped_fingerprint(path) in (None, store.target_fingerprint(target))


def test_the_shipped_reader_never_imports_the_store():
    """One direction: the store uses the shipped draft, the shipped draft does not use the store."""
    import ast
    import inspect

    def imported(module) -> set:
        names = set()
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if isinstance(node, ast.ImportFrom):
                names |= {node.module or ""} | {alias.name for alias in node.names}
            elif isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
        return names

    assert not {"store", ".store"} & imported(shipped)
    assert not any(name.endswith("store") for name in imported(shipped))
    assert "shipped" in imported(store)


def test_the_shipped_draft_is_written_only_where_a_file_may_go(tmp_path, trained):
    import os

    path = shipped.write_shipped_draft(*trained, tmp_path / "d.safetensors")
    assert shipped.write_shipped_draft(*trained, path) == path          # a shipped draft is replaced
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    os.mkfifo(tmp_path / "pipe")
    os.symlink(tmp_path / "b", tmp_path / "a")
    os.symlink(tmp_path / "a", tmp_path / "b")
    for bad, words in [(notes, "is not a shipped draft"), (tmp_path / "pipe", "named pipe"), (tmp_path, "folder"),
                       (tmp_path / "a", "symbolic links"), (str(tmp_path / "x\x00"), "NUL"),
                       (tmp_path / ("x" * 300), "over 255 bytes")]:
        with pytest.raises(ValueError, match=words):
            shipped.write_shipped_draft(*trained, bad)
    assert notes.read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == [
        "a", "b", "d.safetensors", "notes.txt", "pipe"]
