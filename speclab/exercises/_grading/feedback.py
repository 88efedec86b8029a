"""What a learner sees: a short coloured markdown message in Jupyter/Colab, plain text elsewhere.

Learntools-style: Correct / Incorrect / Not attempted yet / Not checked / Hint / Solution, each in
its colour.
The text is deterministic, so a notebook that stores it compares cleanly under nbval.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

CORRECT, INCORRECT, NOT_ATTEMPTED, NOT_CHECKED, HINT, SOLUTION, TASK = (
    "correct", "incorrect", "not attempted", "not checked", "hint", "solution", "task")

KINDS = (CORRECT, INCORRECT, NOT_ATTEMPTED, NOT_CHECKED, HINT, SOLUTION, TASK)

_LABELS = {CORRECT: "Correct", INCORRECT: "Incorrect", NOT_ATTEMPTED: "Not attempted yet",
           NOT_CHECKED: "Not checked", HINT: "Hint", SOLUTION: "Solution", TASK: "Exercise"}
#: The longest line of the plain-text form a notebook stores beside the markdown (text/plain): a
#: longer line wraps in the page or runs off it.
PLAIN_WIDTH = 100
#: Text colours with at least 4.5:1 contrast on white (WCAG AA): green 5.4, red 5.1, amber 5.1, blue 5.4.
_COLOURS = {CORRECT: "#1e7b1e", INCORRECT: "#cc3333", NOT_ATTEMPTED: "#8a6a00", NOT_CHECKED: "#8a6a00",
            HINT: "#3366cc", SOLUTION: "#3366cc", TASK: "#3366cc"}


@dataclass(frozen=True)
class Feedback:
    """One message: its kind (correct, incorrect, ...) and a markdown body."""

    kind: str
    text: str

    @property
    def label(self) -> str:
        return _LABELS[self.kind]

    @property
    def passed(self) -> bool:
        return self.kind == CORRECT

    def _repr_markdown_(self) -> str:
        return f'<span style="color:{_COLOURS[self.kind]}">**{self.label}:**</span> {self.text}'

    def _repr_pretty_(self, printer, cycle) -> None:
        """IPython's plain-text form (the text/plain a notebook stores): wrapped at PLAIN_WIDTH."""
        printer.text(wrapped(repr(self), PLAIN_WIDTH))

    def __repr__(self) -> str:
        return f"{self.label}: {self.text}"

    def __str__(self) -> str:
        return repr(self)


def wrapped(text: str, width: int) -> str:
    """Each line of `text` wrapped at `width` characters (continuations keep its indent); lines
    inside ``` fences are code and stay as they are, as do words longer than a line."""
    lines, in_code = [], False
    for line in text.split("\n"):
        fence = line.lstrip().startswith("```")
        in_code ^= fence
        if fence or in_code or len(line) <= width:
            lines.append(line)
        else:
            indent = " " * (len(line) - len(line.lstrip()))
            lines += textwrap.wrap(line, width, subsequent_indent=indent, break_long_words=False,
                                   break_on_hyphens=False)
    return "\n".join(lines)


def in_ipython() -> bool:
    """True inside Jupyter, Colab or an IPython shell, where rich display works."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None


def show(feedback: Feedback) -> None:
    """Display `feedback` as markdown in IPython, or print it as plain text."""
    if in_ipython():
        from IPython.display import display
        display(feedback)
    else:
        print(feedback)
