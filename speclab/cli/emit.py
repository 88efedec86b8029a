"""`--emit`: the chosen k as an engine's configuration (vLLM, SGLang, Hugging Face), for plan and fit."""

from __future__ import annotations


def add_emit_arguments(parser) -> None:
    from ..engines import ENGINES, METHODS

    parser.add_argument("--emit", choices=ENGINES, help="also print this engine's configuration for the best k")
    parser.add_argument("--method", choices=METHODS, default="draft-model", help="how the engine drafts")
    parser.add_argument("--draft", help="draft model path for the emitted configuration (quoted for the shell; "
                                        "a name beginning with '-' is refused: write ./-name)")
    parser.add_argument("--target", help="target model path for the emitted configuration (quoted for the shell; "
                                          "a name beginning with '-' is refused: write ./-name)")


def emitted(args, k: int, uncapped_k: int | None = None):
    """The engine's configuration text for k, or None without --emit.

    uncapped_k: the k the theory picks without --k-max, so that a k = 0 forced by the cap says so.
    """
    if not args.emit:
        return None
    from ..engines import engine_config
    from ..engines.config import check_model_name

    draft, target = check_model_name(args.draft, "--draft"), check_model_name(args.target, "--target")
    return engine_config(args.emit, k, args.method, draft, target, uncapped_k=uncapped_k,
                         cap=f"--k-max {getattr(args, 'k_max', None)}")


def emit(args, k: int) -> None:
    text = emitted(args, k)
    if text is not None:
        print(text)
