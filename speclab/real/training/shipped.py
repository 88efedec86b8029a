"""The draft speclab ships for the offline SmolLM2: trained once, committed as safetensors, loaded without training.

A fresh machine then measures and decodes with a draft at once, instead of spending minutes
distilling one. The file holds the head's weights and its vocabulary as tensors, and everything
else (the target's fingerprint, the measured rates and costs, the training record) as JSON in the
safetensors metadata, with a SHA-256 over the tensors and the rest of the metadata that every read
checks. How it was made is written beside it, in a .md file of the same name.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save_file

from ...files import open_regular, output_file, read_bytes, shown
from ...limits import MAX_DRAFT_BYTES
from ..._validate import ArgumentTypeError, short_repr
from .._checks import check_model
from ..drafters.feature import FeatureDrafter
from .fingerprint import target_fingerprint
from .weights import head_from_weights

#: Where the shipped draft lives inside the package.
SHIPPED_FILE = Path(__file__).with_name("shipped") / "smollm2-135m-instruct-draft.safetensors"
#: The metadata layout; a new version is a new file, never a reinterpretation of an old one.
#: 2: the metadata holds "sha256", over the tensors and every other metadata entry.
SHIPPED_FORMAT = "speclab-shipped-draft-2"
#: The issue's ceiling on a binary in git.
MAX_BYTES = 20 * 2**20
#: The largest safetensors header read (the shipped one, with its training record, is about 21 KB).
MAX_HEADER_BYTES = 16 * 2**20
#: The metadata entries a shipped draft holds (all strings; the last three are JSON).
META_KEYS = ("format", "fingerprint", "sha256", "shape", "measured", "record")


def contents_digest(tensors: dict, meta: dict) -> str:
    """SHA-256 over every tensor (name, dtype, shape, bytes) and every metadata entry but "sha256" itself."""
    digest = hashlib.sha256()
    for key in sorted(k for k in meta if k != "sha256"):
        digest.update(json.dumps([key, meta[key]]).encode())
    for name in sorted(tensors):
        tensor = tensors[name].detach().cpu().contiguous()
        digest.update(json.dumps([name, str(tensor.dtype), list(tensor.shape)]).encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def write_shipped_draft(drafter: FeatureDrafter, record, path=SHIPPED_FILE) -> Path:
    """Write `drafter` (and its training record) as the safetensors file `path`, atomically.

    The path is checked first; a file already there is replaced only if it is a shipped draft (of any version)."""
    if not isinstance(drafter, FeatureDrafter):
        raise ArgumentTypeError(f"drafter must be a FeatureDrafter; got {short_repr(drafter)}")
    path = output_file(path, "path", make_folders=True)
    if os.path.exists(path) and not _is_shipped_file(path):
        raise ValueError(f"path {shown(path)} exists and is not a shipped draft; it is never overwritten "
                         "(choose another path, or move the file away)")
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
    return _write(tensors, {**meta, "sha256": contents_digest(tensors, meta)}, path)


def _is_shipped_file(path) -> bool:
    """Whether `path` holds a safetensors header whose metadata names a shipped-draft format (any version)."""
    try:
        meta = _raw_metadata(path)
    except ValueError:
        return False
    return isinstance(meta, dict) and str(meta.get("format", "")).startswith("speclab-shipped-draft-")


def _write(tensors: dict, meta: dict, path: Path) -> Path:
    """Save through a temporary file in the same folder and move it into place; refuse a file over MAX_BYTES."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".partial-", suffix=".safetensors", dir=path.parent)
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata=meta)
        os.chmod(tmp, 0o644)                               # a package file, readable by all (mkstemp made it private)
        if os.path.getsize(tmp) > MAX_BYTES:
            raise ValueError(f"the draft takes {os.path.getsize(tmp) / 2**20:.1f} MiB; a shipped draft must stay "
                             f"under {MAX_BYTES / 2**20:.0f} MiB")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def read_metadata(path=SHIPPED_FILE) -> dict:
    """The metadata of a shipped draft (its header only, not the weights); one ValueError if it is not one."""
    return _check_metadata(_raw_metadata(path), f"the shipped draft {shown(path)}")


