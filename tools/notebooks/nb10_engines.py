"""Build notebooks/10_engines_and_their_metrics.ipynb: temperature, what engines print, fitting it, the methods."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tools.nbtools import IGNORE_OUTPUT, build, code, header_cells, md  # noqa: E402

FILENAME = "10_engines_and_their_metrics.ipynb"

HEADER = header_cells(
    FILENAME,
    "10 · Engines and their metrics: temperature, what engines print, and a better configuration",
    """
Engines print acceptance numbers that are not the $\\alpha$ of notebook 03, at a temperature
that changes $\\alpha$, for methods that draft in very different ways. This notebook reads those
numbers and turns them into a decision:

1. **Temperature**: how sampling temperature moves $\\alpha$, on a synthetic pair and on a real model.
2. **A metric dictionary**: turning the numbers an engine prints into $\\alpha$, and back.
3. **From an engine's counters to a configuration**: per-position acceptance fitted with
   intervals, the best $K$ under it, and a schedule over batch sizes.
4. **A map of the methods**: what each drafts from, and whether it is lossless.
""",
)

IMPORTS = [
    code("""
import numpy as np
from speclab import widgets
from speclab.plots import temperature as temperature_plots
from speclab.temperature import alpha_at_temperatures, log_of
"""),
]

TEMPERATURE = [
    md("""
## 1. Temperature moves alpha

Sampling at temperature $T$ replaces $p$ by $p_T \\propto p^{1/T}$, and the draft is sampled at the
same temperature. At $T = 0$ both collapse onto their most likely token: $\\alpha$ is the fraction
of positions where the two argmaxes agree. Leviathan et al. (2023, Table 3) measure $\\alpha$ for
each of their pairs at both $T = 0$ and $T = 1$: the temperature is part of the pair.
`alpha_at_temperatures(p_log, q_log, temperatures)` computes $\\alpha(T)$ for any pair of
log-probabilities; three synthetic pairs:
"""),
    code("""
temperatures = np.round(np.arange(0, 2.01, 0.1), 2)
synthetic = {}
for agreement in (0.8, 0.6, 0.3):
    p, q = sl.SyntheticPair(vocab_size=100, agreement=agreement, seed=0).distributions(200)
    synthetic[f"synthetic, agreement {agreement}"] = alpha_at_temperatures(log_of(p), log_of(q), temperatures)
colours = {"synthetic, agreement 0.8": "tab:blue", "synthetic, agreement 0.6": "tab:orange",
           "synthetic, agreement 0.3": "tab:green", "SmolLM2, early exit 27/30": "tab:purple"}   # one colour per pair
fig = temperature_plots.plot_alpha_vs_temperature(synthetic, temperatures, colours=colours)
"""),
    md("""
When the draft's argmax usually agrees with the target's, $\\alpha$ is highest at $T = 0$ and
lower at $T = 1$. A weak draft whose argmax rarely agrees (agreement
0.3) *gains* from temperature, and far above $T = 1$ both distributions flatten towards uniform,
where any two agree. Greedy decoding is not automatically the best case: it is the best case
for a draft that gets the top token right.

Now a real pair: the offline SmolLM2-135M-Instruct target and its own first 27 of 30 layers as
an early-exit drafter (notebook 05). `measure_temperature_pair` records $p$ and $q$ along the
target's greedy answers to two course prompts; any drafter that reports $q$ plugs in.
"""),
    code("""
from speclab.real import PROMPTS, EarlyExitDrafter, load_offline_model, measure_temperature_pair

model, tokenizer = load_offline_model()   # shows progress bars while the weights load
""", tags=(IGNORE_OUTPUT,)),
    code("""
real = measure_temperature_pair(model, EarlyExitDrafter(model, 27), tokenizer, max_new_tokens=32, progress=False,
                                prompts=[PROMPTS["fix grammar"], PROMPTS["new code"], PROMPTS["repeat"]])
real_alphas = real.alpha(temperatures)
shown = [0.0, 0.5, 1.0, 1.5]
per_position = np.array([alpha_at_temperatures(real.p_log[i:i + 1], real.q_log[i:i + 1], shown)
                         for i in range(real.positions)])                  # [positions, temperatures]
rng = np.random.default_rng(0)                 # a 95% bootstrap interval over the measured positions
boot = per_position[rng.integers(0, real.positions, (2000, real.positions))].mean(axis=1)
low, high = np.percentile(boot, [2.5, 97.5], axis=0)
print(f"{real.drafter}: {real.positions} positions")
for t, a, lo, hi in zip(shown, per_position.mean(axis=0), low, high):
    print(f"  T = {t}: alpha = {a:.2f} [{lo:.2f}-{hi:.2f}]")
"""),
    code("""
fig = temperature_plots.plot_alpha_vs_temperature({"SmolLM2, early exit 27/30": real_alphas,
                                                   "synthetic, agreement 0.6": synthetic["synthetic, agreement 0.6"]},
                                                  temperatures, colours=colours)
