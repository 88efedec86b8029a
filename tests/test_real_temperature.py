"""alpha against temperature on real (tiny, built-in-test) models: the recorded p and q are the models' own."""

import numpy as np
import pytest

from real_fixtures import random_prompt, tiny_gpt2, torch

from speclab.real import DraftModelDrafter, measure_temperature_pair


@pytest.fixture(scope="module")
def pair():
    return tiny_gpt2(1), tiny_gpt2(2, layers=1)


def full_log_probs(model, text):
    with torch.inference_mode():
        return torch.log_softmax(model(input_ids=torch.tensor([text])).logits[0].double(), -1).numpy()


def test_rows_are_the_models_log_probs_along_the_greedy_text(pair):
    target, draft = pair
    prompts = [random_prompt(3, 5), random_prompt(4, 7)]
    m = measure_temperature_pair(target, draft, prompts=prompts, max_new_tokens=6, progress=False)
    assert m.positions == 12 and m.drafter == "draft model"
    prompt = prompts[0]
    text = list(prompt)
    for _ in range(6):                      # the target's greedy continuation, step by step
        text.append(int(full_log_probs(target, text)[-1].argmax()))
    np.testing.assert_allclose(m.p_log[:6], full_log_probs(target, text)[4:10], atol=1e-9)
    np.testing.assert_allclose(m.q_log[:6], full_log_probs(draft, text)[4:10], atol=1e-4)
    p, q = np.exp(m.p_log), np.exp(m.q_log)
    alphas = m.alpha([0.0, 1.0])
    assert alphas[0] == pytest.approx(np.mean(p.argmax(-1) == q.argmax(-1)))
    assert alphas[1] == pytest.approx(np.minimum(p, q).sum(-1).mean())


def test_a_drafter_that_is_the_target_has_alpha_one_at_every_temperature(pair):
    target, _ = pair
    m = measure_temperature_pair(target, DraftModelDrafter(target), prompts=[random_prompt(5, 6)],
                                 max_new_tokens=5, progress=False)
    np.testing.assert_allclose(m.alpha([0.0, 0.5, 1.0, 2.0]), 1.0, atol=1e-4)
