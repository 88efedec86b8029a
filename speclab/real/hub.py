"""Hub models (e.g. the GPT-2 pair on a Colab GPU), with one clear sentence when the hub is unreachable."""

from __future__ import annotations

import os
import urllib.request


class HubUnavailableError(OSError):
    """The Hugging Face hub could not be reached (or has no such model)."""


def _message(name: str) -> str:
    return (f"could not load {name!r} from the Hugging Face hub (offline, or no such model); "
            "use speclab.real.load_offline_model() for the bundled SmolLM2-135M instead")


def hub_reachable(timeout: float = 5.0) -> bool:
    """A quick HEAD request to the hub endpoint (honours proxy settings), instead of minutes of retries."""
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    if os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes"):
        return False
    try:
        urllib.request.urlopen(urllib.request.Request(endpoint, method="HEAD"), timeout=timeout)
        return True
    except Exception:
        return False


def load_hub_model(name: str, device=None, dtype=None):
    """(model, tokenizer) by hub name: from the local HF cache if there, else downloaded."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kwargs = {"dtype": dtype} if dtype is not None else {}
    for local_only in (True, False):
        if not local_only and not hub_reachable():
            break
        try:
            tokenizer = AutoTokenizer.from_pretrained(name, local_files_only=local_only)
            model = AutoModelForCausalLM.from_pretrained(name, local_files_only=local_only, **kwargs)
        except OSError:
            continue
        return (model.to(device) if device is not None else model).eval(), tokenizer
    raise HubUnavailableError(_message(name))


def load_gpt2_pair(target: str = "gpt2-medium", draft: str = "gpt2", device=None, dtype=None):
    """(target, draft, tokenizer): the reference notebook's pair; GPT-2 sizes share one tokenizer."""
    target_model, tokenizer = load_hub_model(target, device, dtype)
    draft_model, _ = load_hub_model(draft, device, dtype)
    return target_model, draft_model, tokenizer


def cached_config(name: str):
    """A hub model's config as a dict from the local Hugging Face cache, without loading weights;
    None when it is not cached here (loading the model then reports why)."""
    from transformers import AutoConfig

    try:
        return AutoConfig.from_pretrained(name, local_files_only=True).to_dict()
    except Exception:
        return None

