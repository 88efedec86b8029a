"""The course's closing cells: key takeaways, then further reading and credits.

`closing_cells()` returns markdown cells for the end of the last notebook, so the course ends
with what to remember and where it came from.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tools.nbtools import md  # noqa: E402

TAKEAWAYS = """
## Key takeaways

1. **Lossless.** With the rule $\\min(1, p/q)$, a residual correction and a sampled bonus, the output
   is distributed exactly as the target's (notebook 02), for any draft. The draft changes speed,
   never quality. "Exactly" holds for the $p$ the target computes: in low precision (bf16 on a
   GPU) a pass over $K+1$ tokens can round differently from one-token decoding and flip a near
   tie; this course's identity checks run in fp32 on a CPU.
2. **$\\alpha$ decides the speed.** The per-token acceptance probability
   $\\alpha = \\mathbb{E}[\\sum_x \\min(p, q)]$ and the cost ratio $c$ set the speedup
   $\\frac{1 - \\alpha^{K+1}}{(1-\\alpha)(Kc + 1)}$ (notebook 03). Accepted/drafted $f$ is a
   different number: $1 + Kf$ is exactly the tokens per round, but $f$ falls as $K$ grows.
3. **Which $\\alpha$.** Real acceptance comes in easy and hard stretches. With $\\alpha$ measured
   as accepted over tested drafts (pooled, as logs and `speclab` measure it), the i.i.d. formula
   then over-predicts the tokens per round; with the per-round average it under-predicts.
   Measure the speedup itself when it matters (notebook 05).
4. **Choose $K$ for your $\\alpha$ and $c$.** `sl.optimal_k(alpha, c)` gives it; below
   `sl.breakeven_alpha(c, K)` speculation is slower than plain decoding. If verifying $K+1$
   tokens costs noticeably more than one (large batches of short contexts, a CPU), use
   `verify_growth` and expect a smaller best $K$.
5. **When it pays.** Latency-bound decoding of one or a few sequences on memory-bound hardware
   (notebook 06), with a draft much cheaper than the target that shares its tokenizer and
   predicts the text well. As the batch grows the target pass stops being free and the gain
   shrinks, then turns into a loss, at short contexts; with long contexts each sequence's KV
   cache keeps the pass memory-bound, and the gain can survive large batches (notebook 06).
6. **What was measured.** Leviathan et al. (2023): T5-small drafting for T5-XXL, up to 3.4x on
   TPU-v4 (greedy translation). Chen et al. (2023): a 4B draft for Chinchilla 70B with $K = 4$
   and nucleus sampling, 1.92x on XSum and 2.46x on HumanEval (2.01x on XSum with greedy decoding).
"""

FURTHER_READING = """
## Further reading and credits

The algorithm this course teaches, and what came after it, one line each:

* **Leviathan, Kalman and Matias (2023)**, *Fast Inference from Transformers via Speculative
  Decoding*, ICML. The method and its name: the $\\min(1, p/q)$ rule with the residual, the proof
  that it is lossless, and the $\\alpha$, $\\gamma$ ($K$ here) and $c$ analysis of notebook 03.
  The notation of this course is theirs.
* **Chen, Borgeaud, Irving, Lespiau, Sifre and Jumper (2023)**, *Accelerating Large Language
  Model Decoding with Speculative Sampling*, DeepMind. The same rule found independently
  ("modified rejection sampling"), shown at scale on Chinchilla 70B. They name the target $q$ and
  the draft $p$.
* **Saxena (2023)**, *Prompt Lookup Decoding*. No draft model at all: match the last few tokens
  against the prompt and propose what followed them there. Strong wherever the output copies the
  input (summaries, edits, retrieval answers); in Hugging Face as `prompt_lookup_num_tokens`.
* **SpecInfer** (Miao et al., ASPLOS 2024). Speculates a *tree* of candidate continuations,
  verified in one pass with tree attention; its multi-step (recursive) rejection sampling keeps
  sampling lossless with several candidates per position.
* **Medusa** (Cai et al., ICML 2024). No separate draft model: extra decoding heads on the target
  predict the next few tokens, whose top candidates form a tree verified in one pass. Its
  "typical acceptance" for sampling trades exactness for speed (it is not lossless).
* **EAGLE** (Li et al., ICML 2024). A light draft head that predicts the target's next hidden
  features from its current ones (and the sampled token), then reads tokens off them: high
  acceptance at low cost, lossless. **EAGLE-2** (EMNLP 2024) shapes the draft tree dynamically
  by the draft's confidence; **EAGLE-3** (2025) predicts tokens directly from a fusion of low-,
  mid- and high-level features, trained with "training-time test", and keeps improving with
  more training data.
* **Lookahead decoding** (Fu, Bailis, Stoica and Zhang, ICML 2024). No draft model: Jacobi
  iterations generate n-grams in parallel inside the target's own pass, and matching n-grams are
  verified in the same pass.
* **Spec-Bench** (Xia et al., Findings of ACL 2024, with a survey of speculative decoding). One
  benchmark, one machine, many methods (draft models, Medusa, EAGLE, lookahead, prompt lookup)
  on conversation, translation, summarization, question answering, maths and retrieval tasks:
  where to look before believing a single paper's speedup.
* **vLLM** (Kwon et al., SOSP 2023). A serving engine (PagedAttention, continuous batching) with
  speculative decoding built in: draft models, n-gram (prompt) lookup, Medusa and EAGLE proposers.
* **SGLang** (Zheng et al., NeurIPS 2024). A serving engine whose speculative decoding supports
  EAGLE-2 and EAGLE-3 drafts (among others), run inside its batching scheduler.
* **Hugging Face transformers, assisted generation.** `model.generate(..., assistant_model=draft)`
  runs speculative decoding with the rule of this course (greedy or sampled), plus prompt lookup
  and, for drafts with a different tokenizer, universal assisted generation. Its
  `_speculative_sampling` is the vectorized first-rejection code that `speclab.verify` learned from.
"""


def closing_cells() -> list:
    """Markdown cells that close the course: key takeaways, then further reading and credits."""
    return [md(TAKEAWAYS), md(FURTHER_READING)]
