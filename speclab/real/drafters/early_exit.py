"""Early-exit self-drafting: the target's first L layers, its final norm and its head, as the draft.

No second model to load and the same vocabulary for free, but shallow layers predict the deep
model's next token poorly: a low-alpha drafter the course uses to show when speculation loses.
"""

from __future__ import annotations

import copy

import torch

from ..._validate import as_count
from .._checks import check_model
from .draft_model import DraftModelDrafter


def _decoder_layers(model):
    """(module, attribute) of the ModuleList holding the decoder blocks of a causal LM."""
    n_layers = model.config.num_hidden_layers
    base = model.base_model
    for name, child in base.named_children():
        if isinstance(child, torch.nn.ModuleList) and len(child) == n_layers:
            return base, name
    raise ValueError(f"cannot find the {n_layers} decoder layers of {type(model).__name__} for early exit")


def truncated_model(model, n_layers: int):
    """A view of `model` that runs only its first n_layers blocks; weights are shared, not copied."""
    check_model(model, "target")
    total = model.config.num_hidden_layers
    n_layers = as_count(n_layers, "n_layers", minimum=1)
    if n_layers > total:
        raise ValueError(f"n_layers must lie in 1..{total} (the target's layer count); got {n_layers}")
    base, attr = _decoder_layers(model)
    config = copy.deepcopy(model.config)
    config.num_hidden_layers = n_layers
    if isinstance(getattr(config, "layer_types", None), list):
        config.layer_types = config.layer_types[:n_layers]
    shallow_base = copy.copy(base)                      # new module object, same parameters
    shallow_base._modules = dict(base._modules)
    shallow_base._modules[attr] = torch.nn.ModuleList(list(getattr(base, attr))[:n_layers])
    shallow_base.config = config
    shallow = copy.copy(model)
    shallow._modules = dict(model._modules)
    shallow._modules[model.base_model_prefix] = shallow_base
    shallow.config = config
    return shallow


class EarlyExitDrafter(DraftModelDrafter):
    """Draft with the target's first `n_layers` layers (plus final norm and LM head)."""

    def __init__(self, target, n_layers: int):
        super().__init__(truncated_model(target, n_layers))
        self.n_layers = int(self.model.config.num_hidden_layers)
        self.name = f"early exit (first {self.n_layers} of {target.config.num_hidden_layers} layers)"

    def __repr__(self) -> str:
        return f"EarlyExitDrafter(n_layers={self.n_layers})"
