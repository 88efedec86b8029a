"""The trained feature draft on tiny random models: exact greedy output, lossless sampling, rollback, storage.

Each draft here is trained in a second or two on a tiny GPT-2 built in code; the architecture,
training and decoding paths are the ones the offline SmolLM2 draft uses.
"""

from __future__ import annotations

import pytest

from real_fixtures import hf_greedy, random_prompt, rejected_before_loading, tiny_gpt2, torch
from test_real_sampling import RUNS, THRESHOLD, VOCAB, exact_first_two, sampled_first_two

from speclab.measured_k import best_k, best_plan
from speclab.policies import FixedK
from speclab.real import FeatureDrafter, SpeculativeDecoder, train_draft
from speclab.real.training.store import load_draft, load_offline_draft, save_draft
from speclab.stats import chi_square_test

TINY = dict(max_new_tokens=16, vocab_size=40, epochs=2, batch_size=8, depth=3, progress=False, measure_c=False)


def tiny_prompts(n: int, first_seed: int = 0, vocab: int = 64) -> list:
    return [random_prompt(first_seed + i, 6, vocab) for i in range(n)]


def train_tiny(model, seed: int = 0, vocab: int = 64, **options):
    options = {**TINY, **options}
    return train_draft(model, None, prompts=tiny_prompts(16, 0, vocab), heldout=tiny_prompts(4, 500, vocab),
                       seed=seed, **options)


@pytest.fixture(scope="module")
def target():
    return tiny_gpt2(0)


@pytest.fixture(scope="module")
def trained(target):
    return train_tiny(target)


def test_greedy_output_equals_target_generate(target, trained):
    drafter, _ = trained
    decoder = SpeculativeDecoder(target, drafter)
    drafted = 0
    for seed, k in [(900, 1), (901, 3), (902, 5), (903, None)]:
        prompt = random_prompt(seed, 9)
        out = decoder.generate(prompt, 40, k=k)
        assert out.token_ids == hf_greedy(target, prompt, 40)
        drafted += out.n_drafted
    assert drafted > 0


def test_greedy_stops_at_eos_like_generate():
    model = tiny_gpt2(3, eos=7)
    drafter, _ = train_tiny(model)
    for seed in range(950, 954):
        prompt = random_prompt(seed, 7)
        out = SpeculativeDecoder(model, drafter).generate(prompt, 48, k=3)
        assert out.token_ids == hf_greedy(model, prompt, 48)


@pytest.mark.parametrize("settings", [dict(temperature=1.0), dict(temperature=0.7, top_k=4, top_p=0.9)])
def test_sampling_is_lossless(settings):
    model = tiny_gpt2(11, vocab=VOCAB, init=1.0)
    drafter, _ = train_tiny(model, vocab=VOCAB, vocab_size=4)     # q is zero outside 4 of 6 tokens
    counts = sampled_first_two(SpeculativeDecoder(model, drafter), settings)
    _, p_value = chi_square_test(counts, exact_first_two(model, settings))
    assert p_value > THRESHOLD, f"speculative sampling with the trained draft is not lossless (p = {p_value:.2g})"
    assert counts.sum() == RUNS


def test_draft_cache_is_rolled_back_to_verified_entries(target, trained):
    drafter, _ = trained
    out = SpeculativeDecoder(target, drafter).generate(random_prompt(960, 8), 40, k=4)
    assert out.n_accepted < out.n_drafted                       # there were rejections to roll back
    kept = drafter._cache.length
    fresh = FeatureDrafter(target, drafter.head, drafter.vocab)
    known = drafter._known()
    fresh.start(out.prompt_ids, frozenset())
    fresh.accept_features(known)
    fresh.propose(out.prompt_ids + out.token_ids, 1, _greedy(), None)
    assert kept == drafter._true_entries < known.shape[0] + 1
    torch.testing.assert_close(drafter._cache.keys, fresh._cache.keys[:, :, :kept])
    torch.testing.assert_close(drafter._cache.values, fresh._cache.values[:, :, :kept])


