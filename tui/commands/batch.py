"""``glide analyze FILE... | DIR``: many recordings on all cores, and progress on a terminal.

Why a process pool: the analysis is CPU-bound numpy/Python, so threads would share one core;
``concurrent.futures.ProcessPoolExecutor`` runs one trace per worker process and needs no
scheduler of our own. Workers stream each file (memory per worker stays flat) and send back a
small JSON-able document, never arrays. Results are printed in the order the files were given
(a result waits until every earlier one is printed), so output is deterministic whatever
finishes first. A file that fails is one line on stderr and is skipped; the batch carries on
and the exit status is 2 if any file failed.

Progress goes to stderr only when stderr is a terminal, so piped or redirected output (JSON
Lines for ``--json``) is never mixed with it.
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

from tui.jsonout import dumps

__all__ = ["Progress", "expand_paths", "run_batch"]

TRACE_SUFFIXES = (".csv", ".txt")  # glide traces and the vendor exports glide imports


def expand_paths(items: list[str]) -> list[str]:
    """Files as given; a directory becomes its ``*.csv``/``*.txt`` files (sorted, not hidden,
    not recursive). A directory holding none is an error the user can fix."""
    from tui.errors import CliError

    out: list[str] = []
    for item in items:
        if os.path.isdir(item):
            names = sorted(n for n in os.listdir(item) if n.lower().endswith(TRACE_SUFFIXES) and not n.startswith("."))
            files = [os.path.join(item, n) for n in names if os.path.isfile(os.path.join(item, n))]
            if not files:
                raise CliError(f"{item}: no .csv or .txt recordings in this directory")
            out += files
        else:
            out.append(item)
    return out


class Progress:
    """A one-line bar on stderr, redrawn at most 10 times a second; silent unless a terminal."""

    def __init__(self, total: float, label: str, stream=None, force: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if force is None else force
        self.total, self.label, self.done, self._drawn = max(total, 1e-9), label, 0.0, 0.0
        self._t0 = time.monotonic()

    def update(self, done: float, note: str = "") -> None:
        self.done = done
        now = time.monotonic()
        if self.enabled and (now - self._drawn >= 0.1 or done >= self.total):
            self._drawn = now
            frac = min(done / self.total, 1.0)
            bar = "#" * int(frac * 30)
            self.stream.write(f"\r{self.label} [{bar:<30}] {frac * 100:3.0f}% {note}  ")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * 79 + "\r")
            self.stream.flush()


def _one(
    path: str, posture: str | None, opts: dict, min_swing_deg: float = 20.0
) -> tuple[str, dict | None, str | None]:
    """Worker: (path, document, None) or (path, None, one-line error)."""
    from sensor.io.replog import ExportError
    from sensor.io.rows import TraceFormatError
    from tui.analysis import analysis_doc, analyze_trace
    from tui.errors import CliError

    try:
        foot: list = []
        pipe, _events, stats, _meta = analyze_trace(path, posture, foot=foot, **opts)
        return path, analysis_doc(path, pipe, stats, foot, min_swing_deg), None
    except (CliError, ExportError, TraceFormatError) as e:
        return path, None, str(e) if str(e).startswith(str(path)) else f"{path}: {e}"
    except Exception as e:  # one file's bug must not lose the batch; the message says which file
        return path, None, f"{path}: internal error: {e.__class__.__name__}: {e}"


def _text_line(doc: dict) -> str:
    s, st = doc["set"], doc["trace_stats"]
    line = f"{doc['trace']}: {doc['rep_count']} reps, {doc['posture']}, {st['rows_ok']} samples"
    if doc["rep_count"]:
        line += f", cadence {s['cadence_per_min']} /min, ROM {s['mean_rom_deg']:.0f} deg"
    if doc["calibration"] is None:
        line += ", mounting not learned"
    return line


def run_batch(
    paths: list[str],
    posture: str | None,
    opts: dict,
    as_json: bool,
    workers: int | None = None,
    min_swing_deg: float = 20.0,
) -> int:
    """Analyse ``paths`` on all cores; print one line (or one JSON object) per file, in order."""
    from sensor.core import pipeline  # noqa: F401  (imported once here; forked workers inherit them)
    from sensor.io import importers  # noqa: F401

    workers = workers or min(len(paths), os.cpu_count() or 1)
    bar = Progress(len(paths), "analyzing")
    results: dict[int, tuple] = {}
    printed, failed, reps = 0, 0, 0
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(_one, p, posture, opts, min_swing_deg): i for i, p in enumerate(paths)}
        from concurrent.futures import as_completed

        for n_done, fut in enumerate(as_completed(futures), start=1):
            results[futures[fut]] = fut.result()
            while printed in results:  # print in the order given
                _path, doc, err = results.pop(printed)
                printed += 1
                bar.close()
                if err is not None:
                    failed += 1
                    print(f"glide: error: {err}", file=sys.stderr, flush=True)
                    continue
                reps += doc["rep_count"]
                print(dumps(doc, indent=None) if as_json else _text_line(doc), flush=True)
            bar.update(n_done, f"{n_done}/{len(paths)} files, {failed} failed")
    bar.close()
    if not as_json:
        print(
            f"\n{len(paths) - failed} of {len(paths)} traces analysed, {reps} reps"
            + (f", {failed} failed" if failed else "")
        )
    return 2 if failed else 0
