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
2. train a small draft by **self-distillation** (no dataset) in two to three minutes, and watch loss
   and held-out acceptance; then load the draft speclab ships, trained the same way on a
   million tokens, and see how acceptance grows with the text;
3. measure why verifying several tokens is cheap on this CPU too;
4. run the target alone and speculative decoding side by side, with the coloured token trace;
5. verify the draft's runners-up in the same pass (a tree) and see when that pays;
6. set the measured $\\alpha$, $c$ and speedup beside the prediction, over the strongest plain
   decoding;
7. place every kind of draft on the theory's map, to choose one;
8. see what EAGLE and Medusa, the same idea, do at scale.
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
                          load_offline_model, load_offline_draft, train_draft)
from speclab.real.training.prompts import training_prompts
from speclab.stats import wilson_interval

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
$49{,}152 \\times 576$ matrix scored for every token. Our draft is one small transformer layer
plus a head; over the full vocabulary that head would hold several times the layer's own
weights. Scoring only the 4,096 tokens the model actually writes most often (FR-Spec, 2025) cuts
its rows by 12x, and verification keeps the output exact: a token the draft cannot propose is
simply never drafted. Time both heads here:
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
size = lambda rows: rows * head.shape[1] * head.element_size() / 2**20
print(f"one target step (no cache) {step:.1f} ms; full head {full:.2f} ms ({size(head.shape[0]):.0f} MiB); "
      f"4,096-row head {small:.2f} ms ({size(4096):.0f} MiB): {full / small:.0f}x faster for 12x fewer rows")
""", tags=(IGNORE_OUTPUT,)),
    md("""
On a CPU the time falls by more than the rows do: the small matrix (9 MiB) stays in the CPU's
caches from one call to the next, while the full one (108 MiB) streams from main memory every
time. That is a cache effect of this machine, not something the row count promises; on a GPU the
two times scale closer to the rows.

## 3 · The draft: drafting from the target's own features (EAGLE)

Li et al. (EAGLE, 2024) noticed that the target's **last hidden state** $f_i$ (the vector its
head reads) is much easier to extrapolate than the next token is. So the draft is one small
transformer layer that reads the pair $[f_i ; e(x_{i+1})]$ (the target's feature at token $i$
and the embedding of the token that followed) and predicts $f_{i+1}$; the target's own head,
restricted to 4,096 rows, turns that into a guess for $x_{i+2}$. The decoder hands the draft the
target's features of every verified token, so the draft always starts from the truth. Drafting
deeper feeds its own predicted feature back in. EAGLE-3's *training-time test* trains exactly
that way (`train_draft(depth=2)` unrolls two drafts), so the deeper drafts see at training what
they will see when drafting. The drafts in this notebook are trained at depth 1: on a CPU the
first draft is the one that pays. What depth buys was measured on one 84k-token corpus
(`benchmarks/bench_draft_depth.py`, `docs/benchmarks.md`): training at depth 2 raised the
held-out acceptance of the second draft from 0.19 to 0.33 and of the third from 0.16 to 0.26,
with the first within noise (0.36 and 0.35); depth 3 cost the first draft 0.03.

## 4 · Self-distillation: no dataset needed

The draft's only job is to predict what **this** target would say next. The target can write
that text itself: it answers built-in instructions (batched, KV-cached), and the draft learns to
match its next-token distribution at every position. No corpus, no labels, no download. Some of
the instructions:
"""),
    code("""
for prompt in training_prompts()[:6]:
    print("-", prompt)
print(f"... {len(training_prompts())} in all; the prompts used for measuring below are not among them")
"""),
    md("""
**Your turn: train one.** A small run, two to three minutes on two cores (about one where the
CPU computes in bfloat16): the target answers 160 of the instructions (64 tokens each), and the
draft fits that text for five epochs. The progress bars show the target writing, then the draft
fitting. The target writes 32 answers at a time, which keeps this notebook inside Binder's 2 GB
of memory; 96 at a time (the default) is about 20% faster and peaks 0.5 GB higher.
"""),
    code("""
small, small_record = train_draft(model, tokenizer, prompts=training_prompts(160), max_new_tokens=64, epochs=5,
                                  write_batch=32)
print(f"trained on {small_record.n_tokens:,} self-written tokens in {small_record.seconds:.0f} s "
      f"(writing {small_record.generate_seconds:.0f} s, fitting {small_record.train_seconds:.0f} s); "
      f"held-out acceptance by depth: {[round(a, 2) for a in small_record.heldout_acceptance[-1]]}")
