"""Build notebooks/09_token_trees_and_typical_acceptance.ipynb: token trees (SpecInfer), typical acceptance."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from speclab.exercises import ex3  # noqa: E402
from tools.nbtools import IGNORE_OUTPUT, build, code, header_cells, md  # noqa: E402
from tools.notebooks.exercise_cells import with_exercise  # noqa: E402

FILENAME = "09_token_trees_and_typical_acceptance.ipynb"

HEADER = header_cells(
    FILENAME,
    "09 · Token trees and typical acceptance",
    """
Everything so far verified **one chain** of $K$ drafts per round. Engines can do more: EAGLE and
Medusa propose a **tree** of candidate continuations and verify all of them in one target pass.
SGLang verifies EAGLE drafts as trees, TensorRT-LLM both EAGLE and Medusa trees; vLLM verifies a
chain by default, and Hugging Face's assisted generation only chains. Some engines have also
offered a *lossy* acceptance rule.

This notebook takes the course to what engines ship, with the same exactness as before:

1. **Token trees**: SpecInfer's verification rule (lossless, tested like notebook 02's), the exact
   expected number of tokens a tree buys, and chain vs tree at the same verification budget.
2. **Typical acceptance** (Medusa): when it is faster, and how far its output is from the target's.

Notebook 10 turns to the numbers engines print and how to act on them.
""",
)

TREES = [
    code("""
from functools import partial

import numpy as np
import matplotlib.pyplot as plt
from speclab import trees, widgets
from speclab.lossless import lossless_report
from speclab.plots import panels, trees as tree_plots, typical as typical_plots
from speclab.trees import TreeShape, simulate_tree, simulate_tree_iid
from speclab.typical import typical_tradeoff, verify_typical
"""),
    md("""
## 1. Token trees

A chain bets everything on one guess per position: if the draft's first token is wrong, the
other $K-1$ drafts are wasted. A **tree** hedges: the root can have several candidate first tokens,
each with its own continuations. Every root-to-node path is one candidate continuation.

The target still checks the whole tree in **one** forward pass. The trick is the attention mask:
the tree's $N$ nodes are laid out as one sequence, and each node may attend only to the context
(the "root"), its ancestors and itself, so each node's logits are exactly what the target would
compute after that node's path (SpecInfer, Miao et al. 2024; Medusa, Cai et al. 2024).
The number of nodes is the **verification budget**: the positions one target pass must score.

Here is a tree with 2 candidates for the first token and 2 continuations of each (6 nodes), shaded
by how likely each node is to be accepted when every tried draft is accepted with probability
$\\alpha = 0.6$, and its attention mask:
"""),
    code("""
shape = TreeShape.full((2, 2))
print("parents:", shape.parents, "| depth of each node:", shape.depths.tolist())
fig, axes = panels(2, height=4, gridspec_kw={"width_ratios": (1.4, 1)})
tree_plots.plot_tree(shape, alpha=0.6, ax=axes[0])
fig = tree_plots.plot_attention_mask(shape, ax=axes[1])
"""),
    md("""
## 2. Verifying a tree without changing the output

SpecInfer's *multi-step speculative sampling* walks the tree from the root
(`speclab.trees.verify_tree`; with one child per node it is exactly `sl.verify`):

1. At node $u$ the current target is $p_u$, the target's distribution after $u$'s path.
2. Try $u$'s children in order: child $c$ with token $x_c$, drawn from $q_c$, is accepted with
   probability $\\min\\left(1, \\text{target}(x_c)/q_c(x_c)\\right)$.
3. After each rejection the target becomes the residual $\\text{norm}(\\max(0, \\text{target} - q_c))$:
   the next sibling is judged against what is left, exactly as in exercise 3 (multi-draft).
4. An accepted child becomes $u$ (back to 1). If every child is rejected, emit one token from the
   current target (the correction); if $u$ is a leaf, emit a bonus token from $p_u$.

