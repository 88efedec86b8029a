"""Tree-shaped verification: one target pass over a chain plus alternatives for its first draft.

The tree pass must give every row exactly the logits a plain chain pass over that row's path gives,
keeping one path must leave the cache as if only that path had been read, and a decoder whose
drafts carry alternatives must still reproduce Hugging Face's greedy output.
"""

from __future__ import annotations

import numpy as np
import pytest

from real_fixtures import hf_greedy, random_prompt, tiny_gpt2, torch
from test_row_kernel import tiny_llama

from speclab.real import SpeculativeDecoder
from speclab.real._checks import MAX_ALTERNATIVES, check_draft
from speclab.real.drafters.base import EMPTY, Draft
from speclab.real.kv_cache import CachedModel
from speclab.real.tree import depths, path_to, tree_inputs, visible

PARENTS = [-1, 0, 1, 0, 0, 3]          # a chain 0-1-2, and 3, 4 hanging off row 0, with 5 under 3


def test_depths_visibility_and_paths():
    assert depths(PARENTS) == [0, 1, 2, 1, 1, 2]
    sees = visible(PARENTS)
    assert sees[2].tolist() == [True, True, True, False, False, False]
    assert sees[5].tolist() == [True, False, False, True, False, True]
    assert path_to(PARENTS, 5) == [0, 3, 5] and path_to(PARENTS, 0) == [0]


@pytest.mark.parametrize("parents", [[0], [-1, 1], [-1, 0, 5], [-1, -2]])
def test_a_parent_must_be_an_earlier_row(parents):
    with pytest.raises(ValueError, match="parents"):
        depths(parents)


def test_tree_inputs_place_rows_at_prefix_plus_depth():
    inputs = tree_inputs(PARENTS, 4, "cpu", torch.float32)
    assert inputs["position_ids"].tolist() == [[4, 5, 6, 5, 5, 6]]
    mask = inputs["attention_mask"]
    assert mask.shape == (1, 1, 6, 10)
    assert (mask[0, 0, :, :4] == 0).all()                        # every row sees the whole prefix
    assert (mask[0, 0, 1, 4:] == 0).tolist() == [True, True, False, False, False, False]


@pytest.mark.parametrize("make", [tiny_llama, lambda: tiny_gpt2(4)], ids=["llama", "gpt2"])
def test_each_row_of_a_tree_pass_matches_a_chain_pass_over_its_path(make):
    model = make()
    prompt, rows = random_prompt(1, 9), [5, 11, 22, 33, 44, 55]
    with torch.inference_mode():
        tree = CachedModel(model)
        tree.forward(prompt)
        logits = tree.forward(rows, parents=PARENTS)
        for leaf in (2, 4, 5):
            path = path_to(PARENTS, leaf)
            chain = CachedModel(model)
            chain.forward(prompt)
            expected = chain.forward([rows[i] for i in path])
            assert torch.allclose(logits[path], expected, atol=1e-5)


@pytest.mark.parametrize("keep", [[0, 3, 5], [0, 4], [0, 1, 2], [0]])
def test_keeping_a_path_leaves_the_cache_of_that_path_alone(keep):
    model = tiny_llama(2)
    prompt, rows = random_prompt(2, 7), [5, 11, 22, 33, 44, 55]
    with torch.inference_mode():
        tree = CachedModel(model)
        tree.forward(prompt)
        tree.forward(rows, parents=PARENTS)
        tree.keep_path(len(prompt), keep)
        after = tree.forward([77, 78])
        plain = CachedModel(model)
        plain.forward(prompt + [rows[i] for i in keep])
        expected = plain.forward([77, 78])
    assert tree.length == plain.length == len(prompt) + len(keep) + 2
    assert torch.allclose(after, expected, atol=1e-5)


class OracleWithDecoys:
    """Drafts a wrong first token and hides the target's greedy choice among its alternatives."""

    def __init__(self, target, place: int = 1, wrong_chain: bool = True):
        self.target, self.place, self.wrong_chain = target, place, wrong_chain
        self.forwards = 0

    def start(self, prompt_ids, eos=frozenset()):
        pass

    def propose(self, tokens, k, sampling, rng):
        if k <= 0:
            return EMPTY
        with torch.inference_mode():
            best = int(self.target(torch.tensor([tokens])).logits[0, -1].argmax())
        vocab = self.target.config.vocab_size
        decoys = [t for t in range(vocab) if t != best][:3]
        if not self.wrong_chain:
            return Draft([best], None, tuple(decoys[:2]))
        alternatives = decoys[1:]
        alternatives.insert(self.place, best)
        return Draft([decoys[0]], None, tuple(alternatives))

    def feedback(self, valid_length, n_drafted, n_accepted):
        pass


@pytest.mark.parametrize("place", [0, 2])
def test_an_accepted_alternative_keeps_greedy_output_exact(place):
    target = tiny_gpt2(5)
    prompt = random_prompt(3, 8)
    out = SpeculativeDecoder(target, OracleWithDecoys(target, place)).generate(prompt, 30, k=1)
    assert out.token_ids == hf_greedy(target, prompt, 30)
    # every round: the chain's draft is rejected, the alternative accepted, and the bonus added
    assert all(r.n_accepted == 1 and len(r.alternatives) == 3 for r in out.rounds)
    assert out.target_forwards == 1 + 15
    assert out.alpha == 0.0                        # alpha stays the chain's acceptance rate


def test_rejected_alternatives_are_dropped_from_the_cache():
    target = tiny_gpt2(6)
    prompt = random_prompt(4, 8)
    out = SpeculativeDecoder(target, OracleWithDecoys(target, wrong_chain=False)).generate(prompt, 25, k=1)
    assert out.token_ids == hf_greedy(target, prompt, 25)
    assert all(r.n_accepted == 1 and len(r.alternatives) == 2 for r in out.rounds[:-1])


@pytest.mark.parametrize("alternatives, greedy, message", [
    ((3,), False, "greedy"),
    ((5, 5), True, "distinct"),
    ((1,), True, "distinct"),                         # equals the first draft
    ((64,), True, "distinct"),
    (tuple(range(2, 3 + MAX_ALTERNATIVES)), True, "at most"),
])
def test_bad_alternatives_are_refused(alternatives, greedy, message):
    with pytest.raises(ValueError, match=message):
        check_draft(Draft([1, 2], None, alternatives), 2, 64, greedy)


def test_alternatives_need_a_first_draft():
    with pytest.raises(ValueError, match="first draft"):
        check_draft(Draft([], None, (3,)), 2, 64)


def test_sampling_with_alternatives_is_refused_by_the_decoder():
    target = tiny_gpt2(5)
    decoder = SpeculativeDecoder(target, OracleWithDecoys(target))
    with pytest.raises(ValueError, match="greedy"):
        decoder.generate(random_prompt(3, 8), 5, k=1, temperature=1.0, seed=0)


def test_draft_default_has_no_alternatives():
    assert Draft([1]).alternatives == () and np.asarray(Draft([1]).q_rows(4)).shape == (1, 4)
