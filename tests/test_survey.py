"""speclab.real.survey and `speclab survey`: every draft measured alike and placed on the (alpha, c) map."""

from __future__ import annotations

import json

import numpy as np
import pytest

from real_fixtures import random_prompt, rejected_before_loading, tiny_gpt2, torch  # noqa: F401

from speclab import theory
from speclab.proposals import observed_proposals, proposal_speedup, proposal_tokens
from speclab.real import EarlyExitDrafter, PromptLookupDrafter, survey


@pytest.fixture(scope="module")
def result():
    target = tiny_gpt2(0)
    prompts = [random_prompt(1, 8), random_prompt(2, 8)]
    drafters = {"lookup": PromptLookupDrafter(), "exit": EarlyExitDrafter(target, 1)}
    return survey(target, drafters, prompts=prompts, ks=(1, 2), max_new_tokens=12, repeats=2, progress=False)


def test_one_row_per_draft_and_one_per_draft_and_prompt(result):
    assert [r.name for r in result.rows] == ["lookup", "exit"]
    assert [r.name for r in result.prompt_rows] == ["lookup · prompt 1", "lookup · prompt 2",
                                                   "exit · prompt 1", "exit · prompt 2"]
    assert result.ks == [1, 2] and len(result.pass_costs) == 3 and result.pass_costs[0] == pytest.approx(1.0)


def test_each_row_is_consistent_with_the_theory_and_its_interval(result):
    import math

    for r in result.rows + result.prompt_rows:
        assert r.best_k in (1, 2)
        assert r.measured_low <= r.measured <= r.measured_high
        if not r.drafted:                          # nothing proposed: alpha, and what it predicts, undefined
            assert math.isnan(r.alpha) and math.isnan(r.predicted)
            continue
        assert r.alpha_low <= r.alpha <= r.alpha_high
        assert r.measured_low <= r.measured <= r.measured_high
        chain = theory.expected_tokens(r.alpha, r.best_k) / (r.verify_cost + r.best_k * r.c)
        assert r.chain_predicted == pytest.approx(chain)          # the chain's promise, kept beside
        assert len(r.length_pmf) == r.best_k + 1 == len(r.acceptance) + 1 == len(r.pass_costs)
        assert sum(r.length_pmf) == pytest.approx(1.0) and r.pass_costs[-1] == pytest.approx(r.verify_cost)
        assert r.predicted_tokens_per_pass == pytest.approx(proposal_tokens(r.length_pmf, r.acceptance))
        assert r.predicted == pytest.approx(proposal_speedup(r.length_pmf, r.acceptance, r.c, r.pass_costs))
        assert 1.0 <= r.tokens_per_pass <= r.best_k + 1


def test_json_table_and_map(result):
    data = json.loads(result.to_json())
    assert {row["name"] for row in data["rows"]} == {"lookup", "exit"}
    assert "strongest" in result.table() or "plain decoding" in result.table()
    import matplotlib

    matplotlib.use("Agg")
    ax = result.plot().axes[0]
    assert len(ax.get_legend().get_texts()) == sum(1 for r in result.prompt_rows if r.drafted) >= 2


@pytest.mark.parametrize("drafters", [{}, None, {"": PromptLookupDrafter()}, ["lookup"]])
def test_bad_drafters_are_named(drafters):
    with pytest.raises((TypeError, ValueError), match="drafters"):
        survey(tiny_gpt2(0), drafters, prompts=[random_prompt(1, 8)], progress=False)


@pytest.mark.parametrize("argv, match", [
    (["survey", "--drafts", "magic"], "--drafts"), (["survey", "--drafts", "early-exit:0"], "--drafts"),
    (["survey", "--drafts", "suffix,suffix"], "--drafts"), (["survey", "--ks", "0"], "--ks"),
    (["survey", "--max-new-tokens", "0"], "--max-new-tokens"), (["survey", "--repeats", "0"], "--repeats"),
    (["survey", "--prompts", "/no/such/file"], "--prompts"), (["survey", "--plot", "map.txt"], "--plot"),
])
def test_survey_cli_rejects_bad_arguments_before_loading_a_model(argv, match, capsys, monkeypatch):
    rejected_before_loading(argv, match, capsys, monkeypatch)


# ----------------------------------------------------------------------------- measured the way decoding runs

