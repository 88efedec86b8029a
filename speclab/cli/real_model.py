"""The real-model subcommands (`measure`, `train-draft`), or one clear line when the real extra is missing.

Their modules import torch-dependent code, so they load only when such a command is parsed or run.
"""

from __future__ import annotations

import argparse
import importlib

#: command -> (module, its argument adder, its runner)
COMMANDS = {"measure": ("measure", "add_measure_arguments", "run_measure"),
            "train-draft": ("train_draft", "add_train_draft_arguments", "run_train_draft"),
            "survey": ("survey", "add_survey_arguments", "run_survey")}


def add_arguments(parser, command: str) -> None:
    """The command's options, or a catch-all when torch is not installed (`run` then explains)."""
    module, adder, _ = COMMANDS[command]
    try:
        getattr(importlib.import_module(f".{module}", __package__), adder)(parser)
    except ImportError:
        parser.add_argument("rest", nargs=argparse.REMAINDER)


def run(command: str, args) -> int:
    module, _, runner = COMMANDS[command]
    try:
        run_command = getattr(importlib.import_module(f".{module}", __package__), runner)
    except ImportError as err:
        raise ValueError(f"`speclab {command}` needs the real-model extra: pip install 'speclab[real]' ({err})")
    return run_command(args)
