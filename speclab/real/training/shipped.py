"""The draft speclab ships for the offline SmolLM2: trained once, committed as safetensors, loaded without training.

A fresh machine then measures and decodes with a draft at once, instead of spending minutes
distilling one. The file holds the head's weights and its vocabulary as tensors, and everything
else (the target's fingerprint, the measured rates and costs, the training record) as JSON in the
safetensors metadata. How it was made is written beside it, in a .md file of the same name.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ..._validate import ArgumentTypeError, short_repr
from .._checks import check_model
from ..drafters.feature import FeatureDrafter
from ..drafters.feature_head import FeatureHead

#: Where the shipped draft lives inside the package.
SHIPPED_FILE = Path(__file__).with_name("shipped") / "smollm2-135m-instruct-draft.safetensors"
#: The metadata layout; a new version is a new file, never a reinterpretation of an old one.
SHIPPED_FORMAT = "speclab-shipped-draft-1"
#: The issue's ceiling on a binary in git.
MAX_BYTES = 20 * 2**20


def write_shipped_draft(drafter: FeatureDrafter, record, path=SHIPPED_FILE) -> Path:
    """Write `drafter` (and its training record) as the safetensors file `path`, atomically."""
    from .store import target_fingerprint

    if not isinstance(drafter, FeatureDrafter):
        raise ArgumentTypeError(f"drafter must be a FeatureDrafter; got {short_repr(drafter)}")
    record = record if isinstance(record, dict) else record.as_dict()
    head = drafter.head
    tensors = {f"head.{k}": v.detach().cpu().contiguous() for k, v in head.state_dict().items()}
    tensors["vocab"] = drafter.vocab.detach().cpu().contiguous()
    meta = {"format": SHIPPED_FORMAT, "fingerprint": target_fingerprint(drafter.target),
            "shape": json.dumps({"hidden": head.hidden, "head_dim": head.head_dim,
                                 "mlp_ratio": head.gate_up.out_features / 2 / head.hidden}),
            "measured": json.dumps({"rates": drafter.rates, "c": drafter.c, "pass_costs": drafter.pass_costs,
                                    "first_hits": drafter.first_hits, "device": drafter.vocab.device.type}),
            "record": json.dumps(record)}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".partial-", suffix=".safetensors", dir=path.parent)
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata=meta)
        if os.path.getsize(tmp) > MAX_BYTES:
            raise ValueError(f"the draft takes {os.path.getsize(tmp) / 2**20:.1f} MiB; a shipped draft must stay "
                             f"under {MAX_BYTES / 2**20:.0f} MiB")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def shipped_fingerprint(path=SHIPPED_FILE) -> str | None:
    """The fingerprint of the target the shipped draft was distilled from, or None if there is no such file."""
    try:
        with open(path, "rb") as handle:
            size = int.from_bytes(handle.read(8), "little")
            header = json.loads(handle.read(size))
    except (OSError, ValueError):
        return None
    meta = header.get("__metadata__") or {}
    return meta.get("fingerprint") if meta.get("format") == SHIPPED_FORMAT else None


def read_shipped_draft(target, path=SHIPPED_FILE):
    """(FeatureDrafter, record dict) from the shipped file; ValueError if it is missing, damaged or for another target."""
    from .store import target_fingerprint

    check_model(target, "target")
    path = Path(path)
    fingerprint = shipped_fingerprint(path)
    if fingerprint is None:
        raise ValueError(f"there is no readable shipped draft at {path}")
    if fingerprint != target_fingerprint(target):
        raise ValueError(f"the shipped draft {path.name} was distilled from another target (fingerprint "
                         f"{fingerprint[:16]}); it only serves the offline SmolLM2-135M-Instruct")
    try:
        tensors = load_file(path)
    except (SafetensorError, OSError) as error:
        raise ValueError(f"the shipped draft {path} cannot be read ({error})") from None
    with open(path, "rb") as handle:
        meta = json.loads(handle.read(int.from_bytes(handle.read(8), "little")))["__metadata__"]
    shape, measured = json.loads(meta["shape"]), json.loads(meta["measured"])
    head = FeatureHead(shape["hidden"], shape["head_dim"], shape["mlp_ratio"])
    head.load_state_dict({k[len("head."):]: v for k, v in tensors.items() if k.startswith("head.")})
    drafter = FeatureDrafter(target, head, tensors["vocab"].to(torch.long), rates=measured["rates"],
                             c=measured["c"], pass_costs=measured["pass_costs"], first_hits=measured["first_hits"])
    record = json.loads(meta["record"])
    if measured["device"] != drafter.vocab.device.type and len(record.get("cost_tokens") or []) >= 3:
        drafter.measure_costs(record["cost_tokens"])            # costs measured on a CPU say nothing of a GPU
    return drafter, record