def test_a_learning_draft_never_drafts_from_its_own_earlier_answer_to_a_repeated_prompt():
    """Every timed run starts from the store the suffix draft had when the measurement began, so
    repeating a prompt for timing measures the first answer's alpha, not a copy of it."""
    from speclab.real import SpeculativeDecoder, SuffixDrafter, measure_pair

    target, prompt = tiny_gpt2(0, layers=1), random_prompt(3, 8)
    leaky = SpeculativeDecoder(target, SuffixDrafter())
    first, again = leaky.generate(prompt, 16, k=3), leaky.generate(prompt, 16, k=3)
    assert again.alpha > first.alpha                  # the leak this guards against is real here
    result = measure_pair(target, SuffixDrafter(), prompts=[prompt], ks=(3,), max_new_tokens=16, repeats=2,
                          progress=False)
    assert result.alpha == pytest.approx(first.alpha)
    surveyed = survey(target, {"suffix": SuffixDrafter()}, prompts=[prompt], ks=(3,), max_new_tokens=16, repeats=2,
                      progress=False)
    assert surveyed.rows[0].alpha == pytest.approx(first.alpha)   # its untimed probe run does not teach it either


def test_a_feature_draft_step_is_timed_drafting_from_the_targets_features():
    """c's draft step runs the head once per call (without features it would draft nothing, in no time)."""
    import numpy as np

    from speclab.real.measure.timing import _draft_step
    from speclab.real.sampling import Sampling
    from test_trained_draft import train_tiny

    target = tiny_gpt2(0)
    drafter, _ = train_tiny(target)
    step = _draft_step(drafter, target, random_prompt(4, 10), Sampling(), np.random.default_rng(0))
    before = drafter.forwards
    step(), step()
    assert drafter.forwards == before + 2


def _survey_row(name: str, measured: float, tokens_per_pass: float, flags=()):
    from speclab.real.measure.survey import SurveyRow

    return SurveyRow(name, 0.5, 0.4, 0.6, 0.05, 2, 1.5, measured, measured - 0.1, measured + 0.1, tokens_per_pass,
                     1.1, drafted=40, flags=list(flags), over_generate=1.25 * measured)


def test_the_table_lines_up_whatever_the_names_and_marks_a_flagged_row():
    from speclab.real.measure.survey import Survey

    too_fast = "speedup 2.40x above the 1.60x that 1.60 tokens per target pass allow"
    rows = [_survey_row("lookup", 1.3, 1.6), _survey_row("early exit (6 layers)", 2.4, 1.6, [too_fast])]
    prompt_rows = [_survey_row("lookup · fix grammar", 1.9, 3.2), _survey_row("lookup · Describe a quiet…", 1.0, 1.1),
                   _survey_row("early exit (6 layers) · fix grammar", 1.0, 1.2),
                   _survey_row("early exit (6 layers) · Describe a quiet…", 1.0, 1.2)]
    table = Survey(rows, prompt_rows, [1.0, 1.1, 1.2], "plain decoding", [1, 2], 16, 2).table().splitlines()
    top = next(i for i, line in enumerate(table) if line.startswith("draft"))
    header, body = table[top], table[top + 1:top + 1 + len(rows) + len(prompt_rows)]
    for line in body:                      # every column starts (or, right-aligned, ends) where its header does
        assert line.index("0.50 [0.40-0.60]") == header.index("alpha [95%]")
        assert line.index("0.050") + len("0.050") == header.index("c  k") + 1
        assert line.index("1.50x") + len("1.50x") == header.index("pred.") + len("pred.")
        assert len(line) <= 100
        assert line.index("x [") - 5 == header.index("measured [95%]")   # {:5.2f}x
        assert len(line.removesuffix(" *")) == len(header)               # over generate ends the line
        assert line.removesuffix(" *").endswith(f"{1.25 * float(line.split('x [')[0].split()[-1]):.2f}x")
    assert [line.endswith(" *") for line in body[:2]] == [False, True]
    assert table[-2].startswith("flags (") and table[-1] == f"  early exit (6 layers): {too_fast}"
    import matplotlib

    matplotlib.use("Agg")
    legend = Survey(rows, prompt_rows, [1.0, 1.1, 1.2], "plain decoding", [1, 2], 16, 2).plot(by_prompt=False)
    assert [t.get_text().split(",")[0] for t in legend.axes[0].get_legend().get_texts()] == [
        "lookup: measured 1.30x", "early exit (6 layers): measured 2.40x [flagged]"]
    unmeasured = json.loads(Survey(rows[:1], rows[:1], [1.0, 1.1], "plain decoding", [1], 16, 2).to_json())
    assert unmeasured["two_row_gain"] is None and unmeasured["generate_gain"] is None     # null, never NaN
    clean = Survey(rows[:1], rows[:1], [1.0, 1.1], "plain decoding", [1], 16, 2).table()
    assert " *" not in clean and clean.splitlines()[-1].startswith("flags: none")


