"""Speculative decoding on real Hugging Face models (torch and transformers are imported only here).

    from speclab.real import SpeculativeDecoder, PromptLookupDrafter, load_offline_model
    model, tokenizer = load_offline_model()
    out = SpeculativeDecoder(model, PromptLookupDrafter(), tokenizer).generate("...", 64)

Names load lazily, so `speclab measure --help` and `speclab plan` never pay for importing torch.
"""

import importlib

_HOME = {
    "BaselineResult": "baselines", "autoregressive": "baselines", "hf_generate": "baselines",
    "two_row_autoregressive": "baselines",
    "SpeculativeDecoder": "decoder", "DraftModelDrafter": "drafters.draft_model", "Draft": "drafters.base",
    "EarlyExitDrafter": "drafters.early_exit", "truncated_model": "drafters.early_exit",
    "HubUnavailableError": "hub", "load_gpt2_pair": "hub", "load_hub_model": "hub",
    "PairMeasurement": "measure.pair", "measure_pair": "measure.pair", "load_offline_model": "offline",
    "PromptLookupDrafter": "drafters.prompt_lookup", "PROMPTS": "prompts", "chat_input_ids": "prompts",
    "GenerationResult": "result", "Sampling": "sampling",
    "TemperatureMeasurement": "measure.temperature", "measure_temperature_pair": "measure.temperature",
    "FeatureDrafter": "drafters.feature", "FeatureHead": "drafters.feature_head", "TrainingRecord": "training.fit",
    "train_draft": "training.fit", "load_offline_draft": "training.store", "load_draft": "training.store",
    "save_draft": "training.store", "OPEN_ENDED_PROMPTS": "training.prompts",
    "SuffixDrafter": "drafters.suffix", "QuantizedCopyDrafter": "drafters.quantized",
    "quantized_copy": "drafters.quantized", "survey": "measure.survey", "Survey": "measure.survey",
    "write_corpus": "training.corpus",
    "HybridDrafter": "drafters.hybrid", "HELDOUT_PROMPTS": "heldout", "heldout_prompts": "heldout",
    "heldout_forms": "heldout", "acceptance_by_depth": "measure.depth_acceptance",
    "DepthAcceptance": "measure.depth_acceptance", "usable_cores": "threads", "set_torch_threads": "threads",
    "HELDOUT_OPEN_PROMPTS": "prompts", "open_heldout_prompts": "heldout",
}

__all__ = sorted(_HOME)


def __getattr__(name):
    if name not in _HOME:
        raise AttributeError(f"module 'speclab.real' has no attribute {name!r}")
    _require_torch()
    value = getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_HOME))


def _require_torch() -> None:
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as error:  # one sentence, not a traceback from deep inside
        raise ImportError("speclab.real needs torch and transformers: pip install 'speclab[real]'") from error
