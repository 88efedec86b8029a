"""Build notebooks/01_the_algorithm.ipynb: draft, verify, accept/reject, correction and bonus tokens."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tools.nbtools import IGNORE_OUTPUT, build, code, header_cells, md  # noqa: E402

FILENAME = "01_the_algorithm.ipynb"

CELLS = header_cells(
    FILENAME,
    "01 · The algorithm: draft, verify, accept, correct",
    """
A large language model writes one token per forward pass, and each pass of a big model is slow.
**Speculative decoding** lets a small, cheap *draft* model guess several tokens ahead and has the
big *target* model check all the guesses in a single pass. When the guesses are good, one slow
pass yields several tokens; when they are bad, nothing is lost but a little draft time.
And, as notebook 02 proves, the text it produces is distributed **exactly** as if the target had
written it alone (exactly in exact arithmetic; notebook 02 says what floating point changes).

In this notebook you will:

1. walk through one round by hand, then read the whole round as twenty lines of numpy and check
   that the package does exactly the same;
2. simulate thousands of complete decodes and see, on a timeline, where the time goes;
3. read the step-by-step trace of a decode as a table, a figure and coloured text, and replay it
   with sliders;
4. look inside a real implementation: what each model's KV cache holds after a rejection.
""",
) + [
    code("""
import numpy as np
from IPython.display import HTML
from speclab import plots, widgets
from speclab.verify import sample_categorical   # draws one token per row of probabilities
"""),
    md("""
## 1. Why one pass can check many tokens

Generating a token with a big model means reading all of its weights from memory. For a single
sequence that reading, not the arithmetic, sets the pace: the processor waits on memory. Feeding
the model $K+1$ positions instead of one reuses the same weights for every position, so the pass
costs roughly the same. Plain (autoregressive) decoding wastes that capacity; speculative
decoding fills it with guesses. (Notebook 06 puts numbers on this, and shows where it stops
being true: large batches of short contexts; with long contexts the KV cache's reads keep
the pass memory-bound much longer.)

## 2. Notation

We follow Leviathan et al. (2023), and so does the `speclab` package:

| symbol | meaning |
|---|---|
| $p$ | the **target** model's next-token distribution (the big model whose output we want) |
| $q$ | the **draft** model's next-token distribution (the small, fast guesser) |
| $K$ | drafts per round (the paper's $\\gamma$) |
| $c$ | cost of one draft step divided by the cost of one target step |
| $\\alpha$ | probability that one draft is accepted, $\\mathbb{E}[\\sum_x \\min(p(x), q(x))]$ |

Careful when you read Chen et al. (2023), the other founding paper: they swap the letters and
call the target $q$ and the draft $p$. The algorithm is the same.

## 3. One round, step by step

1. **Draft.** The draft model proposes $x_1, \\dots, x_K$, each sampled from its own $q$, one after
   another (cheap: $K$ small passes).
2. **Score.** The target runs *once* over the context plus all $K$ drafts and returns its
   distributions $p_1, \\dots, p_{K+1}$ at every position, including the one after the last draft.
3. **Accept or reject, left to right.** Draft $x_i$ is kept with probability
   $\\min\\left(1, p_i(x_i) / q_i(x_i)\\right)$. The first rejection ends the checking: later drafts
   were built on a token we are throwing away, so they are discarded unseen (*skipped*).
4. **One more token, always.** After a rejection at position $i$, draw a **correction** from the
   residual $\\text{norm}(\\max(0, p_i - q_i))$. If all $K$ drafts survive, draw a **bonus** token
   from $p_{K+1}$, which the target computed anyway.

So a round emits between 1 and $K+1$ tokens and costs $K$ draft steps plus one target pass.
Notebook 02 shows why exactly this rule, and no simpler one, keeps the output distribution equal
to the target's.

Let us run one round by hand. `SyntheticPair` gives us a target and a draft over a 20-token
vocabulary whose distributions overlap by a tunable *agreement* (here 0.75). Agreement is this
synthetic pair's knob, not the acceptance rate: the draft is $q = a\\,p + (1 - a)\\,u$, with $u$
an unrelated distribution, so even agreement 0 accepts often when a few tokens dominate both
(about 0.46 over 20 tokens, 0.32 over 100). The acceptance rate $\\alpha$ it gives is printed
beside it, and notebook 02 defines it:
"""),
    code("""
pair = sl.SyntheticPair(vocab_size=20, agreement=0.75, seed=0)
p, q = pair.distributions(5)     # p: target at positions 0..4, q: draft at the same positions
print(p.shape, q.shape, "alpha per position:", pair.alpha(5).round(2))
"""),
    md("""
**Step 1, draft.** Sample $K = 4$ tokens, one from each of the draft's rows $q_0, \\dots, q_3$:
"""),
    code("""
rng = np.random.default_rng(1)
drafts = sample_categorical(q[:4], rng.random(4))
drafts
"""),
    md("""
**Steps 2 to 4, verify.** `sl.verify` is the one implementation of the rule used everywhere in
this course (the simulator, the exercises and the real-model runner all call it). It takes the
target rows $p_0..p_4$, the draft rows $q_0..q_3$ and the drafts:
"""),
    code("""
v = sl.verify(p, q[:4], drafts, rng)
print("acceptance probability of each draft:", v.accept_probs.round(3))
print("drafts accepted:", v.n_accepted, "of", v.n_drafted)
print("tokens emitted: ", v.tokens, "(the last one is a", "bonus)" if v.bonus else "correction)")
"""),
    md("""
The first draft had acceptance probability 1 (the target likes it at least as much as the draft
does) and was kept. The second had probability 0.42 and lost the coin flip, so the round ended
there: the correction token was drawn from the residual, and the last two drafts were skipped.
One target pass, two tokens.

A luckier round keeps all four drafts and adds the bonus token: five tokens for one target pass.
"""),
    code("""
rng = np.random.default_rng(2)
drafts = sample_categorical(q[:4], rng.random(4))
v = sl.verify(p, q[:4], drafts, rng)
print("acceptance probabilities:", v.accept_probs.round(3))
print("tokens emitted:", v.tokens, "| bonus:", v.bonus)
"""),
    md("""
### The whole round in plain numpy

Before leaning on the package, here is the round written out in full: about twenty lines a
learner can read top to bottom. `p` holds the target's rows $p_0..p_K$ (one target pass scores
the context and all $K$ drafts at once, so all $K+1$ rows arrive together), `q` the draft's rows
$q_0..q_{K-1}$. `draw` picks a token by inverse-CDF sampling from one uniform number.
"""),
    code("""
