"""Prompts for the benchmark, the notebook and `speclab measure`: three edits and one with no overlap.

Edits (repeat, fix grammar, rewrite quoting) copy long runs of their input, which prompt lookup
drafts for free; writing new code shares almost nothing with its prompt. HELDOUT_OPEN_PROMPTS are
open prompts from the truly held-out set (heldout.py): nothing to copy, and never trained on.
"""

from __future__ import annotations

from .heldout import heldout_prompts

PASSAGE = (
    "The old lighthouse stands on a rocky point at the edge of the harbour. For more than a hundred "
    "years its lamp guided fishing boats home through fog and storms. When the keeper retired, the town "
    "voted to keep the light burning, and volunteers now climb the narrow stairs every evening to wind "
    "the clockwork and polish the great glass lens."
)

PASSAGE_WITH_ERRORS = (
    "The old lighthouse stand on a rocky point at the edge of the harbour. For more then a hundred "
    "years its lamp guide fishing boats home through fog and storms. When the keeper retire, the town "
    "voted to keep the light burning, and volunteers now climbs the narrow stairs every evening to wind "
    "the clockwork and polish the great glass lens."
)

PROMPTS = {
    "repeat": f"Repeat the following passage exactly, word for word:\n\n{PASSAGE}",
    "fix grammar": ("Correct the spelling and grammar mistakes in the text below. Output only the corrected "
                    f"text.\n\n{PASSAGE_WITH_ERRORS}"),
    "rewrite quoting": ("Write a short news report about this passage, quoting it in full:\n\n" + PASSAGE),
    "new code": "Write a Python function that returns the n-th Fibonacci number, with a docstring and an example.",
}

#: Open text a trained draft has never seen, one prompt of each of four held-out forms, for races.
HELDOUT_OPEN_PROMPTS = {form: heldout_prompts(form)[0] for form in ("advice", "explanation", "story", "email")}

#: Which prompts share text with their answer (prompt lookup should help) and which do not.
EDIT_PROMPTS = ("repeat", "fix grammar", "rewrite quoting")
NO_OVERLAP_PROMPTS = ("new code",)


def chat_input_ids(tokenizer, text: str) -> list:
    """Token ids of `text` as one user turn in the tokenizer's chat template (plain text if none)."""
    if getattr(tokenizer, "chat_template", None):
        encoded = tokenizer.apply_chat_template([{"role": "user", "content": text}],
                                                add_generation_prompt=True, tokenize=True)
        ids = encoded["input_ids"] if hasattr(encoded, "keys") else encoded
        return [int(t) for t in ids]
    return tokenizer(text).input_ids


def read_prompts(path, name: str = "prompts file") -> list:
    """Prompts from a text file: blocks separated by lines holding only '---' (or one per file).

    A file of separators and blank lines only holds no prompt: ValueError.
    """
    from ..files import read_text
    from ..limits import MAX_TEXT_BYTES

    lines = read_text(path, name, MAX_TEXT_BYTES, "a prompts file").splitlines()
    blocks, current = [], []
    for line in lines + ["---"]:
        if line.strip() == "---":
            blocks.append("\n".join(current).strip())
            current = []
        else:
            current.append(line)
    blocks = [b for b in blocks if b]
    if not blocks:
        from ..files import shown

        raise ValueError(f"{name} {shown(path)} holds no prompt (write prompts separated by lines '---')")
    return blocks
