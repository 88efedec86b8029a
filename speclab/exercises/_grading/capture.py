"""What the learner's code prints during a check: kept out of the notebook, summarised in a line.

`BoundedText` stands in for sys.stdout and sys.stderr while a check runs. It counts everything
written but keeps only the first few hundred characters, so a print in a loop costs neither
memory nor notebook space; `summary()` turns that into one short note for the verdict.
"""

from __future__ import annotations

import io

#: Characters kept for the excerpt; the rest is only counted.
KEPT_CHARS = 400
#: Longest excerpt shown in a verdict.
EXCERPT_CHARS = 60


class BoundedText(io.TextIOBase):
    """A text stream that counts what is written and keeps the first KEPT_CHARS characters."""

    def __init__(self):
        super().__init__()
        self.kept = ""
        self.total = 0

    def write(self, text) -> int:
        text = text if isinstance(text, str) else str(text)
        self.total += len(text)
        if len(self.kept) < KEPT_CHARS:
            self.kept += text[: KEPT_CHARS - len(self.kept)]
        return len(text)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:
        return "utf-8"

    def summary(self) -> str:
        """One markdown line on what was printed, or "" when nothing was."""
        if not self.total:
            return ""
        lines = [line.strip() for line in self.kept.splitlines() if line.strip()]
        first = lines[0] if lines else ""
        if len(first) > EXCERPT_CHARS:
            first = first[: EXCERPT_CHARS - 3] + "..."
        excerpt = f" It began: `{first.replace('`', chr(39))}`." if first else ""
        return (f"Your code printed {self.total:,} characters during the check; they are not shown.{excerpt} "
                "Remove the prints when you are done debugging.")
