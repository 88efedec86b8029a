"""Notebook 05's GPU section, run on the CPU with tiny stand-ins: the pair loader passes device and
dtype through, and the measurement runs in half precision with the output still the target's."""

from __future__ import annotations

from real_fixtures import hf_greedy, random_prompt, tiny_gpt2, torch

from speclab.dispatch import GPT2_SIZES, predict_pair
from speclab.real import SpeculativeDecoder, load_gpt2_pair, measure_pair


def test_the_gpu_section_path_runs_in_half_precision_on_tiny_models(monkeypatch):
    asked = []

    def fake_hub(name, device=None, dtype=None):
        asked.append((name, device, dtype))
        model = tiny_gpt2(0 if name == "gpt2-xl" else 1, layers=4 if name == "gpt2-xl" else 1)
        return model.to(device=device, dtype=dtype).eval(), None

    monkeypatch.setattr("speclab.real.hub.load_hub_model", fake_hub)
    target, draft, tokenizer = load_gpt2_pair("gpt2-xl", "distilgpt2", device="cpu", dtype=torch.float16)
    assert asked == [("gpt2-xl", "cpu", torch.float16), ("distilgpt2", "cpu", torch.float16)]
    assert next(target.parameters()).dtype == torch.float16
    prompt = random_prompt(3, 6)
    out = SpeculativeDecoder(target, draft, tokenizer).generate(prompt, 16, k=2)
    assert out.token_ids == hf_greedy(target, prompt, 16)
    measured = measure_pair(target, draft, tokenizer, prompts=[prompt], ks=(1, 2), max_new_tokens=8, repeats=1,
                            progress=False)
    predicted = predict_pair(GPT2_SIZES["gpt2-xl"], GPT2_SIZES["distilgpt2"], alphas=(max(measured.alpha, 0.0),))
    assert measured.c > 0 and predicted.best_k[0] >= 1 and len(measured.measured_speedup) == 2
