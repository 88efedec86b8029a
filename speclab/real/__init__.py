"""Speculative decoding on real Hugging Face models (torch and transformers are imported only here).

    from speclab.real import SpeculativeDecoder, PromptLookupDrafter, load_offline_model
    model, tokenizer = load_offline_model()
    out = SpeculativeDecoder(model, PromptLookupDrafter(), tokenizer).generate("...", 64)
"""

try:
    import torch  # noqa: F401
    import transformers  # noqa: F401
except ImportError as error:  # one sentence, not a traceback from deep inside
    raise ImportError("speclab.real needs torch and transformers: pip install 'speclab[real]'") from error

from .baselines import BaselineResult, autoregressive, hf_generate
from .decoder import SpeculativeDecoder
from .draft_model import DraftModelDrafter
from .drafter import Draft
from .early_exit import EarlyExitDrafter, truncated_model
from .hub import HubUnavailableError, load_gpt2_pair, load_hub_model
from .measure import PairMeasurement, measure_pair
from .offline import load_offline_model
from .prompt_lookup import PromptLookupDrafter
from .prompts import PROMPTS, chat_input_ids
from .result import GenerationResult
from .sampling import Sampling

__all__ = [
    "SpeculativeDecoder", "DraftModelDrafter", "PromptLookupDrafter", "EarlyExitDrafter", "Draft",
    "GenerationResult", "Sampling", "truncated_model", "load_offline_model", "load_hub_model",
    "load_gpt2_pair", "HubUnavailableError", "measure_pair", "PairMeasurement", "autoregressive",
    "hf_generate", "BaselineResult", "PROMPTS", "chat_input_ids",
]
