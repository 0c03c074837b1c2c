"""The one error type of the command line: a problem the user can fix (one line, exit status 2)."""

from __future__ import annotations

from pathlib import Path


class CliError(Exception):
    """A problem the user can fix: printed as one line, exit code 2."""


def write_text(path: str, text: str) -> None:
    """Write a small text file the user named, or raise CliError with the reason."""
    try:
        Path(path).write_text(text + "\n")
    except OSError as e:
        raise CliError(f"cannot write {path}: {e.strerror or e}") from None
