"""Why a small draft is not cheap on a GPU in eager PyTorch: every layer pays a fixed dispatch cost.

Decoding one token in eager mode launches a dozen kernels per layer, and at batch 1 the host's
time to launch them is of the order of the GPU's time to stream the weights. So a step costs
about

    step = layers * per_layer + params * bytes_per_param / bandwidth

and the cost ratio of a draft is closer to its share of the *layers* than to its share of the
*weights*: GPT-2 (12 layers) drafting for GPT-2 medium (24) has c near 0.5 and loses, while
DistilGPT2 (6 layers) drafting for GPT-2 XL (48) has c near 0.1 and wins. The per-layer figure
is an assumption (PER_LAYER_SECONDS); `predict_pair` shows how the answer moves with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import theory
from ._validate import ArgumentTypeError, as_count, as_nonnegative, as_unit_interval, short_repr
from .limits import MAX_K
from .roofline import Accelerator

#: Assumed host time to launch one transformer layer's kernels in eager PyTorch at batch 1: about a
#: dozen launches at 20-40 us each on a cloud notebook's 2-vCPU host. An assumption, not a measurement.
PER_LAYER_SECONDS = 0.4e-3
#: NVIDIA T4 (Colab's free GPU): 320 GB/s GDDR6, 65 TFLOP/s FP16 Tensor Core.
T4 = Accelerator("T4", 320e9, 65e12, "NVIDIA T4 Tensor Core GPU datasheet: GPU memory bandwidth 320 GB/s; "
                                     "mixed-precision (FP16/FP32) 65 TFLOPS")


@dataclass(frozen=True)
class ModelSize:
    """What a step's cost depends on: the hub name, transformer layers and parameter count."""

    name: str
    layers: int
    params: float


#: The GPT-2 family (one tokenizer), sizes from the models' configs on the Hugging Face hub.
GPT2_SIZES = {m.name: m for m in (
    ModelSize("distilgpt2", 6, 82e6), ModelSize("gpt2", 12, 124e6), ModelSize("gpt2-medium", 24, 355e6),
    ModelSize("gpt2-large", 36, 774e6), ModelSize("gpt2-xl", 48, 1558e6))}


def _checked(value, name: str, kind):
    if not isinstance(value, kind):
        raise ArgumentTypeError(f"{name} must be a {kind.__name__}; got {short_repr(value)}")
    return value


def eager_step_seconds(model: ModelSize, accelerator: Accelerator, per_layer: float = PER_LAYER_SECONDS,
                       bytes_per_param: float = 2.0) -> float:
    """One batch-1 decoding step: the layers' dispatch plus streaming the weights once."""
    model, accelerator = _checked(model, "model", ModelSize), _checked(accelerator, "accelerator", Accelerator)
    per_layer = as_nonnegative(per_layer, "per_layer", scalar=True)
    bytes_per_param = as_nonnegative(bytes_per_param, "bytes_per_param", scalar=True)
    if per_layer > 1.0:
        raise ValueError(f"per_layer must lie in [0, 1] seconds; got {per_layer!r}")
    if not 0 < bytes_per_param <= 8:
        raise ValueError(f"bytes_per_param must lie in (0, 8]; got {bytes_per_param!r}")
    return model.layers * per_layer + model.params * bytes_per_param / accelerator.bandwidth


@dataclass(frozen=True)
class PairPrediction:
    """Predicted c, and per assumed alpha the best k and its speedup (verification taken as free)."""

    target: str
    draft: str
    c: float
    alphas: np.ndarray
    best_k: np.ndarray
    speedup: np.ndarray

    def table(self) -> str:
        rows = [f"{self.draft} drafting for {self.target}: predicted c = {self.c:.2f}, "
                f"break-even alpha at k = 1: {theory.breakeven_alpha(self.c, 1):.2f}",
                "assumed alpha   best k   predicted speedup"]
        rows += [f"{a:13.2f}   {k:6d}   {s:16.2f}x" for a, k, s in zip(self.alphas, self.best_k, self.speedup)]
        return "\n".join(rows)


def predict_pair(target: ModelSize, draft: ModelSize, accelerator: Accelerator = T4, alphas=(0.4, 0.5, 0.6, 0.7),
                 per_layer: float = PER_LAYER_SECONDS, bytes_per_param: float = 2.0, max_k: int = 16) -> PairPrediction:
    """c from `eager_step_seconds`, then the best k <= max_k and its speedup for each assumed alpha.

    A verification pass over k+1 tokens is taken to cost one step: at batch 1 on a GPU both the
    dispatch and the weight traffic are the same for 1 and for k+1 tokens."""
    target, draft = _checked(target, "target", ModelSize), _checked(draft, "draft", ModelSize)
    accelerator = _checked(accelerator, "accelerator", Accelerator)
    alphas = np.atleast_1d(as_unit_interval(alphas, "alphas"))
    if alphas.ndim != 1 or alphas.size == 0:
        raise ValueError(f"alphas must be one number or a non-empty 1-D list of numbers in [0, 1]; got {short_repr(alphas)}")
    max_k = as_count(max_k, "max_k", minimum=1, maximum=MAX_K)
    c = (eager_step_seconds(draft, accelerator, per_layer, bytes_per_param)
         / eager_step_seconds(target, accelerator, per_layer, bytes_per_param))
    ks = np.arange(1, max_k + 1)
    table = np.array([[theory.speedup(a, k, c) for k in ks] for a in alphas])
    best = table.argmax(axis=1)
    return PairPrediction(target.name, draft.name, float(c), alphas, ks[best], table[np.arange(len(alphas)), best])