def draw(probs, u):
    \"\"\"One token from a probability vector, by inverse CDF with the uniform number u.\"\"\"
    cdf = np.cumsum(probs) / probs.sum()
    return int(np.searchsorted(cdf, 1.0 - u))


def speculative_round(p, q, rng):
    k = len(q)
    # Step 1, draft: x_i ~ q_i, one cheap draft step per token.
    drafts = [draw(q[i], u) for i, u in enumerate(rng.random(k))]
    # Step 2, score: one target pass gives p_0..p_k (here they are given as the rows of p).
    r = rng.random(k)
    for i, x in enumerate(drafts):
        # Step 3, accept x_i with probability min(1, p_i(x) / q_i(x)), left to right.
        if r[i] >= p[i, x] / q[i, x]:
            # Step 4a, rejected: a correction from the residual norm(max(0, p_i - q_i)).
            leftover = np.maximum(p[i] - q[i], 0.0)
            return drafts[:i] + [draw(leftover, rng.random())]
    # Step 4b, all k accepted: a bonus token from p_k.
    return drafts + [draw(p[k], rng.random())]


speculative_round(p, q[:4], np.random.default_rng(1))
"""),
    md("""
The package does the same in two calls: `sample_categorical` for the drafts and `sl.verify` for
steps 2 to 4. Given the same random numbers in the same order, both must emit the same tokens.
Run a thousand rounds of each from the same seeds and compare:
"""),
    code("""
def package_round(p, q, rng):
    drafts = sample_categorical(q, rng.random(len(q)))
    return sl.verify(p, q, drafts, rng).tokens.tolist()


same = sum(speculative_round(p, q[:4], np.random.default_rng(s)) == package_round(p, q[:4], np.random.default_rng(s))
           for s in range(1000))
print(f"identical output in {same} of 1000 rounds")
"""),
    md("""
From here on the notebooks call the package: it is the same rule, vectorized (the simulator
runs thousands of rounds at once) and tested, including the proof-by-statistics of notebook 02.
"""),
    md("""
## 4. A whole decode, simulated

`sl.simulate` decodes `num_tokens` tokens round after round, for many independent trials at once,
with the same `verify` rule. It does not sleep to imitate latency: a `CostModel` charges each
draft step and each target pass a modelled time, so a thousand trials take a fraction of a second
and give a speedup with a confidence interval rather than one noisy stopwatch reading.

Here the target step costs 50 ms and a draft step 5 ms, so $c = 0.1$; the synthetic pair has 100
tokens and agreement 0.75.
"""),
    code("""
pair = sl.SyntheticPair(vocab_size=100, agreement=0.75, seed=0)
cost = sl.CostModel(draft_ms=5.0, target_ms=50.0)
res = sl.simulate(pair, num_tokens=200, k=4, trials=1000, cost=cost, seed=0)
print(res.summary())
"""),
    md("""
Against plain decoding, which needs one 50 ms target pass per token:
"""),
    code("""
print(f"autoregressive: {res.baseline_ms:7.0f} ms  200.0 target passes")
print(f"speculative:    {res.time_ms.mean():7.0f} ms  {res.target_passes / res.trials:5.1f} target passes"
      f" + {res.draft_passes / res.trials:.1f} draft passes")
