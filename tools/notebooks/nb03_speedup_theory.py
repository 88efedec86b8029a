"""Build notebooks/03_speedup_theory.ipynb: expected tokens, speedup, cost ratio, optimal K, break-even."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from speclab.exercises import ex4  # noqa: E402
from tools.nbtools import IGNORE_OUTPUT, build, code, header_cells, md  # noqa: E402
from tools.notebooks.exercise_cells import with_exercise  # noqa: E402

FILENAME = "03_speedup_theory.ipynb"

CELLS = header_cells(
    FILENAME,
    "03 · Speedup theory: what a round buys and what it costs",
    """
Notebook 01 ran speculative decoding and notebook 02 proved it changes nothing about the output.
This one answers the practical question: **how much faster is it, and how should you set it up?**

You will derive the expected number of tokens a round produces, turn it into a speedup, and find
the best number of drafts $K$ and the smallest acceptance probability that still pays. Then you
will drag sliders and watch every trade-off move. Finally you will meet three traps: a number
that looks like $\\alpha$ but is not, the assumption that $\\alpha$ is the same everywhere, and
the assumption that verifying $K+1$ tokens is as cheap as generating one.

Every number below comes from `speclab`'s tested functions (the closed forms of `speclab.theory`,
checked against Monte Carlo simulation); the notebook only calls them and prints the results.
""",
) + [
    code("import numpy as np\nimport matplotlib.pyplot as plt\nfrom speclab import plots, widgets   # figures and sliders, tested like the rest of the package"),
    md("""
## 1. The three knobs

* $\\alpha$, the **acceptance probability**: the chance that the target accepts one draft token,
  $\\alpha = \\mathbb{E}\\left[\\sum_x \\min(p(x), q(x))\\right]$ with $p$ the target and $q$ the draft
  distribution. A draft that imitates the target well has $\\alpha$ near 1.
* $K$, the **speculation length**: how many tokens the draft proposes per round.
* $c$, the **cost ratio**: the time of one draft step divided by the time of one target step.
  A draft model 20 times cheaper than the target has $c = 0.05$.

For now assume what the original analysis (Leviathan et al., 2023) assumes: every draft is
accepted independently with the same probability $\\alpha$ (we say *i.i.d.*), and one target pass
over $K+1$ positions takes as long as a pass over one. Sections 7 and 8 drop these assumptions.
"""),
    md("""
## 2. Expected tokens per round

A round stops at the first rejected draft. It emits the accepted drafts plus exactly one extra
token: a **correction** drawn from the residual after a rejection, or a **bonus** drawn from $p$
when all $K$ drafts survive. So a round emits $n$ tokens, $1 \\le n \\le K+1$, with

$$P(n) = \\alpha^{n-1}(1-\\alpha) \\quad (n \\le K), \\qquad P(K+1) = \\alpha^K .$$

Adding up, the expected number of tokens per round is a geometric sum:

$$\\mathbb{E}[\\text{tokens}] = 1 + \\alpha + \\alpha^2 + \\dots + \\alpha^K = \\frac{1-\\alpha^{K+1}}{1-\\alpha}.$$

The fraction form is undefined at $\\alpha = 1$, but the sum is not: it is simply $K+1$.
Code that special-cases "$\\alpha \\ge 0.9999$" with a different formula puts a small jump in every
curve; `speclab` evaluates the sum in a form that is exact and continuous all the way to 1.
"""),
    code("sl.tokens_per_round_pmf(alpha=0.8, k=4).round(4)   # P(n = 1), ..., P(n = 5)"),
    code("round(sl.expected_tokens(0.8, 4), 4), sl.expected_tokens(1.0, 4), round(sl.expected_tokens(0.99999, 4), 4)"),
    md("""
A formula is only as good as its check. `sl.simulate_iid` plays 200,000 rounds in which every
draft is accepted with probability $\\alpha$, exactly the model above, and counts the tokens:
"""),
    code("""
iid = sl.simulate_iid(alpha=0.8, k=4, c=0.1, rounds=200_000, seed=0)
print("simulated tokens per round:", round(iid.mean_tokens_per_round, 3))
print("formula:                   ", round(iid.theory_tokens_per_round, 3))
"""),
    md("""