def test_training_is_deterministic_with_a_seed(target):
    first, record = train_tiny(target, seed=5, epochs=1)
    second, again = train_tiny(target, seed=5, epochs=1)
    other, _ = train_tiny(target, seed=6, epochs=1)
    for name, weight in first.head.state_dict().items():
        assert torch.equal(weight, second.head.state_dict()[name]), name
    assert record.loss == again.loss
    assert not torch.equal(first.head.fuse.weight, other.head.fuse.weight)


def test_training_record_has_loss_and_heldout_acceptance(trained):
    _, record = trained
    assert len(record.loss) == record.steps[-1] and record.loss[-1] < record.loss[0]
    assert record.heldout_steps[-1] == record.steps[-1]
    assert all(len(row) == record.depth and all(0 <= a <= 1 for a in row) for row in record.heldout_acceptance)


def test_a_draft_trained_one_deep_is_still_measured_three_deep(target):
    drafter, record = train_tiny(target, depth=1, epochs=1)
    assert record.depth == 1 and all(len(row) == 3 for row in record.heldout_acceptance)
    assert drafter.rates == record.heldout_acceptance[-1] and drafter.alpha == record.alpha == drafter.rates[0]


def test_default_policy_follows_the_measured_rates_and_costs(target, trained):
    drafter, _ = trained
    costs = [1.0, 0.83, 0.91, 0.89, 1.05, 1.18, 1.31, 1.22, 1.57]
    sized = FeatureDrafter(target, drafter.head, drafter.vocab, rates=[0.7, 0.6, 0.5], c=0.03, pass_costs=costs)
    expected = best_k([0.7, 0.6, 0.5], 0.03, costs)
    assert expected == 3 and repr(sized.default_policy()) == repr(FixedK(expected))
    out = SpeculativeDecoder(target, sized).generate(random_prompt(970, 8), 24)
    assert max(r.k for r in out.rounds) == expected
    hopeless = FeatureDrafter(target, drafter.head, drafter.vocab, rates=[0.1], c=0.05, pass_costs=[1.0, 1.7, 2.1])
    assert repr(hopeless.default_policy()) == repr(FixedK(0))
    unmeasured = FeatureDrafter(target, drafter.head, drafter.vocab)
    assert unmeasured.alpha is None and repr(unmeasured.default_policy()) == repr(FixedK(2))


def test_saved_draft_reloads_and_refuses_a_foreign_target(tmp_path, target, trained):
    drafter, record = trained
    path = save_draft(drafter, record, tmp_path / "tiny.draft")
    loaded, saved_record = load_draft(path, target)
    prompt = random_prompt(980, 8)
    assert SpeculativeDecoder(target, loaded).generate(prompt, 24, k=3).token_ids == \
        SpeculativeDecoder(target, drafter).generate(prompt, 24, k=3).token_ids
    assert saved_record["loss"] == record.loss and loaded.first_hits == drafter.first_hits
    with pytest.raises(ValueError, match="different target"):
        load_draft(path, tiny_gpt2(1))


def test_a_corrupted_draft_is_retrained_in_the_cache_and_refused_at_a_path_of_yours(tmp_path, target, trained,
                                                                                     monkeypatch):
    from speclab.real.training import store

    drafter, record = trained
    path = save_draft(drafter, record, tmp_path / "tiny.draft")
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    options = dict(TINY, prompts=tiny_prompts(16), heldout=tiny_prompts(4, 500), seed=0)
    with pytest.raises(ValueError, match="not a verified draft file"):
        load_offline_draft(target, None, path=path, **options)
    assert path.read_bytes() == bytes(raw)                      # a path of yours is left as it is
    monkeypatch.setattr(store, "default_draft_path", lambda model: path)
    with pytest.warns(UserWarning, match="corrupted"):
        retrained, _ = load_offline_draft(target, None, **options)
    reloaded, _ = load_draft(path, target)                      # the file is whole again
    for name, weight in retrained.head.state_dict().items():
        assert torch.equal(weight, reloaded.head.state_dict()[name])


