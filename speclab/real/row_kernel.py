"""Few-row linear layers computed as W @ x^T, so that a verification pass on a CPU uses every core.

Plain decoding multiplies each weight matrix by one row. On a CPU, MKL does that with a gemv that
runs on one thread; for 2 or 3 rows it runs that gemv once per row. So a target pass over n
tokens costs nearly n single-token passes (SmolLM2-135M, 2 cores: t(2)/t(1) = 1.7, t(3)/t(1) = 2.1),
and a draft has to be right very often before checking it can pay.

The same product written the other way round, (W @ x^T)^T, is a gemm whose small side is n: MKL
reads W once and splits it over all threads. Then t(n)/t(1) falls below 1.1 up to n = 5, because
the verification pass uses the core that single-row decoding leaves idle. That idle core is this
machine's counterpart of the idle arithmetic units that make verification cheap on a GPU.

Only the order of the additions inside each dot product changes, so results agree with
`torch.nn.functional.linear` to float rounding (about 1e-7 relative); greedy outputs are checked
token for token in the tests. One-row products and long prefills are left to the stock kernel.
"""

from __future__ import annotations

import contextlib

import torch
from torch.overrides import TorchFunctionMode

#: The largest number of rows computed column-wise; above it MKL's own gemm is as fast or faster.
MAX_ROWS = 8
#: Rows per thread up to which column products won in our measurements (SmolLM2-135M: with one
#: thread they win up to 5 rows and lose 5-10% at 6-8; with two they win up to 8).
ROWS_PER_THREAD = 4


def max_rows() -> int:
    """How many rows column products take on at the current torch thread count."""
    return min(MAX_ROWS, ROWS_PER_THREAD * torch.get_num_threads())


class ColumnProducts(TorchFunctionMode):
    """Within the block, F.linear on 2..max_rows() rows (no bias) is computed as (W @ x^T)^T."""

    def __init__(self):
        super().__init__()
        self.max_rows = max_rows()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is torch.nn.functional.linear:
            x, weight = args[0], args[1]
            bias = args[2] if len(args) > 2 else kwargs.get("bias")
            rows = x.numel() // x.shape[-1] if x.dim() >= 2 else 1
            if bias is None and 2 <= rows <= self.max_rows and x.device.type == "cpu" and weight.dim() == 2:
                flat = x.reshape(rows, x.shape[-1])
                return torch.mm(weight, flat.t()).t().reshape(*x.shape[:-1], weight.shape[0])
        return func(*args, **kwargs)


def column_products(device, rows: int, enabled: bool = True):
    """ColumnProducts for a pass over `rows` tokens on a CPU, when enabled and 2 <= rows <= max_rows();
    a no-op context otherwise (one row, long passes, GPUs: the stock kernel serves)."""
    if enabled and 2 <= rows <= max_rows() and torch.device(device).type == "cpu":
        return ColumnProducts()
    return contextlib.nullcontext()
