"""The target's own low-precision copy as its draft: same weights, rounded to int8 or int4.

A copy of the target agrees with it far more often than a smaller model does (alpha near 1),
but it costs as many layers per step; it pays only when low-precision weights make a one-token
step much cheaper than the target's. On a CPU a one-token step mostly reads weights, so int8
weights (a quarter of float32's bytes) or int4 (an eighth) should help, if the kernel is good.

Measured 2026-12-02 on this machine (2 cores, shared: load average 7-10 from other jobs), on the
offline SmolLM2-135M-Instruct in float32. c = one cached one-token step of the copy / the
target's, on a 38-token chat prompt: 20 repeats, the four models interleaved in a rotated order,
each repeat the fastest of 3 steps; median of the paired ratios (interquartile range), then the
ratio of the fastest steps seen:
    int8, torch dynamic quantization (x86 engine)       c = 0.48 (0.30-0.96); fastest 0.38
    int4 weight-only, groups of 32 (aten int4 kernel)   c = 2.9  (1.5-5.4);   fastest 2.3
    int8 weight-only (aten._weight_int8pack_mm)         c = 2.2  (1.6-3.4);   fastest 1.3  (not kept)
torchao 0.18 (its pip wheel, no x86 C++ kernels): Int8WeightOnlyConfig runs eagerly at about 1.9 s
a step (one timing; the target took 0.1-0.4 s under the same load), Int4WeightOnlyConfig asks for the mslk
kernel package (not installable here) and refuses its "opaque" CPU packing, so torchao loses here
without torch.compile (not tried). Greedy, k = 3, 64 new tokens, acceptance = accepted / drafted (alpha):
int8 on "explain", "describe", "email" (training.prompts): 0.66 (0.79), 0.51 (0.72), 0.53 (0.71);
int4 on "explain": 0.72 (0.86). So bits=8 is the default: int4 is accepted more often, but on this
CPU its step costs more than the target's, so it can never pay (a point right of c = 1 on the map).
torch's dynamic quantization is deprecated in favour of torchao; a torch without it makes bits=8
fail with one ImportError naming bits=4.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import torch

from ..._validate import ArgumentTypeError, short_repr
from .._checks import check_model
from ..model_copy import sharing_weights
from .draft_model import DraftModelDrafter

#: int4 weights share one scale and zero per group of this many inputs (smaller: closer, slower).
INT4_GROUP = 32


class QuantizedCopyDrafter(DraftModelDrafter):
    """Draft with a deep copy of the target whose linear layers hold int8 (or int4) weights.

    The caller's target is never modified. bits=8: torch's dynamic int8 quantization (int8
    weights, activations quantized per step); bits=4: int4 weight-only groups of INT4_GROUP on
    torch's CPU kernel (layers it cannot take stay float, see int4_fits). CPU only, like both kernels.
    """

    name = "quantized copy"

    def __init__(self, target, bits: int = 8):
        bits = check_quantizable(target, bits)
        device = next(target.parameters()).device
        if device.type != "cpu":
            raise ValueError(f"QuantizedCopyDrafter needs the target on a CPU (its int8/int4 kernels are "
                             f"CPU kernels); got a target on {device}")
        self.bits = bits
        super().__init__(quantized_copy(target, bits))

    def __repr__(self) -> str:
        return f"QuantizedCopyDrafter(bits={self.bits})"


def check_quantizable(model, bits, name: str = "target") -> int:
    """`bits` as the int 8 or 4, for a causal LM `model` whose weights that kernel takes (int8's
    dynamic quantization multiplies float32 only; int4's kernel takes float32, bfloat16 and float16)."""
    allowed = "bits must be the whole number 8 (int8) or 4 (int4)"
    if isinstance(bits, (bool, np.bool_)) or not isinstance(bits, numbers.Integral):
        raise ArgumentTypeError(f"{allowed}; got {short_repr(bits)} ({type(bits).__name__})")
    if bits not in (8, 4):
        raise ValueError(f"{allowed}; got {short_repr(bits)}")
    check_model(model, name)
    weight = next(model.parameters(), None)
    if weight is None:
        raise ValueError(f"{name} has no weights to quantize; got {short_repr(model)}")
    if bits == 8 and weight.dtype != torch.float32:
        raise ValueError(f"bits=8 (torch's dynamic int8 quantization) needs a float32 {name}; this one holds "
                         f"{str(weight.dtype).replace('torch.', '')} weights: pass {name}.float() or use bits=4")
    return int(bits)


def quantized_copy(model, bits: int = 8):
    """A copy of `model` (left untouched) with every linear layer in int8 or int4 weights."""
    bits = check_quantizable(model, bits, "model")
    clone = as_linears(lean_copy(model)).eval()
    if bits == 4:
        return replace_linears(clone, lambda layer: Int4Linear(layer) if int4_fits(layer) else layer)
    quantize = getattr(getattr(getattr(torch, "ao", None), "quantization", None), "quantize_dynamic", None)
    if quantize is None:
        raise ImportError("this torch has no dynamic int8 quantization (torch.ao.quantization.quantize_dynamic); "
                          "use bits=4")
    with warnings.catch_warnings():          # its deprecation notice, once per layer: said in the docstring
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*quantized tensor creation functions", category=UserWarning)
        return quantize(clone, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)


def lean_copy(model):
    """A copy that shares, read-only, the target's linear and embedding weights: the linear layers
    are replaced by quantized ones built from them, and the embedding is never written."""
    from transformers.pytorch_utils import Conv1D

    return sharing_weights(model, (torch.nn.Linear, torch.nn.Embedding, Conv1D))


def as_linears(model):
    """GPT-2's Conv1D layers (x @ W + b) rewritten as the nn.Linear they are, so they get quantized too."""
    from transformers.pytorch_utils import Conv1D

    def linear(conv):
        layer = torch.nn.Linear(conv.weight.shape[0], conv.weight.shape[1], dtype=conv.weight.dtype)
        layer.weight.data = conv.weight.data.t().contiguous()
        layer.bias.data = conv.bias.data
        return layer

    return replace_linears(model, linear, kind=Conv1D)


def replace_linears(model, make, kind=torch.nn.Linear):
    """Swap every `kind` submodule of `model` for make(layer), in place; returns the model."""
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, kind):
                setattr(parent, name, make(child))
    return model


