"""Few-row linear layers computed as W @ x^T, so that a verification pass on a CPU uses every core.

Plain decoding multiplies each weight matrix by one row. On a CPU, MKL does that with a gemv that
runs on one thread; for 2 or 3 rows it runs that gemv once per row. So a target pass over n
tokens costs nearly n single-token passes (SmolLM2-135M, 2 cores: t(2)/t(1) = 1.7, t(3)/t(1) = 2.1),
and a draft has to be right very often before checking it can pay.

The same product written the other way round, (W @ x^T)^T, is a gemm whose small side is n: MKL
reads W once and splits it over all threads. Then t(n)/t(1) falls below 1.1 up to n = 5, because
the verification pass uses the core that single-row decoding leaves idle. That idle core is this
machine's counterpart of the idle arithmetic units that make verification cheap on a GPU.

The swap is per layer and per pass (ColumnProducts): an earlier version intercepted every torch
call of the pass (a TorchFunctionMode), which cost about 5 ms of a 55 ms pass in Python overhead.

Only the order of the additions inside each dot product changes, so results agree with
`torch.nn.functional.linear` to float rounding (about 1e-7 relative); greedy outputs are checked
token for token in the tests. One-row products and long prefills are left to the stock kernel.
"""

from __future__ import annotations

import contextlib

import torch

#: The largest number of rows computed column-wise; above it MKL's own gemm is as fast or faster.
MAX_ROWS = 8
#: Rows per thread up to which column products won in our measurements (SmolLM2-135M: with one
#: thread they win up to 5 rows and lose 5-10% at 6-8; with two they win up to 8).
ROWS_PER_THREAD = 4


def max_rows() -> int:
    """How many rows column products take on at the current torch thread count."""
    return min(MAX_ROWS, ROWS_PER_THREAD * torch.get_num_threads())


def column_linear(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """x @ W^T computed as (W @ x^T)^T: one gemm that reads W once and splits it over every core."""
    rows = x.numel() // x.shape[-1]
    return torch.mm(weight, x.reshape(rows, x.shape[-1]).t()).t().reshape(*x.shape[:-1], weight.shape[0])


def bias_free_linears(module) -> list:
    """The nn.Linear layers without a bias inside `module` (the ones column products take over)."""
    return [layer for layer in module.modules() if isinstance(layer, torch.nn.Linear) and layer.bias is None]


class ColumnProducts:
    """Within the block, each of `linears` computes inputs of 2..max_rows() rows on a CPU as (W @ x^T)^T.

    It swaps the layers' forward for the block only (an instance attribute over the class's, put
    back on exit), so only these layers pay a check; any other call runs the layer's own forward.
    """

    def __init__(self, linears: list):
        self.linears = list(linears)
        self.max_rows = max_rows()
        self._saved = []

    def __enter__(self):
        self._saved = [layer.__dict__.get("forward") for layer in self.linears]
        for layer in self.linears:
            layer.forward = self._forward_for(layer, layer.forward)
        return self

    def __exit__(self, *exc):
        for layer, saved in zip(self.linears, self._saved):
            if saved is None:
                layer.__dict__.pop("forward", None)
            else:
                layer.forward = saved
        return False

    def _forward_for(self, layer, original):
        limit = self.max_rows

        def forward(x):
            rows = x.numel() // x.shape[-1] if x.dim() >= 2 else 1
            if 2 <= rows <= limit and x.device.type == "cpu" and layer.weight.device.type == "cpu":
                return column_linear(x, layer.weight)
            return original(x)

        return forward


def column_products(linears: list, rows: int, enabled: bool = True):
    """ColumnProducts over `linears` (from bias_free_linears) for a pass over `rows` tokens, when
    enabled, on a CPU, and 2 <= rows <= max_rows(); a no-op context otherwise (one row, long
    passes, GPUs: the stock kernel serves)."""
    on_cpu = bool(linears) and linears[0].weight.device.type == "cpu"
    if enabled and on_cpu and 2 <= rows <= max_rows():
        return ColumnProducts(linears)
    return contextlib.nullcontext()
