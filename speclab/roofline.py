"""Why verification is cheap: the step time of a memory-bound decoder, against batch size and K.

One decoding step streams every weight from memory once and does about 2 FLOPs per parameter
per token (one multiply and one add), so its time is the larger of the two (the roofline model,
Williams, Waterman and Patterson 2009):

    step = max(bytes / bandwidth, batch * tokens * 2 * params / peak FLOP/s)
    bytes = params * bytes_per_param + batch * kv_bytes      (weights once, each sequence's KV cache)

A verification pass scores K+1 tokens per sequence (tokens = K+1); plain decoding scores one.
While the weights dominate, K+1 tokens cost what one costs; past the ridge point the arithmetic
dominates and the pass grows with batch * (K+1). That growth is `theory.speedup`'s
`verify_growth`, which is how this module turns a batch size into a speedup.

Units: params is a count of parameters (7e9), bandwidth bytes/s, peak_flops FLOP/s, seconds out.
Every function broadcasts over numpy arrays. The accelerator figures are datasheet peaks; real
kernels reach a fraction of them, which moves the numbers but not the shape.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import theory
from ._validate import as_count_array, as_nonnegative, as_unit_interval, broadcast_shape, short_repr
from .limits import MAX_K, ROOFLINE_RANGE


@dataclass(frozen=True)
class Accelerator:
    """A datasheet's memory bandwidth (bytes/s) and dense peak (FLOP/s), with where they come from."""

    name: str
    bandwidth: float
    peak_flops: float
    source: str


#: NVIDIA H100 SXM5: 3.35 TB/s HBM3, 989 TFLOP/s dense BF16 (1,979 is the 2:4-sparsity figure).
H100_SXM = Accelerator("H100 SXM", 3.35e12, 989e12,
                       "NVIDIA H100 Tensor Core GPU datasheet (H100 SXM column): GPU memory bandwidth "
                       "3.35 TB/s; BF16 Tensor Core 1,979 TFLOPS with sparsity, i.e. 989 TFLOPS dense")
#: NVIDIA A100 SXM 80GB: 2,039 GB/s HBM2e, 312 TFLOP/s dense BF16.
A100_SXM = Accelerator("A100 SXM 80GB", 2.039e12, 312e12,
                       "NVIDIA A100 Tensor Core GPU datasheet (A100 80GB SXM column): GPU memory "
                       "bandwidth 2,039 GB/s; BF16 Tensor Core 312 TFLOPS (624 with sparsity)")
#: NVIDIA L4: 300 GB/s GDDR6, 121 TFLOP/s dense BF16.
L4 = Accelerator("L4", 300e9, 121e12,
                 "NVIDIA L4 Tensor Core GPU datasheet: GPU memory bandwidth 300 GB/s; BF16 Tensor Core "
                 "242 TFLOPS with sparsity, i.e. 121 TFLOPS dense")


# ----------------------------------------------------------------------------- one step

def weight_bytes(params, bytes_per_param=2.0):
    """Bytes streamed per step for the weights: params * bytes_per_param (fp16/bf16: 2, int4: 0.5)."""
    return _scalar(_positive(params, "params") * _positive(bytes_per_param, "bytes_per_param"))


def flops_per_token(params):
    """FLOPs of one token through the model's matrix multiplies: about 2 * params."""
    return _scalar(2.0 * _positive(params, "params"))


def kv_cache_bytes(layers, kv_heads, head_dim, context, bytes_per_value=2.0):
    """Bytes of one sequence's KV cache: a key and a value per layer, KV head, dimension and position.

    Read once per decoding step (pass it as `kv_bytes`). A Llama-3-8B shape (32 layers, 8 KV heads
    of dimension 128) in bf16 holds 128 KiB per position: 0.5 GiB for a 4,096-token context.
    """
    layers = as_count_array(layers, "layers", minimum=1)
    kv_heads = as_count_array(kv_heads, "kv_heads", minimum=1)
    head_dim = as_count_array(head_dim, "head_dim", minimum=1)
    context = as_count_array(context, "context")
    bytes_per_value = _positive(bytes_per_value, "bytes_per_value")
    broadcast_shape(layers=layers, kv_heads=kv_heads, head_dim=head_dim, context=context,
                    bytes_per_value=bytes_per_value)
    return _scalar(2.0 * layers * kv_heads * head_dim * context * bytes_per_value)


def memory_seconds(params, bandwidth, batch=1, bytes_per_param=2.0, kv_bytes=0.0):
    """Time to stream the weights once plus every sequence's KV cache (`kv_bytes` each)."""
    m = _Model(params, bandwidth, 1.0, 1, batch, bytes_per_param, kv_bytes)
    return _scalar(m.memory())


