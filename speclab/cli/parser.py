"""The command line's parser: every error one line and exit status 2, numbers in ASCII digits only."""

from __future__ import annotations

import argparse


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are a single line (no usage dump) and exit status 2, and whose
    int and float options take ASCII digits only (int() and float() also read other scripts' digits)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in (int, float):
            self.register("type", kind, ascii_number(kind))

    def error(self, message):
        raise UsageError(message)


def ascii_number(kind):
    """`kind` (int or float) applied to ASCII text only: '５' is refused, not read as 5."""
    def convert(text: str):
        if not text.isascii():
            raise argparse.ArgumentTypeError(f"invalid {kind.__name__} value: {text!r} "
                                             "(numbers are written in ASCII digits)")
        return kind(text)

    convert.__name__ = kind.__name__                  # argparse names the type in its own messages
    return convert


class UsageError(Exception):
    """A bad command line, printed as one line."""
