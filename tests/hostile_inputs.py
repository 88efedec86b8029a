"""Hostile inputs shared by the API walk and the command-line tests: paths that are not plain files,
structures nested too deep to recurse through, and numbers written in other scripts' digits.
"""

from __future__ import annotations

import os

#: Nesting depth of the deep structures (far past Python's recursion limit of 1,000).
DEEP = 100_000
#: Size of the sparse file: more than the 2 GiB address-space cap of the walk's children.
SPARSE_BYTES = 6 * 2**30
#: The first line of a speclab draft file, with a checksum of 64 zeros (never the payload's).
DRAFT_HEADER = b"speclab-feature-draft-5 " + b"0" * 64 + b"\n"
#: Fullwidth digits: str.isdigit() and int() accept them, and they are not what an engine or a user writes.
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def deep_list(depth: int = DEEP) -> list:
    nested = []
    for _ in range(depth):
        nested = [nested]
    return nested


def deep_dict(depth: int = DEEP) -> dict:
    nested = {}
    for _ in range(depth):
        nested = {"a": nested}
    return nested


def hostile_paths(folder) -> dict:
    """{label: path (str)}: each one a path no reader or writer may use, made inside `folder`.

    A FIFO with no writer (opening it to read blocks forever), device files (endless input),
    stdout (a pipe under test), a directory, a symlink loop, a NUL byte, a 300-character name, a
    5,000-character path, and a 6 GiB sparse file that starts like a draft. The devices are reached
    through links in `folder` (a stat sees the device): a writer that wrongly moves a file onto the
    path replaces the link, never the device of the machine running the tests (as root it could).
    """
    folder = os.fspath(folder)
    devices = {}
    for label, device, link in (("/dev/zero", "/dev/zero", "zero.draft"),
                                ("/dev/urandom", "/dev/urandom", "urandom.draft"),
                                ("/dev/stdout", "/proc/self/fd/1", "stdout.png")):
        devices[f"a link to {label}"] = os.path.join(folder, link)
        if not os.path.lexists(devices[f"a link to {label}"]):
            os.symlink(device, devices[f"a link to {label}"])
    fifo = os.path.join(folder, "fifo.draft")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    directory = os.path.join(folder, "folder.draft")
    os.makedirs(directory, exist_ok=True)
    loop = os.path.join(folder, "loop.draft")
    if not os.path.lexists(loop):
        os.symlink("loop.draft", loop)
    sparse = os.path.join(folder, "huge.draft")
    if not os.path.exists(sparse):
        with open(sparse, "wb") as handle:
            handle.write(DRAFT_HEADER)
            handle.truncate(SPARSE_BYTES)
    return {
        "FIFO with no writer": fifo,
        **devices,
        "a directory": directory,
        "a symlink loop": loop,
        "a NUL byte": os.path.join(folder, "nul\x00byte.draft"),
        "a 300-character name": os.path.join(folder, "n" * 296 + ".png"),
        "a 5,000-character path": os.path.join(folder, *["d" * 99] * 50) + ".png",
        "a 6 GiB sparse file": sparse,
    }
