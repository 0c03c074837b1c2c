"""The one error type of the command line: a problem the user can fix (one line, exit status 2)."""

from __future__ import annotations


class CliError(Exception):
    """A problem the user can fix: printed as one line, exit code 2."""


def write_text(path: str, text: str, force: bool = False) -> None:
    """Write a small text file the user named (the safe-output policy of :mod:`tui.outputs`:
    never through a link or onto a device; an existing file only with ``force``), or raise
    CliError with the reason."""
    from tui.outputs import write_output

    write_output(path, text + "\n", force)
