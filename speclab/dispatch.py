"""A draft's cost on a GPU at batch 1, in eager PyTorch and compiled, and a pair's predicted speedup.

A decoding step at batch 1 does two things: the host launches every layer's kernels (eager
PyTorch: about a dozen per layer, a fixed host time each), and the GPU streams the weights once.
Two regimes, each an explicit assumption:

* eager: the host enqueues kernels asynchronously, so launches overlap GPU work and a step costs
  the larger of the two, max(layers * per_layer, weight time) (overlap="max"). Their sum
  (overlap="sum") is the upper bound of a host that waits for every kernel.
* compiled (a static KV cache with torch.compile or CUDA graphs): one graph launch replays the
  whole step, so no per-layer launch cost is left and a step costs the weight time, plus an
  optional fixed per-step cost (graph launch, sampling, the host's sync), 0 by default.

In eager mode a draft's cost ratio c follows its share of the *layers*; compiled, its share of the
*weights*. The strongest plain decoding on a GPU is the compiled one, so `predict_pair` measures
every speedup against the target's compiled step by default, whichever mode speculation runs in
(baseline="eager" matches a measurement whose plain decoding ran eager).
PER_LAYER_SECONDS is an assumption, not a measurement; `predict_pair` shows how the answer moves.
"""

from __future__ import annotations

import math
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
#: How a step runs: kernel by kernel from Python, or replayed as one captured graph.
MODES = ("eager", "compiled")
#: How eager launch time and GPU time combine: overlapping (the larger), or one after the other (the sum).
OVERLAPS = ("max", "sum")
#: Largest model size accepted (parameters): a sanity bound far above any model that exists.
MAX_PARAMS = 1e15


@dataclass(frozen=True)
class ModelSize:
    """What a step's cost depends on: the hub name, transformer layers and parameter count."""

    name: str
    layers: int
    params: float

    def __post_init__(self):
        as_count(self.layers, "layers", minimum=1, maximum=100_000)
        params = as_nonnegative(self.params, "params", scalar=True)
        if not 0 < params <= MAX_PARAMS:
            raise ValueError(f"params must lie in (0, {MAX_PARAMS:g}]; got {short_repr(self.params)}")


#: The GPT-2 family (one tokenizer), sizes from the models' configs on the Hugging Face hub.
GPT2_SIZES = {m.name: m for m in (
    ModelSize("distilgpt2", 6, 82e6), ModelSize("gpt2", 12, 124e6), ModelSize("gpt2-medium", 24, 355e6),
    ModelSize("gpt2-large", 36, 774e6), ModelSize("gpt2-xl", 48, 1558e6))}


def _checked(value, name: str, kind):
    if not isinstance(value, kind):
        raise ArgumentTypeError(f"{name} must be a {kind.__name__}; got {short_repr(value)}")
    return value


def _choice(value, name: str, allowed: tuple) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {short_repr(value)}")
    return value


def _seconds(value, name: str) -> float:
    """A host time in seconds: a finite number in [0, 1]."""
    value = as_nonnegative(value, name, scalar=True)
    if value > 1.0:
        raise ValueError(f"{name} must lie in [0, 1] seconds; got {value!r}")
    return value


def _bytes_per_param(value) -> float:
    value = as_nonnegative(value, "bytes_per_param", scalar=True)
    if not 0 < value <= 8:
        raise ValueError(f"bytes_per_param must lie in (0, 8]; got {value!r}")
    return value


def _weight_seconds(model: ModelSize, accelerator: Accelerator, bytes_per_param: float) -> float:
    """The GPU's time to stream every weight once (memory-bound at batch 1)."""
    return model.params * bytes_per_param / accelerator.bandwidth


def eager_step_seconds(model: ModelSize, accelerator: Accelerator, per_layer: float = PER_LAYER_SECONDS,
                       bytes_per_param: float = 2.0, overlap: str = "max") -> float:
    """One batch-1 step in eager PyTorch: the layers' launches and the weights' streaming.

    overlap="max" (the default) assumes the host enqueues kernels while the GPU runs earlier ones,
    so the step costs the larger of the two; overlap="sum" is the bound of no overlap at all.
    """
    model, accelerator = _checked(model, "model", ModelSize), _checked(accelerator, "accelerator", Accelerator)
    per_layer = _seconds(per_layer, "per_layer")
    weights = _weight_seconds(model, accelerator, _bytes_per_param(bytes_per_param))
    launches = model.layers * per_layer
    return max(launches, weights) if _choice(overlap, "overlap", OVERLAPS) == "max" else launches + weights


def _compiled_step_seconds(model: ModelSize, accelerator: Accelerator, bytes_per_param: float,
                           per_step: float) -> float:
    """One batch-1 step replayed as a captured graph: no per-layer launches, the weights once, plus
    a fixed per-step cost (arguments already checked)."""
    return _weight_seconds(model, accelerator, bytes_per_param) + per_step