def _raw_metadata(path):
    """The `__metadata__` of the safetensors header of `path`, unchecked; ValueError if there is no such header."""
    where = f"the shipped draft {shown(path)}"
    with open_regular(path, "path", MAX_DRAFT_BYTES, missing=f"there is no readable shipped draft at {shown(path)}") \
            as handle:
        size = os.fstat(handle.fileno()).st_size
        length = int.from_bytes(handle.read(8), "little")
        if not 2 <= length <= min(MAX_HEADER_BYTES, size - 8):
            raise ValueError(f"{where} is not a safetensors file (its header length {length:,} does not fit)")
        return _parse_header(handle.read(length), where).get("__metadata__")


def _parse_header(raw: bytes, where: str) -> dict:
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ValueError(f"{where} has a damaged header (not JSON)") from None
    if not isinstance(header, dict):
        raise ValueError(f"{where} has a damaged header (not a JSON object)")
    return header


def _check_metadata(meta, where: str) -> dict:
    if not isinstance(meta, dict) or meta.get("format") != SHIPPED_FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise ValueError(f"{where} is not a {SHIPPED_FORMAT} file (its format is {short_repr(found)})")
    for key in META_KEYS:
        if not isinstance(meta.get(key), str):
            raise ValueError(f"{where} has a damaged header: its {key!r} entry is missing or not text")
    return meta


def shipped_fingerprint(path=SHIPPED_FILE) -> str | None:
    """The fingerprint of the target the shipped draft was distilled from, or None if there is no such file."""
    try:
        return read_metadata(path)["fingerprint"]
    except ValueError:
        return None


def read_contents(path=SHIPPED_FILE) -> tuple:
    """(tensors, metadata) of a shipped draft, after checking its checksum; one ValueError naming the file otherwise."""
    where = f"the shipped draft {shown(path)}"
    raw = read_bytes(path, "path", MAX_DRAFT_BYTES, missing=f"there is no readable shipped draft at {shown(path)}")
    length = int.from_bytes(raw[:8], "little")
    if not 2 <= length <= min(MAX_HEADER_BYTES, len(raw) - 8):
        raise ValueError(f"{where} is not a safetensors file (its header length {length:,} does not fit)")
    meta = _check_metadata(_parse_header(raw[8:8 + length], where).get("__metadata__"), where)
    try:
        tensors = load_tensors(raw)
    except (SafetensorError, ValueError, RuntimeError, TypeError) as error:
        raise ValueError(f"{where} cannot be read ({str(error).splitlines()[0][:120]})") from None
    if contents_digest(tensors, meta) != meta["sha256"]:
        raise ValueError(f"{where} is damaged: its checksum does not match its weights and metadata")
    return tensors, meta


def read_shipped_draft(target, path=SHIPPED_FILE):
    """(FeatureDrafter, record dict) from the shipped file; ValueError if it is missing, damaged or for another target."""
    check_model(target, "target")
    where = f"the shipped draft {shown(path)}"
    fingerprint = read_metadata(path)["fingerprint"]
    if fingerprint != target_fingerprint(target):
        raise ValueError(f"the shipped draft {Path(path).name} was distilled from another target (fingerprint "
                         f"{fingerprint[:16]}); it only serves the offline SmolLM2-135M-Instruct")
    tensors, meta = read_contents(path)
    try:
        shape, measured, record = (json.loads(meta[key]) for key in ("shape", "measured", "record"))
        vocab = tensors["vocab"]
        head = head_from_weights(shape["hidden"], shape["head_dim"], shape["mlp_ratio"],
                                 {k[len("head."):]: v for k, v in tensors.items() if k.startswith("head.")}, where)
        drafter = FeatureDrafter(target, head, vocab.to(torch.long), rates=measured["rates"], c=measured["c"],
                                 pass_costs=measured["pass_costs"], first_hits=measured["first_hits"])
        tokens = record.get("cost_tokens") or []
        device = measured["device"]
    except (KeyError, TypeError, AttributeError, ValueError, RuntimeError, RecursionError) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        if isinstance(error, KeyError):
            message = f"it lacks the entry {message}"
        raise ValueError(message if message.startswith(where) else f"{where} does not hold a usable draft "
                         f"({message[:200]})") from None
    if device != drafter.vocab.device.type and len(tokens) >= 3:
        drafter.measure_costs(tokens)                       # costs measured on a CPU say nothing of a GPU
    return drafter, record
