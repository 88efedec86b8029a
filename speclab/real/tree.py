"""Tree-shaped verification: one target pass scores several candidate continuations at once.

A pass over n new rows normally reads them as one chain. Given each row's parent (an earlier
row, or -1 for the row that continues the cached prefix), every row instead attends to the
prefix, its ancestors and itself, and sits at position prefix + depth (SpecInfer, Miao et al.
2024; Medusa and EAGLE verify their drafts the same way). After verification only one path of
the tree is kept: `keep_path` moves that path's cache entries next to the prefix and drops the rest.
"""

from __future__ import annotations

import torch


def depths(parents: list) -> list:
    """Each row's depth in the tree: 0 for a root row, its parent's depth + 1 otherwise."""
    out = []
    for row, parent in enumerate(parents):
        if not -1 <= parent < row:
            raise ValueError(f"parents[{row}] must be -1 or an earlier row (0..{row - 1}); got {parent}")
        out.append(0 if parent < 0 else out[parent] + 1)
    return out


def visible(parents: list) -> torch.Tensor:
    """[n, n] bool: row i may attend to row j (j is i or one of its ancestors)."""
    n = len(parents)
    sees = torch.eye(n, dtype=torch.bool)
    for row, parent in enumerate(parents):
        if parent >= 0:
            sees[row] |= sees[parent]
    return sees


def tree_inputs(parents: list, past: int, device, dtype) -> dict:
    """The `position_ids` and additive 4D `attention_mask` a Hugging Face causal LM needs to read
    the rows as a tree on top of `past` cached tokens."""
    depth = depths(parents)
    sees = torch.cat([torch.ones(len(parents), past, dtype=torch.bool), visible(parents)], dim=1)
    mask = torch.zeros(sees.shape, dtype=dtype).masked_fill(~sees, torch.finfo(dtype).min)
    positions = torch.tensor([[past + d for d in depth]], dtype=torch.long)
    return {"position_ids": positions.to(device), "attention_mask": mask[None, None].to(device)}


def path_to(parents: list, row: int) -> list:
    """The rows from the root down to `row`, in order."""
    path = []
    while row >= 0:
        path.append(row)
        row = parents[row]
    return path[::-1]


def keep_path(cache, past: int, rows: list) -> None:
    """Keep the cache's first `past` entries plus the entries of `rows` (ascending), in that order."""
    for layer in getattr(cache, "layers", []):
        for name in ("keys", "values"):
            tensor = getattr(layer, name, None)
            if tensor is None or tensor.numel() == 0:
                continue
            for slot, row in enumerate(rows):
                if row != slot:                       # rows ascend, so no source is overwritten before use
                    tensor[..., past + slot, :] = tensor[..., past + row, :]
    extra = cache.get_seq_length() - (past + len(rows))
    if extra > 0:
        cache.crop(-extra)