Each step is notebook 02's rule applied to what the earlier rejections left, so the emitted text
is distributed **exactly** as the target's own samples. The test suite checks it by exact
enumeration of every branch on tiny vocabularies (for chains, fans, ragged trees, and top-$k$
trees whose siblings are fixed tokens). Here is the sampling check: 20,000 rounds of a tree with 3
first tokens and 2 continuations each on a synthetic pair, and the tokens emitted at each output
position tested against $p_j$:
"""),
    code("""
pair = sl.SyntheticPair(vocab_size=8, agreement=0.4, seed=0)
fan = TreeShape.full((3, 2))
sim = simulate_tree(pair, fan, rounds=20_000, seed=0)
p_rows, _ = pair.distributions(3)
for j in range(3):
    _, p_value = sl.chi_square_test(sim.token_counts[j], p_rows[j])
    print(f"output position {j}: {sim.token_counts[j].sum():>6} tokens, chi-square p-value {p_value:.2f}")
"""),
    md("""
Every position is consistent with $p$. (Position 2 is reached only when a whole path was
accepted; there the token is the bonus.)

## 3. How many tokens does a tree buy?

Take the acceptance model of notebook 03 one step further: the $j$-th child tried at depth $d$ is
accepted with probability $a_{d,j}$ once its earlier siblings were rejected. Node $i$ then lies on
the accepted path with probability

$$P(i) = P(\\text{parent}(i)) \\; (1-a_{d,0})(1-a_{d,1})\\cdots(1-a_{d,j-1}) \\; a_{d,j},$$

and a round emits $1 + \\sum_i P(i)$ tokens on average. Under i.i.d. acceptance ($a = \\alpha$
everywhere) a full tree with $b_l$ children per node at level $l$ has the closed form
$\\sum_d \\prod_{l \\le d} \\left(1 - (1-\\alpha)^{b_l}\\right)$; a chain gives back
$\\alpha + \\dots + \\alpha^K$. Simulation agrees:
"""),
    code("""
for shape in (TreeShape.chain(6), TreeShape.full((3, 2)), trees.best_tree(6, 0.6)):
    exact = trees.expected_tokens_tree(shape, 0.6)
    simulated = simulate_tree_iid(shape, 0.6, rounds=200_000, seed=0).mean_tokens_per_round
    print(f"{len(shape)} nodes, parents {shape.parents}: exact {exact:.3f}, simulated {simulated:.3f}")
"""),
    md("""
## 4. Chain vs tree at the same verification budget

Give both the same budget of $N$ nodes scored in one pass. The chain spends them all on depth;
`trees.best_tree(N, alpha)` grows the tree one node at a time, always adding the candidate
most likely to be accepted (EAGLE-2, Li et al. 2024, grows its draft trees by a similar score;
Sequoia, Chen et al. 2024, searches for optimal trees under per-sibling acceptance rates). Under
the i.i.d. model this greedy tree is the best tree of its size (the test
suite checks it against every tree of 5 nodes).
"""),
    code("""
fig = tree_plots.plot_chain_vs_tree(n_nodes=16)
"""),
    code("""
print(" alpha   chain of 16   best tree of 16   its depth   root candidates")
for alpha in (0.3, 0.5, 0.6, 0.7, 0.8, 0.9):
    best = trees.best_tree(16, alpha)
    tokens = trees.expected_tokens_tree(best, alpha)
    print(f"{alpha:>6}   {sl.expected_tokens(alpha, 16):>11.2f}   {tokens:>15.2f}"
          f"   {best.max_depth:>9}   {int((best.depths == 1).sum()):>15}")
"""),
    md("""
This is the qualitative finding of Medusa and EAGLE-2: **trees win when acceptance is moderate**.
Around $\\alpha \\approx 0.5$ the best tree adds about one token per target pass to the chain; a
wrong first guess is so likely that a second and third candidate pay off. At high acceptance the
best tree *is* the chain: depth pays more than hedging.