""", tags=(IGNORE_OUTPUT,)),
    md("""
Loss falls and the **held-out** acceptance rises. Held-out acceptance at depth $d$, $r_d$, is
measured on answers to prompts the draft never saw: at every position, the draft is given the
target's true tokens before it and drafts $d$ deep on its own predicted features, and $r_d$ is the
fraction of positions where its $d$-th guess is the target's greedy token. That is what the
$d$-th draft faces in a round whose first $d - 1$ drafts were accepted, but it is counted over
**every** position, not only those where the first $d - 1$ guesses matched: when acceptance comes
in runs, the conditional rate the decoder meets is higher. The shipped draft's rates are over
about 1,500 held-out positions each (95% interval about $\pm 0.025$). The loss is the cross-entropy between the target's and the draft's
distributions over the 4,096 tokens. It starts far above $\\ln 4096 = 8.3$, what a uniform guess
would score, because the untrained head starts at the scale of the target's features, so its
first guesses are confident and wrong; within the first few dozen steps it falls below 8.3.
"""),
    code("""
sl.plots.plot_training(small_record);   # your run, on this machine: its times and acceptance vary
""", tags=(IGNORE_OUTPUT,)),
    md("""
**The draft speclab ships.** The same recipe, given a larger budget: the target wrote about a
million tokens (every instruction answered once greedily and three more times by seeded
sampling, up to 256 tokens each), and the draft fitted them. The weights come with the package
(`speclab/real/training/shipped/`, with the command and seed that made them written beside
them), so `load_offline_draft` loads them in seconds instead of training. It checks that they
belong to this target: a draft only serves the model it was distilled from.
"""),
    code("""
drafter, record = load_offline_draft(model, tokenizer)
print(f"the shipped draft: {record['n_tokens']:,} self-written tokens, {record['variants']} answers per "
      f"instruction; held-out acceptance by depth {[round(a, 2) for a in record['heldout_acceptance'][-1]]}; "
      f"c = {drafter.c:.3f}, as measured on the machine that made it (section 5 measures this machine's)")
"""),
    md("""
What more text buys: the same recipe trained on the first 15 thousand, 30 thousand, ... tokens
of that corpus, each point measured on the same held-out prompts, each labelled with the minutes
it took on two CPU cores (writing the text and fitting). Every point but the first (400 steps)
was given at least 600 training steps, so the small corpora are short of text, not of training:
"""),
    code("""
import json
from importlib.resources import files

curve = json.loads(files("speclab.real.training").joinpath("shipped/scaling.json").read_text())
sl.plots.plot_draft_scaling(curve);
for point in curve["points"]:
    print(f"{point['tokens']:>9,} tokens: held-out acceptance {point['heldout_acceptance'][0]:.3f} "
          f"(writing {point['write_seconds'] / 60:.0f} min, fitting {point['fit_seconds'] / 60:.1f} min)")
"""),
    md("""
Most doublings of the text gain a few points of acceptance (the exception, 250k to 500k tokens,
was fitted for fewer steps, 620 against 745), and each costs twice the writing time. That is why EAGLE (Li et al. 2024) trains its heads on 68,000 ShareGPT dialogues, for one
to two days on four A100 GPUs, and reaches an acceptance near 0.8 for the first draft: the draft
is limited by the text it has seen long before it is limited by its size.

## 5 · Why verifying is cheap here too: the idle core

Speculation needs one target pass over $k+1$ tokens to cost little more than a pass over one
(notebook 06). On a GPU that holds because one token leaves the arithmetic units idle. On this
CPU torch's stock kernel breaks it: its small products run as if on one core, so a pass over 2
or 3 tokens costs well over one step (the stock line below), and a draft with a modest $\\alpha$
could hardly pay.
speclab's verification pass computes each linear layer over 2 to 8 tokens as $W x^\\top$
instead (`speclab.real.row_kernel`): one product that reads $W$ once and splits it over both
cores. Same numbers to float rounding, checked token for token. Both kernels, timed in the same
interleaved blocks, each ratio paired within a block, [min-max] over the blocks:
"""),
    code("""
from speclab.real.measure.timing import kernel_growth

from speclab.real.measure.draft_cost import measure_draft_cost

