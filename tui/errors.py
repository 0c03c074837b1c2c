"""The one error type of the command line: a problem the user can fix (one line, exit status 2)."""

from __future__ import annotations


class CliError(Exception):
    """A problem the user can fix: printed as one line, exit code 2."""
