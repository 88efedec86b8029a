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
Notebook 05 used drafters that need no training: prompt lookup (it wins only when the answer
copies the prompt) and early exit (it loses: its $\\alpha$ is near 0). Here you **train** a draft
for SmolLM2-135M-Instruct from the model itself, in minutes on a CPU, and measure it on text that
has nothing to copy, with the output still exactly the target's.

**What to expect.** On a 2-core CPU the trained draft about ties with the strongest plain
decoding. It is right often enough to pay in theory, but on a CPU a verification pass over a few
tokens costs noticeably more than a one-token step, and every round carries work the formula
does not charge. Where verification is nearly free, as on a GPU, the same acceptance is
predicted to give a clear gain; section 7 computes how much. Neither figure is hidden below.

In this notebook you will:

1. see why the draft's **head size** sets its cost $c$;
2. train a small draft by **self-distillation** (no dataset) and watch its loss and acceptance;
3. load the draft speclab ships and measure its acceptance on prompts it never trained on;
4. run the target alone and speculative decoding side by side, with the coloured token trace;
5. verify the draft's runners-up in the same pass (a tree);
6. race it against the strongest plain decoding, and see what acceptance a win would need.

Which draft to choose among all kinds (copying, early exit, trained, quantized, a hybrid) is
notebook 08's question.
""",
) + [
    md("""
## 1 · The target, on whatever this machine has

On Colab with a GPU runtime the model goes to the GPU and every cell below runs there unchanged.
Torch gets as many threads as this process may really use: the cores it may run on, capped by
the container's CPU quota (Binder and Colab share their CPUs, so this can be fewer than the
cores the machine reports).
"""),
    code("""
import textwrap
import time
import torch
from IPython.display import HTML
from speclab.real import (SpeculativeDecoder, OPEN_ENDED_PROMPTS, chat_input_ids, hf_generate,
                          load_offline_model, load_offline_draft, train_draft)
from speclab.real.threads import set_torch_threads
from speclab.real.training.prompts import training_prompts

device = "cuda" if torch.cuda.is_available() else "cpu"
threads = set_torch_threads()
model, tokenizer = load_offline_model(device=device)
print(f"SmolLM2-135M on {device} with {threads} torch threads: {model.config.num_hidden_layers} layers, "
      f"hidden size {model.config.hidden_size}")
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
print(f"one target step (no cache): {step:.1f} ms")
print(f"full head: {full:.2f} ms ({size(head.shape[0]):.0f} MiB); 4,096-row head: {small:.2f} ms "
      f"({size(4096):.0f} MiB): {full / small:.0f}x faster for 12x fewer rows")
""", tags=(IGNORE_OUTPUT,)),
    md("""
On a CPU the time can fall by more than the rows do: the small matrix (9 MiB) may stay in the
CPU's caches from one call to the next, while the full one (108 MiB) streams from main memory
every time. That is a property of this machine's caches, not something the row count promises;
on a GPU the two times scale closer to the rows.

## 3 · The draft: drafting from the target's own features (EAGLE)

Li et al. (EAGLE, 2024) noticed that the target's **last hidden state** $f_i$ (the vector its
head reads) is much easier to extrapolate than the next token is. So the draft is one small
transformer layer that reads the pair $[f_i ; e(x_{i+1})]$ (the target's feature at token $i$
and the embedding of the token that followed) and predicts $f_{i+1}$; the target's own head,
restricted to 4,096 rows, turns that into a guess for $x_{i+2}$. The decoder hands the draft the
target's features of every verified token, so the draft always starts from the truth. Drafting
deeper feeds its own predicted feature back in; EAGLE-3's *training-time test* trains that way
(`train_draft(depth=2)` unrolls two drafts), so deeper drafts see at training what they will
see when drafting. The drafts here are trained at depth 1: on a CPU the first draft is the one
that pays.

## 4 · Self-distillation: no dataset needed

The draft's only job is to predict what **this** target would say next. The target can write
that text itself: it answers built-in instructions (batched, KV-cached), and the draft learns to
match its next-token distribution at every position. No corpus, no labels, no download. Some of
the instructions:
"""),
    code("""
for prompt in training_prompts()[:6]:
    print("-", prompt)
print(f"... {len(training_prompts())} in all")
"""),
    md("""
**Your turn: train one.** A small run of about a minute on two cores: the target answers 160
of the instructions (64 tokens each), and the draft fits that text for five epochs. The progress
bars show the target writing, then the draft fitting. The target writes 32 answers at a time,
which keeps this notebook inside Binder's 2 GB of memory.
"""),
    code("""