## 3. From tokens to speedup

Measure time in target steps. Plain (autoregressive) decoding pays 1 per token. A speculative
round pays $K c$ for the drafts plus 1 for the verifying target pass, and yields
$\\mathbb{E}[\\text{tokens}]$ tokens, so the expected speedup is

$$S(\\alpha, K, c) = \\frac{1-\\alpha^{K+1}}{(1-\\alpha)(Kc+1)},$$

Theorem 3.8 of Leviathan et al. (2023). Three consequences are worth saying out loud:

* With a perfect draft ($\\alpha=1$) and a free one ($c=0$) the speedup is $K+1$, not $K$: the bonus
  token comes for free.
* With a useless draft ($\\alpha = 0$) every round still emits one token (the correction) but pays
  $Kc + 1$: speculation is then slower than plain decoding by exactly that factor.
* The speedup is about *latency* of one sequence. It assumes the target pass is limited by memory
  bandwidth, so checking $K+1$ positions costs about as much as one; at large batch sizes with
  short contexts that stops being true (section 8; notebook 06 works out where, and why long
  contexts push it back).
"""),
    code("round(sl.speedup(alpha=0.8, k=4, c=0.1), 3), round(sl.speedup(alpha=0.0, k=4, c=0.1), 3), sl.speedup(1.0, 4, 0.0)"),
    md("""
The three pictures below are the classic trade-offs: speedup against $\\alpha$ for several $K$
(left), against $K$ for several $\\alpha$ with each curve's best $K$ starred (middle; a hollow star at
the edge means the best $K$ lies beyond the axis, and its label names it), and against the cost
ratio $c$ (right). The dashed line is plain decoding.
"""),
    code("""
fig, axes = plots.panels(3, height=4)
plots.plot_speedup_vs_alpha(ks=(1, 2, 4, 6, 8), c=0.1, ax=axes[0])
plots.plot_speedup_vs_k(alphas=(0.3, 0.5, 0.7, 0.85, 0.95), c=0.1, ax=axes[1])
fig = plots.plot_speedup_vs_cost(alphas=(0.5, 0.7, 0.85, 0.95), k=4, ax=axes[2])
"""),
    md("""
Read the left panel from right to left: a large $K$ wins big when $\\alpha$ is high, and loses
(dips below 1) when $\\alpha$ is low, because most of its drafts are thrown away yet all were paid
for. The middle panel shows that every $\\alpha$ has its own best $K$.

## 4. Your turn: the speedup explorer

Drag the sliders. The readouts are computed by `sl.speedup`, `sl.expected_tokens`,
`sl.optimal_k`, `sl.breakeven_alpha` and `sl.accepted_fraction`; the red dot is where you stand.
Things to try:

1. Set $c = 0$. Does a larger $K$ ever hurt? (It cannot: drafts are free.)
2. Set $\\alpha = 0.6$, $c = 0.1$ and sweep $K$ from 1 to 16. Where is the peak, and how flat is it?
3. Raise *verify growth g* to 0.05 and watch the best $K$ (right panel) drop.
"""),
    code("widgets.speedup_explorer(alpha=0.8, k=4, c=0.1)", tags=(IGNORE_OUTPUT,)),
    md("""
## 5. Optimal K and break-even alpha

**Optimal K.** `sl.optimal_k(alpha, c)` tries every $K$ from 0 to `k_max` and returns the one with
the largest speedup; 0 means "do not speculate". The table has one row per $\\alpha$ and one
column per cost ratio $c \\in \\{0.02, 0.05, 0.1, 0.2\\}$:
"""),
    code("""
alphas = np.array([0.3, 0.5, 0.7, 0.8, 0.9, 0.95])
costs = np.array([0.02, 0.05, 0.1, 0.2])
sl.optimal_k(alphas[:, None], costs[None, :])
"""),
    code("fig = plots.plot_optimal_k(cs=(0.02, 0.05, 0.1, 0.2))"),
    md("""
