"""A batch entry as data, to grade it on another machine exactly as it lies here.

The file rule (:mod:`autograder.engine.choose`) reads an entry without following links, within
bounds; :func:`pack` keeps what the rule can see, walked the same way: folders, symbolic links
(as links: the rule reports and skips them), the notebooks, ``.py`` files and zips it may read,
and every other file as its size only (the rule never reads it). :func:`unpack` lays it out
again under a new folder, never following a link, never outside that folder.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from autograder.engine.choose import (IGNORED_DIRS, IGNORED_FILES, MAX_DEPTH, MAX_FILE_BYTES,
                                      MAX_FILES, MAX_ZIP_BYTES)

READ_LIMITS = {".ipynb": MAX_FILE_BYTES, ".py": MAX_FILE_BYTES, ".zip": MAX_ZIP_BYTES}
"""the files the rule reads, and the size over which it refuses them without reading"""


class PackError(Exception):
    """A packed entry could not be laid out (a path outside its folder, a kind unknown)."""


@dataclass(frozen=True)
class Packed:
    name: str
    """the entry's name (a file, or a folder such as a cloned repository)"""
    items: tuple[tuple[str, str, bytes | int | str], ...]
    """(path relative to the entry ("" for the entry itself), kind, data), parents first:
    ("dir", 0), ("file", its bytes), ("sized", its size), ("link", its target)"""


def _file(path: Path) -> tuple[str, bytes | int]:
    size = os.lstat(path).st_size
    limit = READ_LIMITS.get(path.suffix.lower())
    if limit is None or size > limit:  # the rule never reads it: its size says all
        return "sized", size
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        return "file", f.read(limit + 1)


def _one(path: Path, rel: str) -> tuple[str, str, bytes | int | str] | None:
    mode = os.lstat(path).st_mode
    if stat.S_ISLNK(mode):
        return rel, "link", os.readlink(path)
    if stat.S_ISDIR(mode):
        return rel, "dir", 0
    if stat.S_ISREG(mode):
        return (rel, *_file(path))
    return None  # a fifo, a socket, a device: the rule skips them


def pack(entry: Path) -> Packed:
    """``entry`` as the file rule sees it (see the module's docstring)."""
    entry = Path(entry)
    top = _one(entry, "")
    items = [top] if top else []
    if top and top[1] == "dir":
        items += _walk(entry)
    return Packed(entry.name, tuple(items))


def _walk(folder: Path) -> list:
    """choose.walk's order and bounds: sorted, MAX_DEPTH levels, ignored folders and links not
    entered, the first MAX_FILES files the rule counts."""
    items, counted = [], 0
    for top, dirs, files in os.walk(folder, followlinks=False):
        rel = Path(top).relative_to(folder)
        if len(rel.parts) >= MAX_DEPTH:
            dirs[:] = []
        for d in sorted(dirs):
            item = _one(Path(top) / d, (rel / d).as_posix())
            items.append(item)
            if d in IGNORED_DIRS or item[1] == "link":
                dirs.remove(d)
        dirs.sort()
        for name in sorted(files):
            item = _one(Path(top) / name, (rel / name).as_posix())
            if item is None:
                continue
            items.append(item)
            if item[1] != "link" and name not in IGNORED_FILES and not name.startswith("._"):
                counted += 1
            if counted >= MAX_FILES:
                return items
    return items


def _safe(rel: str) -> PurePosixPath:
    path = PurePosixPath(rel)
    if path.is_absolute() or ".." in path.parts:
        raise PackError(f"expected a path inside the entry, got rel={rel!r}")
    return path


def unpack(packed: Packed, into: Path) -> Path:
    """Lay ``packed`` out as ``into/<its name>`` (``into`` is created) and return that path."""
    into = Path(into)
    into.mkdir(parents=True, exist_ok=True)
    if not packed.name or "/" in packed.name or packed.name in (".", ".."):
        raise PackError(f"expected an entry name, got name={packed.name!r}")
    entry = into / packed.name
    for rel, kind, data in packed.items:
        path = entry / _safe(rel) if rel else entry
        if kind == "dir":
            path.mkdir()
        elif kind == "link":
            os.symlink(str(data), path)
        elif kind in ("file", "sized"):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            with os.fdopen(fd, "wb") as f:
                if kind == "file":
                    f.write(bytes(data))
                else:
                    f.truncate(int(data))  # a sparse file of that size
        else:
            raise PackError(f"expected dir, file, sized or link, got kind={kind!r} for {rel!r}")
    return entry
