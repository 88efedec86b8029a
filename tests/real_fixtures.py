"""Shared helpers for the real-model tests: tiny random GPT-2 models built in-test (no hub)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")


def tiny_gpt2(seed: int, vocab: int = 64, layers: int = 2, init: float = 0.3, eos: int | None = None):
    """A random GPT-2 (n_embd=32) with peaked next-token distributions (init 0.3), in eval mode.

    eos=None gives a model with no end-of-sequence token, so generation always runs to length.
    """
    torch.manual_seed(seed)
    config = transformers.GPT2Config(vocab_size=vocab, n_positions=256, n_embd=32, n_layer=layers, n_head=2,
                                     bos_token_id=0, eos_token_id=eos, pad_token_id=0, initializer_range=init)
    model = transformers.GPT2LMHeadModel(config).eval()
    model.generation_config.eos_token_id = eos
    model.generation_config.pad_token_id = 0
    return model


def random_prompt(seed: int, length: int, vocab: int = 64) -> list:
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(1, vocab - 1, (length,), generator=gen).tolist()


def hf_greedy(model, prompt: list, max_new_tokens: int) -> list:
    """Hugging Face's own greedy, KV-cached generate (with the model's EOS, if any)."""
    ids = torch.tensor([prompt])
    out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new_tokens, do_sample=False)
    return out[0, len(prompt):].tolist()


def rejected_before_loading(argv: list, match: str, capsys, monkeypatch) -> None:
    """`speclab <argv>` exits 2 with one line naming `match`, and never loads the offline model."""
    from speclab import cli

    def no_loading(*args, **kwargs):
        raise AssertionError("arguments must be checked before the model is loaded")

    monkeypatch.setattr("speclab.real.offline.load_offline_model", no_loading)
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and match in err
