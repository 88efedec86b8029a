"""Which kernel a verification pass should use on this machine: measured once per model, not assumed.

speclab's column kernel (row_kernel.py) makes a pass over 2-8 tokens use every core on CPUs whose
matrix library leaves them idle for a few rows; on other CPUs (without AVX-512, say) the stock
kernel is the faster one, and a verification pass through the wrong kernel costs a round far more
than the speedup formula charges. `faster_kernel` times both on the model's own passes over 2-4
tokens, interleaved, and the decoder keeps the cheaper one for that model for the session;
`calibrate` does the same at full length and lets a drafter plan with what it measured.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from ._checks import position_limit

#: model -> True when its column kernel was the faster, chosen once this session (forgotten with the model).
_CHOSEN = weakref.WeakKeyDictionary()

#: The rows timed: the passes a chain of k = 1..3 drafts verifies.
ROWS = (2, 3, 4)


def faster_kernel(model, prompt_ids: list, blocks: int = 2) -> bool:
    """True when the column kernel's passes over ROWS tokens cost less than the stock kernel's on
    this machine now (t(n)/t(1), interleaved in `blocks` ABBA blocks); remembered per model."""
    if model not in _CHOSEN:
        limit = position_limit(model)
        if limit is not None and limit <= max(ROWS):       # no room to time a pass: the stock kernel
            return False
        calibrate(model, prompt_ids, max_tokens=max(ROWS), blocks=blocks)
    return _CHOSEN[model]


def forget(model) -> None:
    """Measure again on the next generation (after the machine's load or threads changed)."""
    _CHOSEN.pop(model, None)


@dataclass(frozen=True)
class Calibration:
    """What a drafter plans with on this machine: the kernel kept, its t(n)/t(1) and the draft's c."""

    column: bool                   # the column kernel was the faster; decoders of this target use it
    pass_costs: list               # t(n)/t(1), n = 1..len, through the kernel kept (medians)
    stock: list                    # the same through the stock kernel
    columns: list                  # and through the column kernel
    c: float                       # one draft step over one target step (nan without a drafter)

    def __str__(self) -> str:
        shown = lambda costs: " ".join(f"{g:.2f}" for g in costs[1:5])
        return (f"kept the {'column' if self.column else 'stock'} kernel (c = {self.c:.3f}); t(n)/t(1), n = 2..5:\n"
                f"  stock {shown(self.stock)}, column {shown(self.columns)}")


def calibrate(target, prompt_ids: list, drafter=None, max_tokens: int = 9, blocks: int = 5) -> Calibration:
    """Time both kernels on `target` (interleaved, `blocks` ABBA blocks), keep the faster for this
    target's decoders, and let `drafter` (one with `use_costs`, e.g. a FeatureDrafter) plan with
    this machine's c and t(n)/t(1) through that kernel, not those stored with it."""
    from .measure.draft_cost import measure_draft_cost
    from .measure.timing import kernel_growth

    limit = position_limit(target)
    if limit is not None:                      # the prompt and the timed passes must fit the model
        prompt_ids = list(prompt_ids)[-max(limit - max_tokens, 1):]
    growth = kernel_growth(target, list(prompt_ids), max_tokens=max_tokens, blocks=blocks)
    medians = {kernel: [s.median for s in spreads] for kernel, spreads in growth.items()}
    cost = {kernel: float(np.mean([m[n - 1] for n in ROWS])) for kernel, m in medians.items()}
    column = cost["column"] < cost["stock"]
    _CHOSEN[target] = column
    kept = medians["column" if column else "stock"]
    c = float("nan")
    if drafter is not None:
        c = measure_draft_cost(drafter, target, list(prompt_ids))
        drafter.use_costs(c, kept)
    return Calibration(column, kept, medians["stock"], medians["column"], c)
