"""The one policy for files glide writes where the user said: never clobber what was not named.

Every command that takes an output path (``convert -o``, ``analyze --export``, ``simulate -o``,
``report -o``, ``evaluate --save``) goes through here, so the rules hold everywhere:

* only a regular file is ever replaced. A symbolic link, a folder, a device node (``/dev/full``),
  a FIFO or a socket is refused with one line; nothing is written through it;
* an existing regular file is replaced only with ``--force``;
* the folder must exist (glide does not invent folder trees from a typo);
* the new content goes to a temporary file in the same folder and is renamed over the target at
  the end (``os.replace``), so a failure (disk full, Ctrl-C, bad input) leaves the old file, or
  nothing, and never a half-written one.

Recordings that must be written incrementally (``glide record``) cannot be renamed at the end;
they call :func:`check_output` before connecting, so a path that cannot be written fails before
the sensor streams.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tui.errors import CliError


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _lstat(p: Path, what: str) -> os.stat_result | None:
    """The path's own status (a link is not followed), None where nothing is there yet."""
    try:
        return os.lstat(p)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise CliError(f"{what}: {e.strerror or e}") from None


def check_output(path: str | os.PathLike, force: bool = False) -> Path:
    """Refuse (``CliError``) an output path that glide must not write; returns it as a Path.

    Call it before any long work, so a bad path fails in the first second. Allowed: a path that
    does not exist yet in an existing, writable folder; an existing regular file with ``force``.
    """
    p = Path(os.fspath(path))
    if not str(p) or str(p).endswith(os.sep):
        raise CliError(f"{path}: give a file name, not a folder")
    st = _lstat(p, f"cannot write {path}")
    if st is not None:
        kind = _kind(st.st_mode)
        if kind is not None:
            raise CliError(f"{path} is {kind}, not a regular file: glide writes only regular files; name another path")
        if not force:
            raise CliError(f"{path} already exists: add --force to replace it")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise CliError(f"cannot write {path}: folder {parent} does not exist")
    try:  # the real test of "can I create a file there" (root passes os.access, /proc does not)
        fd, probe = tempfile.mkstemp(dir=parent, prefix=f".{p.name}.", suffix=".probe")
    except OSError as e:
        raise CliError(f"cannot write {path}: {e.strerror or e}") from None
    os.close(fd)
    os.unlink(probe)
    return p


def _new_file_mode(target: Path) -> int:
    """The mode ``open()`` would give a new file (0666 minus umask); a replaced file keeps its own."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


@contextmanager
def replacing(path: str | os.PathLike, force: bool = False) -> Iterator[Path]:
    """Check ``path`` (:func:`check_output`), yield a fresh temporary path in the same folder to
    write to, and rename it over ``path`` when the block ends without an error. On any error the
    temporary file is removed and ``path`` is untouched. ``OSError`` becomes one ``CliError`` line.
    """
    target = check_output(path, force)
    try:
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as e:
        raise CliError(f"cannot write {path}: {e.strerror or e}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, _new_file_mode(target))
        check_output(target, force)  # still not a link, folder or device just before the rename
        os.replace(tmp, target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise CliError(f"cannot write {path}: {e.strerror or e}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_output(path: str | os.PathLike, data: str | bytes, force: bool = False) -> Path:
    """Write a whole small file (text or bytes) under the policy above; returns the path written."""
    with replacing(path, force) as tmp:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data)
    return Path(path)


def prepare_output_dir(path: str | os.PathLike) -> Path:
    """A folder to fill with new files: created if missing (its parent must exist); an existing
    folder only if empty. A file, a link or a device in its place is refused."""
    p = Path(os.fspath(path))
    st = _lstat(p, f"cannot write to {path}")
    if st is not None:
        if not stat.S_ISDIR(st.st_mode):
            raise CliError(f"{path} is {_kind(st.st_mode) or 'a file'}, not a folder: name a new or empty folder")
        try:
            if any(p.iterdir()):
                raise CliError(f"{path} is not empty: name a new or empty folder")
        except OSError as e:
            raise CliError(f"cannot read {path}: {e.strerror or e}") from None
        if not os.access(p, os.W_OK | os.X_OK):
            raise CliError(f"cannot write to {path}: no permission")
        return p
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise CliError(f"cannot create {path}: folder {parent} does not exist")
    try:
        p.mkdir()
    except OSError as e:
        raise CliError(f"cannot create {path}: {e.strerror or e}") from None
    return p
