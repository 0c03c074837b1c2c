"""The ``glide`` command line: the parser and the one place where errors become exit codes.

Each command group lives in ``tui.commands`` and registers itself (``register(subparsers)``);
this module owns only the top-level options and the error policy.
"""

from __future__ import annotations

import argparse
import logging
import sys

from sensor.core.safety import SAFETY_NOTE  # one wording everywhere
from tui.commands import analyze, ble, dashboard, evaluate, history, simulate
from tui.errors import CliError

log = logging.getLogger("glide")

COMMAND_GROUPS = (ble, simulate, analyze, dashboard, evaluate, history)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="glide", description="Count sciatic nerve glide reps from a shin-worn IMU. " + SAFETY_NOTE
    )
    ap.add_argument("--debug", action="store_true", help="show tracebacks and log to glide-debug.log")
    sub = ap.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.register(sub)
    return ap


DEBUG_LOG = "glide-debug.log"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
