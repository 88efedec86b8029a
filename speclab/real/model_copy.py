"""Copies of a model that never hold two float32 models in memory at once.

`copy.deepcopy(model)` duplicates every weight before a caller rounds or shares them, which for
SmolLM2-135M is a passing 540 MB: enough to take a notebook past Binder's 2 GB. Here each
parameter is mapped as the copy is made, so tied weights stay tied and nothing is copied twice.
"""

from __future__ import annotations

import copy

import torch


def copy_with_parameters(model, make):
    """A deep copy of `model` whose parameters are make(parameter): the same object to share it
    read-only, or a new Parameter (another dtype, say). Buffers and modules are copied as usual."""
    memo = {}
    for parameter in model.parameters():          # each once: a tied weight stays one parameter
        memo.setdefault(id(parameter), make(parameter))
    return copy.deepcopy(model, memo=memo)


def sharing_weights(model, kinds):
    """A copy sharing, read-only, the parameters of every submodule of one of `kinds` (and copying
    the rest): for a copy whose layers of those kinds are about to be replaced."""
    shared = {id(p) for m in model.modules() if isinstance(m, kinds) for p in m.parameters(recurse=False)}
    return copy_with_parameters(model, lambda p: p if id(p) in shared else _cloned(p))


def in_dtype(model, dtype):
    """A copy of `model` in `dtype` (parameters converted one by one, then the buffers)."""
    return copy_with_parameters(model, lambda p: _cloned(p, dtype)).to(dtype)


def _cloned(parameter, dtype=None):
    data = parameter.detach().to(dtype=dtype or parameter.dtype, copy=True)
    return torch.nn.Parameter(data, requires_grad=parameter.requires_grad)