def test_a_prompt_the_package_does_not_name_is_labelled_by_its_first_words():
    from types import SimpleNamespace

    from speclab.real.measure.pair import _prompt_ids
    from speclab.real.prompts import PROMPTS

    def letters(text):                     # a tokenizer with no chat template: one id per character
        return SimpleNamespace(input_ids=[ord(ch) % 64 for ch in text])

    _, labels = _prompt_ids(["Describe a quiet morning at a mountain lake.", PROMPTS["fix grammar"]], letters, 64)
    assert labels == ["Describe a quiet…", "fix grammar"]


# ----------------------------------------------------------------------------- one baseline for every draft

def test_plain_decoding_is_timed_once_for_all_drafts(monkeypatch):
    """Every draft's speedup is paired with the same plain runs: adding drafts adds no plain decoding."""
    from speclab.real.measure import pair as survey_module       # where the timed calls are made

    counted = {"stock": 0, "two-row": 0, "generate": 0}

    def counting(key, run):
        def call(*args, **kwargs):
            counted[key] += 1
            return run(*args, **kwargs)
        return call

    monkeypatch.setattr(survey_module, "autoregressive", counting("stock", survey_module.autoregressive))
    monkeypatch.setattr(survey_module, "two_row_autoregressive",
                        counting("two-row", survey_module.two_row_autoregressive))
    monkeypatch.setattr(survey_module, "hf_generate", counting("generate", survey_module.hf_generate))
    target = tiny_gpt2(0, layers=1)
    drafters = {"lookup": PromptLookupDrafter(), "exit": EarlyExitDrafter(target, 1), "copy": tiny_gpt2(1, layers=1)}
    result = survey(target, drafters, prompts=[random_prompt(1, 8), random_prompt(2, 8)], ks=(1, 2),
                    max_new_tokens=6, repeats=3, progress=False)
    # 3 ABBA blocks x 2 runs x 2 prompts, plus one untimed warm-up of the stock kernel
    assert counted == {"stock": 3 * 2 * 2 + 1, "two-row": 3 * 2 * 2, "generate": 3 * 2 * 2}
    assert len(result.rows) == 3 and len(result.prompt_rows) == 6
    assert all(row.over_generate > 0 for row in result.rows) and result.generate_gain > 0
    assert "over generate" in result.table()


def test_the_draft_is_timed_at_the_k_the_theory_picks_among_ks():
    from types import SimpleNamespace

    from speclab.interleave import spread
    from speclab.real.measure.survey import _theorys_k

    def costs(c, growth):
        return SimpleNamespace(c=spread([c]), growth=[spread([g]) for g in growth])

    def chain(alpha, k):                      # every round proposes k drafts, each at alpha
        return np.eye(k + 1)[k], [alpha] * k

    flat = costs(0.0, [1.0, 1.0, 1.0, 1.0, 1.0])
    assert _theorys_k(*chain(0.9, 4), flat, [1, 2, 4]) == 4      # free drafts, free verification: the most
    assert _theorys_k(*chain(0.9, 2), flat, [1, 2]) == 2         # ... among the ks offered
    assert _theorys_k(*chain(0.05, 3), costs(0.5, [1.0, 1.5, 2.0, 2.5]), [1, 2, 3]) == 1   # nothing pays: lose least
    rising = costs(0.05, [1.0, 1.1, 1.3, 1.9, 2.6])
    gains = [theory.expected_tokens(0.6, k) / (rising.growth[k].median + 0.05 * k) for k in (1, 2, 3, 4)]
    assert _theorys_k(*chain(0.6, 4), rising, [1, 2, 3, 4]) == 1 + gains.index(max(gains))



# ----------------------------------------------------------------------------- chains timed as chains

