"""The trained draft's network: one small transformer layer that drafts from the target's own features.

EAGLE (Li et al. 2024) observed that the target's last hidden state (the "feature" its output head
reads) is far easier to extrapolate than tokens are. So the draft reads, at position i, the pair
[f_i ; e(x_{i+1})] -- the target's feature for token i and the embedding of the token that came
next -- and predicts the feature f_{i+1}; the target's own output head (frozen, restricted to the
most frequent rows, FR-Spec 2025) turns that feature into a next-token guess. Drafting deeper feeds
the predicted feature back in place of the true one.

Why this architecture on a 2-core CPU: one layer over a 576-wide feature plus a 4,096-row head
costs about 1 ms against the target's 40 ms, so c is near 0.03; the features carry the target's
whole context, so one layer suffices where a token-only model would need many. The KV cache is
plain tensors cropped after rejections, like the target's.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..._validate import as_count, as_real_in, check_memory


def rms_norm(x: torch.Tensor, weight: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight


def rotate(x: torch.Tensor, positions: torch.Tensor, theta: float = 10000.0) -> torch.Tensor:
    """Rotary position embedding (RoFormer) of x [..., T, head_dim] at integer positions [T]."""
    half = x.shape[-1] // 2
    freqs = theta ** (-torch.arange(half, dtype=torch.float32, device=x.device) / half)
    angles = positions.to(torch.float32)[:, None] * freqs[None, :]
    cos, sin = angles.cos().to(x.dtype), angles.sin().to(x.dtype)
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


class FeatureHead(nn.Module):
    """[f_i ; e(x_{i+1})] -> predicted f_{i+1}: a linear fuse, one pre-norm attention+MLP layer, a norm.

    The token embedding and the output rows are the target's (passed in, frozen, not stored here).
    """

    def __init__(self, hidden: int, head_dim: int = 64, mlp_ratio: float = 2.0):
        super().__init__()
        hidden, head_dim = as_count(hidden, "hidden", minimum=1), as_count(head_dim, "head_dim", minimum=1)
        mlp_ratio = as_real_in(mlp_ratio, "mlp_ratio", 1.0 / hidden, 64.0)
        check_memory(4.0 * hidden * hidden * (6 + 3 * mlp_ratio), f"a feature head of hidden size {hidden:,}",
                     "hidden or mlp_ratio")
        if hidden % head_dim:
            head_dim = hidden // max(1, hidden // head_dim)
        self.hidden, self.head_dim, self.n_heads = hidden, head_dim, hidden // head_dim
        inner = int(hidden * mlp_ratio)
        self.fuse = nn.Linear(2 * hidden, hidden, bias=False)
        self.norm_attn = nn.Parameter(torch.ones(hidden))
        self.qkv = nn.Linear(hidden, 3 * hidden, bias=False)
        self.out = nn.Linear(hidden, hidden, bias=False)
        self.norm_mlp = nn.Parameter(torch.ones(hidden))
        self.gate_up = nn.Linear(hidden, 2 * inner, bias=False)
        self.down = nn.Linear(inner, hidden, bias=False)
        self.norm_out = nn.Parameter(torch.ones(hidden))

    def reset(self, generator: torch.Generator) -> "FeatureHead":
        """Seeded initialization (normal, std 0.02; output projections scaled down as in GPT-2)."""
        for name, p in self.named_parameters():
            if p.ndim == 2:
                std = 0.02 / math.sqrt(2.0) if name.startswith(("out", "down")) else 0.02
                with torch.no_grad():
                    p.copy_(torch.randn(p.shape, generator=generator) * std)
        return self

    # ---------------------------------------------------------------- pieces

    def fused(self, features: torch.Tensor, next_embeddings: torch.Tensor) -> torch.Tensor:
        return self.fuse(torch.cat([features, next_embeddings], dim=-1))

    def heads(self, x: torch.Tensor, positions: torch.Tensor):
        """q, k, v as [B, H, T, head_dim], q and k rotated to their positions."""
        b, t, _ = x.shape
        q, k, v = self.qkv(rms_norm(x, self.norm_attn)).view(b, t, 3, self.n_heads, self.head_dim).unbind(2)
        q, k, v = (y.transpose(1, 2) for y in (q, k, v))
        return rotate(q, positions), rotate(k, positions), v

    def finish(self, x: torch.Tensor, attended: torch.Tensor) -> torch.Tensor:
        """Residual attention output, then the gated MLP, then the output norm: the predicted feature."""
        b, _, t, _ = attended.shape
        x = x + self.out(attended.transpose(1, 2).reshape(b, t, self.hidden))
        gate, up = self.gate_up(rms_norm(x, self.norm_mlp)).chunk(2, dim=-1)
        x = x + self.down(nn.functional.silu(gate) * up)
        return rms_norm(x, self.norm_out)

    # ---------------------------------------------------------------- inference (one sequence, cached)

    def step(self, features, next_embeddings, cache: "HeadCache") -> torch.Tensor:
        """Append n entries [1, n, .] to the cache and return their predicted features [n, hidden]."""
        x = self.fused(features, next_embeddings)
        n = x.shape[1]
        positions = torch.arange(cache.length, cache.length + n, device=x.device)
        q, k, v = self.heads(x, positions)
        keys, values = cache.append(k, v)
        total = keys.shape[2]
        # causal: new entry j sees every cached entry and the new ones up to itself
        mask = torch.ones(n, total, dtype=torch.bool, device=x.device).tril(total - n)
        attended = nn.functional.scaled_dot_product_attention(q, keys, values, attn_mask=mask)
        return self.finish(x, attended)[0]

    # ---------------------------------------------------------------- training (training-time test)

    def unrolled(self, features, next_embeddings, depth: int) -> list:
        """Predicted features of passes 1..depth over whole sequences [B, T, .] (EAGLE-3's test-time mask).

        Pass 1 reads the true features. Pass m reads pass m-1's prediction from the previous
        position, exactly as drafting m tokens deep does: its query at position i attends to the
        true entries up to i-m+1 and to the predicted entries at i-m+2..i of passes 2..m, one each.
        """
        t = features.shape[1]
        positions = torch.arange(t, device=features.device)
        causal = torch.ones(t, t, dtype=torch.bool, device=features.device).tril()
        inputs, keys, values, outputs = features, [], [], []
        for m in range(1, depth + 1):
            x = self.fused(inputs, next_embeddings)
            q, k, v = self.heads(x, positions)
            keys.append(k)
            values.append(v)
            scale = 1.0 / math.sqrt(self.head_dim)
            scores = [(q @ keys[0].transpose(-1, -2)).masked_fill(~causal.tril(-(m - 1)), float("-inf"))]
            for j in range(2, m + 1):                      # pass j's entry at position i - (m - j)
                scores.append((q * _shift(keys[j - 1], m - j)).sum(-1, keepdim=True))
            weights = torch.softmax(torch.cat(scores, dim=-1) * scale, dim=-1).nan_to_num(0.0)
            attended = weights[..., :t] @ values[0]
            for j in range(2, m + 1):
                attended = attended + weights[..., t + j - 2: t + j - 1] * _shift(values[j - 1], m - j)
            out = self.finish(x, attended)
            outputs.append(out)
            inputs = _shift(out, 1)                        # the prediction made at i-1 feeds position i
        return outputs


def _shift(x: torch.Tensor, by: int) -> torch.Tensor:
    """x moved `by` positions later along the sequence axis (-2), zeros in front."""
    if by == 0:
        return x
    pad = torch.zeros_like(x[..., :by, :])
    return torch.cat([pad, x[..., :-by, :]], dim=-2)


class HeadCache:
    """The draft layer's keys and values for the first `length` entries; crop forgets the rest."""

    def __init__(self):
        self.keys = self.values = None

    @property
    def length(self) -> int:
        return 0 if self.keys is None else self.keys.shape[2]

    def append(self, k: torch.Tensor, v: torch.Tensor):
        self.keys = k if self.keys is None else torch.cat([self.keys, k], dim=2)
        self.values = v if self.values is None else torch.cat([self.values, v], dim=2)
        return self.keys, self.values

    def crop(self, length: int) -> None:
        if self.keys is not None and self.length > length:
            self.keys, self.values = self.keys[:, :, :length], self.values[:, :, :length]
