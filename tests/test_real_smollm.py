"""The offline SmolLM2-135M model: cached loading, greedy equality with generate, prompt lookup.

The first load in a fresh cache dequantizes the GGUF (about 30-40 s, once); every other test
shares one session-scoped model.
"""

from __future__ import annotations

import argparse
import json

import pytest

from real_fixtures import torch

from speclab.real import EarlyExitDrafter, PromptLookupDrafter, SpeculativeDecoder, load_offline_model, offline
from speclab.cli import measure as measure_cli
from speclab.real.prompts import PROMPTS, chat_input_ids

pytestmark = pytest.mark.slow


def hf_greedy(model, ids, max_new_tokens):
    x = torch.tensor([ids])
    out = model.generate(x, attention_mask=torch.ones_like(x), max_new_tokens=max_new_tokens, do_sample=False)
    return out[0, len(ids):].tolist()


def test_second_load_reads_the_cache(smollm, monkeypatch):
    def no_dequantize(*args, **kwargs):
        raise AssertionError("the cached safetensors should have been used")

    monkeypatch.setattr(offline, "dequantize_to", no_dequantize)
    model, tokenizer = load_offline_model(progress=False)
    assert offline.is_cached() and model.config.vocab_size == 49152
    assert tokenizer.decode(tokenizer("lighthouse").input_ids) == "lighthouse"


@pytest.mark.parametrize("name, max_new_tokens", [("repeat", 40), ("new code", 24)])
def test_prompt_lookup_greedy_equals_generate(smollm, name, max_new_tokens):
    model, tokenizer = smollm
    ids = chat_input_ids(tokenizer, PROMPTS[name])
    out = SpeculativeDecoder(model, PromptLookupDrafter(), tokenizer).generate(ids, max_new_tokens, k=10)
    assert out.token_ids == hf_greedy(model, ids, max_new_tokens)
    assert out.text == tokenizer.decode(out.token_ids, skip_special_tokens=True)


def test_prompt_lookup_drafts_the_repeated_passage(smollm):
    model, tokenizer = smollm
    ids = chat_input_ids(tokenizer, PROMPTS["repeat"])
    out = SpeculativeDecoder(model, PromptLookupDrafter(), tokenizer).generate(ids, 40, k=10)
    assert out.n_accepted >= 0.8 * out.n_drafted
    assert out.tokens_per_round > 3 and out.target_forwards < len(out.token_ids) / 2
    assert "accepted" in out.html()


def test_early_exit_greedy_equals_generate_with_low_alpha(smollm):
    model, tokenizer = smollm
    ids = chat_input_ids(tokenizer, PROMPTS["new code"])
    out = SpeculativeDecoder(model, EarlyExitDrafter(model, 6), tokenizer).generate(ids, 16, k=3)
    assert out.token_ids == hf_greedy(model, ids, 16)
    assert out.draft_forwards > 0 and out.alpha < 0.6


def test_sampling_runs_and_is_reproducible(smollm):
    model, tokenizer = smollm
    dec = SpeculativeDecoder(model, PromptLookupDrafter(), tokenizer)
    ids = chat_input_ids(tokenizer, PROMPTS["repeat"])
    runs = [dec.generate(ids, 20, k=6, temperature=0.7, top_p=0.9, seed=4) for _ in range(2)]
    assert runs[0].token_ids == runs[1].token_ids and len(runs[0].token_ids) == 20


def test_measure_command_prints_json(smollm, tmp_path, capsys):
    parser = argparse.ArgumentParser()
    measure_cli.add_measure_arguments(parser)
    prompts = tmp_path / "prompts.txt"
    prompts.write_text(PROMPTS["repeat"])
    args = parser.parse_args(["--ks", "1,4", "--max-new-tokens", "12", "--repeats", "1",
                              "--prompts", str(prompts), "--json"])
    assert measure_cli.run_measure(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ks"] == [1, 4] and report["draft"] == "prompt-lookup"
    assert 0.5 < report["alpha"] <= 1 and report["c"] < 0.05
    assert len(report["measured_speedup"]) == 2 and report["recommended_k"] in (0, 1, 4)
