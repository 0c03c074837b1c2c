"""``glide analyze`` and ``glide convert``: recorded traces (glide's format or a vendor export)."""

from __future__ import annotations

import json

from tui.errors import CliError


def import_args(p) -> None:
    """Vendor-format options shared by analyze, replay and convert (see docs/formats.md)."""
    p.add_argument(
        "--format",
        choices=["glide", "polar", "metabase", "movesense", "witmotion", "csv"],
        help="input format (default: detected from the file name and header)",
    )
    p.add_argument("--columns", help="csv: 't=time,ax=AccX,...,gz=GyrZ' (names or 0-based indices)")
    p.add_argument("--units", help="csv: 'acc=g|m/s2|mg,gyr=dps|rad/s,t=s|ms|us|ns'")
    p.add_argument("--rate", type=float, help="csv without a time column: the sample rate in Hz")


def register(sub) -> None:
    p = sub.add_parser("analyze", help="count reps in recorded traces (glide traces or vendor exports)")
    p.add_argument(
        "trace", nargs="+", metavar="TRACE", help="a trace, several (analysed on all cores), or a directory of them"
    )
    import_args(p)
    p.add_argument(
        "--posture", choices=["supine", "seated"], help="default: the trace's '# posture=' line, else supine"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object (several traces: one per line)")
    p.add_argument("--export", help="write the rep log to reps.csv or reps.json")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("convert", help="convert a vendor export to a glide trace")
    p.add_argument("inputs", nargs="+", metavar="IN", help="the export (for two-file formats, either or both files)")
    p.add_argument("-o", "--output", required=True)
    import_args(p)
    p.set_defaults(func=cmd_convert)


def import_opts(args) -> dict:
    """Vendor-format options shared by analyze, replay and convert (see docs/formats.md)."""
    return {k: getattr(args, k, None) for k in ("format", "columns", "units", "rate")}


def analyze_trace(path: str, posture: str | None, chunk_rows: int = 65536, progress=None, **import_opts):
    from sensor.core.pipeline import analyze_stream
    from sensor.io.importers import open_trace

    with open_trace(path, **{k: v for k, v in import_opts.items() if v is not None}) as reader:
        posture = posture or reader.meta.get("posture") or "supine"
        if posture not in ("supine", "seated"):
            raise CliError(f"{path}: posture must be supine or seated, not {posture!r}")
        chunks = reader.chunks(chunk_rows)
        if getattr(reader, "format", None) == "glide":  # streamed from disk: read while analysing
            from sensor.io.trace import read_ahead

            chunks = read_ahead(chunks)
        if progress is not None:
            chunks = _with_progress(chunks, reader, progress)
        pipe, events = analyze_stream(chunks, posture, reader.sample_rate_hz)
        return pipe, events, reader.stats, reader.meta


def _with_progress(chunks, reader, bar):
    """Pass chunks through, moving ``bar`` (total = file size) by the reader's file position."""
    f = getattr(getattr(reader, "_reader", None), "_f", None)
    for n, chunk in enumerate(chunks, start=1):
        yield chunk
        bar.update(f.tell() if f is not None and not f.closed else bar.total * min(n / 50, 1.0))
    bar.close()


def _batch_or_single(args):
    """Several traces or a directory: the batch (exit status); one file: None, args.trace = it."""
    import os

    from tui.commands.batch import expand_paths, run_batch

    paths = expand_paths(args.trace)
    if len(paths) == 1 and not os.path.isdir(args.trace[0]):
        args.trace = paths[0]
        return None
    if args.export:
        raise CliError("--export takes one trace; for several use --json (one JSON object per line)")
    return run_batch(paths, args.posture, import_opts(args), args.json)


def _single_progress(path: str):
    """A progress bar for one long file on a terminal (None when piped or short)."""
    import os

    from tui.commands.batch import Progress

    try:
        size = os.path.getsize(path)
    except OSError:
        return None
    bar = Progress(size, "reading")
    return bar if bar.enabled and size > 8 << 20 else None


def _rep_rows(reps) -> list[dict]:
    return [r.to_dict() for r in reps]


def cmd_analyze(args) -> int:
    from sensor.core.summary import set_summary

    if isinstance(args.trace, list) and (status := _batch_or_single(args)) is not None:
        return status
    bar = _single_progress(args.trace)
    pipe, _events, stats, _meta = analyze_trace(args.trace, args.posture, progress=bar, **import_opts(args))
    reps = pipe.reps
    summary = set_summary(reps)
    if args.export:
        from sensor.io.replog import write_rep_log

        write_rep_log(args.export, reps, {"trace": str(args.trace), "posture": pipe.cfg.posture})
    if args.json:
        doc = {
            "trace": str(args.trace),
            "posture": pipe.cfg.posture,
            "rep_count": len(reps),
            "reps": _rep_rows(reps),
            "set": summary,
            "calibration": pipe.mounting.describe() if pipe.mounting else None,
            "trace_stats": {k: v for k, v in vars(stats).items() if k != "warnings"},
            "warnings": list(stats.warnings),
        }
        print(json.dumps(doc, indent=2))
        return 0
    print(
        f"{args.trace}: {pipe.cfg.posture}, {stats.rows_ok} samples"
        + (f" ({stats.summary()})" if stats.rows_ok != stats.rows_read else "")
    )
    if pipe.mounting is None:
        print("could not learn how the sensor is mounted: no clear knee movement in this trace")
    print(
        f"{'rep':>3} {'start':>7} {'bottom':>7} {'end':>7} {'down s':>6} {'up s':>5} {'ROM':>5} {'bottom':>6} {'top':>5}"
    )
    for r in reps:
        print(
            f"{r.index:>3} {r.start_s:7.2f} {r.bottom_s:7.2f} {r.end_s:7.2f} {r.flex_down_s:6.2f} "
            f"{r.extend_up_s:5.2f} {r.rom_deg:5.0f} {r.bottom_deg:6.0f} {r.top_deg:5.0f}"
        )
    print(f"\n{len(reps)} reps")
    if reps:
        print(
            f"cadence {summary['cadence_per_min']} /min, range of motion {summary['mean_rom_deg']:.0f} "
            f"± {summary['sd_rom_deg']:.0f} deg, flex-down {summary['mean_flex_down_s']:.1f} s, "
            f"extend-up {summary['mean_extend_up_s']:.1f} s, tempo variability {summary['tempo_cv'] * 100:.0f}%"
        )
    for w in stats.warnings[:5]:
        print(f"warning: {w}")
    return 0


def cmd_convert(args) -> int:
    from sensor.io.importers import convert

    src = args.inputs[0] if len(args.inputs) == 1 else args.inputs
    tr = convert(src, args.output, **{k: v for k, v in import_opts(args).items() if v is not None})
    print(
        f"wrote {args.output}: {tr.meta.get('samples', '?')} samples from {tr.format} "
        f"at {tr.sample_rate_hz or 0:.1f} Hz"
        + (f" ({tr.stats.summary()})" if tr.stats.rows_ok != tr.stats.rows_read else "")
    )
    return 0