@pytest.mark.parametrize("bad, match", [
    (dict(epochs=0), "epochs"), (dict(vocab_size=1), "vocab_size"), (dict(lr=-1.0), "lr"),
    (dict(depth=0), "depth"), (dict(prompts=["a string"]), "tokenizer"), (dict(prompts=[]), "prompts"),
    (dict(write_batch=0), "write_batch"),
])
def test_bad_training_arguments_name_the_argument(target, bad, match):
    options = dict(prompts=tiny_prompts(2), heldout=tiny_prompts(1, 500), **TINY)
    options.update(bad)
    with pytest.raises(ValueError, match=match):
        train_draft(target, None, **options)


def _greedy():
    from speclab.real import Sampling

    return Sampling()


@pytest.mark.parametrize("argv, match", [
    (["train-draft", "--epochs", "0"], "--epochs"), (["train-draft", "--seed", "-1"], "--seed"),
    (["train-draft", "--device", "tpu"], "--device"), (["train-draft", "--nope"], "unrecognized"),
    (["train-draft", "--new-tokens", "0"], "--new-tokens"), (["train-draft", "--new-tokens", "5000"], "--new-tokens"),
    (["train-draft", "--ship", "--out", "x.draft"], "--ship"),
])
def test_train_draft_cli_rejects_bad_arguments_in_one_line(argv, match, capsys, monkeypatch):
    rejected_before_loading(argv, match, capsys, monkeypatch)


def test_every_round_drafts_from_the_true_features_of_its_position(target, trained):
    """The first draft of each round is the head's guess from the target's own feature there."""
    from speclab.real.kv_cache import CachedModel

    drafter, _ = trained
    prompt = random_prompt(990, 9)
    out = SpeculativeDecoder(target, drafter).generate(prompt, 30, k=3)
    sequence = prompt + out.token_ids
    with torch.no_grad():
        _, features = CachedModel(target).forward(sequence, features=True)
        embedded = target.get_input_embeddings()(torch.tensor(sequence[1:]))[None]
        first = drafter.head.unrolled(features[None, :-1], embedded, 1)[0][0]
        guesses = drafter.vocab[(first @ drafter.rows.T).argmax(-1)].tolist()
    assert all(r.k > 0 for r in out.rounds[:-1])                 # the prompt's features arrive before round 1
    for r in out.rounds[:-1]:                                    # the last round may have no room to draft
        n = len(prompt) + r.position                             # index of the round's first draft
        assert r.draft_tokens[0] == guesses[n - 2]


def test_a_head_of_the_wrong_width_is_refused(target, trained):
    from speclab.real import FeatureHead

    drafter, _ = trained
    with pytest.raises(ValueError, match="hidden size 32"):
        FeatureDrafter(target, FeatureHead(48, head_dim=16), drafter.vocab)
    with pytest.raises(ValueError, match="vocab"):
        FeatureDrafter(target, drafter.head, [0, 64])


def test_a_draft_measured_on_another_device_remeasures_its_costs(tmp_path, target, trained, monkeypatch):
    from speclab.real.training import store as draft_store

    drafter, record = trained
    path = save_draft(drafter, record, tmp_path / "moved.draft")
    payload = draft_store.read_payload(path)
    calls = []
    monkeypatch.setattr(FeatureDrafter, "measure_costs", lambda self, tokens: calls.append(tokens))
    load_draft(path, target)
    assert calls == []                                      # measured on this device: kept as saved
    moved = {**payload, "device": "cuda", "record": {**payload["record"], "cost_tokens": [5, 6, 7, 8]}}
    monkeypatch.setattr(draft_store, "read_payload", lambda p: moved)
    load_draft(path, target)
    assert calls == [[5, 6, 7, 8]]


def test_training_measures_and_records_the_costs_the_default_k_uses(target):
    drafter, record = train_tiny(target, epochs=1, measure_c=True)
    saved = record.as_dict()
    assert saved["c"] == drafter.c > 0 and saved["pass_costs"] == drafter.pass_costs
    assert len(drafter.pass_costs) == 9 and drafter.pass_costs[0] == 1.0 and len(saved["cost_tokens"]) >= 3
    plan = best_plan(drafter.rates, drafter.c, drafter.pass_costs, drafter.first_hits)
    assert drafter.default_policy().start_k == plan[0] and drafter.alternatives_for(plan[0]) == plan[1]


