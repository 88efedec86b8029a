"""Drafters: whatever proposes the next k tokens for the target to verify.

Every drafter follows the protocol in `base` (`propose(context, k, sampling) -> Draft`, `reset`,
`accept`), is exact under greedy decoding and lossless under sampling (tests check both):
`prompt_lookup` (n-grams of the context), `draft_model` (a smaller model with its own cache),
`early_exit` (the target's first layers), `feature` (a small head trained on the target's own
features, with its network in `feature_head`).
"""

from .base import EMPTY, Draft, cut_at_eos, default_policy
from .draft_model import DraftModelDrafter
from .early_exit import EarlyExitDrafter, truncated_model
from .feature import FeatureDrafter
from .feature_head import FeatureHead
from .prompt_lookup import PromptLookupDrafter

__all__ = ["EMPTY", "Draft", "DraftModelDrafter", "EarlyExitDrafter", "FeatureDrafter", "FeatureHead",
           "PromptLookupDrafter", "cut_at_eos", "default_policy", "truncated_model"]