"""),
    md("""
Where does the time go? The timeline below lays the first eight rounds of trial 0 along modelled
time: in the top lane, each round's four short draft steps (orange) and then one target pass
(blue) that emits the number of tokens written on it; in the bottom lane, plain decoding writing
the same tokens one 50 ms target step at a time.
"""),
    code("fig = plots.plot_timeline(res.rounds[:8], cost)"),
    md("""
Two numbers in the summary deserve a second look. *alpha* (0.83) is the probability that a single
draft is accepted. *accepted / drafted* (0.64) is lower, because drafts after a rejection are
counted as drafted but never tested. Notebook 03 explains why the two differ and why only
$\\alpha$ belongs in the speedup formula.

How does the choice of $K$ matter here? A quick comparison:
"""),
    code("""
for k in (1, 2, 4, 6, 8):
    r = sl.simulate(pair, num_tokens=200, k=k, trials=1000, cost=cost, seed=0)
    low, high = r.speedup_ci
    print(f"K = {k}: speedup {r.speedup:.2f}x (95% CI {low:.2f}-{high:.2f}), tokens per round {r.mean_tokens_per_round:.2f}")
"""),
    md("""
## 5. The trace: what happened in each round

The simulation keeps the rounds of its first trial as records. As a table (`+` accepted,
`x` rejected, `.` skipped; then the extra token and its kind):
"""),
    code("print(sl.rounds_table(res.rounds[:8]))"),
    md("""
The same rounds as a picture: one row per round, one column per output position within the
round. Green drafts were accepted and grey ones skipped. A rejected draft and the correction that
replaces it occupy the *same* output position, so they share a column: the red top half is the
rejected draft, the orange bottom half the correction the target put there. A blue cell is a
bonus, one position past the last draft.
"""),
    code("fig = sl.plot_rounds(res.rounds, max_rounds=10)"),
    md("""
And the emitted text itself, each token tinted by how it was produced (hover for its round).
Most tokens are green: written by the draft, approved by the target.
"""),
    code("HTML(sl.tokens_html(res.rounds[:15]))"),
    md("""
## 6. Replay it yourself

Move the sliders to re-run one 40-token decode. Lower the agreement and watch orange corrections
take over, each in the column of the draft it replaced; raise $K$ and watch more grey (wasted
drafts) appear at low agreement, and more blue bonuses at high agreement. The readouts count
the target passes, the quantity that speculation saves.
"""),
    code("widgets.trace_explorer(agreement=0.75, k=4, seed=0)", tags=(IGNORE_OUTPUT,)),
    md("""
## 7. Under the hood: the KV caches

A real model does not re-read the whole text every step: it keeps a **KV cache** of the keys and
values it computed for earlier positions, and each pass only processes the new tokens. Both
models keep one, and a rejection means both must forget what they computed for drafts that did
not survive. `speclab.real` (notebook 05) does it like this:

* The **target** cache holds every token but the last. A round feeds that last token plus the
  $K$ drafts in one pass, so afterwards it holds all $K$ drafts; it is then **cropped** back to
  the context plus the accepted drafts. The round's extra token (correction or bonus) was sampled
  from the pass's output, not fed through it, so it is the first token fed next round.
* The **draft** cache grows one token per draft step, but the $K$-th draft is sampled from the
  last step's output and never fed. It is cropped the same way. After a rejection it is one token
  short of the text (the correction); after a **bonus** it is two short ($x_K$ and the bonus),
  which is why the draft model is fed two tokens at the start of the round after a bonus.

Here $K = 4$, three context tokens, and the second draft $x_2$ is rejected:
"""),
    code("fig = plots.plot_kv_rollback(k=4, n_accepted=1, context=3)"),
    md("""
And a round in which all four drafts are accepted and the target adds a bonus:
"""),
    code("fig = plots.plot_kv_rollback(k=4, n_accepted=4, context=3)"),
    md("""
Cropping is cheap: the cache is a tensor per layer, and forgetting its last entries is a slice.
Nothing is ever recomputed; the rejected drafts' work is simply thrown away, which is the cost a
low $\\alpha$ pays.
"""),
    md("""
## Takeaways

* A round: $K$ cheap draft steps, one target pass over all of them, keep the accepted prefix, then
  exactly one extra token (a correction from the residual, or a bonus from $p$).
* Between 1 and $K+1$ tokens per target pass; the average depends on how often the target agrees
  with the draft.
* Time here is *modelled*, so thousands of seeded trials give a speedup with a confidence
  interval in well under a second.
* A rejected draft and its correction are the same output position; after a round, both KV caches
  are cropped to the context plus the accepted drafts.
* With greedy decoding (temperature 0) the rule reduces to "keep drafts while they equal the
  target's argmax", which `sl.verify_greedy` implements.

Next: notebook 02 looks inside the acceptance rule and proves that it is lossless.
"""),
]

if __name__ == "__main__":
    build(FILENAME, CELLS)
