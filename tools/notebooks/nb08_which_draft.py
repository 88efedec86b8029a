"""Build notebooks/08_which_draft.ipynb: every kind of draft measured alike, the map, and the hybrid."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tools.nbtools import IGNORE_OUTPUT, build, code, header_cells, md  # noqa: E402

FILENAME = "08_which_draft.ipynb"

CELLS = header_cells(
    FILENAME,
    "08 · Which draft? Every kind on one map, and a drafter for every prompt",
    """
A practitioner's question is not "does this draft win?" but "which draft should I use for this
target, on this machine, for these prompts?". The course has met five kinds: copying from the
prompt (prompt lookup), copying from the session's own text (a suffix store), the target's first
layers (early exit), a trained draft (notebook 07) and a quantized copy of the target.

In this notebook you will:

1. see what changes in the theory when a draft may have **nothing to say**: the chain's closed
   form, then tokens per pass from how often a drafter proposes and how much;
2. measure every kind the same way and place each on the $(\\alpha, c)$ map of notebook 03;
3. combine a copying drafter and the trained one into a **hybrid** that copies when the context
   holds a match and asks the trained draft otherwise, and race it on an edit and on open text;
4. see what GPU engines ship.
""",
) + [
    md("""
## 1 · The target and the shipped draft

The trained draft plans with this machine's costs, through the verification kernel that is
faster here (notebook 07 showed why; about 20 s).
"""),
    code("""
import torch
from speclab.real import (EarlyExitDrafter, HybridDrafter, OPEN_ENDED_PROMPTS, PROMPTS, PromptLookupDrafter,
                          QuantizedCopyDrafter, SpeculativeDecoder, SuffixDrafter, chat_input_ids,
                          open_heldout_prompts, load_offline_draft, load_offline_model, survey)
from speclab.real.kernel_choice import calibrate
from speclab.real.threads import set_torch_threads

threads = set_torch_threads()
model, tokenizer = load_offline_model()
drafter, record = load_offline_draft(model, tokenizer)
context = chat_input_ids(tokenizer, OPEN_ENDED_PROMPTS["explain"])
print(f"{threads} torch threads;", calibrate(model, context, drafter))   # measured here: varies run to run
""", tags=(IGNORE_OUTPUT,)),
    md("""
## 2 · When a draft may have nothing to say

Notebook 03's closed form assumes a **chain**: every round drafts $k$ tokens, each accepted with
probability $\\alpha$ once the ones before it were, so a round emits
$1 + \\alpha + \\alpha^2 + \\dots + \\alpha^k$ tokens per target pass. A trained draft behaves
like that. A copying drafter does not: it proposes only when the last few tokens occurred
before, so many rounds propose nothing (one plain step, one token) and others fewer than $k$.

With the measured **proposal lengths** $P(L = l)$, $l = 0..k$, and the acceptance at each
position $a_i$ (the $i$-th draft accepted, given the ones before it were), a round emits

$$\\mathbb{E}[\\text{tokens per pass}] = \\sum_{l=0}^{k} P(L = l)\\,(1 + a_1 + a_1 a_2 + \\dots + a_1 \\cdots a_l).$$

With $L = k$ always and every $a_i = \\alpha$ it is the chain's formula again. A copying drafter
that is right 87% of the time when it speaks but speaks in only a third of the rounds:
"""),
    code("""
chain = sl.expected_tokens(0.87, 3)
sometimes = sl.proposal_tokens([0.65, 0.05, 0.05, 0.25], [0.87, 0.87, 0.87])
print(f"chain at alpha 0.87, k = 3:               {chain:.2f} tokens per pass")
print(f"the same acceptance, proposing 0-3 tokens: {sometimes:.2f} tokens per pass")
print(f"the chain alpha that gives as many: {sl.effective_alpha([0.65, 0.05, 0.05, 0.25], [0.87] * 3):.2f}")
"""),
    md("""
The acceptance is the same, the tokens per pass are not: a map drawn for chains would place this
drafter far too high. The survey below records each drafter's proposal lengths and per-position
acceptance, and predicts with this formula.

## 3 · Every kind of draft, measured alike

`survey` measures every candidate the same way, over the strongest plain decoding, on two
prompts: an edit that copies its input, and an open question with nothing to copy. It first
measures each draft's $c$ and, from one untimed run, its acceptance and proposal lengths, and
lets the theory pick its $k$ among 1-3; then it times plain decoding and every draft at its $k$
in the same interleaved blocks, so all the speedups are paired with the same plain runs. Every
draft is timed as a chain (no runners-up), so its row and its prediction describe the same plan.
About two minutes:
"""),
    code("""
drafts = {"prompt lookup": PromptLookupDrafter(), "suffix": SuffixDrafter(), "early exit (6 layers)":
          EarlyExitDrafter(model, 6), "trained (shipped)": drafter, "int8 copy": QuantizedCopyDrafter(model, 8)}
found = survey(model, drafts, tokenizer, prompts=[PROMPTS["fix grammar"], OPEN_ENDED_PROMPTS["describe"]],
               ks=(1, 2, 3), max_new_tokens=16, repeats=2)