@dataclass(frozen=True)
class PairPrediction:
    """Predicted c, and per assumed alpha the best k and its speedup over plain decoding.

    c = draft_seconds / target_seconds, both in `mode`; a speedup is the round's tokens per second
    over plain decoding's, whose step (the target in `baseline` mode) costs plain_seconds.
    """

    target: str
    draft: str
    c: float
    alphas: np.ndarray
    best_k: np.ndarray
    speedup: np.ndarray
    mode: str
    baseline: str
    overlap: str
    per_layer: float
    per_step: float
    draft_seconds: float
    target_seconds: float
    plain_seconds: float
    max_k: int

    def breakeven_alpha(self) -> float:
        """The lowest alpha at which some k <= max_k at least ties plain decoding; nan if none.

        Break-even where 1 + alpha + ... + alpha^k = (k * c + 1) * target_seconds / plain_seconds.
        """
        ks = np.arange(1, self.max_k + 1)
        roots = theory.alpha_for_tokens((ks * self.c + 1.0) * self.target_seconds / self.plain_seconds, ks)
        roots = np.atleast_1d(roots)
        return float(np.nanmin(roots)) if np.any(np.isfinite(roots)) else math.nan

    def table(self) -> str:
        """The prediction with its assumptions in two lines, every line within 100 characters."""
        alpha = self.breakeven_alpha()
        pays = f"breaks even at alpha = {alpha:.2f}" if math.isfinite(alpha) else f"never wins at k <= {self.max_k}"
        if self.mode == "eager":
            sides = (f"speculation eager: {1000 * self.per_layer:.2f} ms launches/layer, "
                     + ("overlapping GPU work (max)" if self.overlap == "max" else "then GPU work (sum)"))
        else:
            sides = f"speculation compiled: weights + {1000 * self.per_step:.2f} ms per step"
        plain = "compiled (static cache, CUDA graphs)" if self.baseline == "compiled" else "eager (same launches)"
        rows = [f"{self.draft} drafting for {self.target}: predicted c = {self.c:.2f}, {pays}",
                f"{sides}; target step {1000 * self.target_seconds:.2f} ms",
                f"vs plain decoding {plain}: {1000 * self.plain_seconds:.2f} ms a step",
                "assumed alpha   best k   predicted speedup"]
        rows += [f"{a:13.2f}   {k:6d}   {s:16.2f}x" for a, k, s in zip(self.alphas, self.best_k, self.speedup)]
        return "\n".join(rows)


def predict_pair(target: ModelSize, draft: ModelSize, accelerator: Accelerator = T4, alphas=(0.4, 0.5, 0.6, 0.7),
                 per_layer: float = PER_LAYER_SECONDS, bytes_per_param: float = 2.0, max_k: int = 16,
                 mode: str = "eager", overlap: str = "max", per_step: float = 0.0,
                 baseline: str = "compiled") -> PairPrediction:
    """Per assumed alpha, the best k <= max_k and its speedup over plain decoding of the target.

    The speculative decoder drafts and verifies in `mode`: "eager" (launches per layer, combined
    with the weight time by `overlap`) or "compiled" (a step streams the weights, + per_step). A
    verification pass over k+1 tokens costs one target step in that mode: at batch 1 both the
    launches and the weight traffic are the same for 1 and for k+1 tokens. Plain decoding runs in
    `baseline` mode: "compiled" (the default) is the strongest plain decoding on a GPU; "eager"
    matches a measurement whose plain decoding ran eager. per_layer applies to eager steps only,
    per_step to compiled ones only.
    """
    target, draft = _checked(target, "target", ModelSize), _checked(draft, "draft", ModelSize)
    accelerator = _checked(accelerator, "accelerator", Accelerator)
    alphas = np.atleast_1d(as_unit_interval(alphas, "alphas"))
    if alphas.ndim != 1 or alphas.size == 0:
        raise ValueError("alphas must be one number or a non-empty 1-D list of numbers in [0, 1]; "
                         f"got {short_repr(alphas)}")
    max_k = as_count(max_k, "max_k", minimum=1, maximum=MAX_K)
    mode, overlap = _choice(mode, "mode", MODES), _choice(overlap, "overlap", OVERLAPS)
    baseline = _choice(baseline, "baseline", MODES)
    per_layer, per_step = _seconds(per_layer, "per_layer"), _seconds(per_step, "per_step")
    bytes_per_param = _bytes_per_param(bytes_per_param)

    def step(model: ModelSize, how: str) -> float:
        if how == "eager":
            return eager_step_seconds(model, accelerator, per_layer, bytes_per_param, overlap)
        return _compiled_step_seconds(model, accelerator, bytes_per_param, per_step)

    draft_seconds, target_seconds, plain_seconds = step(draft, mode), step(target, mode), step(target, baseline)
    c = draft_seconds / target_seconds
    ks = np.arange(1, max_k + 1)
    table = np.asarray(theory.speedup(alphas[:, None], ks[None, :], c)) * (plain_seconds / target_seconds)
    best = table.argmax(axis=1)
    return PairPrediction(target.name, draft.name, float(c), alphas, ks[best], table[np.arange(len(alphas)), best],
                          mode, baseline, overlap, per_layer, per_step, draft_seconds, target_seconds,
                          plain_seconds, max_k)