small, small_record = train_draft(model, tokenizer, prompts=training_prompts(160), max_new_tokens=64,
                                  epochs=5, write_batch=32)
print(f"trained on {small_record.n_tokens:,} self-written tokens in {small_record.seconds:.0f} s "
      f"(writing {small_record.generate_seconds:.0f} s, fitting {small_record.train_seconds:.0f} s)")
print("acceptance by depth on answers it did not fit:",
      [round(a, 2) for a in small_record.heldout_acceptance[-1]])
""", tags=(IGNORE_OUTPUT,)),
    md("""
Loss falls and acceptance rises. The acceptance training reports at depth $d$, $r_d$, is measured
on answers to instructions the draft did not fit, written from the **same templates** as its
training instructions: at every position the draft is given the target's true tokens before it
and drafts $d$ deep on its own predicted features, and $r_d$ is the fraction of positions where
its $d$-th guess is the target's greedy token. The loss is the cross-entropy between the
target's and the draft's distributions over the 4,096 tokens; it starts far above
$\\ln 4096 = 8.3$ (a uniform guess) because the untrained head's first guesses are confident and
wrong, and falls below it within a few dozen steps.
"""),
    code("""
sl.plots.plot_training(small_record);   # your run, on this machine: its times and acceptance vary
""", tags=(IGNORE_OUTPUT,)),
    md("""
## 5 · The draft speclab ships, on prompts it never saw

The same recipe with a larger budget: the target wrote about a million tokens (every instruction
answered once greedily and three more times by seeded sampling, up to 256 tokens each), and the
draft fitted them. The weights come with the package, so `load_offline_draft` loads them in
seconds. It checks that they belong to this target: a draft only serves the model it was
distilled from.
"""),
    code("""
drafter, record = load_offline_draft(model, tokenizer)
print(f"the shipped draft: {record['n_tokens']:,} self-written tokens, {record['variants']} answers "
      f"per instruction")
"""),
    md("""
Its training figure came from instructions built from its own templates. The figure that
matters is the one you will see when you use it: on prompts of topics and forms **no** training
template produces (advice, a limerick, a recipe, a dialogue, code, ...), written separately and
kept out of every training corpus by a test. `acceptance_by_depth` decodes them greedily with a
chain of three drafts and counts, at each depth, how often the draft was right given that the
drafts before it were (about 30 s):
"""),
    code("""
from speclab.real import open_heldout_prompts
from speclab.real.measure.depth_acceptance import acceptance_by_depth

live = acceptance_by_depth(drafter, model, tokenizer, prompts=open_heldout_prompts()[:10], max_new_tokens=32)
print("on 10 held-out prompts:      ", "  ".join(f"depth {d}: {r:.2f}" for d, r in enumerate(live.rates, 1)))
print("in-template (from training): ", "  ".join(f"depth {d}: {r:.2f}"
                                                for d, r in enumerate(record["heldout_acceptance"][-1], 1)))
""", tags=(IGNORE_OUTPUT,)),
    md("""
Read the two lines as two different questions. The in-template figure asks how well the draft
learned the kind of text it was trained on; the held-out figure asks how well it generalises,
and it is the one that sets your speedup. The held-out figure is also conditional (a deeper draft
is tried only after the earlier ones were right), which is what decoding meets; the in-template
one counts every position.

What more text buys: the same recipe trained on the first 15 thousand, 30 thousand, ... tokens
of the shipped corpus, each point measured on the same in-template prompts, each labelled with
the minutes it took on two CPU cores:
"""),
    code("""
import json
from importlib.resources import files

curve = json.loads(files("speclab.real.training").joinpath("shipped/scaling.json").read_text())
sl.plots.plot_draft_scaling(curve);
for point in curve["points"]:
    print(f"{point['tokens']:>9,} tokens: acceptance {point['heldout_acceptance'][0]:.3f} (writing "
          f"{point['write_seconds'] / 60:.0f} min, fitting {point['fit_seconds'] / 60:.1f} min)")
"""),
    md("""
Most doublings of the text gain a few points (the exception, 250k to 500k tokens, was fitted for
fewer steps), and each costs twice the writing time. The draft's size was not varied here, so
this curve says what text buys at this size, not whether text or size limits it. EAGLE (Li et
al. 2024) trains its heads on 68,000 ShareGPT dialogues, for one to two days on four A100 GPUs,
and reports an acceptance near 0.8 for the first draft.

## 6 · Target alone vs speculative, side by side

