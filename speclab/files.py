"""Files the package reads and writes: regular files only, every read capped, output paths checked first.

A path is looked at with a stat before anything opens it, so a device (/dev/zero), a named pipe
with no writer, a folder or a symlink loop is refused at once instead of read without end or
waited on; the open itself never blocks (O_NONBLOCK) and checks again what it opened. A read stops
at a stated cap. An output path is checked before any work (its folder, its name, what is there
now), so a long run never ends in a traceback about where its result should go. Every refusal is
one ValueError (ArgumentTypeError for a wrong type) naming the argument.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from ._validate import ArgumentTypeError, as_count, short_repr
from .limits import human_bytes

#: The longest name of one file or folder, and of a whole path, in bytes (Linux's NAME_MAX, PATH_MAX).
NAME_MAX = 255
PATH_MAX = 4096
#: Paths longer than this are shortened in messages (an error stays one readable line).
SHOWN_CHARS = 80


def shown(path) -> str:
    """`path` for a message: the whole of a short path, the start and end of a long one."""
    text = os.fspath(path) if isinstance(path, (str, os.PathLike)) else short_repr(path)
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)      # one line, whatever it holds
    return text if len(text) <= SHOWN_CHARS else f"{text[:40]}...{text[-30:]} ({len(text):,} characters)"


def as_path(path, name: str, what: str = "a file") -> Path:
    """`path` (a str or os.PathLike) as a Path, `~` expanded; refused if empty, with a NUL, or too long.
    what: what an empty path should have named, for the message."""
    if isinstance(path, bool) or not isinstance(path, (str, os.PathLike)):
        raise ArgumentTypeError(f"{name} must be a file path (a str or pathlib.Path); "
                                f"got {short_repr(path)} ({type(path).__name__})")
    text = os.fspath(path)
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{name} must name {what}; got {short_repr(text)}")
    if "\x00" in text:
        raise ValueError(f"{name} {shown(text)} holds a NUL character, which no file name can hold")
    text = os.path.expanduser(text)
    encoded = os.fsencode(text)
    if len(encoded) >= PATH_MAX:
        raise ValueError(f"{name} {shown(text)} is {len(encoded):,} bytes long; a path holds at most {PATH_MAX - 1:,}")
    if any(len(part) > NAME_MAX for part in encoded.split(os.fsencode(os.sep))):
        raise ValueError(f"{name} {shown(text)} holds a name over {NAME_MAX} bytes, longer than a file name can be")
    return Path(text)


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    for test, words in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                        (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                        (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return words
    return None if stat.S_ISREG(mode) else "not a regular file"


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__


def regular_file(path, name: str, missing: str | None = None) -> Path:
    """`path` as a Path to an existing regular file (symlinks followed), checked without opening it.

    `missing`, if given, is the message for a path where nothing is."""
    path = as_path(path, name)
    try:
        info = os.stat(path)
    except FileNotFoundError as error:
        raise ValueError(missing or f"{name} {shown(path)}: cannot read it ({_reason(error)})") from None
    except OSError as error:                       # a symlink loop, a file used as a folder, no permission
        raise ValueError(f"{name} {shown(path)}: cannot read it ({_reason(error)})") from None
    kind = _kind(info.st_mode)
    if kind is not None:
        raise ValueError(f"{name} {shown(path)} is {kind}, not a regular file")
    return path


def _too_large(path, name: str, limit: int, size: int) -> ValueError:
    return ValueError(f"{name} {shown(path)} holds {human_bytes(size)}, more than the {human_bytes(limit)} "
                      "this input may hold")


@contextlib.contextmanager
def open_regular(path, name: str, limit: int, missing: str | None = None):
    """A binary handle on the regular file `path` of at most `limit` bytes; the open never blocks."""
    path = regular_file(path, name, missing)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        raise ValueError(f"{name} {shown(path)}: cannot read it ({_reason(error)})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)                        # what was opened, in case the path changed since the stat
        kind = _kind(info.st_mode)
        if kind is not None:
            raise ValueError(f"{name} {shown(path)} is {kind}, not a regular file")
        if info.st_size > limit:
            raise _too_large(path, name, limit, info.st_size)
        yield handle


def read_bytes(path, name: str, limit: int, missing: str | None = None) -> bytes:
    """The bytes of the regular file `path`; one ValueError naming `name` if it is not one or holds over `limit`."""
    limit = as_count(limit, "limit")
    with open_regular(path, name, limit, missing) as handle:
        try:
            data = handle.read(min(limit, os.fstat(handle.fileno()).st_size) + 1)   # never reserve `limit` up front
        except OSError as error:
            raise ValueError(f"{name} {shown(path)}: cannot read it ({_reason(error)})") from None
    if len(data) > limit:                          # grew after the stat
        raise _too_large(path, name, limit, len(data))
    return data


def read_text(path, name: str, limit: int, what: str = "text") -> str:
    """The UTF-8 text of the regular file `path`, at most `limit` bytes; one ValueError naming `name` otherwise."""
    data = read_bytes(path, name, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{name} {shown(path)} is not UTF-8 text ({what} is text)") from None


def output_file(path, name: str, make_folders: bool = False) -> Path:
    """Where a file may be written: nothing there yet or a regular file, in a writable folder.

    With make_folders=True missing folders may be made (the nearest existing one must be writable);
    otherwise the folder must exist. Checked before any work; one ValueError naming `name`."""
    path = as_path(path, name)
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        info = None
        if os.path.islink(path):
            raise ValueError(f"{name} {shown(path)} is a symbolic link to nothing; name a file") from None
    except OSError as error:                       # a symlink loop, no permission to look
        raise ValueError(f"{name} {shown(path)} cannot be written ({_reason(error)})") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise ValueError(f"{name} {shown(path)} is a folder; name a file inside it, e.g. {shown(path / 'out')}")
    if info is not None and _kind(info.st_mode) is not None:
        raise ValueError(f"{name} {shown(path)} is {_kind(info.st_mode)}, not a regular file; name a file")
    if info is not None and not os.access(path, os.W_OK):
        raise ValueError(f"{name} {shown(path)} cannot be written: the file is read-only")
    _check_folder(path, name, make_folders)
    return path


def _check_folder(path: Path, name: str, make_folders: bool) -> None:
    """The folder `path` goes into exists (or, with make_folders, its nearest existing ancestor does) and is writable."""
    folder = path.parent
    existing = folder
    while True:
        try:
            info = os.stat(existing)
            break
        except (FileNotFoundError, NotADirectoryError):
            if existing == existing.parent:
                raise ValueError(f"{name} {shown(path)} cannot be written: no folder above it exists") from None
            existing = existing.parent
        except OSError as error:                   # a symlink loop, no permission to look
            raise ValueError(f"{name} {shown(path)} cannot be written ({_reason(error)})") from None
    if not stat.S_ISDIR(info.st_mode):
        raise ValueError(f"{name} {shown(path)} cannot be written: {shown(existing)} is a file, not a folder")
    if existing != folder and not make_folders:
        raise ValueError(f"{name} {shown(path)} cannot be written: the folder {shown(folder)} does not exist")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"{name} {shown(path)} cannot be written: the folder {shown(existing)} is not writable")
