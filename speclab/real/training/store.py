"""Saving and loading a trained draft, tied to its target by a fingerprint and guarded by a checksum.

A draft only makes sense for the target it was distilled from, so the file records the target's
fingerprint and `load_draft` refuses any other target. The file starts with the SHA-256 of its
payload: a truncated or altered file is detected and (by load_offline_draft) retrained, never used.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import warnings
from pathlib import Path

import torch

from ..drafters.feature_head import FeatureHead
from ..offline import cache_dir
from ..drafters.feature import FeatureDrafter

FORMAT = "speclab-feature-draft-4"   # a new version retrains drafts saved by older code


class CorruptDraftError(ValueError):
    """The draft file is damaged (checksum mismatch, truncated, or not a speclab draft)."""


def target_fingerprint(target) -> str:
    """SHA-256 over the target's architecture and a sample of every parameter (cheap, weight-sensitive)."""
    digest = hashlib.sha256()
    digest.update(type(target).__name__.encode())
    digest.update(target.config.to_json_string(use_diff=False).encode() if hasattr(target.config, "to_json_string")
                  else repr(target.config).encode())
    with torch.no_grad():
        for name, p in target.named_parameters():
            digest.update(name.encode())
            digest.update(str(tuple(p.shape)).encode())
            digest.update(p.detach().reshape(-1)[:256].float().cpu().numpy().tobytes())
    return digest.hexdigest()


def default_draft_path(target) -> Path:
    """Where load_offline_draft keeps the draft for `target`: <speclab cache>/drafts/<fingerprint>.draft."""
    return cache_dir() / "drafts" / f"{target_fingerprint(target)[:16]}.draft"


def save_draft(drafter: FeatureDrafter, record, path) -> Path:
    """Write the draft's weights, vocabulary, measured alpha/c and training record (atomically)."""
    head = drafter.head
    payload = {
        "format": FORMAT,
        "fingerprint": target_fingerprint(drafter.target),
        "hidden": head.hidden, "head_dim": head.head_dim, "mlp_ratio": head.gate_up.out_features / 2 / head.hidden,
        "state": {k: v.detach().cpu() for k, v in head.state_dict().items()},
        "vocab": drafter.vocab.cpu(),
        "rates": drafter.rates, "c": drafter.c, "pass_costs": drafter.pass_costs, "first_hits": drafter.first_hits,
        "device": str(drafter.vocab.device.type),
        "record": record.as_dict() if record is not None else None,
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    data = buffer.getvalue()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".partial-", dir=path.parent)
    with os.fdopen(fd, "wb") as handle:
        handle.write(hashlib.sha256(data).hexdigest().encode() + b"\n" + data)
    os.replace(tmp, path)
    return path


def read_payload(path) -> dict:
    """The saved dict, after checking the checksum; CorruptDraftError if the file is damaged."""
    raw = Path(path).read_bytes()
    checksum, _, data = raw.partition(b"\n")
    if len(checksum) != 64 or hashlib.sha256(data).hexdigest().encode() != checksum:
        raise CorruptDraftError(f"the draft file {path} is corrupted (checksum mismatch); delete it or retrain")
    try:
        payload = torch.load(io.BytesIO(data), weights_only=True)
    except Exception as error:
        raise CorruptDraftError(f"the draft file {path} cannot be read ({error})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CorruptDraftError(f"{path} is not a speclab feature-draft file")
    return payload


def load_draft(path, target):
    """(FeatureDrafter, record dict) from `path`; ValueError if it was trained for another target."""
    payload = read_payload(path)
    if payload["fingerprint"] != target_fingerprint(target):
        raise ValueError(f"the draft in {path} was trained for a different target (fingerprint "
                         f"{payload['fingerprint'][:16]}); a draft only serves the target it was distilled from")
    head = FeatureHead(payload["hidden"], payload["head_dim"], payload["mlp_ratio"])
    head.load_state_dict(payload["state"])
    drafter = FeatureDrafter(target, head, payload["vocab"], rates=payload["rates"], c=payload["c"],
                             pass_costs=payload["pass_costs"], first_hits=payload["first_hits"])
    tokens = (payload["record"] or {}).get("cost_tokens") or []
    if payload.get("device") != drafter.vocab.device.type and len(tokens) >= 3:   # costs depend on the device
        drafter.measure_costs(tokens)
    return drafter, payload["record"]


def load_offline_draft(target, tokenizer, path=None, progress: bool = True, **train_options):
    """The cached draft for `target` (the offline SmolLM2 by default), training and saving it first if needed.

    Returns (drafter, record dict). A corrupted cache file is reported and retrained.
    """
    from .fit import train_draft

    path = Path(path) if path is not None else default_draft_path(target)
    if path.is_file():
        try:
            return load_draft(path, target)
        except CorruptDraftError as error:
            warnings.warn(f"{error}; training a new draft", stacklevel=2)
    drafter, record = train_draft(target, tokenizer, progress=progress, **train_options)
    save_draft(drafter, record, path)
    return drafter, record.as_dict()
