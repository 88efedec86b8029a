"""Copies that never hold two float32 models at once: tied weights stay tied, shared weights are
the target's own objects, converted ones are new, and the target is left as it was."""

from __future__ import annotations

from real_fixtures import random_prompt, tiny_gpt2, torch  # noqa: F401  (skips without torch)

from speclab.real.model_copy import in_dtype, sharing_weights


def test_a_bfloat16_copy_keeps_its_tie_and_leaves_the_target_alone():
    target = tiny_gpt2(0)
    before = {name: t.clone() for name, t in target.state_dict().items()}
    copy = in_dtype(target, torch.bfloat16)
    assert copy.lm_head.weight is copy.transformer.wte.weight            # still one tied parameter
    assert all(p.dtype == torch.bfloat16 for p in copy.parameters())
    assert all(p.dtype == torch.float32 for p in target.parameters())
    own = {p.data_ptr() for p in target.parameters()}
    assert not any(p.data_ptr() in own for p in copy.parameters())
    assert all(torch.equal(before[name], t) for name, t in target.state_dict().items())
    ids = torch.tensor([random_prompt(1, 12)])
    with torch.no_grad():
        p, q = target(ids).logits, copy(ids).logits.float()
    assert (p - q).abs().max() < 0.05 * p.abs().max()


def test_shared_kinds_are_the_targets_own_parameters_and_the_rest_are_copies():
    target = tiny_gpt2(0)
    copy = sharing_weights(target, (torch.nn.Embedding,))
    assert copy.transformer.wte.weight is target.transformer.wte.weight
    assert copy.lm_head.weight is target.lm_head.weight                  # tied to the shared embedding
    norm = copy.transformer.ln_f.weight
    assert norm is not target.transformer.ln_f.weight and torch.equal(norm, target.transformer.ln_f.weight)
    with torch.no_grad():
        norm.add_(1.0)                                                    # a copied weight is the copy's own
    assert not torch.equal(norm, target.transformer.ln_f.weight)
