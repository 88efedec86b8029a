"""Build notebooks/07_train_a_draft.ipynb: train a draft for the offline model from the model itself."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tools.nbtools import IGNORE_OUTPUT, build, code, header_cells, md  # noqa: E402

FILENAME = "07_train_a_draft.ipynb"

CELLS = header_cells(
    FILENAME,
    "07 · Train a draft: self-distillation on a laptop",
    """
Notebook 05 showed two drafters that need no training: prompt lookup (wins only when the answer
copies the prompt) and early exit (loses: its $\\alpha$ is near 0). Here you **train** a draft
for SmolLM2-135M-Instruct from the model itself, in minutes on a CPU, and measure what it does
on open-ended text that has nothing to copy, with the output still exactly the target's.

In this notebook you will:

1. see why the draft's **head size** sets its cost $c$;
2. train the draft by **self-distillation** (no dataset) and watch loss and held-out acceptance;
3. measure why verifying several tokens is cheap on this CPU too;
4. run the target alone and speculative decoding side by side, with the coloured token trace;
5. verify the draft's runners-up in the same pass (a tree) and see when that pays;
6. set the measured $\\alpha$, $c$ and speedup beside the prediction;
7. see why EAGLE and Medusa, the same idea, are what GPU serving engines ship.
""",
) + [
    md("""
## 1 · The target, on whatever this machine has

On Colab with a GPU runtime the model goes to the GPU and every cell below runs there unchanged.
"""),
    code("""
import time
import torch
from IPython.display import HTML
from speclab.real import (SpeculativeDecoder, OPEN_ENDED_PROMPTS, chat_input_ids, hf_generate,
                          load_offline_model, load_offline_draft)
from speclab.real.training.prompts import training_prompts

device = "cuda" if torch.cuda.is_available() else "cpu"
torch.set_num_threads(2)
model, tokenizer = load_offline_model(device=device)
print(f"SmolLM2-135M on {device}: {model.config.num_hidden_layers} layers, "
      f"hidden size {model.config.hidden_size}, vocabulary {model.config.vocab_size}")
""", tags=(IGNORE_OUTPUT,)),
    md("""
## 2 · What a draft step costs: the head

Speculation pays when a draft step is cheap next to a target step: $c$ small (notebook 03). A
135M-parameter model spends a surprising share of each step in its **output head**, a
$49{,}152 \\times 576$ matrix scored for every token. Our draft is one transformer layer, so its
cost is mostly its head. Scoring only the 4,096 tokens the model actually writes most often
(FR-Spec, 2025) cuts that by 12x, and verification keeps the output exact: a token the draft
cannot propose is simply never drafted. Time it here:
"""),
    code("""
def ms(fn, repeats=50):
    fn()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    if device == "cuda":
        torch.cuda.synchronize()
    return 1000 * (time.perf_counter() - start) / repeats

head = model.get_output_embeddings().weight.detach()
feature = torch.randn(1, head.shape[1], device=device)
with torch.inference_mode():
    full = ms(lambda: feature @ head.T)
    small = ms(lambda: feature @ head[:4096].T)
    step = ms(lambda: model(torch.tensor([[1]], device=device)), repeats=10)
print(f"one target step (no cache) {step:.1f} ms; full head {full:.2f} ms; 4,096-row head {small:.2f} ms")
""", tags=(IGNORE_OUTPUT,)),
    md("""
## 3 · The draft: drafting from the target's own features (EAGLE)

Li et al. (EAGLE, 2024) noticed that the target's **last hidden state** $f_i$ (the vector its
head reads) is much easier to extrapolate than the next token is. So the draft is one small
transformer layer that reads the pair $[f_i ; e(x_{i+1})]$ (the target's feature at token $i$
and the embedding of the token that followed) and predicts $f_{i+1}$; the target's own head,
restricted to 4,096 rows, turns that into a guess for $x_{i+2}$. The decoder hands the draft the
target's features of every verified token, so the draft always starts from the truth. Drafting
deeper feeds its own predicted feature back in; EAGLE-3's *training-time test* trains exactly
that way, so the second and third drafts do not collapse.

