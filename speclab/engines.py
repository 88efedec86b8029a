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
"""

from __future__ import annotations

import json

from ._validate import as_count

ENGINES = ("vllm", "sglang", "hf")
METHODS = ("draft-model", "eagle", "eagle3", "ngram")
DRAFT_PLACEHOLDER = "<draft model path>"
TARGET_PLACEHOLDER = "<target model path>"


def engine_config(engine: str, k, method: str = "draft-model", draft: str | None = None,
                  target: str | None = None) -> str:
    """The engine's configuration text for drafting k tokens a round with `method`.

    k = 0 means "do not speculate": the text says to leave speculation off.
    """
    engine, method = check_engine_method(engine, method)
    k = as_count(k, "k", minimum=0)
    draft, target = draft or DRAFT_PLACEHOLDER, target or TARGET_PLACEHOLDER
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
    if method == "ngram":
        return {"method": "ngram", "num_speculative_tokens": k, "prompt_lookup_max": 4, "prompt_lookup_min": 2}
    config = {"model": draft, "num_speculative_tokens": k}
    if method in ("eagle", "eagle3"):
        config = {"method": method, **config}
    return config


def _vllm(k, method, draft, target) -> str:
    config = json.dumps(vllm_speculative_config(k, method, draft))
    return (f"# vLLM (>= 0.9): {k} speculative tokens per step\n"
            f"vllm serve {target} --speculative-config '{config}'\n"
            f"# Python: LLM(model=\"{target}\", speculative_config={config})")


def _sglang(k, method, draft, target) -> str:
    algorithm = {"draft-model": "STANDALONE", "eagle": "EAGLE", "eagle3": "EAGLE3"}[method]
    return (f"# SGLang: a chain of {k} drafts (topk 1), verified with the root in one pass of {k + 1} tokens\n"
            f"python -m sglang.launch_server --model-path {target} --speculative-algorithm {algorithm} "
            f"--speculative-draft-model-path {draft} --speculative-num-steps {k} "
            f"--speculative-eagle-topk 1 --speculative-num-draft-tokens {k + 1}")


def _hf(k, method, draft, target) -> str:
    load = f"model = AutoModelForCausalLM.from_pretrained(\"{target}\")\n"
    if method == "ngram":
        return (f"# Hugging Face transformers: prompt lookup with {k} tokens a round\n{load}"
                f"model.generate(**inputs, prompt_lookup_num_tokens={k})")
    return (f"# Hugging Face transformers: assisted generation, a fixed {k} drafts a round\n{load}"
            f"draft_model = AutoModelForCausalLM.from_pretrained(\"{draft}\")\n"
            f"model.generate(**inputs, assistant_model=draft_model, num_assistant_tokens={k}, "
            f"num_assistant_tokens_schedule=\"constant\")")


def _choice(value, allowed: tuple, name: str) -> str:
    if not isinstance(value, str) or value.lower() not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return value.lower()