context = chat_input_ids(tokenizer, OPEN_ENDED_PROMPTS["explain"])
growth = kernel_growth(model, context, max_tokens=9, blocks=5)
for kernel, spreads in growth.items():
    print(f"{kernel:6s} kernel t(n)/t(1), n = 2..9: " + "  ".join(f"{g:.2f}" for g in spreads[1:]))
# from here on the shipped draft plans with this machine's costs, not those of the machine that made it
drafter.use_costs(measure_draft_cost(drafter, model, context), [g.median for g in growth["column"]])
print(f"the draft's c on this machine: {drafter.c:.3f}")
""", tags=(IGNORE_OUTPUT,)),
    md("""
With the column kernel a pass over two to four tokens costs less than with the stock kernel
(on some CPUs little more than a one-token pass): the second core, idle during plain decoding,
does the extra work. How much it gives depends on the CPU, so read the two lines above as this
machine's. That is also a caveat for
every speedup below: part of the gain comes from a core that plain decoding leaves idle. Plain
decoding can use it too, by reading one dummy token beside each real one
(`two_row_autoregressive`), so every speedup below is stated over the **faster** of the two plain
decodings, and the split (what the kernel gives plain decoding, what drafting adds) is printed.

## 6 · Target alone vs speculative, side by side

The same open-ended prompt, greedy, 96 new tokens. Called **without** `k`, `generate` uses the
draft's own policy, `drafter.default_policy()`: the $k$ with the best expected speedup from the
draft's measured acceptance at each depth, its $c$ and this machine's measured $t(n)/t(1)$
(`speclab.measured_k`), and $k = 0$ (plain decoding) when no $k$ would pay. It also times its
own rounds and decodes plainly while speculation delivers fewer tokens per second than plain
decoding would (`speclab.real.fallback`: a busy neighbour can take the second core). It compares
the two kinds of round in interleaved pairs, as the benchmarks do, so a burst of the neighbour
slows both sides of a comparison alike. Under
greedy decoding it may verify some of the draft's runners-up for the first token in the same
pass (section 7).
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
# The policy follows this machine's measured t(n)/t(1); the tokens per pass, the fallback's timings.
print(f"the draft's own policy here: {drafter.default_policy()}; "
      f"{len(spec.token_ids) / spec.target_forwards:.2f} tokens per target pass")
print(spec.text)   # the target's own text: the same whatever time the rounds take
""", tags=(IGNORE_OUTPUT,)),
    md("""
The text is the 135M target's own greedy answer, odd facts and all: a model this small often
writes fluent nonsense. Speculation does not change a token of it (`identical output` above
compares it with `generate`); it only changes how fast it arrives. Section 8 measures how much faster;
one timing of each, on a shared machine, would not be a measurement.

Every token coloured by how it was produced: green drafted and accepted, orange a correction
after a rejection, blue a bonus after a fully accepted round. A runner-up that the target
accepted (section 7) shows as an accepted draft followed by its bonus.
"""),
    code("""
HTML(spec.html())   # the colours depend on the draft and on the time this machine's rounds take (the fallback)
""", tags=(IGNORE_OUTPUT,)),
    md("""
## 7 · A second guess in the same pass: tree verification

When the draft's first guess is wrong, its second or third guess is often right. Training
measured how often, on the held-out answers: $h_j$, the fraction of positions where the target's
token is among the draft's top $j$ guesses ($h_1$ is the first draft's acceptance).