print(found.table())   # measured on this machine: the timings vary
""", tags=(IGNORE_OUTPUT,)),
    code("""
for r in found.rows:     # tokens per target pass: measured, from the proposals, and the chain's promise
    print(f"{r.name:<22} measured {r.tokens_per_pass:.2f}, from proposals {r.predicted_tokens_per_pass:.2f}, "
          f"chain {r.chain_tokens_per_pass:.2f}; {r.length_pmf[0]:.0%} of rounds empty")
""", tags=(IGNORE_OUTPUT,)),
    code("""
found.plot();   # hollow: each draft's measured alpha (95% interval); filled: where its proposals place it
""", tags=(IGNORE_OUTPUT,)),
    md("""
Read the map from the points you just measured. Prompt lookup costs almost nothing ($c$ near
0), so it sits at the left edge. Its hollow point sits high on the edit, where the answer copies
the prompt, but it has nothing to say in many rounds; its filled point, where a chain as good as
its proposals would sit, is where its speedup comes from. On open text it is low or absent. The suffix draft indexes everything written in the session; every timed
run starts from the store the session had when the survey began (empty here), so a prompt
repeated for timing is never drafted from its own earlier answer. The int8 copy is right often,
but sits far to the right: a quantized copy still runs every layer. Early exit is cheap only in
name and rarely right. The trained draft is cheap and right some of the time: the only kind that
has something to say on open text.

## 4 · A drafter for every prompt: the hybrid

The map suggests a combination. Copying wins where the answer repeats text it has seen, and
costs nothing when it has nothing to say; the trained draft is the only one with something to
say on open text. `HybridDrafter` asks the copier first, each round, and lets the trained draft
propose only when the context holds no long enough match, the way production systems combine
suffix decoding with a learned speculator. Its output is the target's, like every drafter's.

Race it against each of its parts, on an edit (about a minute):
"""),
    code("""
from speclab.real.measure.race import race

def decoders():
    hybrid = HybridDrafter(drafter, PromptLookupDrafter())
    return {"hybrid": SpeculativeDecoder(model, hybrid, tokenizer),
            "prompt lookup": SpeculativeDecoder(model, PromptLookupDrafter(), tokenizer),
            "trained": SpeculativeDecoder(model, drafter, tokenizer)}

edit = race(model, decoders(), chat_input_ids(tokenizer, PROMPTS["fix grammar"]), max_new_tokens=24, blocks=5)
print(edit.table())
""", tags=(IGNORE_OUTPUT,)),
    md("""
And on a held-out open prompt, with nothing to copy (about a minute):
"""),
    code("""
open_text = race(model, decoders(), chat_input_ids(tokenizer, open_heldout_prompts()[0]), max_new_tokens=24,
                 blocks=5)
print(open_text.table())   # timed on this machine: varies run to run
for found_race in (edit, open_text):
    print(found_race.verdict("hybrid"))
""", tags=(IGNORE_OUTPUT,)),
    md("""
On the edit the hybrid copies like prompt lookup; on open text it drafts like the trained draft,
and each part alone wins only on its own kind of prompt. On a 2-core CPU the trained part about
ties with plain decoding (notebook 07), so on open text the hybrid can do no better than that.

## 5 · What GPU engines ship

On a GPU a target step is bound by reading its weights from memory, so verifying 4-8 extra
tokens costs almost nothing (notebook 06), and a draft that lives *inside* the target, reading
its features, needs no second model to load, schedule or keep in sync. That is EAGLE (Li et al.
2024), EAGLE-2 (a dynamic draft tree over EAGLE's own heads, no new training) and EAGLE-3 (2025:
features from several layers and training-time test), and Medusa (Cai et al. 2024: several
heads on the last hidden state). Who writes the training text differs:

* **EAGLE** and **HASS** train on a fixed dataset, ShareGPT's dialogues, with the target's
  features computed over that fixed text;
* **EAGLE-3** takes its prompts from ShareGPT and UltraChat-200K and has the target regenerate
  every answer, as the training tools engines provide (SGLang's SpecForge, vLLM's speculators)
  do;
* **Medusa-2** trains its heads together with the target, and uses **self-distillation** when
  the original training data is not available;
* **notebook 07** does only self-distillation: no dataset at all, the target writes everything.

Copying drafters ship too: n-gram (prompt) lookup in vLLM, SGLang and Hugging Face, and suffix
decoding, which keeps a tree of the session's earlier outputs, in some of them beside a learned
speculator.

## Takeaways

* A drafter that may propose nothing is not a chain: its tokens per pass follow from how often
  and how much it proposes, not from its acceptance alone. Place it on the map by that.
* Measure every candidate the same way, over the strongest plain decoding, on your own prompts;
  choose by where it sits on the $(\\alpha, c)$ map.
* Copying is free and wins on edits; a trained draft is the only one with something to say on
  open text. A hybrid takes each where it is good. From the command line: `speclab survey`.

Next: notebook 09 verifies a whole tree of candidates in one pass.
"""),
]

if __name__ == "__main__":
    build(FILENAME, CELLS)
