"""Which target a draft belongs to: a fingerprint of the target's architecture and weights.

A draft only makes sense for the target it was distilled from; the draft store and the shipped
draft both record this fingerprint and refuse any other target. It never depends on the folder the
target was loaded from, so the same weights find their draft wherever they live.
"""

from __future__ import annotations

import hashlib
import json

import torch

from .._checks import check_model

#: Weights sampled per parameter tensor for the fingerprint (evenly strided over the tensor).
SAMPLES_PER_TENSOR = 256
#: Config entries that say where or how a model was loaded, not what it computes.
PROVENANCE = frozenset({"name_or_path", "transformers_version", "dtype", "torch_dtype", "architectures"})


def target_fingerprint(target) -> str:
    """SHA-256 over the target's class, its config (without folder names and other provenance) and an
    evenly strided sample of every parameter: cheap, weight-sensitive, the same wherever it was loaded from."""
    check_model(target, "target")
    digest = hashlib.sha256()
    digest.update(type(target).__name__.encode())
    digest.update(json.dumps(_architecture(target.config.to_dict()), sort_keys=True, default=str).encode())
    with torch.no_grad():
        for name, p in target.named_parameters():
            flat = p.detach().reshape(-1)
            digest.update(name.encode())
            digest.update(str(tuple(p.shape)).encode())
            digest.update(flat[:: max(1, flat.numel() // SAMPLES_PER_TENSOR)].float().cpu().numpy().tobytes())
    return digest.hexdigest()


def _architecture(config):
    """A config dict without provenance: private entries (_name_or_path, _commit_hash, ...) and PROVENANCE."""
    if isinstance(config, dict):
        return {k: _architecture(v) for k, v in config.items()
                if not str(k).startswith("_") and k not in PROVENANCE}
    return config