def compute_seconds(params, peak_flops, tokens=1, batch=1):
    """Time of the arithmetic alone: batch * tokens * 2 * params FLOPs at the peak rate."""
    m = _Model(params, 1.0, peak_flops, tokens, batch)
    return _scalar(m.compute())


def step_seconds(params, bandwidth, peak_flops, tokens=1, batch=1, bytes_per_param=2.0, kv_bytes=0.0):
    """Seconds of one forward step over `tokens` new tokens per sequence for `batch` sequences.

    The roofline: max(memory time, compute time). A 7e9-parameter model in fp16 on an H100 SXM:
    14 GB / 3.35 TB/s = 4.18 ms, while 5 tokens of arithmetic take 70 GFLOP / 989 TFLOP/s = 0.07 ms.
    """
    m = _Model(params, bandwidth, peak_flops, tokens, batch, bytes_per_param, kv_bytes)
    return _scalar(m.step())


def is_compute_bound(params, bandwidth, peak_flops, tokens=1, batch=1, bytes_per_param=2.0, kv_bytes=0.0):
    """True where the arithmetic takes longer than the memory traffic (right of the ridge)."""
    m = _Model(params, bandwidth, peak_flops, tokens, batch, bytes_per_param, kv_bytes)
    bound = m.compute() > m.memory()
    return bool(bound) if np.ndim(bound) == 0 else bound


# ----------------------------------------------------------------------------- the roofline

def arithmetic_intensity(params, tokens=1, batch=1, bytes_per_param=2.0, kv_bytes=0.0):
    """FLOPs per byte moved in one step: batch * tokens * 2 params / (weight bytes + KV bytes).

    Without a KV cache this is batch * tokens * 2 / bytes_per_param: one fp16 token does 1 FLOP
    per byte, far left of any GPU's ridge.
    """
    m = _Model(params, 1.0, 1.0, tokens, batch, bytes_per_param, kv_bytes)
    return _scalar(m.flops() / m.bytes())


def ridge_point(bandwidth, peak_flops):
    """The arithmetic intensity (FLOP/byte) where compute time equals memory time: peak / bandwidth.

    H100 SXM: 989e12 / 3.35e12 = 295 FLOP/byte. Below it a step is memory-bound.
    """
    peak_flops, bandwidth = _positive(peak_flops, "peak_flops"), _positive(bandwidth, "bandwidth")
    broadcast_shape(bandwidth=bandwidth, peak_flops=peak_flops)
    return _scalar(peak_flops / bandwidth)


def attainable_flops(intensity, bandwidth, peak_flops):
    """The roofline itself: min(peak, intensity * bandwidth) FLOP/s at a given intensity."""
    intensity = _positive(intensity, "intensity")
    peak_flops, bandwidth = _positive(peak_flops, "peak_flops"), _positive(bandwidth, "bandwidth")
    broadcast_shape(intensity=intensity, bandwidth=bandwidth, peak_flops=peak_flops)
    return _scalar(np.minimum(peak_flops, intensity * bandwidth))


def ridge_tokens(bandwidth, peak_flops, bytes_per_param=2.0):
    """Tokens per step (batch * tokens) at which a step without KV cache turns compute-bound.

    ridge_point * bytes_per_param / 2: about 295 on an H100 SXM in fp16, whatever the model size.
    """
    ridge, bytes_per_param = ridge_point(bandwidth, peak_flops), _positive(bytes_per_param, "bytes_per_param")
    broadcast_shape(bandwidth=np.asarray(ridge), bytes_per_param=bytes_per_param)
    return _scalar(ridge * bytes_per_param / 2.0)


# ----------------------------------------------------------------------------- verification and speedup

def verify_cost_ratio(params, bandwidth, peak_flops, k, batch=1, bytes_per_param=2.0, kv_bytes=0.0):
    """Cost of the verification pass (k+1 tokens) over one plain step (1 token), same batch.

    1 while both are memory-bound; k+1 when both are compute-bound; batch * (k+1) / ridge tokens
    in between.
    """
    k = as_count_array(k, "k", maximum=MAX_K)
    m = _Model(params, bandwidth, peak_flops, 1, batch, bytes_per_param, kv_bytes, k=k)
    return _scalar(m.step(tokens=k + 1) / m.step())


def verify_growth(params, bandwidth, peak_flops, k, batch=1, bytes_per_param=2.0, kv_bytes=0.0):
    """The same cost as `theory.speedup`'s verify_growth g: ratio = 1 + g * k, so g = (ratio - 1) / k."""
    k = as_count_array(k, "k", minimum=1, maximum=MAX_K)
    ratio = verify_cost_ratio(params, bandwidth, peak_flops, k, batch, bytes_per_param, kv_bytes)
    return _scalar((ratio - 1.0) / k)