Both the table and the figure search $K$ from 0 to `k_max = 32` only (the dotted line): a value of
32 means "32 or more". Better drafts deserve longer speculation, and cheaper drafts too. Near
$\\alpha = 1$ the best $K$ shoots up: one more draft costs $c$ and adds $\\alpha^{K+1}$ expected
tokens. A little algebra on $S$ shows that the extra draft pays exactly when
$\\alpha^{K+1} > c\\,S(\\alpha, K, c)$; near $\\alpha = 1$ the left side shrinks slowly, so $K$ can
grow a long way before that fails.

**Break-even alpha.** For a fixed $K$ and $c$, speculation pays only when $S > 1$, i.e. when
$\\alpha + \\alpha^2 + \\dots + \\alpha^K > Kc$. `sl.breakeven_alpha(c, k)` solves this for the
smallest such $\\alpha$ (`nan` when even $\\alpha = 1$ cannot pay):
"""),
    code("""
for k in (1, 2, 4, 8):
    print(f"K = {k}: break-even alpha at c = 0.1 is {sl.breakeven_alpha(0.1, k):.3f}")
"""),
    md("""
With $K = 1$ the answer is exactly $\\alpha = c$: one draft step must be accepted at least as often
as it costs. Longer speculation raises the bar, which is why a weak draft should speculate little.

## 6. Trap one: "accepted / drafted" is not alpha

A natural thing to log is the fraction of drafted tokens that were accepted. It is tempting to call
it the acceptance rate and plug it into the formula as $\\alpha$. It is a different number.
After the first rejection the remaining drafts of the round are **never tested**, yet they were
drafted. The expected number accepted per round is $\\alpha + \\alpha^2 + \\dots + \\alpha^K$, so

$$\\frac{\\text{accepted}}{\\text{drafted}} \\to \\frac{\\alpha + \\alpha^2 + \\dots + \\alpha^K}{K} \\;<\\; \\alpha \\quad (K > 1).$$

At $\\alpha = 0.8$ and $K = 4$ that is about 0.59, not 0.8. Our i.i.d. simulation agrees:
"""),
    code("""
print("accepted / drafted in simulation:", round(iid.acceptance_rate, 3))
print("theory.accepted_fraction(0.8, 4):", round(sl.accepted_fraction(0.8, 4), 3))
print("alpha itself:                     0.8")
"""),
    code("fig = plots.plot_accepted_fraction(ks=(1, 2, 4, 8))"),
    md("""
Feeding 0.59 into the speedup formula as if it were $\\alpha$ predicts far too little. To estimate
$\\alpha$ from logs, divide the accepted drafts by the drafts that were actually *tested*
(accepted ones plus the one rejection per round, never the skipped ones). `speclab` keeps the two
numbers apart: `acceptance_rate` on results is accepted/drafted, `alpha` is
$\\mathbb{E}[\\sum_x \\min(p, q)]$.

Accepted/drafted is not useless, though: it measures the tokens per round *exactly*. Call it
$f$. With a fixed $K$, every round drafts $K$ tokens and emits its accepted drafts plus one, so
tokens per round $= 1 + Kf$ and

$$S = \\frac{1 + Kf}{1 + Kc},$$

an identity (no model of acceptance needed), straight-line in $f$. Check it on a full simulated
decode, which counts accepted and drafted tokens itself (its last round of each text drafts fewer
than $K$, so the average drafts per round sits just under 4; with that average the identity is
exact):
"""),
    code("""
run = sl.simulate(sl.SyntheticPair(agreement=0.75, seed=0), num_tokens=200, k=4, trials=200, seed=0)
f = run.acceptance_rate
drafted_per_round = run.drafted / run.rounds_per_trial.sum()
print(f"accepted/drafted f = {f:.4f}")
print(f"1 + 4 f                      = {1 + 4 * f:.4f}")
print(f"1 + (drafts per round) f     = {1 + drafted_per_round * f:.4f}")
print(f"simulated tokens per round   = {run.mean_tokens_per_round:.4f}")
"""),
    md("""
So $f$ is the right number to report a run's speedup; it is the wrong number to plug into a
formula that wants $\\alpha$, and it changes when you change $K$ while $\\alpha$ does not.