## 4 · Self-distillation: no dataset needed

The draft's only job is to predict what **this** target would say next. The target can write
that text itself: it answers a few hundred built-in instructions (batched, KV-cached), and the
draft learns to match its next-token distribution at every position. No corpus, no labels, no
download. Some of the instructions:
"""),
    code("""
for prompt in training_prompts()[:6]:
    print("-", prompt)
print(f"... {len(training_prompts())} in all; the prompts used for measuring below are not among them")
"""),
    md("""
Training (a few minutes on a laptop CPU, once) shows a progress bar; the draft is then cached
next to the model, so this cell takes seconds from then on. A draft is tied to its target: the
cache file records the target's fingerprint, and a draft refuses any other model.
"""),
    code("""
drafter, record = load_offline_draft(model, tokenizer)
print(f"trained on {record['n_tokens']} self-generated tokens in "
      f"{record['generate_seconds'] + record['train_seconds']:.0f} s "
      f"(writing {record['generate_seconds']:.0f} s, fitting {record['train_seconds']:.0f} s)")
""", tags=(IGNORE_OUTPUT,)),
    md("""
Loss falls and the **held-out** acceptance rises: the fraction of drafts at depth 1, 2, 3 that
match the target's greedy token on answers to prompts the draft never saw (accepted/drafted under
greedy decoding, each depth given that the earlier drafts were right).
"""),
    code("""
sl.plots.plot_training(record);   # training progress of the draft in the cache (trained on whichever machine)
""", tags=(IGNORE_OUTPUT,)),
    md("""
## 5 · Why verifying is cheap here too: the idle core

Speculation needs one target pass over $k+1$ tokens to cost little more than a pass over one
(notebook 06). On a GPU that holds because one token leaves the arithmetic units idle. On this
CPU the stock kernels break it. In our measurements a one-token pass takes as long on one thread
as on two, and the model's weight products cost about 1.7 and 2.1 times as much for 2 and 3
tokens as for one: MKL's small products behave as if they ran row by row on one core. A
two-token pass then costs about 1.7 one-token passes,
and no draft with $\\alpha < 0.7$ could pay. speclab's verification pass computes each linear layer over
2 to 8 tokens as $W x^\\top$ instead (`speclab.real.row_kernel`): one product that reads $W$ once
and splits it over every core. Same numbers to float rounding, checked token for token. Measure
both, interleaved:
"""),
    code("""
from speclab.real.measure.timing import target_pass_seconds

context = chat_input_ids(tokenizer, OPEN_ENDED_PROMPTS["explain"])
for label, column in (("stock kernel", False), ("column products (speclab)", True)):
    seconds = target_pass_seconds(model, context, max_tokens=6, repeats=3, column_products=column)
    print(f"{label:>26}: t(n)/t(1), n = 1..6:", (seconds / seconds[0]).round(2))
""", tags=(IGNORE_OUTPUT,)),
    md("""
A pass over two to five tokens now costs about as much as a one-token pass, or less: the second
core, idle during plain decoding, does the extra work. That is this machine's version of the
GPU's idle arithmetic. It is also a caveat for the race below: part of the gain comes from using
a core that plain decoding leaves idle. So the race includes the strict baseline, plain decoding
whose every pass reads one dummy token as well (`two_row_autoregressive`): it gets the same
kernel, and the draft's speedup over it is what drafting itself adds.

## 6 · Target alone vs speculative, side by side

The same open-ended prompt, greedy, 96 new tokens. Called **without** `k`, `generate` uses the
draft's own policy, `drafter.default_policy()`: the $k$ with the best expected speedup from the
draft's measured acceptance at each depth, its $c$ and this machine's measured $t(n)/t(1)$
(`speclab.measured_k`), and $k = 0$ (plain decoding) when no $k$ would pay. Under greedy decoding
it may also verify some of the draft's runners-up for the first token in the same pass (section 7).
"""),
    code("""