Tokens per pass are not yet a speedup: drafting costs time too. `trees.tree_speedup(shape, alpha, c)`
charges $\\text{depth} \\cdot c + 1$ per round: one draft pass per level of the tree, whatever the
number of siblings on it. That assumes the draft scores a whole level in one pass for the price of
one token (true for a memory-bound draft with a tree attention mask, as EAGLE-2 drafts; a draft
that runs once per node would pay $N \\cdot c$). Nobody would run a chain of 16 at $\\alpha = 0.5$,
so the fair comparison is the tree against the **best chain** within the same budget of 16 nodes:
"""),
    code("""
def best_chain(budget, alpha, c):
    \"\"\"The chain of length <= budget with the highest speedup, and that speedup.\"\"\"
    lengths = range(1, budget + 1)
    gains = [trees.tree_speedup(TreeShape.chain(k), alpha, c) for k in lengths]
    return lengths[int(np.argmax(gains))], max(gains)

for alpha in (0.5, 0.8):
    k, chain_gain = best_chain(16, alpha, 0.05)
    tree = trees.best_tree(16, alpha)
    print(f"alpha {alpha}, c = 0.05: best chain (K = {k}) {chain_gain:.2f}x, "
          f"best tree of 16 (depth {tree.max_depth}) {trees.tree_speedup(tree, alpha, 0.05):.2f}x")
"""),
    md("""
**Your turn.** Fix the node budget and restrict the shape with the branching and depth sliders.
Left: your tree, shaded by $P(\\text{accepted})$. Middle: its attention mask. Right: tokens per
target pass against $\\alpha$ for the chain, your tree (fixed shape) and the best tree at each
$\\alpha$. Try: budget 16 at $\\alpha = 0.5$, then branching 1 (a chain) and depth 1 (a fan).
"""),
    code("widgets.tree_explorer(alpha=0.5, nodes=16, branching=4, depth=16)", tags=(IGNORE_OUTPUT,)),
    md("""
**A caveat the i.i.d. model hides.** With SpecInfer's rule the second sibling is judged against
the *residual*, which the draft covers worse: when siblings are drawn from the same $q$, the
$j$-th is accepted with probability $\\sum_x \\min(r_j(x), q(x))$, with $r_0 = p$ and
$r_{j+1} = \\text{norm}(\\max(0, r_j - q))$ (`trees.sibling_rates`). On a synthetic pair:
"""),
    code("""
pair = sl.SyntheticPair(vocab_size=100, agreement=0.5, seed=0)
p, q = pair.distributions(64)
rates = trees.sibling_rates(p, q, 4).mean(axis=0)
print("acceptance of the 1st..4th sibling:", rates.round(3), "(the 1st is alpha)")
"""),
    md("""
Later siblings are accepted less often than $\\alpha$, so the i.i.d. model overstates what wide
trees buy. With these rates the exact recursion still favours a tree over the chain at this
moderate $\\alpha$, and the tree simulator (drafting and verifying real trees on the pair, the
rounds spread over 32 start positions) confirms the exact numbers:
"""),
    code("""
table = np.tile(rates, (16, 1))                              # the same sibling rates at every depth
realistic = trees.best_tree(16, rates=table)
for name, shape in (("chain of 16", TreeShape.chain(16)), ("tree for these rates", realistic)):
    exact = np.mean([trees.expected_tokens_tree(shape, rates=trees.sibling_rates(
        p[s:s + shape.max_depth], q[s:s + shape.max_depth], shape.children.shape[1])) for s in range(32)])
    simulated = simulate_tree(pair, shape, rounds=64_000, starts=32, seed=0).mean_tokens_per_round
    print(f"{name:<22} depth {shape.max_depth:>2}: exact {exact:.3f}, simulated {simulated:.3f} tokens per pass")
