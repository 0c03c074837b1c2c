"""Where sessions are saved: one private folder per session under the per-user data directory.

``GLIDE_DATA_DIR`` overrides the platform's user data directory (tests point it at a tmp dir).
Folders glide creates are 0o700 and files 0o600: a session log is health data.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def data_dir() -> Path:
    env = os.environ.get("GLIDE_DATA_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("glide", appauthor=False))


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) user-only; a folder we create is chmod-ed 0o700."""
    path = Path(path)
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    for m in missing:  # mkdir's mode is filtered by the umask
        os.chmod(m, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create (or truncate) ``path`` with user-only permissions, ready to be opened for writing."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return Path(path)


def new_session_dir(started_at: datetime, root: Path | None = None) -> Path:
    """``<data>/sessions/<YYYY-MM-DD_HH-MM-SS>`` (``-2``, ``-3``... if that exists already)."""
    base = private_dir((root or data_dir()) / "sessions")
    name = started_at.strftime("%Y-%m-%d_%H-%M-%S")
    path, k = base / name, 2
    while path.exists():
        path, k = base / f"{name}-{k}", k + 1
    path.mkdir(mode=DIR_MODE)
    os.chmod(path, DIR_MODE)
    return path


def write_private_text(path: Path, text: str) -> None:
    private_file(path)
    with open(path, "w") as f:
        f.write(text)


def load_last_device(root: Path | None = None) -> dict | None:
    try:
        doc = json.loads(((root or data_dir()) / "last_device.json").read_text())
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and doc.get("address") else None


def save_last_device(info: dict, root: Path | None = None) -> None:
    base = private_dir(root or data_dir())
    write_private_text(base / "last_device.json", json.dumps(info, indent=2) + "\n")


def display_path(path: Path) -> str:
    """The path with the home directory shortened to ``~``."""
    try:
        return "~/" + str(Path(path).relative_to(Path.home()))
    except ValueError:
        return str(path)