Before racing, the draft plans with **this** machine's costs, not those of the machine that
made it: $c$, one draft step over one target step, and $t(n)/t(1)$, a verification pass over $n$
tokens in units of a one-token step (notebook 06 measures and explains it). A verification pass
can run through torch's stock kernel or speclab's column kernel, and which is faster depends on
the CPU: `calibrate` times both, keeps the faster for every decoder of this target, and hands the
draft the kept kernel's costs (about 20 s):
"""),
    code("""
from speclab.real.kernel_choice import calibrate

context = chat_input_ids(tokenizer, OPEN_ENDED_PROMPTS["explain"])
print(calibrate(model, context, drafter))   # measured on this machine: varies run to run
""", tags=(IGNORE_OUTPUT,)),
    md("""
The same open-ended prompt, greedy, 96 new tokens. Called **without** `k`, `generate` uses the
draft's own policy: the $k$ with the best expected speedup from the draft's acceptance at each
depth, its $c$ and the $t(n)/t(1)$ just measured, and $k = 0$ (plain decoding) when no $k$ would
pay. It also times its own rounds and falls back to plain decoding while speculation delivers
fewer tokens per second than plain decoding would (the **fallback**), probing again now and then.
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
# The policy follows this machine's measured costs; the tokens per pass, the fallback's timings.
print(f"the draft's own policy here: {drafter.default_policy()}; "
      f"{len(spec.token_ids) / spec.target_forwards:.2f} tokens per target pass")
print(textwrap.fill(spec.text, 100))   # the target's own text: the same whatever the rounds cost
""", tags=(IGNORE_OUTPUT,)),
    md("""
The text is the 135M target's own greedy answer, odd facts and all: a model this small often
writes fluent nonsense. Speculation does not change a token of it (`identical output` compares it
with `generate`); it only changes how fast it arrives.

Every token coloured by how it was produced: green drafted and accepted, orange a correction
after a rejection, blue a bonus token after a fully accepted round, purple a round with no drafts
(one plain step, also what the fallback runs). A runner-up that the target accepted (section 7)
shows as an accepted draft followed by its bonus.
"""),
    code("""
HTML(spec.html())   # the colours depend on the draft and on the time this machine's rounds take (the fallback)
""", tags=(IGNORE_OUTPUT,)),
    md("""
## 7 · A second guess in the same pass: tree verification

When the draft's first guess is wrong, its second or third guess is often right. Training
measured how often: $h_j$, the fraction of positions where the target's token is among the
draft's top $j$ guesses ($h_1$ is the first draft's acceptance). The decoder can check these
**runners-up** in the same pass: extra rows at the **same** position as the first draft, each
attending only to the prefix, an attention mask shaped like a tree, the way SpecInfer (Miao et
al. 2024), Medusa and EAGLE verify their drafts. If the target rejects the first draft but picks
a runner-up, that one is kept, and its row also gives the target's next token. This is greedy
only: under sampling, several candidates need a multi-draft rule (notebook 09) to stay lossless.

$m$ runners-up add $h_{m+1} - h_1$ expected tokens per round and $m$ rows to the pass. The draft
offers them only when the prediction beats the plain chain by at least 2%, because the pass
costs it rests on vary from run to run. On some CPUs $t(4)$ comes out below $t(3)$ (the matrix
library picks different kernels for different row counts), so a fourth row can look free: read
the costs printed below before trusting such a choice.
"""),
    code("""
from speclab.measured_k import tree_speedups

k = drafter.default_policy().start_k
m = drafter.alternatives_for(k)
table = tree_speedups(drafter.rates, drafter.c, drafter.pass_costs, drafter.first_hits)
print("h_j, j = 1..8:", [round(h, 2) for h in drafter.first_hits])
print(f"k = {k}, predicted speedup with 0, 1, 2, 3 runners-up:", table[k, :4].round(2))
print(f"the pass costs they rest on, t(n)/t(1) for n = {k + 1}..{k + 4}:",
      [round(c, 2) for c in drafter.pass_costs[k:k + 4]])
print(f"the draft's choice: {m} runner(s)-up")
""", tags=(IGNORE_OUTPUT,)),
    md("""
## 8 · The race, over the strongest plain decoding

A speedup means something only over the fastest plain decoding this machine can run. `race` runs
plain decoding two ways (`generate`, and **two-row plain decoding**, whose passes read one dummy
row beside the real one and so can use a second core) and each decoder, all in the same
interleaved **ABBA blocks** (every configuration in order, then in reverse, six times), so a busy
neighbour slows all of them alike. Each speedup is the median of ratios paired within half a
block, with a 95% bootstrap interval; the verdict says faster only when the whole interval is
above 1, and a speedup above the tokens per target pass is flagged as impossible. The draft runs
twice: with its own plan (runners-up included), and as a plain chain. About a minute:
"""),
    code("""
