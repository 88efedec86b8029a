"""Saving and loading a trained draft, tied to its target by a fingerprint and guarded by a checksum.

A draft only makes sense for the target it was distilled from, so the file records the target's
fingerprint (its architecture and a sample of its weights, never the folder it was loaded from)
and `load_draft` refuses any other target. The file starts with a header line naming the format
and the SHA-256 of the payload: a truncated or altered draft is detected and (by
load_offline_draft) retrained, never used. The package only ever replaces a file that is a
draft: anything else at the path is refused before any work, and a draft is written to a
temporary file in the same folder first and moved into place in one step (os.replace).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import tempfile
import warnings
from pathlib import Path

import torch

from ..._validate import ArgumentTypeError, short_repr
from .._checks import check_model
from ..drafters.feature_head import FeatureHead
from ..offline import cache_dir
from ..drafters.feature import FeatureDrafter

#: The format of the payload: a new version retrains drafts saved by older code.
#: 5: the fingerprint leaves out the model's folder (config._name_or_path) and samples every weight.
FORMAT = "speclab-feature-draft-5"
#: Every speclab draft file (any version from 5 on) starts with this; version 4 and older started
#: with the 64 hex digits of the checksum, a newline and a zip archive (torch.save).
HEADER = b"speclab-feature-draft-"
_LEGACY = re.compile(rb"[0-9a-f]{64}\nPK\x03\x04")
#: Weights sampled per parameter tensor for the fingerprint (evenly strided over the tensor).
SAMPLES_PER_TENSOR = 256


class CorruptDraftError(ValueError):
    """The file is a speclab draft, but damaged (checksum mismatch, truncated) or of an older format."""


class NotADraftError(ValueError):
    """The file is not a speclab draft: it is never read as one, nor overwritten."""


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


#: Config entries that say where or how a model was loaded, not what it computes.
PROVENANCE = frozenset({"name_or_path", "transformers_version", "dtype", "torch_dtype", "architectures"})


def _architecture(config):
    """A config dict without provenance: private entries (_name_or_path, _commit_hash, ...) and PROVENANCE."""
    if isinstance(config, dict):
        return {k: _architecture(v) for k, v in config.items()
                if not str(k).startswith("_") and k not in PROVENANCE}
    return config


def default_draft_path(target) -> Path:
    """Where load_offline_draft keeps the draft for `target`: <speclab cache>/drafts/<fingerprint>.draft."""
    return cache_dir() / "drafts" / f"{target_fingerprint(target)[:16]}.draft"


def is_draft_file(path) -> bool:
    """Whether the file at `path` starts like a speclab draft of any version (damaged or not)."""
    try:
        with open(path, "rb") as handle:
            start = handle.read(80)
    except OSError:
        return False
    return start.startswith(HEADER) or bool(_LEGACY.match(start))


def check_draft_path(path, name: str = "path") -> Path:
    """Where a draft may be written: a file path whose folder exists or can be made and is writable,
    holding nothing or a speclab draft. Checked before any training; one ValueError naming `name`."""
    if isinstance(path, bool) or not isinstance(path, (str, os.PathLike)):
        raise ArgumentTypeError(f"{name} must be a file path (a str or pathlib.Path); "
                                f"got {short_repr(path)} ({type(path).__name__})")
    text = os.fspath(path)
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{name} must name a draft file, e.g. my.draft; got {text!r}")
    path = Path(text).expanduser()
    if path.is_dir():
        raise ValueError(f"{name} {path} is a folder; name a file inside it, e.g. {path / 'smollm2.draft'}")
    if path.exists() and not is_draft_file(path):
        raise ValueError(f"{name} {path} exists and is not a speclab draft file; it is never overwritten "
                         "(choose another path, or move the file away)")
    folder = next(p for p in (path.parent, *path.parent.parents) if p.exists() or p == p.parent)
    if not folder.is_dir():
        raise ValueError(f"{name} {path} cannot be written: {folder} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"{name} {path} cannot be written: the folder {folder} is not writable")
    return path


def save_draft(drafter: FeatureDrafter, record, path) -> Path:
    """Write the draft's weights, vocabulary, measured alpha/c and training record to `path`.

    Atomic: written to a temporary file in the same folder and moved into place, so an interrupted
    save leaves the old file (or none), never half a draft. Only a draft is ever replaced.
    """
    if not isinstance(drafter, FeatureDrafter):
        raise ArgumentTypeError(f"drafter must be a FeatureDrafter (from speclab.real.train_draft); "
                                f"got {short_repr(drafter)} ({type(drafter).__name__})")
    if record is not None and not (isinstance(record, dict) or hasattr(record, "as_dict")):
        raise ArgumentTypeError(f"record must be None, a dict or a TrainingRecord; got {short_repr(record)}")
    path = check_draft_path(path)
    head = drafter.head
    payload = {
        "format": FORMAT,
        "fingerprint": target_fingerprint(drafter.target),
        "hidden": head.hidden, "head_dim": head.head_dim, "mlp_ratio": head.gate_up.out_features / 2 / head.hidden,
        "state": {k: v.detach().cpu() for k, v in head.state_dict().items()},
        "vocab": drafter.vocab.cpu(),
        "rates": drafter.rates, "c": drafter.c, "pass_costs": drafter.pass_costs, "first_hits": drafter.first_hits,
        "device": str(drafter.vocab.device.type),
        "record": record if isinstance(record, dict) or record is None else record.as_dict(),
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    data = buffer.getvalue()
    header = FORMAT.encode() + b" " + hashlib.sha256(data).hexdigest().encode() + b"\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".partial-", suffix=".draft", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(header + data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def _existing_file(path, name: str = "path") -> Path:
    """`path` as a Path to an existing file; one ValueError naming `name` otherwise."""
    if isinstance(path, bool) or not isinstance(path, (str, os.PathLike)) or not str(os.fspath(path)).strip():
        raise ArgumentTypeError(f"{name} must be the path of a draft file; got {short_repr(path)}")
    path = Path(os.fspath(path)).expanduser()
    if not path.exists():
        raise ValueError(f"{name}: there is no draft file at {path} (train one with speclab.real.train_draft "
                         "and save_draft, or use load_offline_draft)")
    if not path.is_file():
        raise ValueError(f"{name} {path} is a folder, not a draft file")
    return path


def read_payload(path) -> dict:
    """The saved dict, after checking the header and checksum.

    NotADraftError if the file is not a speclab draft; CorruptDraftError if it is one but damaged
    or of an older format."""
    path = _existing_file(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ValueError(f"path {path} cannot be read ({error.strerror or error})") from None
    if not is_draft_file(path):
        raise NotADraftError(f"path {path} is not a speclab draft file")
    line, _, data = raw.partition(b"\n")
    if not line.startswith(FORMAT.encode() + b" "):
        raise CorruptDraftError(f"the draft file {path} was written by another version of speclab "
                                f"(this one reads {FORMAT}); retrain it")
    checksum = line[len(FORMAT) + 1:]
    if len(checksum) != 64 or hashlib.sha256(data).hexdigest().encode() != checksum:
        raise CorruptDraftError(f"the draft file {path} is corrupted (checksum mismatch); delete it or retrain")
    try:
        payload = torch.load(io.BytesIO(data), weights_only=True)
    except Exception as error:
        raise CorruptDraftError(f"the draft file {path} cannot be read ({error})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CorruptDraftError(f"the draft file {path} does not hold a {FORMAT} payload; retrain it")
    return payload


def load_draft(path, target):
    """(FeatureDrafter, record dict) from `path`; ValueError if it was trained for another target."""
    check_model(target, "target")
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


def load_offline_draft(target, tokenizer, path=None, progress: bool = True, force: bool = False, **train_options):
    """The draft for `target` (the offline SmolLM2 by default): the cached one, else the shipped one, else trained.

    Returns (drafter, record dict). With no `path`: a draft in the speclab cache (one you trained)
    comes first; then the draft shipped with the package, if it was distilled from this target;
    only then is one trained (minutes) and cached. With a `path`, that file is loaded or trained
    into. A damaged draft file (or one of an older format) is reported and retrained; force=True
    (or any training option) trains even when a good one exists. A path holding anything but a
    draft is refused before any training and left as it is.
    """
    from .fit import train_draft
    from . import shipped

    check_model(target, "target")
    if not isinstance(force, bool):
        raise ValueError(f"force must be True or False; got {force!r}")
    explicit = path is not None
    path = check_draft_path(path if explicit else default_draft_path(target))
    if path.is_file() and not force:
        try:
            return load_draft(path, target)
        except CorruptDraftError as error:
            warnings.warn(f"{error}; training a new draft", stacklevel=2)
    if not (explicit or force or train_options) and \
            shipped.shipped_fingerprint(shipped.SHIPPED_FILE) == target_fingerprint(target):
        return shipped.read_shipped_draft(target, shipped.SHIPPED_FILE)
    drafter, record = train_draft(target, tokenizer, progress=progress, **train_options)
    save_draft(drafter, record, path)
    return drafter, record.as_dict()