prompt = OPEN_ENDED_PROMPTS["explain"]
ids = chat_input_ids(tokenizer, prompt)
decoder = SpeculativeDecoder(model, drafter, tokenizer)
alone = hf_generate(model, ids, max_new_tokens=96)
spec = decoder.generate(ids, max_new_tokens=96)
print(prompt)
print("identical output:", spec.token_ids == alone.token_ids)
"""),
    code("""
print(f"the draft's own policy: {drafter.default_policy()}")
print(f"target alone: {alone.seconds:.2f} s   |   speculative: {spec.seconds:.2f} s, "
      f"{len(spec.token_ids) / spec.target_forwards:.2f} tokens per target pass\\n")
print(spec.text)
""", tags=(IGNORE_OUTPUT,)),
    md("""
Every token coloured by how it was produced: green drafted and accepted, orange a correction
after a rejection, blue a bonus after a fully accepted round. A runner-up that the target
accepted (section 7) shows as an accepted draft followed by its bonus.
"""),
    code("""
HTML(spec.html())   # the colours depend on the draft measured and trained on this machine
""", tags=(IGNORE_OUTPUT,)),
    md("""
## 7 · A second guess in the same pass: tree verification

When the draft's first guess is wrong, its second or third guess is often right. Training
measured how often, on the held-out answers: $h_j$, the fraction of positions where the target's
token is among the draft's top $j$ guesses ($h_1$ is the first draft's acceptance).

