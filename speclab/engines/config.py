"""The course's chosen k as a production engine's configuration: vLLM, SGLang, Hugging Face.

Names as each project documents them (checked against their docs of 2025):
- vLLM >= 0.9: `speculative_config` (the `--speculative-config` JSON of `vllm serve`) with
  `num_speculative_tokens`; `method` "eagle"/"eagle3"/"ngram" (with `prompt_lookup_max` /
  `prompt_lookup_min`), and a plain draft model by its `model` path.
- SGLang >= 0.4: `--speculative-algorithm STANDALONE|EAGLE|EAGLE3`, `--speculative-draft-model-path`,
  `--speculative-num-steps` (the chain depth k), `--speculative-eagle-topk 1` (a chain, not a
  tree) and `--speculative-num-draft-tokens` = k + 1 for a chain (the root plus k drafts).
- Hugging Face transformers >= 4.45: `generate(assistant_model=..., num_assistant_tokens=k,
  num_assistant_tokens_schedule="constant")`, or `prompt_lookup_num_tokens=k` for prompt lookup.
- A k per batch size: vLLM's `SpeculativeConfig.num_speculative_tokens_per_batch_size`, a list of
  inclusive `[first batch, last batch, k]` ranges that must start at batch 1; a batch above the
  last range keeps its k, and k = 0 turns speculation off (checked in vllm/config/speculative.py
  and vllm/v1/spec_decode/dynamic/utils.py, 2026). vLLM releases without the field reject the key;
  v0's `speculative_disable_by_batch_size` is gone from v1. SGLang and transformers have no such knob.

Every user-supplied value is quoted for the language it lands in (shlex.quote on shell lines,
repr in Python, json.dumps in JSON). Quoting cannot stop an engine's own parser reading a value that
begins with '-' as an option (`vllm serve --trust-remote-code`), so such names are refused (a local
path that starts with '-' is written ./-name), as are names holding control or invisible format
characters: a pasted command runs the engine with that name and nothing else.
"""

from __future__ import annotations

import json
import shlex
import unicodedata

from .._validate import as_count, short_repr

ENGINES = ("vllm", "sglang", "hf")
METHODS = ("draft-model", "eagle", "eagle3", "ngram")
DRAFT_PLACEHOLDER = "<draft model path>"
TARGET_PLACEHOLDER = "<target model path>"


def engine_config(engine: str, k, method: str = "draft-model", draft: str | None = None,
                  target: str | None = None, uncapped_k=None, cap: str = "k_max") -> str:
    """The engine's configuration text for drafting k tokens a round with `method`.

    k = 0 means "do not speculate": the text says to leave speculation off, and why. When a cap on k
    (named `cap`) forced k = 0 although the theory picks `uncapped_k` > 0 without it, the text says so.
    """
    engine, method = check_engine_method(engine, method)
    k = as_count(k, "k", minimum=0)
    uncapped_k = None if uncapped_k is None else as_count(uncapped_k, "uncapped_k", minimum=0)
    draft, target = check_model_name(draft, "draft"), check_model_name(target, "target")
    draft, target = draft or DRAFT_PLACEHOLDER, target or TARGET_PLACEHOLDER
    if k == 0 and uncapped_k:
        return (f"# k = 0 only because the cap {cap} forced it: uncapped, the theory picks k = {uncapped_k}; raise "
                f"the cap to emit that setting (at k = 0, run {engine} without a speculative setting)")
    if k == 0:
        return f"# k = 0: speculation does not pay at these numbers; run {engine} without a speculative setting"
    return {"vllm": _vllm, "sglang": _sglang, "hf": _hf}[engine](k, method, draft, target)


def check_engine_method(engine: str, method: str) -> tuple:
    """(engine, method) in lower case, or a ValueError when the engine cannot draft that way."""
    engine = _choice(engine, ENGINES, "engine")
    method = _choice(method, METHODS, "method")
    if engine == "sglang" and method == "ngram":
        raise ValueError("method 'ngram' is not emitted for sglang (its NGRAM mode has other knobs); "
                         "choose draft-model, eagle or eagle3")
    if engine == "hf" and method in ("eagle", "eagle3"):
        raise ValueError(f"method {method!r} is not available in Hugging Face generate; "
                         "choose draft-model or ngram")
    return engine, method


def vllm_speculative_config(k: int, method: str, draft: str) -> dict:
    """vLLM's speculative_config dictionary (the JSON `vllm serve --speculative-config` takes)."""
    k = as_count(k, "k", minimum=1)
    _, method = check_engine_method("vllm", method)
    draft = check_model_name(draft, "draft") or DRAFT_PLACEHOLDER
    if method == "ngram":
        return {"method": "ngram", "num_speculative_tokens": k, "prompt_lookup_max": 4, "prompt_lookup_min": 2}
    config = {"model": draft, "num_speculative_tokens": k}
    if method in ("eagle", "eagle3"):
        config = {"method": method, **config}
    return config


