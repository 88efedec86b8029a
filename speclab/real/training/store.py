"""Saving and loading a trained draft, tied to its target by a fingerprint and guarded by a checksum.

A draft only makes sense for the target it was distilled from, so the file records the target's
fingerprint (speclab.real.training.fingerprint) and `load_draft` refuses any other target. The
file starts with a header line naming the format and the SHA-256 of the payload. The package only
ever replaces a file that verifies as a draft (its checksum matches): anything else at the path,
a file that merely starts like a draft included, is refused before any work, and a draft is
written to a temporary file in the same folder first and moved into place in one step (os.replace).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import sys
import tempfile
import warnings
from pathlib import Path

import torch

from ...files import as_path, open_regular, output_file, read_bytes, shown
from ...limits import MAX_DRAFT_BYTES
from ..._validate import ArgumentTypeError, short_repr
from .._checks import check_model
from ..drafters.feature import FeatureDrafter
from ..offline import cache_dir
from . import shipped
from .fingerprint import target_fingerprint
from .weights import head_from_weights

#: The format of the payload: a new version retrains drafts saved by older code.
#: 5: the fingerprint leaves out the model's folder (config._name_or_path) and samples every weight.
FORMAT = "speclab-feature-draft-5"
#: Every speclab draft file (any version from 5 on) starts with this; version 4 and older started
#: with the 64 hex digits of the checksum, a newline and a zip archive (torch.save).
HEADER = b"speclab-feature-draft-"
_LEGACY = re.compile(rb"[0-9a-f]{64}\nPK\x03\x04")
#: The first line of a draft file of any version: the format (absent before version 5) and the checksum.
_FIRST_LINE = re.compile(rb"(speclab-feature-draft-[0-9]{1,9} )?([0-9a-f]{64})\n")
#: What a draft whose checksum is recomputed is read in (bounded memory whatever its size).
_CHUNK = 1 << 20


class CorruptDraftError(ValueError):
    """The file is a speclab draft, but damaged (checksum mismatch, truncated) or of an older format."""


class NotADraftError(ValueError):
    """The file is not a speclab draft: it is never read as one, nor overwritten."""


def default_draft_path(target) -> Path:
    """Where load_offline_draft keeps the draft for `target`: <speclab cache>/drafts/<fingerprint>.draft."""
    return cache_dir() / "drafts" / f"{target_fingerprint(target)[:16]}.draft"


def is_draft_file(path) -> bool:
    """Whether the file at `path` verifies as a speclab draft of any version (its checksum matches)."""
    try:
        return _draft_state(path, "path") == "draft"
    except ValueError:
        return False


def _draft_state(path, name: str) -> str:
    """'draft' (its checksum matches), 'damaged' (it starts like a draft and does not verify) or 'other'.

    Reads the file in chunks, at most MAX_DRAFT_BYTES of it; refuses what is not a regular file."""
    with open_regular(path, name, sys.maxsize) as handle:
        size = os.fstat(handle.fileno()).st_size
        try:
            start = handle.read(128)
            if not (start.startswith(HEADER) or _LEGACY.match(start)):
                return "other"
            line = _FIRST_LINE.match(start)
            if line is None or size > MAX_DRAFT_BYTES or (line.group(1) is None and not _LEGACY.match(start)):
                return "damaged"
            digest = hashlib.sha256(start[line.end():])
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
        except OSError as error:
            raise ValueError(f"{name} {shown(path)}: cannot read it ({error.strerror or error})") from None
    return "draft" if digest.hexdigest().encode() == line.group(2) else "damaged"


def check_draft_path(path, name: str = "path", replace_damaged: bool = False) -> Path:
    """Where a draft may be written: a file path whose folder exists or can be made and is writable,
    holding nothing or a file that verifies as a speclab draft. Checked before any training; one
    ValueError naming `name`. replace_damaged=True also lets a file that starts like a draft and
    fails its checksum be replaced: only for speclab's own cache, where no file of the user's lives."""
    path = output_file(as_path(path, name, "a draft file, e.g. my.draft"), name, make_folders=True)
    if os.path.exists(path):                             # a regular file: output_file refused anything else
        state = _draft_state(path, name)
        if state == "other":
            raise ValueError(f"{name} {shown(path)} exists and is not a speclab draft file; it is never "
                             "overwritten (choose another path, or move the file away)")
        if state == "damaged" and not replace_damaged:
            raise ValueError(f"{name} {shown(path)} starts like a speclab draft but is not a verified draft file "
                             "(its checksum does not match); it will not be overwritten: remove it if it is "
                             "a damaged draft, or choose another path")
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
    return _write_draft(drafter, record, check_draft_path(path))


def _write_draft(drafter: FeatureDrafter, record, path: Path) -> Path:
    """save_draft after its checks: the payload, its checksum line, a temporary file moved into place."""
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


def read_payload(path) -> dict:
    """The saved dict, after checking the header and checksum.

    NotADraftError if the file is not a speclab draft; CorruptDraftError if it is one but damaged
    or of an older format."""
    raw = read_bytes(path, "path", MAX_DRAFT_BYTES,
                     missing=f"path: there is no draft file at {shown(path)} (train one with "
                             "speclab.real.train_draft and save_draft, or use load_offline_draft)")
    path = Path(os.fspath(path)).expanduser()
    if not (raw.startswith(HEADER) or _LEGACY.match(raw[:128])):
        raise NotADraftError(f"path {shown(path)} is not a speclab draft file")
    line, _, data = raw.partition(b"\n")
    if not line.startswith(FORMAT.encode() + b" "):
        raise CorruptDraftError(f"the draft file {shown(path)} was written by another version of speclab "
                                f"(this one reads {FORMAT}); retrain it")
    checksum = line[len(FORMAT) + 1:]
    if len(checksum) != 64 or hashlib.sha256(data).hexdigest().encode() != checksum:
        raise CorruptDraftError(f"the draft file {shown(path)} is corrupted (checksum mismatch); delete it or retrain")
    try:
        payload = torch.load(io.BytesIO(data), weights_only=True)
    except Exception as error:
        raise CorruptDraftError(f"the draft file {shown(path)} cannot be read ({str(error).splitlines()[0][:120]})") \
            from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CorruptDraftError(f"the draft file {shown(path)} does not hold a {FORMAT} payload; retrain it")
    return payload


#: What a payload holds, and the type of each entry.
_PAYLOAD = {"fingerprint": str, "hidden": int, "head_dim": int, "mlp_ratio": (int, float), "state": dict,
            "vocab": torch.Tensor, "rates": object, "c": object, "pass_costs": object, "first_hits": object,
            "device": str, "record": (dict, type(None))}


def _check_payload(payload: dict, path) -> None:
    """Every entry load_draft reads is there, of its type; CorruptDraftError naming the first that is not."""
    for key, kind in _PAYLOAD.items():
        if key not in payload:
            raise CorruptDraftError(f"the draft file {shown(path)} lacks its {key!r} entry; retrain it")
        if not isinstance(payload[key], kind) or isinstance(payload[key], bool):
            raise CorruptDraftError(f"the draft file {shown(path)} holds a {type(payload[key]).__name__} as "
                                    f"{key!r}; retrain it")


def load_draft(path, target):
    """(FeatureDrafter, record dict) from `path`; ValueError if it was trained for another target.

    A file that is a draft but holds entries or weights a draft cannot have is a CorruptDraftError
    naming the file and what is wrong."""
    check_model(target, "target")
    payload = read_payload(path)
    _check_payload(payload, path)
    if payload["fingerprint"] != target_fingerprint(target):
        raise ValueError(f"the draft in {shown(path)} was trained for a different target (fingerprint "
                         f"{payload['fingerprint'][:16]}); a draft only serves the target it was distilled from")
    where = f"the draft file {shown(path)}"
    try:
        head = head_from_weights(payload["hidden"], payload["head_dim"], payload["mlp_ratio"], payload["state"], where)
        drafter = FeatureDrafter(target, head, payload["vocab"], rates=payload["rates"], c=payload["c"],
                                 pass_costs=payload["pass_costs"], first_hits=payload["first_hits"])
    except (ValueError, TypeError, RuntimeError, IndexError) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CorruptDraftError(message if message.startswith(where) else f"{where} does not hold a usable "
                                f"draft ({message[:200]}); retrain it") from None
    tokens = (payload["record"] or {}).get("cost_tokens") or []
    if payload["device"] != drafter.vocab.device.type and len(tokens) >= 3:   # costs depend on the device
        drafter.measure_costs(tokens)
    return drafter, payload["record"]


def load_offline_draft(target, tokenizer, path=None, progress: bool = True, force: bool = False, **train_options):
    """The draft for `target` (the offline SmolLM2 by default): the cached one, else the shipped one, else trained.

    Returns (drafter, record dict). With no `path`: a draft in the speclab cache (one you trained)
    comes first; then the draft shipped with the package, if it was distilled from this target;
    only then is one trained (minutes) and cached. With a `path`, that file is loaded or trained
    into. A draft file of an older format (or one whose verified payload is unusable) is reported
    and retrained, and so is a damaged draft in speclab's own cache; force=True (or any training
    option) trains even when a good one exists. A path of yours holding anything but a verified
    draft is refused before any training and left as it is.
    """
    from .fit import train_draft

    check_model(target, "target")
    if not isinstance(force, bool):
        raise ValueError(f"force must be True or False; got {force!r}")
    explicit = path is not None
    path = check_draft_path(path if explicit else default_draft_path(target), replace_damaged=not explicit)
    if path.is_file() and not force:
        try:
            return load_draft(path, target)
        except CorruptDraftError as error:
            warnings.warn(f"{error}; training a new draft", stacklevel=2)
    if not (explicit or force or train_options) and \
            shipped.shipped_fingerprint(shipped.SHIPPED_FILE) == target_fingerprint(target):
        return shipped.read_shipped_draft(target, shipped.SHIPPED_FILE)
    drafter, record = train_draft(target, tokenizer, progress=progress, **train_options)
    _write_draft(drafter, record, path)                   # the path was checked before training
    return drafter, record.as_dict()