A pass over two to five tokens costs about one pass here (section 5), so the decoder can check
the runners-up in the same pass. They become extra rows of the pass at the **same** position as
the first draft, each attending only to the prefix and the last token: an attention mask shaped
like a tree, the way SpecInfer (Miao et al. 2024), Medusa and EAGLE verify their drafts
(`speclab.real.tree`). If the target rejects the first draft but picks one of the runners-up,
that one is kept, and its row also gives the target's next token, so the round still ends with a
bonus. After the pass the KV cache keeps only the path that was accepted. This is greedy only:
under sampling, several candidates need a multi-draft acceptance rule (SpecInfer's) to stay
lossless, which speclab does not implement, so sampling drafts a plain chain.

$m$ runners-up add $h_{m+1} - h_1$ expected tokens per round and $m$ rows to the pass
(`speclab.measured_k.tree_speedups`). The draft offers them only when the prediction beats the
plain chain by at least 5%, because the pass costs it rests on vary by about that much from run
to run on this machine. Here the extra rows cost nearly what they bring, so it usually offers
none; the race below runs both.
"""),
    code("""
from speclab.measured_k import tree_speedups

k = drafter.default_policy().start_k
m = drafter.alternatives_for(k)
table = tree_speedups(drafter.rates, drafter.c, drafter.pass_costs, drafter.first_hits)
print("held-out h_j, j = 1..8:", [round(h, 2) for h in drafter.first_hits])
print(f"k = {k}, predicted speedup with 0, 1, 2, 3 runners-up:", table[k, :4].round(2))
print(f"the draft's choice: {m} runner(s)-up")
""", tags=(IGNORE_OUTPUT,)),
    md("""
## 8 · Measured against the prediction

The prediction needs the draft's acceptance per depth $r_d$ and its top-$j$ hit rates $h_j$
(held-out, from training), its $c$ and $t(n)/t(1)$: a round of $k$ drafts and $m$ runners-up
yields $1 + r_1 + r_1 r_2 + \\dots + (h_{m+1} - h_1)$ tokens for $t(k+m+1)/t(1) + kc$ steps.
Under greedy decoding $\\alpha$ below is the fraction of **examined** chain drafts that matched
(drafts after a rejection are not examined; runners-up do not count), so it stays the draft's
per-token acceptance rate. The decoders run in interleaved ABBA blocks, and each speedup is the
median of paired ratios with its range, because one timing on a shared machine is not a
measurement.
"""),
    code("""
from speclab.interleave import run_interleaved
from speclab.real import FeatureDrafter, two_row_autoregressive

two_up = SpeculativeDecoder(model, FeatureDrafter(model, drafter.head, drafter.vocab, drafter.rates, drafter.c,
                                                  drafter.pass_costs, drafter.first_hits, alternatives=2), tokenizer)
ids = chat_input_ids(tokenizer, OPEN_ENDED_PROMPTS["email"])
timed = run_interleaved({
    "target alone": lambda: hf_generate(model, ids, max_new_tokens=64),
    "two-row plain": lambda: two_row_autoregressive(model, ids, 64),
    "2 runners-up": lambda: two_up.generate(ids, max_new_tokens=64, k=k),
    "speculative": lambda: decoder.generate(ids, max_new_tokens=64),
}, blocks=2)
out = timed.results["speculative"]
print(f"k {k}, {m} runner(s)-up, c {drafter.c:.3f}, held-out acceptance by depth {[round(r, 2) for r in drafter.rates]}")
print(f"alpha {out.alpha:.2f}, tokens per target pass {len(out.token_ids) / out.target_forwards:.2f}")
print(f"speedup over the target alone: {timed.ratio('target alone', 'speculative')}  (predicted {table[k, m]:.2f}x)")
print(f"  with 2 runners-up: {timed.ratio('target alone', '2 runners-up')}  (predicted {table[k, 2]:.2f}x)")
print(f"speedup over two-row plain decoding: {timed.ratio('two-row plain', 'speculative')}")
""", tags=(IGNORE_OUTPUT,)),
    md("""
The prediction uses the held-out acceptance (0.41 when we trained it); on the benchmark's four
prompts the measured $\\alpha$ is lower, 0.25-0.40, and the rest of the gap is what each round
also pays: handing the target's features to the draft and the draft's catch-up step over the
newly verified tokens.

What limits the draft is its acceptance, and what limits that is the amount of text. In our runs,
with the same five epochs, held-out acceptance was 0.26 with a quarter of the training text,
0.36 with half and 0.41 with all of it (about 61,000 tokens), while the training loss kept
falling after the held-out curve had flattened. Each doubling of the text gains less than the
one before, and writing more costs time a few-minute budget does not have: the target writes
about 400 tokens per second on two cores. EAGLE (Li et al. 2024) trains its heads on 68,000
ShareGPT dialogues, for one to two days on four A100 GPUs, and reaches an acceptance near 0.8 for
the first draft.

## 9 · Why GPU engines ship exactly this

On a GPU a target step is bound by reading its weights from memory, so verifying 4-8 extra
tokens costs almost nothing (notebook 06), and a draft that lives *inside* the target, reading
its features, needs no second model to load, schedule or keep in sync. That is EAGLE (Li et al.
2024; EAGLE-3, 2025) and Medusa (Cai et al. 2024, several heads on the last hidden state): both
are supported by vLLM, SGLang and TensorRT-LLM, with draft heads trained by the same
self-distillation recipe on the target's own outputs. On a GPU the verification pass stays cheap
far beyond 8 tokens, so a better-trained head drafts further and wins more.

## Takeaways

* A draft is cheap when its **head** is small: score only the tokens the target writes.
* **Self-distillation**: the target writes its own training text; the draft learns its
  next-token distribution. No data needed.
* Drafting from the target's **features** (EAGLE) makes a one-layer draft good enough; training on
  its own predictions keeps deeper drafts useful.
* Verification is cheap only if the pass over $k+1$ tokens uses hardware a one-token pass leaves
  idle: arithmetic units on a GPU, a second core here. Measure $t(n)/t(1)$ before you trust a
  speedup, and compare against the strictest baseline you can build.
* A tree checks the draft's runners-up in the same pass. It pays when extra rows are nearly
  free, as on a GPU; here they cost about what they bring, and the draft's own rule says so.
* The output is exactly the target's either way: verification makes any draft safe, and a good
  one fast. From the command line: `speclab train-draft`.
"""),
]

if __name__ == "__main__":
    build(FILENAME, CELLS)
