"""``glide analyze`` and ``glide convert``: recorded traces (glide's format or a vendor export)."""

from __future__ import annotations

from tui import options as opt
from tui.analysis import analysis_doc, analyze_trace, no_mounting, trace_posture
from tui.errors import CliError
from tui.jsonout import dumps
from tui.outputs import check_output, replacing

FORCE_HELP = "replace an existing regular file (never a link, folder or device)"


def import_args(p) -> None:
    """Vendor-format options shared by analyze, replay and convert (see docs/formats.md)."""
    p.add_argument(
        "--format",
        choices=["glide", "polar", "metabase", "movesense", "witmotion", "csv"],
        help="input format (default: detected from the file name and header)",
    )
    p.add_argument(
        "--columns", help="csv: 't=time,ax=AccX,...,gz=GyrZ' (names or 0-based indices; default: from the header)"
    )
    p.add_argument("--units", help="csv: 'acc=g|m/s2|mg,gyr=dps|rad/s,t=s|ms|us|ns' (default: guessed per column)")
    p.add_argument(
        "--rate",
        type=opt.SAMPLE_RATE_HZ,
        help="csv without a time column: the sample rate, 1-10000 Hz (default: from the file)",
    )
    p.add_argument(
        "--foot-device",
        metavar="NAME",
        help="witmotion: the DeviceName of the sensor on the foot, in a file that recorded several (issue 16)",
    )


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
    p.add_argument("--export", metavar="REPS.csv|REPS.json", help="also write the rep log (default: none)")
    p.add_argument("--force", action="store_true", help="--export/--audio-out: " + FORCE_HELP)
    p.add_argument(
        "--ankle-min-swing",
        type=opt.ANKLE_SWING_DEG,
        default=20.0,
        metavar="DEG",
        help="with a foot IMU in the trace: the plantarflexion gained from bottom to top that makes a rep's "
        "ankle_ok true, 1-90 deg (default: %(default)g)",
    )
    _audio_out_args(p)
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("convert", help="convert a vendor export to a glide trace")
    p.add_argument("inputs", nargs="+", metavar="IN", help="the export (for two-file formats, either or both files)")
    p.add_argument("-o", "--output", required=True, metavar="TRACE.csv", help="the glide trace to write")
    import_args(p)
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.set_defaults(func=cmd_convert)


def import_opts(args) -> dict:
    """Vendor-format options shared by analyze, replay and convert (see docs/formats.md)."""
    return {k: getattr(args, k, None) for k in ("format", "columns", "units", "rate", "foot_device")}


def _batch_or_single(args):
    """Several traces or a directory: the batch (exit status); one file: None, args.trace = it."""
    import os

    from tui.commands.batch import expand_paths, run_batch

    paths = expand_paths(args.trace)
    if len(paths) == 1 and not os.path.isdir(args.trace[0]):
        args.trace = paths[0]
        return None
    if args.export or getattr(args, "audio_out", None):
        raise CliError("--export and --audio-out take one trace; for several use --json (one JSON object per line)")
    return run_batch(paths, args.posture, import_opts(args), args.json, min_swing_deg=args.ankle_min_swing)


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


def cmd_analyze(args) -> int:
    if isinstance(args.trace, list) and (status := _batch_or_single(args)) is not None:
        return status
    if args.export:
        check_output(args.export, args.force)  # a bad export path fails before the analysis
        if not args.export.lower().endswith((".csv", ".json")):
            raise CliError(f"{args.export}: export format must be .csv or .json")
    if getattr(args, "audio_out", None):
        _cmd_audio_out(args)
    bar = _single_progress(args.trace)
    foot: list = []
    pipe, _events, stats, _meta = analyze_trace(args.trace, args.posture, progress=bar, foot=foot, **import_opts(args))
    reps = pipe.reps
    doc = analysis_doc(args.trace, pipe, stats, foot, args.ankle_min_swing)
    summary = doc["set"]
    if args.export:
        from sensor.core.ankle_reps import AnkleRep
        from sensor.io.replog import write_rep_log

        ankle = {row["index"]: AnkleRep(row["ankle_swing_deg"], row["ankle_ok"]) for row in doc["reps"]}
        with replacing(args.export, args.force) as tmp:
            suffix = ".json" if args.export.lower().endswith(".json") else ".csv"
            part = tmp.with_name(tmp.name + suffix)  # write_rep_log picks the format by suffix
            try:
                write_rep_log(str(part), reps, {"trace": str(args.trace), "posture": pipe.cfg.posture}, ankle)
                part.replace(tmp)
            finally:
                part.unlink(missing_ok=True)
    if args.json:
        if args.export:
            doc["export"] = str(args.export)
        print(dumps(doc))  # strict JSON: a missing figure is null
        return 0
    print(
        f"{args.trace}: {pipe.cfg.posture}, {stats.rows_ok} samples"
        + (f" ({stats.summary()})" if stats.rows_ok != stats.rows_read else "")
    )
    if pipe.mounting is None:
        print(no_mounting(pipe))
    print(
        f"{'rep':>3} {'start':>7} {'bottom':>7} {'end':>7} {'down s':>6} {'up s':>5} "
        f"{'ROM':>5} {'bottom':>6} {'top':>5}"
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
    if args.export:
        print(f"rep log written to {args.export}")
    return 0


def _audio_out_args(p) -> None:
    from tui.audio.options import audio_out_args

    audio_out_args(p)


def _cmd_audio_out(args) -> None:
    """--audio-out: its own pass over the trace, fed as a live session would be (tui/audio/offline.py)."""
    import sys

    from sensor.io.importers import open_trace
    from tui.audio.offline import check_audio_out, write_audio

    check_audio_out(args)
    with open_trace(args.trace, **{k: v for k, v in import_opts(args).items() if v is not None}) as reader:
        posture = trace_posture(args.trace, args.posture, reader.meta)
    print(write_audio(args, posture, import_opts(args)), file=sys.stderr if args.json else sys.stdout)


def cmd_convert(args) -> int:
    import os

    from sensor.io.importers import convert

    src = args.inputs[0] if len(args.inputs) == 1 else args.inputs
    if any(os.path.abspath(p) == os.path.abspath(args.output) for p in args.inputs):
        raise CliError(f"{args.output}: the output would overwrite the input")
    with replacing(args.output, args.force) as tmp:
        tr = convert(src, tmp, **{k: v for k, v in import_opts(args).items() if v is not None})
    print(
        f"wrote {args.output}: {tr.meta.get('samples', '?')} samples from {tr.format} "
        f"at {tr.sample_rate_hz or 0:.1f} Hz"
        + (f" ({tr.stats.summary()})" if tr.stats.rows_ok != tr.stats.rows_read else "")
    )
    return 0