from speclab.real import FeatureDrafter
from speclab.real.measure.race import race

chain = SpeculativeDecoder(model, FeatureDrafter(model, drafter.head, drafter.vocab, drafter.rates, drafter.c,
                                                 drafter.pass_costs, drafter.first_hits, alternatives=0), tokenizer)
email = chat_input_ids(tokenizer, OPEN_ENDED_PROMPTS["email"])
found = race(model, {"trained draft": decoder, "chain only": chain}, email, max_new_tokens=24, blocks=5)
print(found.table())
print(found.verdict("trained draft"))
""", tags=(IGNORE_OUTPUT,)),
    md("""
On the 2-core CPUs this course was measured on, that verdict is usually "neither clearly faster
nor slower". The theory promised more, for two reasons. The draft's live acceptance is what the
held-out line of section 5 says, not the in-template one. And a real round costs more than the
formula's $k c + t(k+1)/t(1)$. Where does a round's time go? `profile_rounds` times every part of
real rounds (the fallback off, so every round speculates), in units of one plain step, beside
what the formula charges:
"""),
    code("""
from speclab.real.measure.round_profile import profile_rounds

chain_k = max(k, 1)                  # a profile of plain rounds would show nothing: at least one draft
profile = profile_rounds(SpeculativeDecoder(model, drafter, tokenizer), email, 32, k=chain_k, fallback=False)
print(profile.table())
profile.plot(charged=chain_k * drafter.c + drafter.pass_costs[chain_k]);
""", tags=(IGNORE_OUTPUT,)),
    md("""
Compare the two bars: what the measured round costs beyond the formula's charge is time the
formula does not see. The parts beyond the target's pass and the drafting (the draft's catch-up
over the newly accepted tokens, cropping the caches, the decoder's bookkeeping in Python) came
to a few hundredths of a step on the machines this course was measured on, once the faster
verification kernel was kept; the target's pass inside a round tends to cost somewhat more than
the same pass timed alone. With the fallback on (the race above), the decoder compares its
speculative and plain rounds as it goes and decodes plainly while speculation looks behind:
where the race's tokens per pass sit near 1, it mostly decoded plainly.

How good would a draft have to be? Turn the prediction around: with this draft's $c$ and this
machine's $t(n)/t(1)$, the acceptance (the same at every depth) at which the best chain reaches
a given speedup, beside the same with passes as flat as a GPU's:
"""),
    code("""
from speclab.measured_k import alpha_for_speedup

flat = [1.0] * len(drafter.pass_costs)         # passes over up to 9 tokens costing one step, as on a GPU
for goal in (1.2, 1.5, 2.0):
    needed = [alpha_for_speedup(goal, drafter.c, costs) for costs in (drafter.pass_costs, flat)]
    print(f"{goal:.1f}x needs " + ", ".join(
        (f"alpha >= {a:.2f} (k = {best})" if best else "more than any alpha gives") + where
        for (a, best), where in zip(needed, (" here", " with flat passes"))))
rates = ", ".join(f"{r:.2f}" for r in live.rates)
print(f"the shipped draft on held-out prompts: {rates} at depths 1-{len(live.rates)}")
gpu_like = sl.speedup(live.rates[0], 2, drafter.c)
print(f"with flat passes, k = 2 at its depth-1 acceptance: {gpu_like:.2f}x (the formula, nothing more)")
""", tags=(IGNORE_OUTPUT,)),
    md("""
Set the needed acceptance beside the draft's: the goal asks for the same acceptance at every
depth, while the draft's falls after the first, and a CPU's costly few-token passes ask for more
than flat passes do. The last line is the theory's promise where verification is nearly free,
at the acceptance you measured; it charges nothing for the round's bookkeeping, so treat it as
an upper bound.

## Takeaways

* A draft is cheap when its **head** is small: score only the tokens the target writes.
* **Self-distillation**: the target writes its own training text; the draft learns its
  next-token distribution. No data needed, and more text kept helping at this size.
* State a draft's acceptance where it will be used: on prompts unlike its training
  instructions, it is lower than on its own templates.
* On a 2-core CPU the trained draft about ties with the strongest plain decoding: few-token
  passes cost more than a step, and each round pays for work the formula leaves out. Race it,
  over the strongest plain decoding, before believing a prediction.
* The output is exactly the target's either way: verification makes any draft safe, and a good
  one fast. From the command line: `speclab train-draft`.

Next: notebook 08 puts every kind of draft on one map and asks which to use.
"""),
]

if __name__ == "__main__":
    build(FILENAME, CELLS)
