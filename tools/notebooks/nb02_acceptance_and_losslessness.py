"""Build notebooks/02_acceptance_and_losslessness.ipynb: the rule min(1, p/q), the residual, the proof."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from speclab.exercises import ex1  # noqa: E402
from tools.nbtools import IGNORE_OUTPUT, build, code, header_cells, md  # noqa: E402
from tools.notebooks.exercise_cells import with_exercise  # noqa: E402

FILENAME = "02_acceptance_and_losslessness.ipynb"

CELLS = header_cells(
    FILENAME,
    "02 · Acceptance and losslessness: why the output is exactly the target's",
    """
Speculative decoding has a remarkable guarantee: the text it produces is distributed **exactly**
as the target model's own samples, whatever the draft model is. A bad draft makes it slower,
never worse. Unlike quantization or pruning, there is no quality to trade.

In this notebook you will see the acceptance rule $\\min(1, p/q)$ and the residual distribution
that makes the guarantee hold, prove it in three lines, explore it with a slider, and then
*test* it: emit tens of thousands of tokens and ask a chi-square test whether they follow $p$,
beside two plausible-looking rules that fail the same test.
""",
) + [
    code("""
import numpy as np
import matplotlib.pyplot as plt
from speclab import plots, widgets
from speclab.broken import verify_argmax_bonus, verify_without_residual   # wrong on purpose
from speclab.lossless import lossless_report
"""),
    md("""
## 1. The rule

A draft token $x$ was sampled from the draft's distribution $q$. The target, which has
distribution $p$ at the same position, keeps it with probability

$$P(\\text{accept } x) = \\min\\left(1, \\frac{p(x)}{q(x)}\\right).$$

* If $p(x) \\ge q(x)$ the target likes $x$ at least as much as the draft did: always keep it.
* If $p(x) < q(x)$ the draft proposes $x$ too often: keep it only a fraction $p(x)/q(x)$ of the
  time, which trims its frequency down to exactly $p(x)$.

After a rejection, the replacement is drawn from the **residual**

$$r(x) = \\frac{\\max(0,\\, p(x) - q(x))}{\\sum_y \\max(0,\\, p(y) - q(y))},$$

the tokens the draft proposes *less* often than the target wants, in proportion to how much less.

Take a four-token vocabulary where the target is confident and the draft knows nothing:
"""),
    code("""
p = np.array([0.50, 0.30, 0.15, 0.05])   # target
q = np.array([0.25, 0.25, 0.25, 0.25])   # draft (uniform)
print("accept probability per token, min(1, p/q):", np.minimum(1, p / q).round(3))
print("alpha = sum of min(p, q):                 ", round(sl.acceptance_rate(p, q), 3))
print("residual:                                 ", sl.residual(p, q).round(3))
"""),
    md("""
Tokens 0 and 1 are always accepted when drafted; tokens 2 and 3 are over-proposed by the draft
and only sometimes kept. A draft is accepted with total probability
$\\alpha = \\sum_x q(x)\\min(1, p(x)/q(x)) = \\sum_x \\min(p(x), q(x)) = 0.7$, the area the two
distributions share. When a draft is rejected (probability 0.3), the correction comes from the
residual, which only contains tokens 0 and 1, the two the draft under-proposes.
"""),
    code("""
fig, axes = plots.panels(2, height=3.6)
plots.plot_acceptance(p, q, ax=axes[0], labels=["the", "cat", "sat", "on"])
fig = plots.plot_residual(p, q, ax=axes[1], labels=["the", "cat", "sat", "on"])
"""),
    md("""
## 2. The proof, in three lines

Which token does one step emit? Either the draft was accepted, or it was rejected and the
correction was drawn from $r$. For any token $x$:

$$P(\\text{emit } x) = \\underbrace{q(x)\\min\\left(1, \\tfrac{p(x)}{q(x)}\\right)}_{\\text{drafted and kept}}
 + \\underbrace{(1-\\alpha)\\, r(x)}_{\\text{rejected, then corrected}}
 = \\min(p(x), q(x)) + \\max(0,\\, p(x) - q(x)) = p(x).$$

The middle step uses $1 - \\alpha = \\sum_y \\max(0, p(y) - q(y))$, the normalizer of $r$ (both
equal the part of $p$ not shared with $q$). The last step holds because
$\\min(a, b) + \\max(0, a - b) = a$. So each emitted token is a sample from $p$; applied position by
position, the whole text is a sample from the target. The **bonus** token after $K$ acceptances
is drawn from $p$ directly, so it needs no argument.

Two details in the proof are easy to get wrong, and we will break each on purpose below:
the correction must come from the *residual* (not from $p$), and the bonus must be *sampled*
from $p$ (not taken as its most likely token).

## 3. Explore: how much do p and q overlap?

The slider sets how much a synthetic draft agrees with the target (0: unrelated, 1: identical).
The left panel shows $p$ and $q$ with $\\min(p, q)$ marked, whose total is $\\alpha$; the right
panel shows what a rejection leaves, $\\max(0, p - q)$, whose mass is $1 - \\alpha$: slide the
agreement up and watch it shrink to nothing at 1, because a perfect draft is never rejected. The
readouts give $\\alpha$ here and the mean $\\alpha$ the agreement gives. Move the position to see that $\\alpha$ varies from token to token.
"""),
    code("widgets.acceptance_explorer(agreement=0.6)", tags=(IGNORE_OUTPUT,)),
    md("""