def vllm_schedule_config(schedule, method: str = "draft-model", draft: str | None = None,
                         target: str | None = None) -> str:
    """vLLM's configuration for a batch-aware schedule (speclab.schedule.BatchSchedule): k per batch range."""
    from ..schedule import BatchSchedule

    if not isinstance(schedule, BatchSchedule):
        raise ValueError(f"schedule must be a speclab.schedule.BatchSchedule; got {type(schedule).__name__}")
    _, method = check_engine_method("vllm", method)
    draft, target = check_model_name(draft, "draft"), check_model_name(target, "target")
    draft, target = draft or DRAFT_PLACEHOLDER, target or TARGET_PLACEHOLDER
    if schedule.max_k == 0:
        return "# k = 0 at every batch size: speculation does not pay at these numbers; run vllm without it"
    config = vllm_speculative_config(schedule.max_k, method, draft)
    config["num_speculative_tokens_per_batch_size"] = [list(r) for r in schedule.ranges]
    return (f"# vLLM: k per batch-size range [first, last, k] (inclusive);\n"
            f"#   k = 0 turns speculation off above batch {schedule.off_above}\n"
            f"# needs a vLLM whose SpeculativeConfig has num_speculative_tokens_per_batch_size\n"
            f"#   (older releases reject the key)\n" + _vllm_lines(target, config))


def _vllm(k, method, draft, target) -> str:
    return f"# vLLM (>= 0.9): {k} speculative tokens per step\n" + _vllm_lines(target, vllm_speculative_config(
        k, method, draft))


def _vllm_lines(target: str, config: dict) -> str:
    return (f"vllm serve {shlex.quote(target)} --speculative-config {shlex.quote(json.dumps(config))}\n"
            f"# Python: LLM(model={target!r}, speculative_config={config!r})")


def _sglang(k, method, draft, target) -> str:
    algorithm = {"draft-model": "STANDALONE", "eagle": "EAGLE", "eagle3": "EAGLE3"}[method]
    return (f"# SGLang: a chain of {k} drafts (topk 1), verified with the root in one pass of {k + 1} tokens\n"
            f"python -m sglang.launch_server --model-path {shlex.quote(target)} --speculative-algorithm {algorithm} "
            f"--speculative-draft-model-path {shlex.quote(draft)} --speculative-num-steps {k} "
            f"--speculative-eagle-topk 1 --speculative-num-draft-tokens {k + 1}")


def _hf(k, method, draft, target) -> str:
    load = f"model = AutoModelForCausalLM.from_pretrained({target!r})\n"
    if method == "ngram":
        return (f"# Hugging Face transformers: prompt lookup with {k} tokens a round\n{load}"
                f"model.generate(**inputs, prompt_lookup_num_tokens={k})")
    return (f"# Hugging Face transformers: assisted generation, a fixed {k} drafts a round\n{load}"
            f"draft_model = AutoModelForCausalLM.from_pretrained({draft!r})\n"
            f"model.generate(**inputs, assistant_model=draft_model, num_assistant_tokens={k}, "
            f"num_assistant_tokens_schedule=\"constant\")")


def check_model_name(value, name: str) -> str:
    """A model name or path safe to place in a command ('' for None or ''), or one ValueError naming `name`.

    Refused: a value beginning with '-' (an engine's parser reads it as an option, quoted or not),
    control and invisible format characters (newlines, NUL, terminal escapes, bidirectional overrides),
    and more than 4096 characters.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a model name or path (a str); got {type(value).__name__}")
    if value == "":
        return ""
    if len(value) > 4096 or any(unicodedata.category(ch) in _UNPRINTABLE for ch in value):
        raise ValueError(f"{name} must be a model name or path without control characters (newlines, tabs, "
                         f"NUL, escapes, invisible format characters) and at most 4096 characters; "
                         f"got {value[:60]!r}")
    if value.startswith("-"):
        raise ValueError(f"{name} must not begin with '-': the engine would read {value[:60]!r} as an option, "
                         "quoted or not; a local path that starts with '-' is written ./-name")
    return value


#: Unicode categories refused in names: control, format (zero-width, bidi), separators of lines, surrogates.
_UNPRINTABLE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def _choice(value, allowed: tuple, name: str) -> str:
    if not isinstance(value, str) or value.lower() not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {short_repr(value)}")
    return value.lower()