def test_a_chain_is_timed_as_a_chain_even_when_the_drafter_would_add_runners_up():
    """The trained draft adds runners-up (a tree) on its own; measured at k drafts per round it must
    run chains: no alternatives, every accepted draft an examined match, at most 1 + k tokens a pass."""
    from speclab.real import SpeculativeDecoder, measure_pair
    from speclab.real.measure.pair import chain_decoder
    from test_trained_draft import train_tiny

    target = tiny_gpt2(0)
    drafter, _ = train_tiny(target)
    drafter.alternatives = 2                                     # runners-up on every greedy round
    prompts = [random_prompt(seed, 9) for seed in (910, 911, 912)]
    tree = SpeculativeDecoder(target, drafter).generate(prompts[0], 24, k=1)
    assert any(r.alternatives for r in tree.rounds)              # what this guards against is real here
    chains = chain_decoder(target, drafter)
    for k in (1, 2, 3):
        for prompt in prompts:
            out = chains.generate(prompt, 24, k=k)
            assert not any(r.alternatives for r in out.rounds)
            assert out.n_accepted == out.alpha_sum               # greedy chain: accepted = examined matches
            assert out.tokens_per_round <= 1 + k
    m = measure_pair(target, drafter, prompts=prompts, ks=(1, 3), max_new_tokens=16, repeats=1, progress=False)
    s = survey(target, {"trained": drafter}, prompts=prompts, ks=(1, 2), max_new_tokens=16, repeats=1,
               progress=False)
    assert m.drafter == drafter.name and chain_decoder(target, _NoisyOracle(target, [1.0], 1.0, 0)).drafter.name \
        == "noisy oracle"
    for row in m.pooled + m.rows:
        assert row.tokens_per_round <= 1 + row.k and row.accepted == round(row.alpha * row.examined)
    for row in s.rows + s.prompt_rows:
        assert row.tokens_per_pass <= 1 + row.best_k
        if row.best_k == 1 and row.drafted:                     # one draft a round: at most 1 + alpha
            assert row.tokens_per_pass <= 1 + row.alpha + 1e-12
    assert drafter.alternatives == 2                             # the caller's drafter is left as it was


class _NoisyOracle:
    """A drafter whose proposals vary in length: L drawn from `pmf` (at most k) tokens of the
    target's own greedy continuation, each replaced by a wrong token with probability 1 - a, so
    every position is accepted with probability a, given the ones before it were."""

    name = "noisy oracle"
    forwards = 0

    def __init__(self, target, pmf, a: float, seed: int):
        self.target, self.pmf, self.a = target, pmf, a
        self.vocab = target.config.vocab_size
        self.rng = np.random.default_rng(seed)

    def start(self, prompt_ids, eos=frozenset()):
        pass

    def propose(self, tokens, k, sampling, rng):
        from speclab.real.drafters.base import Draft

        n = min(int(self.rng.choice(len(self.pmf), p=self.pmf)), k)
        ids, drafted = list(tokens), []
        with torch.inference_mode():
            for _ in range(n):
                best = int(self.target(torch.tensor([ids])).logits[0, -1].argmax())
                ids.append(best)
                drafted.append(best if self.rng.random() < self.a else (best + 1) % self.vocab)
        return Draft(drafted)

    def feedback(self, valid_length, n_drafted, n_accepted):
        pass


def test_predicted_tokens_per_pass_match_the_measured_ones_for_a_drafter_with_nothing_to_say_half_the_time():
    """The survey's prediction counts the proposal lengths; the chain's closed form at the same alpha does not."""
    from speclab.real import SpeculativeDecoder

    pmf, a, k = [0.3, 0.2, 0.1, 0.1, 0.3], 0.8, 4
    target = tiny_gpt2(0, layers=1)
    prompts = [random_prompt(seed, 8) for seed in range(920, 926)]
    outs = [SpeculativeDecoder(target, _NoisyOracle(target, pmf, a, seed)).generate(p, 48, k=k)
            for seed, p in enumerate(prompts)]
    rounds = [r for out in outs for r in out.rounds]
    emitted = np.array([len(r.emitted) for r in rounds])
    se = emitted.std() / np.sqrt(emitted.size)
    seen = observed_proposals(rounds, k)
    assert abs(seen.tokens - emitted.mean()) < 4 * se                  # prediction from the run vs the run
    assert abs(proposal_tokens(pmf, [a] * k) - emitted.mean()) < 5 * se   # ... and the truth behind it
    assert theory.expected_tokens(a, k) > emitted.mean() + 0.8         # the chain promises far more

    result = survey(target, {"oracle": _NoisyOracle(target, pmf, a, 0)}, prompts=prompts[:3], ks=(k,),
                    max_new_tokens=40, repeats=1, progress=False)
    row = result.rows[0]
    assert abs(row.predicted_tokens_per_pass - row.tokens_per_pass) < 0.1 * row.tokens_per_pass
    assert row.chain_tokens_per_pass > row.tokens_per_pass + 0.5             # the chain promises far more
    assert row.effective_alpha < row.alpha
    assert f"{row.tokens_per_pass:.2f} ({row.predicted_tokens_per_pass:.2f})" in result.table()