## 4. Testing losslessness

A proof is convincing; an experiment you can break is more so. We take a synthetic pair with
$K = 2$ drafts over 8 tokens, run 10,000 independent rounds, and count the tokens emitted at each
output position $j = 0, 1, 2$. Position 0 is always reached; position 2 only when both drafts are
accepted, and then holds the bonus.

Because these synthetic distributions do not depend on earlier tokens, a lossless rule must emit,
at every position $j$ a round reaches, a token distributed as $p_j$. Pearson's chi-square test
(`sl.chi_square_test`) measures how far the counts are from $p_j$; its p-value is the chance of
a deviation at least that large if the tokens really came from $p_j$. A tiny p-value means
"not from $p_j$".
"""),
    code("""
pair = sl.SyntheticPair(vocab_size=8, agreement=0.5, seed=0)
p3, q3 = pair.distributions(3)
q2 = q3[:2]                  # p at positions 0, 1, 2; q at the two draft positions
print("alpha at the two draft positions:", sl.acceptance_rate(p3[:2], q2).round(3))
"""),
    md("**The real rule**, `sl.verify`:"),
    code("""
real = lossless_report(sl.verify, p3, q2, rounds=10_000, seed=0)
print(real.summary())
"""),
    md("""
**Broken rule 1: no residual.** After a rejection, draw the correction from $p$ instead of the
residual. It sounds harmless (we want samples from $p$, after all), but the accepted drafts have
already contributed $\\min(p, q)$; drawing from all of $p$ again gives the shared tokens a second
helping. The first position fails at once.
"""),
    code("""
no_residual = lossless_report(verify_without_residual, p3, q2, rounds=10_000, seed=0)
print(no_residual.summary())
"""),
    md("""
Why does position 2 still pass? It is reached only when both drafts were accepted, so the token
there is always the bonus, which this rule still samples correctly from $p$.

**Broken rule 2: greedy bonus.** After $K$ acceptances, take the most likely token of $p$ instead
of sampling from it. The corrections are right, so positions 0 and 1 pass; the bonus position
always shows the same token and fails.
"""),
    code("""
argmax_bonus = lossless_report(verify_argmax_bonus, p3, q2, rounds=10_000, seed=0)
print(argmax_bonus.summary())
"""),
    md("""
The histograms make the verdicts visible: orange bars are the emitted frequencies, blue dots the
target $p_j$. Only the real rule lands on the dots everywhere.
"""),
    code("""
fig, axes = plots.panels(3, height=3.4)
cases = [("sl.verify", real, 0), ("no residual", no_residual, 0), ("argmax bonus", argmax_bonus, 2)]
for ax, (name, report, j) in zip(axes, cases):
    plots.plot_lossless(report.counts[j], report.p[j], ax=ax, title=f"{name}, position {j}", p_value=report.p_values[j])
"""),
    md("""
A passing test does not prove a rule correct (it only fails to find an error with 10,000 rounds),
which is why the proof matters. But a failing one is conclusive, and this experiment catches both
classic bugs. The course's tests run it on every change to `sl.verify`.

## 5. Greedy decoding

At temperature 0 the target's "distribution" puts all its mass on its argmax. The rule then
reduces to: keep drafts while each equals the target's argmax, and at the first mismatch emit the
target's argmax instead. `sl.verify_greedy` does exactly that, and the output is identical, token
for token, to greedy decoding with the target alone:
"""),
    code("""
v = sl.verify_greedy(p3, draft_tokens=np.array([p3[0].argmax(), 5]))
print("target argmax per position:", p3.argmax(axis=1), "| accepted:", v.n_accepted, "| emitted:", v.tokens)
"""),
    md("""
**"Exact" is a statement about arithmetic.** With real models, the target's $p$ comes out of
floating-point computation, and a pass over $K+1$ tokens does not add its numbers in the same
order as $K+1$ one-token passes. In fp32 the difference is tiny; in bf16 on a GPU it can flip the
argmax where two tokens are nearly tied, so greedy speculative output can occasionally differ
from greedy one-token decoding (and sampling shifts just as slightly). The rule is still exact for
the $p$ it is given. The token-for-token identity checks of this course (notebook 05 and the
tests) run in fp32 on a CPU.

## Takeaways

* Keep a draft with probability $\\min(1, p/q)$; after a rejection, sample from the residual
  $\\text{norm}(\\max(0, p - q))$; after $K$ acceptances, sample a bonus from $p$.
* Then every emitted token is an exact sample from the target: speculative decoding is lossless
  for *any* draft. The draft only decides the speed, through $\\alpha = \\sum_x \\min(p, q)$.
* Test samplers statistically: the chi-square test instantly exposes a missing residual or a greedy
  bonus, two bugs that still "look fine" in generated text.

Next: notebook 03 turns $\\alpha$ into a speedup.
"""),
]

CELLS = with_exercise(CELLS, ex1)

if __name__ == "__main__":
    build(FILENAME, CELLS)