def batch_speedup(alpha, k, c, params, bandwidth, peak_flops, batch=1, bytes_per_param=2.0, kv_bytes=0.0):
    """Speedup of speculative decoding at a batch size: theory.speedup with the roofline's growth.

    expected_tokens(alpha, k) / (k c + verify_cost_ratio); c is a draft step's time over one
    plain target step at the same batch (held fixed: a small draft stays memory-bound longer).
    """
    growth = verify_growth(params, bandwidth, peak_flops, k, batch, bytes_per_param, kv_bytes)
    return theory.speedup(alpha, k, c, growth)


def breakeven_batch(alpha, k, c, params, bandwidth, peak_flops, bytes_per_param=2.0, kv_bytes=0.0):
    """The batch size beyond which speculative decoding is slower than plain decoding.

    Speculation pays while the verification ratio stays below R = expected_tokens - k c. The ratio
    is batch * (k+1) * flops / (peak * memory time) once compute-bound; setting it to R gives

        batch = R * peak * W / (2 params * bandwidth * (k+1) - R * peak * kv_bytes)

    with W the weight bytes. nan when R < 1 (it does not pay even at batch 1, memory-bound);
    inf when the KV cache keeps the pass memory-bound at every batch.
    """
    alpha = as_unit_interval(alpha, "alpha")
    k = as_count_array(k, "k", minimum=1, maximum=MAX_K)
    c = as_nonnegative(c, "c")
    m = _Model(params, bandwidth, peak_flops, 1, 1, bytes_per_param, kv_bytes, alpha=alpha, k=k, c=c)
    with np.errstate(over="ignore"):            # a huge c: room -inf, speculation never pays (nan below)
        room = theory.expected_tokens(alpha, k) - k * c
    denominator = 2.0 * m.params * m.bandwidth * (k + 1) - room * m.peak_flops * m.kv_bytes
    with np.errstate(divide="ignore", invalid="ignore"):
        batch = np.where(denominator > 0, room * m.peak_flops * m.weights() / np.where(denominator > 0,
                                                                                     denominator, 1.0), np.inf)
    return _scalar(np.where(room < 1.0, np.nan, batch))


# ----------------------------------------------------------------------------- helpers

class _Model:
    """Validated, broadcastable inputs of one step, and its bytes, FLOPs and times."""

    def __init__(self, params, bandwidth, peak_flops, tokens, batch, bytes_per_param=2.0, kv_bytes=0.0, **others):
        """`others`: the caller's other array arguments (already checked), so that the shapes of all of
        them are checked together, naming the ones that do not broadcast."""
        self.params = _positive(params, "params")
        self.bandwidth = _positive(bandwidth, "bandwidth")
        self.peak_flops = _positive(peak_flops, "peak_flops")
        self.tokens = as_count_array(tokens, "tokens", minimum=1, maximum=MAX_K + 1)
        self.batch = _positive(batch, "batch")
        self.bytes_per_param = _positive(bytes_per_param, "bytes_per_param")
        self.kv_bytes = as_nonnegative(kv_bytes, "kv_bytes")
        if np.any(self.kv_bytes > ROOFLINE_RANGE[1]):
            raise ValueError(f"kv_bytes must lie in [0, {ROOFLINE_RANGE[1]:g}]; got {short_repr(kv_bytes)}")
        named = {name: getattr(self, name) for name in ("params", "bandwidth", "peak_flops", "tokens", "batch",
                                                         "bytes_per_param", "kv_bytes")}
        broadcast_shape(**{name: value for name, value in {**named, **others}.items() if np.ndim(value)})

    def weights(self):
        return self.params * self.bytes_per_param

    def bytes(self):
        return self.weights() + self.batch * self.kv_bytes

    def flops(self, tokens=None):
        return self.batch * (self.tokens if tokens is None else tokens) * 2.0 * self.params

    def memory(self):
        return self.bytes() / self.bandwidth

    def compute(self, tokens=None):
        return self.flops(tokens) / self.peak_flops

    def step(self, tokens=None):
        return np.maximum(self.memory(), self.compute(tokens))


def _positive(value, name: str) -> np.ndarray:
    """A roofline quantity: every entry in ROOFLINE_RANGE, so that no product or quotient overflows."""
    arr = as_nonnegative(value, name)
    low, high = ROOFLINE_RANGE
    if np.any((arr < low) | (arr > high)):
        raise ValueError(f"{name} must be a number in [{low:g}, {high:g}]; got {short_repr(value)}")
    return arr


def _scalar(x):
    x = np.asarray(x)
    return x.item() if x.ndim == 0 else x