A pass over a few tokens costs far less than that many one-token passes here (section 5), so the
decoder can check the runners-up in the same pass. They become extra rows of the pass at the **same** position as
the first draft, each attending only to the prefix and the last token: an attention mask shaped
like a tree, the way SpecInfer (Miao et al. 2024), Medusa and EAGLE verify their drafts
(`speclab.real.tree`). If the target rejects the first draft but picks one of the runners-up,
that one is kept, and its row also gives the target's next token, so the round still ends with a
bonus. After the pass the KV cache keeps only the path that was accepted. This is greedy only:
under sampling, several candidates need a multi-draft acceptance rule (SpecInfer's) to stay
lossless, which speclab does not implement, so sampling drafts a plain chain.

$m$ runners-up add $h_{m+1} - h_1$ expected tokens per round and $m$ rows to the pass
(`speclab.measured_k.tree_speedups`). The draft offers them only when the prediction beats the
plain chain by at least 2%, because the pass costs it rests on vary from run to run. They are
also not monotone on this CPU: in every run here $t(4)/t(1)$ came out below $t(3)/t(1)$ (a
property of the matrix library's kernels, seen in notebooks 05-07 alike), so a runner-up that
fills a fourth row can cost nothing; check the printed costs before trusting such a choice on
another machine. The
runners-up can also beat their prediction: in `benchmarks/bench_trained_draft.py` on a 2-core CPU
like this one, two of them measured 1.02-1.18x over plain decoding against the chain's
1.00-1.06x, where the draft's stored costs had predicted a 3% gain (`docs/benchmarks.md`).
"""),
    code("""
from speclab.measured_k import tree_speedups

k = drafter.default_policy().start_k
m = drafter.alternatives_for(k)
table = tree_speedups(drafter.rates, drafter.c, drafter.pass_costs, drafter.first_hits)
print("held-out h_j, j = 1..8:", [round(h, 2) for h in drafter.first_hits])
print(f"k = {k}, predicted speedup with 0, 1, 2, 3 runners-up:", table[k, :4].round(2))
print(f"the pass costs they rest on, t(n)/t(1) for n = {k + 1}..{k + 4}:",
      [round(c, 2) for c in drafter.pass_costs[k:k + 4]])
print(f"the draft's choice: {m} runner(s)-up")
""", tags=(IGNORE_OUTPUT,)),
    md("""
EAGLE-2's trees also branch deeper: runners-up beside the second draft, the third, and so on.
Whether that would pay follows from the same kind of measurement, the draft's top-$j$ hit rates
at each depth and the pass costs (`speclab.trees.measured`). For the shipped draft
`benchmarks/bench_tree_shapes.py` found (`docs/benchmarks.md`) that on a 2-core CPU's costs the
best tree with runners-up at every depth is the best tree with runners-up for the first draft
only, while with passes as flat as a GPU's (up to 9 rows) it would add about 3%. So decoding
offers runners-up for the first draft only.

## 8 · Measured against the prediction, over the strongest plain decoding

The prediction needs the draft's acceptance per depth $r_d$ and its top-$j$ hit rates $h_j$
(held-out, from training), its $c$ and $t(n)/t(1)$: a round of $k$ drafts and $m$ runners-up
yields $1 + r_1 + r_1 r_2 + \\dots + (h_{m+1} - h_1)$ tokens for $t(k+m+1)/t(1) + kc$ steps.
Under greedy decoding $\\alpha$ below is the fraction of **examined** chain drafts that matched
(drafts after a rejection are not examined; runners-up do not count), so it stays the draft's
per-token acceptance rate. The decoders run in interleaved ABBA blocks, and each speedup is the
median of paired ratios with its range. The headline baseline is the faster of the two plain
decodings; a speedup above the tokens per target pass would be impossible against an equally
efficient baseline, and is flagged.
"""),
    code("""
from speclab.interleave import run_interleaved
from speclab.real import FeatureDrafter, two_row_autoregressive

chain = SpeculativeDecoder(model, FeatureDrafter(model, drafter.head, drafter.vocab, drafter.rates, drafter.c,
                                                 drafter.pass_costs, drafter.first_hits, alternatives=0), tokenizer)
ids = chat_input_ids(tokenizer, OPEN_ENDED_PROMPTS["email"])
timed = run_interleaved({
    "generate": lambda: hf_generate(model, ids, max_new_tokens=64),
    "two-row plain": lambda: two_row_autoregressive(model, ids, 64),
    "chain only": lambda: chain.generate(ids, max_new_tokens=64, k=max(k, 1)),
    "speculative": lambda: decoder.generate(ids, max_new_tokens=64),
}, blocks=3)
out = timed.results["speculative"]
plain = max(("generate", "two-row plain"), key=lambda name: timed.ratio("generate", name).median)
per_pass = len(out.token_ids) / out.target_forwards
low, high = wilson_interval(round(out.alpha_sum), out.alpha_count)
print(f"k {k}, {m} runner(s)-up, c {drafter.c:.3f}, held-out acceptance by depth {[round(r, 2) for r in drafter.rates]}")
print(f"alpha {out.alpha:.2f} [95%: {low:.2f}-{high:.2f}] over {out.alpha_count} drafts; "
      f"tokens per target pass {per_pass:.2f}")
speedup = timed.ratio(plain, "speculative")
print(f"speedup over the strongest plain decoding ({plain}): {speedup}  (predicted {table[k, m]:.2f}x)"
      + ("  FLAG: above the tokens per pass" if speedup.median > per_pass else ""))
chain_out, chain_speedup = timed.results["chain only"], timed.ratio(plain, "chain only")
chain_pass = len(chain_out.token_ids) / chain_out.target_forwards
print(f"  as a chain only, no runners-up: {chain_speedup}  (predicted {table[max(k, 1), 0]:.2f}x)"
      + ("  FLAG: above the tokens per pass" if chain_speedup.median > chain_pass else ""))
print(f"two-row plain ran at {timed.ratio('generate', 'two-row plain')} of generate's speed, so the headline is {plain}")
print(f"split: over generate {timed.ratio('generate', 'speculative').median:.2f}x = kernel "
      f"{timed.ratio('generate', plain).median:.2f}x x drafting {speedup.median:.2f}x")
if speedup.median > per_pass:
    print("the speedup is flagged: no decoder can beat an equally efficient plain decoding by more than its "
          "tokens per pass, so this difference is noise or overhead, not speculation")
else:
    verdict = ("faster than" if speedup.low > 1 else "slower than" if speedup.high < 1
               else "neither clearly faster nor slower than")
    print(f"on this machine, now, the shipped draft is {verdict} the strongest plain decoding")
""", tags=(IGNORE_OUTPUT,)),
    md("""
On the 2-core CPUs this course was measured on, the shipped draft gains little or nothing over
the strongest plain decoding: about 0.9-1.1x with its defaults on four held-out prompts, quiet or
beside a busy neighbour (`benchmarks/bench_trained_draft.py`; `docs/benchmarks.md` has the tables), far from the
1.5x we aimed for. The prediction is higher for three reasons. It uses the held-out acceptance, measured on
other prompts; the $\\alpha$ measured here, with its interval, is this prompt's. The fallback
decodes plainly whenever its timed rounds say speculation is behind: compare the tokens per
target pass above with the $1 + r_1 + r_1 r_2 + \\dots$ the prediction assumes; where it fell
back for most rounds, the speedup line compares mostly plain rounds with plain decoding, and a
flag says when the figure cannot be a speedup. And each round also pays for work the formula
leaves out: handing the target's features to the draft and the draft's catch-up step over the
newly verified tokens. (The pass costs are not a reason: since section 5 the prediction uses this
machine's $t(n)/t(1)$.) `benchmarks/bench_trained_draft.py` runs the same comparison on four held-out
prompts, with more blocks and a busy neighbour on demand.

How good would a draft have to be? Turn the prediction around: with this draft's $c$ and this
machine's $t(n)/t(1)$, the acceptance (the same at every depth) at which the best chain reaches a
given speedup (`measured_k.alpha_for_speedup`):
"""),
    code("""
from speclab.measured_k import alpha_for_speedup

flat = [1.0] * len(drafter.pass_costs)         # passes over up to 9 tokens costing one step, as on a GPU
for goal in (1.2, 1.5, 2.0):
    needed = [alpha_for_speedup(goal, drafter.c, costs) for costs in (drafter.pass_costs, flat)]
    print(f"{goal:.1f}x needs " + ", ".join(
        (f"alpha >= {a:.2f} (k = {best})" if best else "more than any alpha gives") + where
        for (a, best), where in zip(needed, (" on this machine", " with flat passes"))))
print(f"the shipped draft, held out: {', '.join(f'{r:.2f}' for r in drafter.rates)} at depths 1-{len(drafter.rates)}")
""", tags=(IGNORE_OUTPUT,)),
    md("""
Set the needed acceptance beside the draft's: it is the same at every depth, while the draft's
falls after the first, and the scaling curve of section 4 adds a few points per doubling of the
text. Where a pass over a few tokens costs more than one, as on this CPU, the same goal asks for
a higher acceptance than with passes as flat as a GPU's (notebook 06): compare the two columns.

## 9 · Which draft? Every kind on the theory's map

A practitioner's real question is not "does this draft win?" but "which draft should I use for
this target on this machine?". `speclab.real.survey` measures every candidate the same way
(paired, interleaved, over the strongest plain decoding) and places each on the map of notebook
03: the speedup the theory promises at each $(\\alpha, c)$ once $k$ is chosen well, with this
machine's $t(n)/t(1)$. Each draft appears once per prompt: an edit that copies its input, and an
open-ended question with nothing to copy. The survey first measures each draft's $c$ and, from
one untimed run, its $\\alpha$, and lets the theory pick its $k$ among 1-3; then it times plain
decoding and every draft at its $k$ in the same interleaved blocks, so all five speedups are
paired with the same plain runs. About two minutes on two cores (`speclab survey` runs a larger one):
"""),
    code("""
from speclab.real import EarlyExitDrafter, PromptLookupDrafter, SuffixDrafter, QuantizedCopyDrafter, PROMPTS, survey

drafts = {"prompt lookup": PromptLookupDrafter(), "suffix": SuffixDrafter(), "early exit (6 layers)":
          EarlyExitDrafter(model, 6), "trained (shipped)": drafter, "int8 copy": QuantizedCopyDrafter(model, 8)}
found = survey(model, drafts, tokenizer, prompts=[PROMPTS["fix grammar"], OPEN_ENDED_PROMPTS["describe"]],
               ks=(1, 2, 3), max_new_tokens=16, repeats=2)
print(found.table())   # measured on this machine: the timings vary
""", tags=(IGNORE_OUTPUT,)),
    code("""
found.plot();   # each draft and prompt at its measured alpha (95% interval) and c
""", tags=(IGNORE_OUTPUT,)),
    md("""
Read the map from the points you just measured. Prompt lookup costs almost nothing ($c$ near
0), so it sits at the left edge: high on the edit, where the answer copies the prompt, low or
absent (having drafted nothing) on open text. The suffix draft indexes everything written in the
session; every timed run starts from the store the session had when the survey began (empty
here), so a prompt repeated for timing is never drafted from its own earlier answer. In a long
session of similar requests it would find more to copy than it does here. The int8 copy of the
target is right often, so it sits high, but far to the right: a quantized copy still runs every
layer. Early exit is cheap only in name and rarely right. The trained draft is timed the way
decoding runs it, drafting from the target's features, so its $c$ is close to the one section 5
measured (both on this machine; they differ by the run-to-run spread). From the command line: `speclab survey` (add `--json`).

## 10 · What GPU engines ship

On a GPU a target step is bound by reading its weights from memory, so verifying 4-8 extra
tokens costs almost nothing (notebook 06), and a draft that lives *inside* the target, reading
its features, needs no second model to load, schedule or keep in sync. That is EAGLE (Li et al.
2024), EAGLE-2 (a dynamic draft tree over EAGLE's own heads, no new training) and EAGLE-3 (2025:
features from several layers and training-time test), and Medusa (Cai et al. 2024: several heads
on the last hidden state); each engine serves some of them (EAGLE and EAGLE-3 in vLLM, SGLang
and TensorRT-LLM; Medusa in vLLM and TensorRT-LLM). Who writes the training
text differs, and it matters for what you measure:

* **EAGLE** and **HASS** train on a fixed dataset, ShareGPT's dialogues, with the target's
  features computed over that fixed text; the EAGLE paper reports that its heads are not very
  sensitive to whether the text is the target's own;
* **EAGLE-3** takes its prompts from ShareGPT and UltraChat-200K and has the target regenerate
  every answer (the paper: it calls the target model to generate responses rather than using a
  fixed dataset); the training tools engines provide (SGLang's SpecForge, vLLM's speculators)
  follow the same recipe;
* **Medusa-2** trains its heads together with the target, and uses **self-distillation** (the
  target regenerates the answers) when the original training data is not available, so the
  heads learn what the target says rather than what a dataset said;
* **this notebook** does only self-distillation: no dataset at all, the target writes everything.

## Takeaways

* A draft is cheap when its **head** is small: score only the tokens the target writes.
* **Self-distillation**: the target writes its own training text; the draft learns its
  next-token distribution. No data needed, and more text keeps helping.
* Drafting from the target's **features** (EAGLE) lets a one-layer draft reach $\\alpha \\approx 0.5$ on
  held-out text. On a 2-core CPU that barely beats plain decoding, at best (sections 8 and 9); the theory says
  how much more it gives where verification is cheaper.
* Verification is cheap only if the pass over $k+1$ tokens uses hardware a one-token pass leaves
  idle: arithmetic units on a GPU, a second core here. Measure $t(n)/t(1)$, and state every
  speedup over the strongest plain decoding you can run.
* Choose a draft by where it sits on the $(\\alpha, c)$ map, measured on your prompts.
* The output is exactly the target's either way: verification makes any draft safe, and a good
  one fast. From the command line: `speclab train-draft`, `speclab survey`.
"""),
]

if __name__ == "__main__":
    build(FILENAME, CELLS)