## 7. Trap two: alpha is not the same everywhere

Real text has easy stretches (a closing bracket, a repeated name) where the draft almost always
agrees, and hard ones where it rarely does. Suppose rounds come in two kinds, half with
$\\alpha = 0.95$ and half with $\\alpha = 0.45$, and $K = 4$. The truth is easy to write down:
each kind emits its own $1 + \\alpha + \\dots + \\alpha^4$ tokens per round, and the average of the
two is the answer. The formula, though, wants *one* $\\alpha$, and there are two honest ways to
average:

* **per round**: every round weighs the same, $\\bar\\alpha = (0.95 + 0.45)/2 = 0.70$;
* **pooled**: accepted drafts over *tested* drafts across all rounds, which is how section 6,
  the simulator's `alpha` and `speclab.real.measure_pair` measure it. An easy round tests about
  3.7 drafts and a hard one about 1.7, so the easy rounds weigh more.

`simulate_bursty` plays such rounds (each picks its kind, then accepts its drafts i.i.d.) and
reports both alphas, the formula at each, and the truth:
"""),
    code("""
from speclab.bursty import bursty_alphas, simulate_bursty

bursty = simulate_bursty(alphas=[0.95, 0.45], k=4, rounds=200_000, seed=0)
print(bursty.summary())
"""),
    md("""
The two weightings err in opposite directions:

