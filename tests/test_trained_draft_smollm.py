"""The offline SmolLM2's trained draft: the one shipped with the package, loaded without training.

The shipped weights (speclab/real/training/shipped/) must belong to the offline model as a fresh
machine loads it (its fingerprint), so a fresh clone measures with the draft at once.
"""

from __future__ import annotations

import pytest

from real_fixtures import torch

from speclab.measured_k import best_plan
from speclab.real import OPEN_ENDED_PROMPTS, SpeculativeDecoder, chat_input_ids, load_offline_draft
from speclab.real.training import store as draft_store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def offline_draft(smollm):
    model, tokenizer = smollm
    return load_offline_draft(model, tokenizer, progress=False)


def test_the_shipped_draft_belongs_to_the_offline_model_and_loads_without_training(smollm, tmp_path,
                                                                                    monkeypatch):
    from speclab.real.training import shipped

    model, tokenizer = smollm
    assert shipped.SHIPPED_FILE.is_file() and shipped.SHIPPED_FILE.stat().st_size < shipped.MAX_BYTES
    assert shipped.shipped_fingerprint() == draft_store.target_fingerprint(model)
    assert shipped.SHIPPED_FILE.with_suffix(".md").is_file(), "how the draft was made is written beside it"

    def no_training(*args, **kwargs):
        raise AssertionError("the shipped draft should have been used")

    monkeypatch.setattr("speclab.real.training.fit.train_draft", no_training)
    monkeypatch.setattr(draft_store, "default_draft_path", lambda target: tmp_path / "empty-cache" / "d.draft")
    drafter, record = load_offline_draft(model, tokenizer, progress=False)
    assert record["n_tokens"] >= 1_000_000 and record["heldout_acceptance"][-1][0] > 0.3


def test_offline_draft_is_exact_and_accepted_on_an_unseen_prompt(smollm, offline_draft):
    model, tokenizer = smollm
    drafter, record = offline_draft
    ids = chat_input_ids(tokenizer, OPEN_ENDED_PROMPTS["describe"])
    out = SpeculativeDecoder(model, drafter, tokenizer).generate(ids, 32, k=2)
    x = torch.tensor([ids])
    reference = model.generate(x, attention_mask=torch.ones_like(x), max_new_tokens=32, do_sample=False)
    assert out.token_ids == reference[0, len(ids):].tolist()
    assert out.n_accepted > 0 and out.target_forwards < len(out.token_ids)
    assert record["heldout_acceptance"][-1][0] > 0.15         # well above the untrained head's 0
    assert 0 < drafter.c < 0.2
    assert len(drafter.pass_costs) == 9 and drafter.pass_costs[0] == 1.0
    k, m = best_plan(drafter.rates, drafter.c, drafter.pass_costs, drafter.first_hits)
    assert drafter.default_policy().start_k == k and drafter.alternatives_for(k) == m
    defaults = SpeculativeDecoder(model, drafter, tokenizer).generate(ids, 32)       # k and runners-up its own
    assert defaults.token_ids == out.token_ids
    assert all(len(r.alternatives) == m for r in defaults.rounds if r.k)