"""),
    md("""
On the real pair $\\alpha$ changes little between $T = 0$ and $T = 1$ (the bootstrap intervals
overlap) and tends lower at $T = 1.5$ (those intervals overlap too). Its early-exit draft agrees with the target's top token about
half the time, so at $T = 0$ it sits between the synthetic pairs. Unlike them it does not gain
at high $T$: at $T = 1.5$ its $\\alpha$ tends lower while theirs rise. The slider below moves $T$ over the synthetic pair
and the measured SmolLM2 pair; the right
panel shows one synthetic position re-tempered, so you can watch the two distributions sharpen
and flatten together.
"""),
    code("""
pairs = {"synthetic, agreement 0.6": tuple(log_of(x) for x in sl.SyntheticPair(100, 0.6, 0).distributions(200)),
         "SmolLM2, early exit 27/30": (real.p_log, real.q_log)}
widgets.temperature_explorer(pairs, temperature=1.0)
""", tags=(IGNORE_OUTPUT,)),
]

#: Section 2, the metric dictionary, calls speclab.metrics.
METRICS = [
    md("""
## 2. A metric dictionary: what engines print, and the alpha behind it

Engines do not print $\\alpha$. They count what happened, and each count is a different function
of $\\alpha$ and $K$. Under the i.i.d. model of notebook 03 (`speclab.metrics`, each function's
docstring names the engines that report it):

| name | what it counts | under i.i.d. $\\alpha$ | reported as |
|---|---|---|---|
| $\\alpha$ | $\\mathbb{E}[\\sum_x \\min(p, q)]$, one tested draft | $\\alpha$ | papers (Leviathan et al.) |
| mean acceptance length $\\tau$ | tokens per round, bonus included | $1 + \\alpha + \\dots + \\alpha^K$ | vLLM v1 "Mean acceptance length", EAGLE's $\\tau$ |
| accepted / drafted | accepted drafts over drafted tokens | $(\\alpha + \\dots + \\alpha^K)/K$ | vLLM "Avg Draft acceptance rate" |
| per-position acceptance | P(draft $i$ of a round is accepted) | $\\alpha^i$ | vLLM "Per-position acceptance rate" |
| system efficiency | emitted tokens over $K+1$ per round | $\\tau/(K+1)$ | vLLM v0 "System efficiency" |

Here is a line in the format vLLM v1 logs with `num_speculative_tokens = 4` (the numbers are
illustrative, not a measurement): 5,000 rounds, 9,500 drafts accepted of 20,000.

```
SpecDecoding metrics: Mean acceptance length: 2.90, Accepted: 9500 tokens, Drafted: 20000 tokens,
Per-position acceptance rate: 0.780, 0.540, 0.360, 0.220, Avg Draft acceptance rate: 47.5%
```

The mean acceptance length and $K$ fix the $\\alpha$ the i.i.d. model needs to explain them:
"""),
    code("""
from speclab import metrics

alpha = metrics.implied_alpha(2.90, 4)
print(f"implied alpha: {alpha:.3f}")
print(f"mean acceptance length back from it: {metrics.mean_acceptance_length(alpha, 4):.3f}")
print(f"accepted / drafted: (2.90 - 1) / 4 = {(2.90 - 1) / 4:.3f} (bookkeeping, true for any acceptance pattern)")
print("per-position rates it predicts:", np.round(metrics.per_position_acceptance(alpha, 4), 3),
      "  (printed: 0.780 0.540 0.360 0.220)")
print(f"system efficiency: {metrics.system_efficiency(alpha, 4):.3f}")
"""),
    md("""
One lesson, and one warning. **2.90 tokens per round means an acceptance rate of 0.475 per drafted token
and an $\\alpha$ of about 0.72**: three different numbers for one run. accepted/drafted is always
$(\\tau - 1)/K$ (each round drafts $K$ and emits its accepted drafts plus one), but plugging 0.475
into notebook 03's speedup formula as $\\alpha$ would predict far too little. The warning: the per-position
rates in this line are illustrative, and nothing can be learned from them about real drafts. Whether a
real run's per-position rates follow the geometric $\\alpha^i$ is a question for measured counters,
and section 3 fits them with intervals and tests the i.i.d. assumption.

`metrics.fit` goes one step further: from the printed mean acceptance length and $K$ to the
implied $\\alpha$, the best $K$ for a given draft cost, and the speedup to expect
(`speclab fit --mean-acceptance-length 2.9 --bonus included --k 4` on the command line):
"""),
    code("""
fit = metrics.fit(2.90, 4, cost=0.05)
print(f"alpha {fit.alpha:.3f}, best K {fit.best_k}, expected speedup {fit.speedup:.2f}x at c = 0.05")
"""),
]



METHODS = [
    md("""
## 4. A map of the methods

Every method below drafts somehow and verifies with the target. They differ in where the draft
comes from, and whether verification keeps the target's distribution.