* At the **per-round** average the formula is too **low**. The curve $1 + \\alpha + \\dots + \\alpha^K$
  bends upward (it is convex), so the average of the curve exceeds the curve at the average
  (Jensen's inequality).
* At the **pooled** alpha, the one you get from logs, the formula is too **high**: 3.30 tokens
  per round predicted, 3.15 true. The pooled average leans towards the easy rounds by more than
  convexity gives back.

So with $\\alpha$ measured as accepted over tested drafts, **uneven acceptance makes the i.i.d.
formula over-predict** the speedup. How much depends on how far apart the stretches are. Keep the
mean at 0.7 and spread the two kinds apart (`bursty_alphas` gives both alphas in closed form):
"""),
    code("""
print("  kinds       per-round  pooled   formula at each   truth")
for spread in (0.0, 0.1, 0.2, 0.25, 0.3):
    kinds = np.array([0.7 + spread, 0.7 - spread])
    per_round, pooled = bursty_alphas(kinds, 4)
    truth = sl.expected_tokens(kinds, 4).mean()
    print(f"{kinds[0]:.2f}/{kinds[1]:.2f}    {per_round:.3f}     {pooled:.3f}    "
          f"{sl.expected_tokens(per_round, 4):.3f}  {sl.expected_tokens(pooled, 4):.3f}     {truth:.3f}")
"""),
    md("""
Is the pooled formula always on the high side? Not a proof, but a check over a thousand random
mixtures of two to four kinds and several $K$ (the package's tests run the same check):
"""),
    code("""
rng = np.random.default_rng(0)
under = 0
for _ in range(1000):
    kinds, weights, k = rng.random(rng.integers(2, 5)), rng.random(4), int(rng.integers(1, 17))
    weights = weights[: kinds.size] / weights[: kinds.size].sum()
    _, pooled = bursty_alphas(kinds, k, weights)
    under += sl.expected_tokens(pooled, k) < weights @ sl.expected_tokens(kinds, k) - 1e-12
print("mixtures where the pooled formula under-predicts:", under, "of 1000 (equality at K = 1)")
"""),
    md("""
Two more lessons from the same picture. First, when easy and hard stretches come in runs, no
single $K$ suits both: the easy rounds want a long $K$, the hard ones a short one, which is what a
$K$ that adapts as it goes can exploit (notebook 04 compares a fixed and an adaptive policy).
Second, if instead $\\alpha$ changes *independently from token to token*, the products
$\\alpha_1\\alpha_2\\cdots$ average to $\\bar\\alpha^n$, every tested draft is accepted with mean
probability $\\bar\\alpha$, and both weightings agree: the formula holds on average.

The synthetic pair used in the other notebooks is of that second kind: each position has its
own $\\alpha_t$, independent of its neighbours, so its simulated speedup lands close to the formula
evaluated at the measured $\\alpha$ (a little below it, because the last round of a
200-token text cannot draft past the end):
"""),
    code("""
pair = sl.SyntheticPair(vocab_size=100, agreement=0.75, seed=0)
alpha_t = pair.alpha(200)
print(f"alpha_t over 200 positions: min {alpha_t.min():.2f}, mean {alpha_t.mean():.2f}, max {alpha_t.max():.2f}")
res = sl.simulate(pair, num_tokens=200, k=4, trials=1000, cost=sl.CostModel(draft_ms=5, target_ms=50), seed=0)
print(f"simulated speedup {res.speedup:.2f}x, formula at alpha {res.alpha:.3f}: {sl.speedup(res.alpha, 4, 0.1):.2f}x")
"""),
    md("""
## 8. Trap three: verifying K+1 tokens is not free

The formula charges the verifying pass the same as one ordinary step. That is close to true when
the target is limited by memory bandwidth (small batches on a GPU: the weights are read once
whatever the number of positions), and false when it is limited by arithmetic (large batches of
short contexts, long $K$, small accelerators). A simple model charges $1 + gK$ target steps for the pass, with $g$ the
**verification growth** per extra draft:

$$S = \\frac{1 + \\alpha + \\dots + \\alpha^K}{Kc + 1 + gK}.$$

Every function takes it as `verify_growth` (the simulator's `CostModel` too). Even a few percent
per token moves the optimum:
"""),
    code("fig = plots.plot_verify_growth(alpha=0.8, c=0.05, growths=(0.0, 0.02, 0.05, 0.1))"),
    code("""
for g in (0.0, 0.02, 0.05, 0.1):
    best = sl.optimal_k(0.8, 0.05, verify_growth=g)
    print(f"growth {g:<4}: best K = {best:>2}, speedup {sl.speedup(0.8, best, 0.05, g):.2f}x")
"""),
    md("""
## 9. What the papers measured

* **Leviathan, Kalman and Matias (2023)**, *Fast Inference from Transformers via Speculative
  Decoding* (ICML): T5-small drafting for T5-XXL (11B) gave up to **3.4x** on TPU-v4 (English to
  German translation, greedy decoding, $K = 7$); with sampling at temperature 1 the gains were
  smaller. They also report acceptance rates for other pairs, including LaMDA (137B) with smaller
  LaMDA drafts.
* **Chen, Borgeaud, Irving, Lespiau, Sifre and Jumper (2023)**, *Accelerating Large Language
  Model Decoding with Speculative Sampling* (DeepMind): a 4B-parameter draft for Chinchilla 70B,
  with $K = 4$ and nucleus sampling, gave **1.92x** on XSum summarization and **2.46x** on
  HumanEval code generation; with greedy decoding XSum gave **2.01x**.

Same models, same $K$, a larger speedup: the HumanEval rounds emitted more tokens, so for those
models and settings code was easier to draft than summaries. That is a measurement, not something
the formula predicts: the formula turns an $\\alpha$ into a speedup and says nothing about which
text has the higher $\\alpha$.
Measure it on your own text (notebook 05).

## Takeaways

* Tokens per round: $1 + \\alpha + \\dots + \\alpha^K$, continuous up to $K+1$ at $\\alpha = 1$.
* Speedup: tokens per round over the round's cost $Kc + 1$ (plus $gK$ if verification grows).
* The best $K$ grows with $\\alpha$ and shrinks with $c$ and $g$; below the break-even $\\alpha$
  speculation is slower than plain decoding.
* accepted/drafted $f$ is not $\\alpha$, but $1 + Kf$ is exactly the tokens per round.
* Real $\\alpha$ varies, in runs. With $\\alpha$ pooled from logs (accepted over tested drafts)
  the i.i.d. formula then over-predicts; with the per-round average it under-predicts.

Next: notebook 04 runs thousands of seeded simulations over a grid of settings and lays the
theory over them.
"""),
]

CELLS = with_exercise(CELLS, ex4)

if __name__ == "__main__":
    build(FILENAME, CELLS)
