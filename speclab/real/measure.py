"""Measure a draft/target pair and set theory beside reality.

    alpha          mean sum_x min(p, q) over examined draft positions (speclab runs)
    c              draft step seconds / target step seconds
    verify growth  target pass over k+1 tokens costs 1 + growth_k * k target steps (measured per k)
    predicted      speclab.theory.speedup(alpha, k, c, growth_k)
    measured       tokens/s of the speculative runner / tokens/s of the target alone (same runner, k = 0)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .. import theory
from .._validate import as_count
from ..policies import FixedK
from ._checks import as_input_ids
from .baselines import autoregressive
from .decoder import SpeculativeDecoder
from .prompts import PROMPTS, chat_input_ids
from .sampling import Sampling
from .timing import draft_step_seconds, target_pass_seconds


@dataclass
class PairMeasurement:
    """Everything measured about one pair, plus the theory's prediction from it."""

    drafter: str
    ks: list                      # the k values tried
    alpha: float                  # measured alpha (see module docstring)
    acceptance_rate: float        # accepted drafts / drafted tokens, over all runs
    c: float                      # draft step / target step
    target_step_seconds: float    # one cached target forward over 1 token
    draft_step_seconds: float
    target_pass_seconds: list     # target forward over n = 1..max(ks)+1 tokens
    verify_growth: list           # per k: (t(k+1) / t(1) - 1) / k
    predicted_speedup: list       # per k, from speclab.theory
    measured_speedup: list        # per k, tokens/s ratio against the target alone
    predicted_k: int              # theory.optimal_k from the measured alpha, c and growth
    recommended_k: int            # the k with the best measured speedup (0: do not speculate)
    baseline_tokens_per_second: float
    n_prompts: int
    max_new_tokens: int
    temperature: float

    def to_dict(self) -> dict:
        return {key: (float(v) if isinstance(v, np.floating) else v) for key, v in asdict(self).items()}

    def table(self) -> str:
        """k, verify cost, predicted and measured speedup, as fixed-width text."""
        lines = [f"drafter: {self.drafter}   alpha = {self.alpha:.3f}   accepted/drafted = "
                 f"{self.acceptance_rate:.3f}   c = {self.c:.4f}   target step = "
                 f"{1000 * self.target_step_seconds:.1f} ms",
                 f"{'k':>3}  {'t(k+1)/t(1)':>11}  {'predicted':>9}  {'measured':>8}"]
        for i, k in enumerate(self.ks):
            ratio = self.target_pass_seconds[k] / self.target_pass_seconds[0]
            predicted, measured = self.predicted_speedup[i], self.measured_speedup[i]
            lines.append(f"{k:>3}  {ratio:>11.2f}  {predicted:>8.2f}x  {measured:>7.2f}x")
        lines.append(f"recommended k = {self.recommended_k} (measured); theory's optimal k = {self.predicted_k}")
        return "\n".join(lines)

    def plot(self, ax=None):
        """Predicted and measured speedup against k; returns the figure."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5))
        ax.plot(self.ks, self.predicted_speedup, "o--", label=f"predicted (alpha={self.alpha:.2f}, c={self.c:.3f})")
        ax.plot(self.ks, self.measured_speedup, "s-", label="measured")
        ax.axhline(1.0, color="grey", lw=0.8)
        ax.set(xlabel="k (drafts per round)", ylabel="speedup over the target alone", title=self.drafter)
        ax.legend()
        return ax.figure


def measure_pair(target, drafter, tokenizer=None, prompts=None, ks=(1, 2, 4, 8), max_new_tokens: int = 64,
                 temperature: float = 0.0, top_k=None, top_p=None, seed: int = 0, repeats: int = 5,
                 progress: bool = True) -> PairMeasurement:
    """Measure alpha, c and verification growth, predict the speedup per k, and measure it too.

    prompts: strings (chat-formatted when the tokenizer has a template) or token-id lists;
    default: the four prompts of speclab.real.prompts.
    """
    from tqdm.auto import tqdm

    ks = _check_ks(ks)
    max_new_tokens = as_count(max_new_tokens, "max_new_tokens", minimum=1)
    sampling = Sampling(temperature, top_k, top_p)
    decoder = SpeculativeDecoder(target, drafter, tokenizer)
    inputs = _prompt_ids(prompts, tokenizer)
    bar = tqdm(total=2 + len(inputs) * (len(ks) + 1), desc="measuring pair", disable=not progress)
    # Costs: target passes over 1..max(k)+1 tokens, and one draft step, on top of a cached prompt.
    passes = target_pass_seconds(target, inputs[0], max(ks) + 1, repeats)
    bar.update()
    draft_step = draft_step_seconds(decoder.drafter, inputs[0], sampling, repeats)
    bar.update()
    # Runs: the target alone, then the speculative runner at each k, on every prompt.
    spec_tokens, spec_seconds = np.zeros(len(ks)), np.zeros(len(ks))
    base_tokens = base_seconds = 0.0
    alpha_sum = alpha_n = accepted = drafted = 0
    for j, ids in enumerate(inputs):
        base = autoregressive(target, ids, max_new_tokens, temperature, top_k, top_p, seed + j)
        base_tokens, base_seconds = base_tokens + len(base.token_ids), base_seconds + base.seconds
        bar.update()
        for i, k in enumerate(ks):
            out = decoder.generate(ids, max_new_tokens, temperature=temperature, top_k=top_k, top_p=top_p,
                                   seed=seed + j, policy=FixedK(k))
            spec_tokens[i] += len(out.token_ids)
            spec_seconds[i] += out.seconds
            alpha_sum, alpha_n = alpha_sum + out.alpha_sum, alpha_n + out.alpha_count
            accepted, drafted = accepted + out.n_accepted, drafted + out.n_drafted
            bar.update()
    bar.close()
    return _summarize(decoder.drafter, ks, passes, draft_step, alpha_sum, alpha_n, accepted, drafted,
                      spec_tokens / spec_seconds, base_tokens / base_seconds, len(inputs), max_new_tokens,
                      sampling.temperature)


def _summarize(drafter, ks, passes, draft_step, alpha_sum, alpha_n, accepted, drafted, spec_rate, base_rate,
               n_prompts, max_new_tokens, temperature) -> PairMeasurement:
    """Turn raw measurements into alpha, c, growth, predictions and a recommendation."""
    alpha = float(np.clip(alpha_sum / alpha_n, 0.0, 1.0)) if alpha_n else 0.0
    c = float(draft_step / passes[0])
    ks_arr = np.asarray(ks)
    growth = np.maximum(passes[ks_arr] / passes[0] - 1.0, 0.0) / ks_arr
    predicted = np.atleast_1d(theory.speedup(alpha, ks_arr, c, growth))
    measured = spec_rate / base_rate
    mean_growth = float(np.mean(growth))
    best = int(np.argmax(measured))
    return PairMeasurement(
        drafter=getattr(drafter, "name", type(drafter).__name__), ks=[int(k) for k in ks], alpha=alpha,
        acceptance_rate=accepted / drafted if drafted else float("nan"), c=c,
        target_step_seconds=float(passes[0]), draft_step_seconds=float(draft_step),
        target_pass_seconds=[float(t) for t in passes], verify_growth=[float(g) for g in growth],
        predicted_speedup=[float(s) for s in predicted], measured_speedup=[float(s) for s in measured],
        predicted_k=int(theory.optimal_k(alpha, c, k_max=max(ks), verify_growth=mean_growth)),
        recommended_k=int(ks[best]) if measured[best] > 1.0 else 0,
        baseline_tokens_per_second=float(base_rate), n_prompts=n_prompts, max_new_tokens=max_new_tokens,
        temperature=temperature,
    )


def _check_ks(ks) -> list:
    ks = [as_count(k, "ks", minimum=1) for k in (ks if np.ndim(ks) else [ks])]
    if not ks:
        raise ValueError("ks must list at least one k >= 1, e.g. (1, 2, 4, 8)")
    return sorted(set(ks))


def _prompt_ids(prompts, tokenizer) -> list:
    """Token ids per prompt: strings through the chat template (when there is one), ids as they are."""
    if prompts is None:
        if tokenizer is None:
            raise ValueError("prompts must be given as token ids when no tokenizer is passed")
        prompts = list(PROMPTS.values())
    if isinstance(prompts, str) or not len(prompts):
        raise ValueError("prompts must be a non-empty list of strings or token-id lists")
    out = []
    for prompt in prompts:
        if isinstance(prompt, str) and tokenizer is not None:
            out.append(chat_input_ids(tokenizer, prompt))
        else:
            out.append(as_input_ids(prompt, tokenizer))
    return out
