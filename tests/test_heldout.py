"""The truly held-out prompts: other topics and forms than any training template, kept out of every
training corpus, and the live acceptance by depth measured on them (tiny random models)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from types import SimpleNamespace

import pytest

pytest.importorskip("torch")                 # speclab.real.training imports torch

from speclab.real import heldout  # noqa: E402
from speclab.real.heldout import (HELD_OUT_NGRAM, HELDOUT_PROMPTS, heldout_forms,  # noqa: E402
                                  heldout_prompts, word_ngrams)
from speclab.real.prompts import PROMPTS  # noqa: E402
from speclab.real.training import prompts as training  # noqa: E402


# ----------------------------------------------------------------------------- the set itself

def test_the_set_is_large_varied_and_labelled():
    texts = heldout_prompts()
    assert len(texts) >= 40 and len(set(texts)) == len(texts)
    assert len(heldout_forms()) >= 20
    assert all(isinstance(form, str) and form for form, _ in HELDOUT_PROMPTS)
    assert all(len(heldout.words(t)) >= HELD_OUT_NGRAM + 2 for t in texts)       # every one has n-grams to guard
    assert heldout_prompts("recipe") == [t for f, t in HELDOUT_PROMPTS if f == "recipe"] != []
    assert set(heldout_prompts(["poem", "code"])) <= set(texts)


def test_open_prompts_leave_out_the_forms_that_quote_their_prompt():
    from speclab.real import open_heldout_prompts

    opened = open_heldout_prompts()
    quoting = heldout_prompts(list(heldout.COPYING_FORMS))
    assert len(opened) + len(quoting) == len(HELDOUT_PROMPTS) and not set(opened) & set(quoting)
    assert all(":" in text for text in quoting)                 # each quotes the text it works on


def test_the_race_prompts_are_open_held_out_prompts_of_four_forms():
    from speclab.real.prompts import HELDOUT_OPEN_PROMPTS

    forms = dict((text, form) for form, text in HELDOUT_PROMPTS)
    assert len(HELDOUT_OPEN_PROMPTS) == 4
    assert all(forms[text] == name for name, text in HELDOUT_OPEN_PROMPTS.items())
    assert set(HELDOUT_OPEN_PROMPTS.values()) <= set(heldout.open_heldout_prompts())


@pytest.mark.parametrize("bad", ["sonnet", ["poem", "haiku"], [], 3])
def test_an_unknown_form_names_the_argument(bad):
    with pytest.raises(ValueError, match="forms must be None"):
        heldout_prompts(bad)


def _template_pattern(template: str) -> re.Pattern:
    return re.compile(re.escape(template).replace(re.escape("{topic}"), ".+"), re.IGNORECASE)


def test_no_training_template_produces_a_held_out_prompt():
    patterns = [_template_pattern(t) for t in training.TEMPLATES]
    assert patterns[0].fullmatch("Explain glaciers in simple terms.")         # the patterns do match their own
    for text in heldout_prompts():
        assert not any(p.fullmatch(text) for p in patterns), text


def test_no_training_topic_appears_in_a_held_out_prompt():
    topics = list(training.TOPICS) + list(training.HELD_OUT_TOPICS)
    for text in heldout_prompts():
        found = [t for t in topics if re.search(rf"\b{re.escape(t)}\b", text, re.IGNORECASE)]
        assert not found, f"{text!r} is on the training topics {found}"


# ----------------------------------------------------------------------------- out of every corpus

def _builder_prompts() -> dict:
    """Every prompt the training code can build: all (template, topic) pairs in several seeded
    orders and subsets, the held-out-topic prompts training measures on, the benchmark prompts, and
    whatever any other public no-argument `*prompts` function in speclab.real.training returns."""
    built = {"training_prompts": [p for seed in range(3) for p in training.training_prompts(seed=seed)],
             "training_prompts(n=50)": training.training_prompts(50, seed=7),
             "held_out_prompts": training.held_out_prompts(),
             "OPEN_ENDED_PROMPTS": list(training.OPEN_ENDED_PROMPTS.values()),
             "PROMPTS": list(PROMPTS.values())}
    package = importlib.import_module("speclab.real.training")
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"speclab.real.training.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.endswith("prompts") and not name.startswith("_") and fn.__module__ == module.__name__ and \
                    all(p.default is not p.empty for p in inspect.signature(fn).parameters.values()):
                built.setdefault(name, list(fn()))
    return built


def test_no_corpus_builder_produces_a_held_out_prompt_or_six_words_of_one():
    held = {gram: text for text in heldout_prompts() for gram in word_ngrams(text)}
    built = _builder_prompts()
    assert len(built["training_prompts"]) == 3 * len(training.TEMPLATES) * len(training.TOPICS)
    for builder, prompts in built.items():
        assert prompts and all(isinstance(p, str) for p in prompts), builder
        for prompt in prompts:
            shared = word_ngrams(prompt) & held.keys()
            assert not shared, f"{builder} builds {prompt!r}, which shares {shared} with a held-out prompt"


def test_the_guard_sees_through_case_punctuation_and_surrounding_text():
    text = heldout_prompts()[0]
    assert heldout.leaked_prompt(text) == text
    assert heldout.leaked_prompt("Please: " + text.upper().replace(" ", "  ") + " Thanks.") == text
    assert heldout.leaked_prompt(" ".join(heldout.words(text)[:HELD_OUT_NGRAM - 1])) is None
    assert heldout.leaked_prompt(training.training_prompts(1)[0]) is None


@pytest.fixture(scope="module")
def target():
    from real_fixtures import tiny_gpt2

    return tiny_gpt2(0)


class WordTokenizer:
    """Ids for words, and text back: enough for the corpus guard and the chat-less prompt path."""

    eos_token_id = None
    chat_template = None

    def __init__(self):
        self.vocab = {}

    def __call__(self, text):
        ids = [1 + self.vocab.setdefault(w, len(self.vocab)) % 60 for w in heldout.words(text)]
        return SimpleNamespace(input_ids=ids)

    def decode(self, ids, skip_special_tokens=False):
        names = {1 + i % 60: w for w, i in self.vocab.items()}
        return " ".join(names.get(int(t), "?") for t in ids)


@pytest.mark.parametrize("wrap", [lambda t: t, lambda t: "Answer briefly. " + t.lower()])
def test_the_corpus_writer_refuses_a_held_out_prompt(target, wrap):
    from speclab.real import train_draft, write_corpus

    prompts = training.training_prompts(5) + [wrap(heldout_prompts()[7])]
    with pytest.raises(ValueError, match=r"prompts\[5\] copies the held-out prompt"):
        write_corpus(target, None, prompts=prompts, progress=False)
    with pytest.raises(ValueError, match="held-out prompt"):
        train_draft(target, None, prompts=prompts, progress=False)


def test_the_corpus_writer_refuses_held_out_token_ids_it_can_read(target):
    from speclab.real import write_corpus

    tokenizer = WordTokenizer()
    ids = tokenizer(heldout_prompts()[3]).input_ids
    assert tokenizer.decode(ids).split() == heldout.words(heldout_prompts()[3])[: len(ids)]
    with pytest.raises(ValueError, match=r"prompts\[0\] copies the held-out prompt"):
        write_corpus(target, tokenizer, prompts=[ids], progress=False)


# ----------------------------------------------------------------------------- acceptance by depth

class Oracle:
    """Knows the target's greedy answer: right at depths 1-2, wrong at 3, and offers the right
    first token as a runner-up when told to get the first one wrong."""

    forwards = 0

    def __init__(self, answer: list, first_wrong: bool = False):
        self.answer, self.first_wrong = answer, first_wrong

    def start(self, prompt_ids, eos=frozenset()):
        pass

    def propose(self, tokens, k, sampling=None, rng=None):
        from speclab.real import Draft

        right = self.answer[len(tokens): len(tokens) + k]
        drafts = [t if d < 2 else (t + 1) % 64 for d, t in enumerate(right)]
        if self.first_wrong and drafts:
            return Draft([(drafts[0] + 1) % 64] + drafts[1:], None, (drafts[0],))
        return Draft(drafts)

    def feedback(self, valid_length, n_drafted, n_accepted):
        pass


def test_acceptance_by_depth_counts_each_depth_given_the_ones_before(target):
    from real_fixtures import hf_greedy, random_prompt

    from speclab.real import acceptance_by_depth

    prompt = random_prompt(70, 8)
    answer = prompt + hf_greedy(target, prompt, 40)
    found = acceptance_by_depth(Oracle(answer), target, prompts=[prompt], max_new_tokens=30, progress=False)
    assert found.rates == [1.0, 1.0, 0.0] and found.tries == (10, 10, 9)    # 3 tokens a round, the last drafts 2
    assert found.n_prompts == 1 and found.n_tokens == 30 and "depth 3: 0.00" in str(found)
    chain = acceptance_by_depth(Oracle(answer, first_wrong=True), target, prompts=[prompt], max_new_tokens=30,
                                progress=False)
    assert chain.rates[0] == 0.0 and chain.tries[1] == 0       # the runner-up is not counted as the chain's


def test_a_copy_of_the_target_is_accepted_at_every_depth(target):
    from real_fixtures import random_prompt

    from speclab.real import acceptance_by_depth

    found = acceptance_by_depth(target, target, prompts=[random_prompt(71, 6), random_prompt(72, 9)],
                                max_new_tokens=12, depths=2, progress=False)
    assert found.rates == [1.0, 1.0] and found.n_prompts == 2


def test_the_held_out_set_is_the_default_prompt_set(target):
    from real_fixtures import tiny_gpt2

    from speclab.real import acceptance_by_depth

    found = acceptance_by_depth(tiny_gpt2(1), target, WordTokenizer(), max_new_tokens=2, progress=False)
    assert found.n_prompts == len(HELDOUT_PROMPTS) and found.n_tokens == 2 * len(HELDOUT_PROMPTS)
    assert sum(found.tries) > 0 and all(0 <= r <= 1 for r in found.rates if r == r)


@pytest.mark.parametrize("bad, match", [(dict(depths=0), "depths"), (dict(max_new_tokens=0), "max_new_tokens"),
                                        (dict(prompts=None), "tokenizer")])
def test_bad_arguments_name_themselves(target, bad, match):
    from speclab.real import acceptance_by_depth

    with pytest.raises(ValueError, match=match):
        acceptance_by_depth(target, target, **{"prompts": [[1, 2, 3]], **bad})
