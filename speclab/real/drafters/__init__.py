"""Drafters: whatever proposes the next k tokens for the target to verify.

Every drafter follows the protocol in `base` (`propose(context, k, sampling) -> Draft`, `reset`,
`accept`), is exact under greedy decoding and lossless under sampling (tests check both):
`prompt_lookup` (n-grams of the context), `draft_model` (a smaller model with its own cache),
`early_exit` (the target's first layers), `feature` (a small head trained on the target's own
features, with its network in `feature_head`), `quantized` (the target's own int8/int4 copy),
`suffix` (the longest earlier match in everything the target wrote this session), `hybrid`
(copy when the context repeats, the trained head otherwise).
"""

from .base import EMPTY, Draft, cut_at_eos, default_policy
from .draft_model import DraftModelDrafter
from .early_exit import EarlyExitDrafter, truncated_model
from .feature import FeatureDrafter
from .feature_head import FeatureHead
from .hybrid import HybridDrafter
from .prompt_lookup import PromptLookupDrafter
from .quantized import QuantizedCopyDrafter, quantized_copy
from .suffix import SuffixDrafter

__all__ = ["EMPTY", "Draft", "DraftModelDrafter", "EarlyExitDrafter", "FeatureDrafter", "FeatureHead",
           "HybridDrafter", "PromptLookupDrafter", "QuantizedCopyDrafter", "SuffixDrafter", "cut_at_eos",
           "default_policy", "quantized_copy", "truncated_model"]
