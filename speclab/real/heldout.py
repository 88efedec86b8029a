"""The truly held-out prompts: topics and forms no training template produces, never trained on.

The draft's training prompts are instructions built from templates over a topic list
(`training.prompts`); acceptance measured on prompts from those templates flatters the draft.
These prompts were written separately, each in a form of its own (advice, a recipe, a dialogue,
code ...) on topics outside the training list. `check_not_heldout` keeps them out of a training
corpus: no prompt given to training may contain any HELD_OUT_NGRAM consecutive words of one.
"""

from __future__ import annotations

import functools
import re

from .._validate import short_repr

#: (form, prompt) pairs: what a learner might really ask, none built from a training template.
HELDOUT_PROMPTS = (
    ("advice", "My nephew wants to quit his robotics club after one month. What should I say to him?"),
    ("advice", "I inherited a chest freezer full of unlabeled containers. How do I decide what to keep?"),
    ("explanation", "Why does a spinning ice skater turn faster when she pulls her arms in?"),
    ("explanation", "How do noise-cancelling headphones make a loud airplane cabin sound quiet?"),
    ("list", "Name seven board games that suit a group of six adults, with one sentence on each."),
    ("list", "What gear does a beginner need for a weekend sailing trip on a small boat? Answer as a checklist."),
    ("email", "Draft a message to my landlord saying the kitchen sink has been leaking since Tuesday."),
    ("email", "Compose a note to a conference organizer asking whether my registration fee can be refunded."),
    ("story", "Tell a bedtime tale about a snail who wants to see the ocean before winter comes."),
    ("story", "Invent a mystery set on a night ferry where the only clue is a missing umbrella."),
    ("rewrite", "Rewrite this so it sounds formal: hey, we can't make it friday, something came up, sorry!"),
    ("rewrite", "Make this shop notice friendlier without changing its meaning: Returns accepted within "
                "14 days only with a receipt."),
    ("code", "Write a JavaScript function that checks whether a string is a palindrome, ignoring spaces "
             "and capital letters."),
    ("code", "Show a SQL query that finds the three clients who placed the most orders last month."),
    ("dialogue", "Write a conversation between a nervous pilot on his first solo flight and a calm air "
                 "traffic controller."),
    ("dialogue", "Script an exchange between a bookshop owner and a shopper looking for a gift for her grandfather."),
    ("summary", "In three sentences, sum up the plot of Shakespeare's Romeo and Juliet."),
    ("summary", "Condense the theory of evolution by natural selection into a single paragraph."),
    ("comparison", "How is a violin different from a viola, and how can a listener tell them apart?"),
    ("comparison", "Contrast crocodiles and alligators: where they live, how they look and how they behave."),
    ("recipe", "Give me a recipe for a lemon and ginger lentil stew that serves four."),
    ("recipe", "How do I make crispy roasted chickpeas as a snack? Include quantities and the oven temperature."),
    ("poem", "Write an eight-line poem about the first snowfall in a quiet mountain village."),
    ("poem", "Compose a sequence of haiku about an abandoned railway station."),
    ("how-to", "Walk me through changing a flat tire on the side of a road."),
    ("how-to", "How can I remove limescale from a kettle with vinegar?"),
    ("letter", "Write a thank-you letter to a retiring school janitor from the pupils of class 4B."),
    ("review", "Review an imaginary science-fiction film about astronauts stranded on Mars, "
               "with a score out of ten."),
    ("plan", "Plan three days in Lisbon for someone who loves architecture and seafood."),
    ("plan", "Make a four-week practice schedule for someone learning to juggle three balls."),
    ("definition", "What does the word serendipity mean, and where does it come from?"),
    ("riddle", "Make up three riddles whose answers are kitchen utensils."),
    ("faq", "Write a short FAQ for a pottery studio that opens in our neighbourhood next month."),
    ("argument", "Argue that every town should have a tool library where people can borrow drills and ladders."),
    ("apology", "Write an apology from a dry cleaner that lost a customer's wool coat."),
    ("product listing", "Write a product listing for a handmade oak cutting board."),
    ("questions to ask", "What should I ask a roofer before hiring them to repair a leaking roof?"),
    ("toast", "Give a two-minute toast for my sister's graduation from nursing school."),
    ("limerick", "Write a limerick about a penguin who is afraid of the cold."),
    ("debate", "Present both sides of the argument over daylight saving time."),
    ("diary", "Write a diary entry by a medieval blacksmith after a long day at the forge."),
    ("critique", "Point out the flaw in this reasoning: every swan I have seen is white, so all swans are white."),
    ("brainstorm", "Suggest ten names for a shop that repairs vintage radios."),
    ("puzzle", "A farmer has 17 sheep and all but 9 run away. How many are left? Explain the trick."),
    ("outline", "Outline a ten-minute presentation on the life of Marie Curie."),
    ("why question", "Why do onions make people cry when they are chopped?"),
)

#: Forms whose answer copies from the prompt (a copying draft helps); every other form is open text.
COPYING_FORMS = ("rewrite", "critique")

#: A training prompt holding this many consecutive words of a held-out prompt counts as a leak.
HELD_OUT_NGRAM = 6


def heldout_prompts(forms=None) -> list:
    """The held-out prompt texts, all of them or those of the given form(s) (see heldout_forms())."""
    if forms is None:
        return [text for _, text in HELDOUT_PROMPTS]
    wanted = [forms] if isinstance(forms, str) else forms
    known = heldout_forms()
    if not isinstance(wanted, (list, tuple, set, frozenset)) or not wanted \
            or any(not isinstance(f, str) or f not in known for f in wanted):
        raise ValueError(f"forms must be None, one of {known} or a list of them; got {short_repr(forms)}")
    return [text for form, text in HELDOUT_PROMPTS if form in wanted]


def open_heldout_prompts() -> list:
    """The held-out prompts of open text: every form but COPYING_FORMS (nothing to copy)."""
    return heldout_prompts([f for f in heldout_forms() if f not in COPYING_FORMS])


def heldout_forms() -> list:
    """The forms of the held-out prompts, in order of first appearance."""
    return list(dict.fromkeys(form for form, _ in HELDOUT_PROMPTS))


def words(text: str) -> list:
    """Lower-case words (letters, digits, apostrophes): punctuation and spacing do not hide a copy."""
    return re.findall(r"[a-z0-9']+", text.lower())


def word_ngrams(text: str, n: int = HELD_OUT_NGRAM) -> set:
    """Every run of n consecutive words of `text` (none when it is shorter)."""
    w = words(text)
    return {tuple(w[i: i + n]) for i in range(len(w) - n + 1)}


@functools.cache
def _held_ngrams() -> dict:
    """Every HELD_OUT_NGRAM-word run of the held-out prompts, with the prompt it comes from."""
    return {gram: text for text in heldout_prompts() for gram in word_ngrams(text)}


def leaked_prompt(text: str) -> str | None:
    """The held-out prompt `text` shares HELD_OUT_NGRAM consecutive words with, or None."""
    held = _held_ngrams()
    return next((held[g] for g in word_ngrams(text) if g in held), None)


def check_not_heldout(prompts, name: str = "prompts") -> None:
    """ValueError when a prompt (a string) holds HELD_OUT_NGRAM consecutive words of a held-out one."""
    for i, text in enumerate(prompts):
        source = leaked_prompt(text) if isinstance(text, str) else None
        if source is not None:
            raise ValueError(f"{name}[{i}] copies the held-out prompt {source!r}: held-out prompts measure "
                             "the draft and must never be trained on (speclab.real.heldout)")