| method | drafts from | extra training | verification | lossless? |
|---|---|---|---|---|
| draft model (Leviathan et al. 2023; Chen et al. 2023) | a smaller model with the same vocabulary | none (or distillation, notebook 07) | speculative sampling, one chain | yes |
| prompt lookup (Saxena 2023; HF `prompt_lookup_num_tokens`) | n-gram matches in the prompt and the text so far | none | same rule, one-hot $q$ (notebook 05) | yes |
| self-speculation: early exit / layer skipping (LayerSkip, Elhoushi et al. 2024; Draft & Verify, Zhang et al. 2024) | the target's own first layers, or the target with layers skipped | none (Draft & Verify) or a training recipe (LayerSkip) | speculative sampling | yes |
| Medusa heads (Cai et al. 2024) | extra heads on the target's last hidden state, head $i$ guessing token $t+i$ | the heads (Medusa-1), or heads and target (Medusa-2) | token tree; typical acceptance by default when sampling | with rejection sampling yes; with typical acceptance **no** |
| EAGLE, EAGLE-2 (Li et al. 2024) | a one-layer head that runs autoregressively on the target's features | the head | token tree (static in EAGLE, built best-first from the draft's confidence in EAGLE-2), SpecInfer's rule | yes |
| SpecInfer (Miao et al. 2024) | several small models, merged into a token tree | boost-tuned small models | multi-step speculative sampling (section 2) | yes |
| EAGLE-3 (Li et al. 2025) | a head on features from several of the target's layers (low, middle, high), trained with training-time test | the head | dynamic token tree as EAGLE-2; engines (vLLM `eagle3`, SGLang `EAGLE3`) deploy it with their own tree or chain settings | yes |
| multi-token prediction heads, MTP (Gloeckle et al. 2024; DeepSeek-V3, 2024) | extra transformer modules trained *with* the target to predict tokens further ahead; reused as the draft at inference | trained with the target (part of pre-training) | speculative sampling over the MTP chain (vLLM `mtp`, SGLang `NEXTN`) | yes |
| suffix decoding (Oliaro et al. 2024; ArcticInference; vLLM `suffix`) | suffix trees over the prompt and everything generated earlier in the session | none | the longest matching continuation as a chain or tree, one-hot $q$ | yes |
| lookahead / Jacobi decoding (Santilli et al. 2023; Fu et al. 2024) | n-grams collected from parallel Jacobi iterations of the target itself | none | n-gram branches checked in the same pass | yes (exact greedy match; Fu et al. also give a sampling version) |

Only typical acceptance in this table changes the output distribution, and it is a switch, not a
property of Medusa's heads: Medusa's heads verified with SpecInfer's rule are lossless.

## Takeaways

* Temperature changes $\\alpha$: a draft that agrees on the top token does best at $T = 0$.
* Engines print accepted/drafted and mean acceptance length, not $\\alpha$; convert before you plug
  numbers into notebook 03's formulas, and say whether the bonus token is counted.
* Per-position counters say more than one mean: fit them, test the i.i.d. assumption, and choose
  $K$ under the measured profile; at large batches a schedule turns speculation down, then off.

Next: notebook 11 holds the graded exercises, including the multi-draft rule that every tree
node uses.

### Sources

Leviathan, Kalman, Matias (2023), *Fast Inference from Transformers via Speculative Decoding*, ICML.
Chen et al. (2023), *Accelerating Large Language Model Decoding with Speculative Sampling*.
Miao et al. (2024), *SpecInfer*, ASPLOS. Cai et al. (2024), *Medusa*, ICML. Li et al. (2024),
*EAGLE: Speculative Sampling Requires Rethinking Feature Uncertainty*, ICML, and *EAGLE-2*, EMNLP;
Li et al. (2025), *EAGLE-3: Scaling up Inference Acceleration of Large Language Models via
Training-Time Test*. Gloeckle et al. (2024), *Better & Faster Large Language Models via Multi-token
Prediction*, ICML. DeepSeek-AI (2024), *DeepSeek-V3 Technical Report*. Oliaro et al. (2024),
*SuffixDecoding: A Model-Free Approach to Speeding Up Large Language Model Inference*.
Elhoushi et al. (2024), *LayerSkip*, ACL. Zhang et al. (2024), *Draft & Verify*, ACL. Santilli et al.
(2023), *Accelerating Transformer Inference for Translation via Parallel Decoding*, ACL. Fu et al.
(2024), *Break the Sequential Dependency of LLM Inference Using Lookahead Decoding*, ICML. Saxena
(2023), *Prompt Lookup Decoding*. vLLM's metrics: `vllm/v1/spec_decode/metrics.py`.
"""),
]


from tools.notebooks.engine_metrics_section import engine_metrics_section  # noqa: E402

ENGINE_COUNTERS = engine_metrics_section()

CELLS = HEADER + IMPORTS + TEMPERATURE + METRICS + ENGINE_COUNTERS + METHODS

if __name__ == "__main__":
    build(FILENAME, CELLS)