"""),
]

TYPICAL = [
    md("""
## 5. Typical acceptance: a lossy rule, faster only for some drafts

Medusa (Cai et al. 2024, section "Typical Acceptance") offers a different rule for sampling: accept a draft $x$ if
the target finds it *typical*,

$$p(x) > \\min\\left(\\epsilon,\\; \\delta\\, e^{-H(p)}\\right),$$

with $H(p)$ the entropy of the target's distribution, and after the first failure emit a token
sampled from $p$. Medusa's code uses $\\epsilon = 0.09$, $\\delta = 0.3$ and recommends
$\\delta = \\sqrt{\\epsilon}$ (`posterior_threshold`, `posterior_alpha` in
`FasterDecoding/Medusa`'s `medusa_generate`). There is no ratio $p/q$ and no residual: a token the
draft proposes too often is accepted whenever it is typical. Notebook 02's chi-square experiment
on a synthetic pair shows the consequence:
"""),
    code("""
pair = sl.SyntheticPair(vocab_size=8, agreement=0.4, seed=0)
p3, q3 = pair.distributions(3)
typical = lossless_report(partial(verify_typical, epsilon=0.09), p3, q3[:2], rounds=10_000, seed=0)
print(typical.summary())
"""),
    md("""
The drafted positions fail; the last position passes because it only ever holds the bonus, drawn
from $p$. The same test at other values of $\\epsilon$ (the chi-square statistic grows with the
distance from $p$; with 7 degrees of freedom, about 24 is the 0.001 level):
"""),
    code("""
for epsilon in (0.01, 0.09, 0.3, 0.6):
    report = lossless_report(partial(verify_typical, epsilon=epsilon), p3, q3[:2], rounds=4000, seed=0)
    print(f"epsilon {epsilon:<4}: chi-square at position 0 {report.statistics[0]:7.1f}, "
          f"first draft accepted in {report.counts[1].sum() / 4000:.0%} of rounds")
"""),
    md("""
How large the error is, and what it buys, depends on $\\epsilon$. `typical_tradeoff`
computes both exactly, here over 196 rounds of 4 drafts on a pair with a realistic vocabulary:
the acceptance rate, the expected
tokens per round, and the **total variation distance** between the law of an emitted token and
$p$ (the most any event's probability can be off):
"""),
    code("""
from numpy.lib.stride_tricks import sliding_window_view

p, q = sl.SyntheticPair(vocab_size=100, agreement=0.5, seed=0).distributions(200)
rounds_p = sliding_window_view(p, 5, axis=0).transpose(0, 2, 1)       # 196 rounds of k = 4: p [196, 5, V]
rounds_q = sliding_window_view(q[:-1], 4, axis=0).transpose(0, 2, 1)  # and q [196, 4, V]
trade = typical_tradeoff(rounds_p, rounds_q, epsilons=[0.01, 0.03, 0.09, 0.2, 0.4])
print(trade.table())
"""),
    md("""
Against a draft *sampled* from $q$, speculative sampling already accepts
$\\sum_x \\min(p, q)$, more than typical acceptance at Medusa's $\\epsilon = 0.09$. Medusa's heads
instead propose their **top** tokens: a fixed token $x$ has a one-hot $q$, and the lossless rule
then accepts it with probability only $p(x)$. That is the regime typical acceptance was made for:
"""),
    code("""
top1 = np.eye(100)[rounds_q.argmax(axis=-1)]          # the draft's single best guess, q one-hot
trade_top1 = typical_tradeoff(rounds_p, top1, epsilons=[0.01, 0.03, 0.09, 0.2, 0.4])
print(trade_top1.table("top-1 draft"))
"""),
    code("""
fig, ax = plt.subplots(figsize=(8, 4.5))
typical_plots.plot_typical_tradeoff(trade, ax=ax, label="sampled draft", colour="tab:red")
fig = typical_plots.plot_typical_tradeoff(trade_top1, ax=ax, label="top-1 draft", colour="tab:purple")
"""),
    md("""
So typical acceptance is **slower** than the lossless rule against a sampled draft (fewer tokens
per round at every $\epsilon$ above) and biased; it is faster only where the draft proposes its
top token (a one-hot $q$), as Medusa's heads do, or under greedy decoding. With a top-1 draft it
buys real speed, and pays for it in bias. Small $\\epsilon$ accepts almost any token the target does not rule out, so the output
drifts towards the draft's guesses; larger $\\epsilon$ accepts less; no $\\epsilon$ in this range is
unbiased. Medusa's abstract presents typical acceptance as boosting the acceptance rate "while
maintaining generation quality"; quality is judged on the text, while this experiment measures
the distribution, and finds a different one. vLLM's V0 engine shipped it as `TypicalAcceptanceSampler`
beside the lossless `RejectionSampler` (`vllm/model_executor/layers/`).
"""),
    md("""
How big is that bias for a real model? It depends on the target's entropy. The pair above is
flat (about 3.5 nats per position, a hundred plausible tokens); a chat model is often far
sharper. The same pair tempered to $T = 0.3$ (about 0.4 nats) shows the other end:
"""),
    code("""
from speclab.temperature import log_of, tempered

sharp_p, sharp_q = tempered(log_of(rounds_p), 0.3), tempered(log_of(rounds_q), 0.3)
sharp_top1 = np.eye(100)[sharp_q.argmax(axis=-1)]
print(typical_tradeoff(sharp_p, sharp_q, epsilons=[0.03, 0.09, 0.4]).table())
print(typical_tradeoff(sharp_p, sharp_top1, epsilons=[0.03, 0.09, 0.4]).table("top-1 draft"))
"""),
    md("""
With a sharp target the bias shrinks to a few percent of total variation, and so does the gain:
when the target is nearly certain, both rules accept the same tokens. The size of Medusa's bias in
practice sits between these two cases and depends on the text; what holds in every case is that
the output is no longer distributed as $p$.
"""),
]


CLOSING = [
    md("""
## Takeaways

* A token tree scores many candidates in one target pass through a tree attention mask;
  SpecInfer's rule (try siblings in order against the updated residual) keeps it lossless.
* The expected tokens per pass of any tree follow exactly from per-sibling acceptance rates; at
  the same node budget the best tree beats the chain by about a token per pass at moderate
  $\\alpha$, and becomes the chain at high $\\alpha$. Set against the best chain within the same
  budget (not a chain of the whole budget), the best tree still wins in speedup at moderate and
  high $\\alpha$, provided the draft scores a whole level of the tree in one pass.
* With a top-1 draft (Medusa's heads) typical acceptance accepts far more than the lossless rule,
  and is measurably biased (against a sampled draft it accepts less at Medusa's
  $\\epsilon = 0.09$); the bias depends on $\\epsilon$ and does
  not vanish in the range that makes it fast.

Next: notebook 10 reads what engines print, fits it, and turns it into a configuration.

### Sources

Leviathan, Kalman, Matias (2023), *Fast Inference from Transformers via Speculative Decoding*, ICML.
Miao et al. (2024), *SpecInfer: Accelerating Large Language Model Serving with Tree-based Speculative
Inference and Verification*, ASPLOS. Cai et al. (2024), *Medusa: Simple LLM Inference Acceleration
Framework with Multiple Decoding Heads*, ICML. Li et al. (2024), *EAGLE-2: Faster Inference of
Language Models with Dynamic Draft Trees*, EMNLP. Chen et al. (2024), *Sequoia: Scalable, Robust, and
Hardware-aware Speculative Decoding*.
"""),
]

CELLS = HEADER + TREES + TYPICAL + CLOSING

CELLS = with_exercise(CELLS, ex3)

if __name__ == "__main__":
    build(FILENAME, CELLS)