def test_training_records_the_top_j_hit_rates_of_the_first_draft(trained):
    drafter, record = trained
    hits = record.first_hits
    assert len(hits) == 8 and hits == drafter.first_hits
    assert all(0 <= a <= b <= 1 for a, b in zip(hits, hits[1:]))
    assert hits[0] == pytest.approx(record.alpha, abs=1e-9)      # top-1 is the first draft's acceptance
    assert hits[-1] > hits[0]                                   # runners-up do hit sometimes


def test_alternatives_keep_greedy_output_exact_and_save_passes(target, trained):
    drafter, _ = trained
    plain = FeatureDrafter(target, drafter.head, drafter.vocab)
    tree = FeatureDrafter(target, drafter.head, drafter.vocab, alternatives=3)
    passes = {"plain": 0, "tree": 0}
    for seed in range(1000, 1006):
        prompt = random_prompt(seed, 8)
        expected = hf_greedy(target, prompt, 32)
        for name, d in (("plain", plain), ("tree", tree)):
            out = SpeculativeDecoder(target, d).generate(prompt, 32, k=1)
            assert out.token_ids == expected
            passes[name] += out.target_forwards
            if name == "tree":
                assert all(len(r.alternatives) == 3 for r in out.rounds if r.k)
    assert passes["tree"] < passes["plain"]


def test_sampling_never_offers_alternatives(target, trained):
    drafter, _ = trained
    tree = FeatureDrafter(target, drafter.head, drafter.vocab, alternatives=3)
    out = SpeculativeDecoder(target, tree).generate(random_prompt(1010, 8), 20, k=2, temperature=1.0, seed=1)
    assert out.n_drafted > 0 and all(r.alternatives == () for r in out.rounds)


def test_measured_alternatives_follow_the_hit_rates_and_costs(target, trained):
    drafter, _ = trained
    flat = [1.0, 1.0, 1.02, 1.04, 1.1, 1.2, 1.3, 1.4, 1.5]
    hits = [0.4, 0.55, 0.62, 0.66, 0.68, 0.69, 0.7, 0.7]
    sized = FeatureDrafter(target, drafter.head, drafter.vocab, rates=[0.4, 0.3], c=0.05, pass_costs=flat,
                           first_hits=hits)
    k, m = best_plan([0.4, 0.3], 0.05, flat, hits)
    assert (k, m) == (1, 2) and sized.alternatives_for(1) == 2
    assert repr(sized.default_policy()) == repr(FixedK(1))
    out = SpeculativeDecoder(target, sized).generate(random_prompt(1020, 8), 20)
    assert all(r.k == 1 for r in out.rounds if r.k) and any(len(r.alternatives) == 2 for r in out.rounds)
    steep = FeatureDrafter(target, drafter.head, drafter.vocab, rates=[0.4, 0.3], c=0.05,
                           pass_costs=[1.0, 1.0, 1.5, 2.0], first_hits=hits)
    assert steep.alternatives_for(1) == 0 and sized.alternatives_for(0) == 0
    with pytest.raises(ValueError, match="alternatives"):
        FeatureDrafter(target, drafter.head, drafter.vocab, alternatives=99)


@pytest.mark.parametrize("vocab", [None, "abc", [1.7, 2.2], [True, False], [[1, 2]], [3, 3], [], {1: 2}])
def test_a_bad_vocabulary_is_named(target, trained, vocab):
    drafter, _ = trained
    with pytest.raises(ValueError, match="vocab must be a non-empty list of distinct token ids in 0..63"):
        FeatureDrafter(target, drafter.head, vocab)


@pytest.mark.parametrize("kwargs, name", [(dict(rates=[0.5, 1.5]), "rates"), (dict(c=-1.0), "c must be"),
                                          (dict(pass_costs=[1.0, float("nan")]), "pass_costs"),
                                          (dict(first_hits="high"), "first_hits"), (dict(rates=[]), "rates")])
