"""A feature head rebuilt from stored weights, every name and shape checked before anything is loaded.

Both draft formats (the store's .draft and the shipped .safetensors) hold the head's shape and its
weights; a file that passed its checksum can still hold the wrong ones, and this says which in one
ValueError instead of torch's state-dict report.
"""

from __future__ import annotations

import math
import numbers

import torch

from ..drafters.feature_head import FeatureHead

#: The widest head a draft file may describe (SmolLM2-135M's is 576; large models' about 8,192).
MAX_HIDDEN = 65_536


def head_from_weights(hidden, head_dim, mlp_ratio, state, where: str) -> FeatureHead:
    """A FeatureHead of this shape holding `state`; ValueError naming `where` (the file) and what is wrong."""
    for key, value in (("hidden", hidden), ("head_dim", head_dim)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not 1 <= value <= MAX_HIDDEN:
            raise ValueError(f"{where} gives {key} = {value!r}; a head's {key} is a whole number in 1..{MAX_HIDDEN}")
    if isinstance(mlp_ratio, bool) or not isinstance(mlp_ratio, numbers.Real) or \
            not (math.isfinite(mlp_ratio) and 0 < mlp_ratio <= 64):
        raise ValueError(f"{where} gives mlp_ratio = {mlp_ratio!r}; it must be a number in (0, 64]")
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"{where} does not hold the head's weights as named tensors")
    try:
        with torch.device("meta"):                       # the shapes, without allocating the weights
            expected = {name: tuple(t.shape) for name, t in FeatureHead(int(hidden), int(head_dim),
                                                                         float(mlp_ratio)).state_dict().items()}
    except (ValueError, RuntimeError, TypeError) as error:
        raise ValueError(f"{where} describes a head that cannot be built ({str(error).splitlines()[0][:120]})") from None
    missing, extra = sorted(set(expected) - set(state)), sorted(set(state) - set(expected))
    if missing or extra:
        raise ValueError(f"{where} holds the wrong weights for its head: "
                         + "; ".join(f"{words} {', '.join(names[:4])}" for words, names in
                                     (("missing", missing), ("unexpected", extra)) if names))
    for name, shape in expected.items():
        if tuple(state[name].shape) != shape:
            raise ValueError(f"{where}: weight {name} has shape {tuple(state[name].shape)}, the head needs {shape}")
        if not state[name].is_floating_point():
            raise ValueError(f"{where}: weight {name} holds {state[name].dtype}, not floating-point numbers")
    head = FeatureHead(int(hidden), int(head_dim), float(mlp_ratio))
    head.load_state_dict(state)
    return head
