"""The exercise checks' feedback as a notebook stores it in plain text (text/plain, IPython's pretty
form beside the markdown) keeps every line within 100 characters; code in a solution is never
reflowed, and the markdown is left as it is."""

import pytest
from IPython.core.formatters import PlainTextFormatter

from speclab.exercises import ex2_adaptive_k
from speclab.exercises._grading.feedback import (INCORRECT, KINDS, NOT_ATTEMPTED, PLAIN_WIDTH, SOLUTION, Feedback,
                                                 wrapped)

LONG = ("`next_k` still raises `NotImplementedError`. Replace the `raise` line with your code, then run "
        "the check again: it grades your rule on the text below, stretch by stretch, against the best fixed K.")


def stored_text(feedback) -> str:
    """The text/plain IPython computes when a notebook displays `feedback`."""
    return PlainTextFormatter()(feedback)


@pytest.mark.parametrize("kind", KINDS)
def test_every_stored_line_fits_100_characters_and_no_word_is_lost(kind):
    feedback = Feedback(kind, LONG + "\n\n  an indented line " + "that goes on " * 10)
    shown = stored_text(feedback)
    assert PLAIN_WIDTH == 100 and max(len(line) for line in shown.splitlines()) <= 100, shown
    assert shown.split() == repr(feedback).split()
    assert "\n  that goes on" in shown, "a continuation keeps its line's indent"


def test_the_markdown_stays_one_paragraph():
    assert "\n" not in Feedback(INCORRECT, LONG)._repr_markdown_()


def test_code_in_a_fence_is_kept_as_written():
    code = "def next_k(k, n_accepted):\n    return max(1, min(16, 2 * k if n_accepted == k else n_accepted + 1))" + " " * 60
    assert code in stored_text(Feedback(SOLUTION, f"\n\n```python\n{code}\n```"))


def test_an_untouched_stub_is_stored_within_100_characters():
    verdict = ex2_adaptive_k.ex2.grade(ex2_adaptive_k.ex2.stub_function())
    assert len(repr(verdict)) > 100, "the message this test is about is longer than a line"
    shown = stored_text(verdict)
    assert shown.startswith("Not attempted yet:") and max(len(line) for line in shown.splitlines()) <= 100, shown


def test_wrapping_leaves_short_lines_alone():
    assert wrapped("short\n\nlines", 100) == "short\n\nlines"
    assert stored_text(Feedback(NOT_ATTEMPTED, "x")) == "Not attempted yet: x"