def test_bad_measured_figures_are_named(target, trained, kwargs, name):
    drafter, _ = trained
    with pytest.raises(ValueError, match=name):
        FeatureDrafter(target, drafter.head, drafter.vocab, **kwargs)


def test_a_target_that_is_not_a_model_is_named(trained):
    drafter, _ = trained
    with pytest.raises(TypeError, match="target must be a causal language model"):
        FeatureDrafter("smollm2", drafter.head, drafter.vocab)


@pytest.mark.parametrize("temperature", [1e39, 1e300])
def test_a_huge_temperature_samples_the_uniform_limit(target, trained, temperature):
    """The draft scores only its vocabulary (-inf elsewhere); at a temperature beyond float32 its q is
    uniform over that vocabulary and p uniform over all tokens, so every draft is accepted with
    probability min(1, p/q) = |vocab| / V, and the run is the uniform limit, not an error."""
    drafter, _ = trained
    out = SpeculativeDecoder(target, drafter).generate(random_prompt(1030, 8), 40, k=2, temperature=temperature,
                                                       seed=4)
    assert len(out.token_ids) == 40 and out.n_drafted > 0
    expected = len(drafter.vocab) / 64
    firsts = [r.accept_probs[0] for r in out.rounds if r.k and len(r.accept_probs)]
    assert firsts and all(a == pytest.approx(expected) for a in firsts)


def test_the_answers_do_not_depend_on_how_many_are_written_at_once(target):
    """write_batch only trades memory for time: the same greedy answers and features, in order."""
    from speclab.real.training.corpus import write_corpus

    prompts, heldout = tiny_prompts(7), tiny_prompts(3, 500)
    one_by_one, together = (write_corpus(target, None, prompts, heldout, 12, progress=False, write_batch=n)
                            for n in (1, 5))
    for a, b in zip(one_by_one.data + one_by_one.held, together.data + together.held, strict=True):
        assert torch.equal(a.tokens, b.tokens)
        assert torch.allclose(a.features, b.features, atol=1e-4)


def test_costs_measured_here_replace_the_ones_a_draft_was_saved_with(target, trained):
    """A loaded draft plans with the costs of the machine that made it until told this machine's."""
    shared, _ = trained
    drafter = FeatureDrafter(shared.target, shared.head, shared.vocab, rates=[0.5, 0.3, 0.2], c=0.3,
                             pass_costs=[1.0, 3.0, 5.0], first_hits=[0.5, 0.8, 0.9])
    drafter.use_costs(0.05, [1.0, 1.0, 1.0, 1.0, 1.0])           # flat passes: runners-up are free
    flat = drafter.alternatives_for(1)
    drafter.use_costs(0.05, [1.0, 1.9, 2.8, 3.7, 4.6])           # each row costs a step: no runners-up
    assert flat >= 1 and drafter.alternatives_for(1) == 0 and drafter.c == 0.05
    with pytest.raises(ValueError, match="c"):
        drafter.use_costs(-1.0, [1.0, 1.1])


def test_hit_rates_by_depth_start_with_the_acceptance_and_the_first_drafts_hits(target, trained):
    from speclab.real.training.corpus import generate_sequences
    from speclab.real.training.fit import heldout_acceptance, heldout_hits_by_depth, heldout_top_hits, rows_of

    drafter, _ = trained
    held = generate_sequences(target, tiny_prompts(4, 500), 16, frozenset(), progress=False)
    rows, embed = rows_of(target, drafter.vocab), target.get_input_embeddings()
    table = heldout_hits_by_depth(drafter.head, rows, drafter.vocab, held, embed, 3, most=5)
    assert len(table) == 3 and all(len(row) == 5 for row in table)
    assert [row[0] for row in table] == pytest.approx(heldout_acceptance(drafter.head, rows, drafter.vocab, held,
                                                                         embed, 3), abs=1e-12)
    assert table[0] == pytest.approx(heldout_top_hits(drafter.head, rows, drafter.vocab, held, embed, most=5))
    assert all(0 <= a <= b <= 1 for row in table for a, b in zip(row, row[1:]))
    assert table[1][-1] > table[1][0]                         # runners-up at depth 2 do hit sometimes
