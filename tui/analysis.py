"""One recorded trace through the pipeline, and the JSON document that reports it.

Shared by ``glide analyze`` (one file), its batch workers (``tui.commands.batch``), history and
tests: a thin shell that opens the file (``sensor.io.importers``), streams it through the one
pipeline (``sensor.core.pipeline.analyze_stream``) and shapes the result; no rules of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.errors import CliError

if TYPE_CHECKING:
    from sensor.core.pipeline import Pipeline

NO_MOUNTING = "could not learn how the sensor is mounted: no clear knee movement in this trace"


def no_mounting(pipe: Pipeline) -> str:
    """Why no mounting was learned, in one line: a refused seated reading says what to do instead."""
    from sensor.core.lying_rests import REFUSAL_DETAIL, pipeline_refusal

    why = pipeline_refusal(pipe)
    if why is None:
        return NO_MOUNTING
    return f"could not learn a seated mounting: {REFUSAL_DETAIL[why]} (try --posture supine)"


def trace_posture(path: str, posture: str | None, meta: dict) -> str:
    """The posture to analyse ``path`` in: the one asked for, else the trace's ``# posture=``
    line, else supine; anything else is the user's to fix."""
    posture = posture or meta.get("posture") or "supine"
    if posture not in ("supine", "seated"):
        raise CliError(f"{path}: posture must be supine or seated, not {posture!r}")
    return posture


def analyze_trace(
    path: str, posture: str | None, chunk_rows: int = 65536, progress=None, foot: list | None = None, **import_opts
):
    """Stream one recording through the pipeline. With a list as ``foot``, the chunks that carry a
    foot IMU's columns are kept there for the ankle figures (a shin-only trace keeps nothing, so
    memory stays flat in file length)."""
    from sensor.core.pipeline import analyze_stream
    from sensor.io.importers import open_trace

    with open_trace(path, **{k: v for k, v in import_opts.items() if v is not None}) as reader:
        posture = trace_posture(path, posture, reader.meta)
        chunks = reader.chunks(chunk_rows)
        if getattr(reader, "format", None) == "glide":  # streamed from disk: read while analysing
            from sensor.io.trace import read_ahead

            chunks = read_ahead(chunks)
        if progress is not None:
            chunks = _with_progress(chunks, reader, progress)
        if foot is not None:
            chunks = _keep_foot(chunks, foot)
        pipe, events = analyze_stream(chunks, posture, reader.sample_rate_hz)
        return pipe, events, reader.stats, reader.meta


def _keep_foot(chunks, kept: list):
    for chunk in chunks:
        if chunk.foot_acc is not None:
            kept.append(chunk)
        yield chunk


def _with_progress(chunks, reader, bar):
    """Pass chunks through, moving ``bar`` (total = file size) by the reader's file position."""
    f = getattr(getattr(reader, "_reader", None), "_f", None)
    for n, chunk in enumerate(chunks, start=1):
        yield chunk
        bar.update(f.tell() if f is not None and not f.closed else bar.total * min(n / 50, 1.0))
    bar.close()


def _rep_rows(reps) -> list[dict]:
    return [r.to_dict() for r in reps]


def ankle_figures(reps, foot: list | None, min_swing_deg: float = 20.0):
    """Per-rep ankle swing and ``ankle_ok`` from the foot IMU's chunks (issue 16); every figure
    ``None`` without foot data, so the document keeps one schema."""
    from sensor.core.ankle_reps import AnkleConfig, ankle_set_from_imu, no_foot
    from sensor.core.samples import concat_chunks

    if not foot:
        return no_foot(list(reps))
    whole = concat_chunks(foot)
    return ankle_set_from_imu(
        list(reps), whole.t, whole.acc, whole.gyr, whole.foot_acc, whole.foot_gyr, AnkleConfig(min_swing_deg)
    )


def analysis_doc(path: str, pipe, stats, foot: list | None = None, min_swing_deg: float = 20.0) -> dict:
    """The ``--json`` document of one analysed trace (single file and batch alike)."""
    from sensor.core.summary import set_summary

    reps = pipe.reps
    ankle = ankle_figures(reps, foot, min_swing_deg)
    rows = _rep_rows(reps)
    for row, a in zip(rows, ankle.reps, strict=True):
        row["ankle_swing_deg"] = a.to_dict()["ankle_swing_deg"]
        row["ankle_ok"] = a.ankle_ok
    summary = set_summary(reps)
    summary["ankle_ok_count"] = ankle.ankle_ok_count
    return {
        "trace": str(path),
        "posture": pipe.cfg.posture,
        "rep_count": len(reps),
        "reps": rows,
        "set": summary,
        "calibration": pipe.mounting.describe() if pipe.mounting else None,
        "trace_stats": {k: v for k, v in vars(stats).items() if k != "warnings"},
        "warnings": ([no_mounting(pipe)] if pipe.mounting is None else []) + list(stats.warnings),
    }
