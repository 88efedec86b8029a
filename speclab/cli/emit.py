"""`--emit`: the chosen k as an engine's configuration (vLLM, SGLang, Hugging Face), for plan and fit."""

from __future__ import annotations


def add_emit_arguments(parser) -> None:
    from ..engines import ENGINES, METHODS

    parser.add_argument("--emit", choices=ENGINES, help="also print this engine's configuration for the best k")
    parser.add_argument("--method", choices=METHODS, default="draft-model", help="how the engine drafts")
    parser.add_argument("--draft", help="draft model path for the emitted configuration (quoted for the shell)")
    parser.add_argument("--target", help="target model path for the emitted configuration (quoted for the shell)")


def emitted(args, k: int):
    """The engine's configuration text for k, or None without --emit."""
    if not args.emit:
        return None
    from ..engines import engine_config

    return engine_config(args.emit, k, args.method, args.draft, args.target)


def emit(args, k: int) -> None:
    text = emitted(args, k)
    if text is not None:
        print(text)