def int4_fits(layer: torch.nn.Linear, group: int = INT4_GROUP) -> bool:
    """Whether the int4 kernel takes the layer: in_features in whole groups, out_features a multiple
    of 16 (its tiles). Any other layer (a tiny model's head, say) keeps its float weights."""
    return layer.in_features % group == 0 and layer.out_features % 16 == 0


class Int4Linear(torch.nn.Module):
    """A linear layer with int4 weights, asymmetric per group of INT4_GROUP inputs, on torch's CPU
    int4 kernel (aten._weight_int4pack_mm_for_cpu): w ~ (q - 8) * scale + zero, q in 0..15."""

    def __init__(self, layer: torch.nn.Linear, group: int = INT4_GROUP):
        super().__init__()
        self.in_features, self.out_features = layer.in_features, layer.out_features
        if self.in_features % group:
            raise ValueError(f"int4 groups of {group} need in_features divisible by {group}; "
                             f"got a layer with {self.in_features}")
        q, scales_and_zeros = int4_groups(layer.weight.detach(), group)
        self.group = group
        self.register_buffer("packed", torch.ops.aten._convert_weight_to_int4pack_for_cpu(q, 2))
        self.register_buffer("scales_and_zeros", scales_and_zeros)
        self.bias = None if layer.bias is None else torch.nn.Parameter(layer.bias.detach().clone())

    def forward(self, x):
        rows = x.reshape(-1, self.in_features)
        y = torch.ops.aten._weight_int4pack_mm_for_cpu(rows, self.packed, self.group, self.scales_and_zeros)
        y = y.reshape(*x.shape[:-1], self.out_features)
        return y if self.bias is None else y + self.bias


def int4_groups(weight: torch.Tensor, group: int):
    """(q [out, in] int32 in 0..15, scales and zeros [in/group, out, 2]) for the rows of `weight`:
    each group spans [min, max] in 16 steps, and (q - 8) * scale + zero gives it back."""
    rows = weight.float().reshape(-1, group)
    low, high = rows.amin(1, keepdim=True), rows.amax(1, keepdim=True)
    scales = ((high - low) / 15).clamp(min=1e-8)
    zeros = low + 8 * scales
    q = ((rows - low) / scales).round().clamp(0, 15).to(torch.int32).reshape(weight.shape)
    out = weight.shape[0]
    pairs = torch.cat([scales.reshape(out, -1, 1), zeros.reshape(out, -1, 1)], dim=2)
    return q, pairs.transpose(0, 1).contiguous().to(weight.dtype)
