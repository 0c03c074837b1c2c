"""The ``glide`` command line: the parser and the one place where errors become exit codes.

Each command group lives in ``tui.commands`` and registers itself (``register(subparsers)``);
this module owns only the top-level options and the error policy: a problem the user can fix is
one line on stderr and exit status 2 (bad values are refused while parsing, see
:mod:`tui.options`); anything else is one line too, with the traceback only in the debug log.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import NoReturn

from sensor.core.safety import SAFETY_NOTE  # one wording everywhere
from tui.commands import analyze, ble, dashboard, evaluate, history, simulate
from tui.errors import CliError

log = logging.getLogger("glide")

COMMAND_GROUPS = (ble, simulate, analyze, dashboard, evaluate, history)
DEBUG_LOG = "glide-debug.log"


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error: the usage block is for ``--help``, not for a typo."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def version() -> str:
    """The installed distribution's version, whatever the distribution is called (it owns ``tui``)."""
    from importlib.metadata import PackageNotFoundError, packages_distributions
    from importlib.metadata import version as _version

    for dist in dict.fromkeys(packages_distributions().get("tui", []) + ["nerveglide", "glide"]):
        try:
            return _version(dist)
        except PackageNotFoundError:
            continue
    return "unknown (not installed)"  # running from a source tree that was never installed


class _Version(argparse.Action):
    """``--version``, looked up only when asked (reading package metadata takes half a second)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"glide {version()}")
        parser.exit(0)


def build_parser() -> argparse.ArgumentParser:
    ap = Parser(prog="glide", description="Count sciatic nerve glide reps from a shin-worn IMU. " + SAFETY_NOTE)
    ap.add_argument("--version", action=_Version, help="print the installed version and exit")
    debug_help = f"show tracebacks and log to {DEBUG_LOG} (also accepted after the command)"
    ap.add_argument("--debug", action="store_true", help=debug_help)
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(sub)
    for p in sub.choices.values():
        # SUPPRESS: without --debug after the command, the top-level value stays
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=debug_help)
    return ap


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:  # --help, --version, or a usage error already printed as one line
        return e.code if isinstance(e.code, int) else 2
    if args.debug:
        # Tracebacks and transport chatter go to a file, never to the person's screen.
        handler = logging.FileHandler(DEBUG_LOG)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
    from sensor.io.replog import ExportError
    from sensor.io.trace import TraceFormatError, TraceWriteError

    try:
        return args.func(args)
    except (CliError, ExportError, TraceFormatError, TraceWriteError) as e:
        log.debug("user-facing error", exc_info=True)
        print(f"glide: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nstopped", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # last line of defence: one clear line; the traceback only in the log
        log.exception("unexpected error")
        where = f"details in {DEBUG_LOG}" if args.debug else "run with --debug to log the details"
        print(f"glide: internal error: {e.__class__.__name__}: {e} ({where})", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
