"""``glide history`` and ``glide report``."""

from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser(
        "history",
        help="saved sessions: date, source (demo/replay/live), leg, sets, reps, range of motion, tempo, trend",
    )
    p.add_argument("--json", action="store_true", help="print the sessions and the daily trend as one JSON object")
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("report", help="a session report: plot in the terminal, or -o report.png|report.html")
    p.add_argument("session", help="a saved session (name, prefix or 'latest'), a session folder, or a trace file")
    p.add_argument("-o", "--output", help="write report.png or report.html (default: a plot in the terminal)")
    p.add_argument("--force", action="store_true", help="-o: replace an existing regular file (never a link or device)")
    p.add_argument("--posture", choices=["supine", "seated"], help="override (default: from the session)")
    p.set_defaults(func=cmd_report)


def _spark(values: list[float | None]) -> str:
    blocks = "▁▂▃▄▅▆▇█"
    vals = [v for v in values if v is not None]
    if not vals:
        return ""
    lo, hi = min(vals), max(vals)
    span = (hi - lo) or 1.0
    return "".join(" " if v is None else blocks[min(int((v - lo) / span * 7.999), 7)] for v in values)


def _foot(row: dict) -> str:
    """Reps whose foot pattern was right, of all reps: "-" without a foot sensor."""
    ok = row.get("ankle_ok")
    return "-" if ok is None else f"{ok}/{row['reps']}"


def cmd_history(args) -> int:
    from tui.history import daily_trend, history_rows, list_sessions, sessions_root

    rows = history_rows(list_sessions())
    if getattr(args, "json", False):
        from tui.jsonout import dumps

        live = [r for r in rows if r.get("source") == "live"]
        print(dumps({"sessions": rows, "trend": daily_trend(live or rows), "trend_of": "live" if live else "all"}))
        return 0
    if not rows:
        print(f"no saved sessions yet ({sessions_root()}); 'glide demo' or 'glide live' saves one")
        return 0
    print(
        f"{'date':<17}{'source':<8}{'leg':<6}{'posture':<8}{'sets':>5}{'reps':>6}{'ROM°':>7}{'down s':>8}{'up s':>6}"
        f"{'foot':>7}  session"
    )
    for r in rows:

        def f(v, spec):
            return format(v, spec) if v is not None else "-"

        print(
            f"{r['date']:<17}{r.get('source', '?'):<8}{r['leg']:<6}{r['posture']:<8}{r['sets']:>5}{r['reps']:>6}"
            f"{f(r['rom'], '.0f'):>7}"
            f"{f(r['down'], '.1f'):>8}{f(r['up'], '.1f'):>6}{_foot(r):>7}  {r['session']}"
        )
    live = [r for r in rows if r.get("source") == "live"]
    trend = daily_trend(live or rows)  # the trend is the person's exercise: demos and replays only if nothing else
    which = "live sessions" if live else "all sessions: no live ones yet"
    print(f"\ntrend over {len(trend)} day(s) ({which})")
    print(f"  reps per day  {_spark([d['reps'] for d in trend])}  ({trend[0]['reps']} -> {trend[-1]['reps']})")
    roms = [d["rom"] for d in trend]
    if any(v is not None for v in roms):
        first = next(v for v in roms if v is not None)
        last = next(v for v in reversed(roms) if v is not None)
        print(f"  mean ROM      {_spark(roms)}  ({first:.0f}° -> {last:.0f}°, {last - first:+.0f}°)")
    return 0


def cmd_report(args) -> int:
    from sensor.core.coach import SAFETY_NOTE
    from tui.errors import CliError
    from tui.history import SessionNotFound, load
    from tui.report import NO_ANGLE, ReportUnavailable, set_line, text_plot, write_html, write_png

    if args.output:
        from tui.outputs import check_output

        check_output(args.output, args.force)  # before the analysis, not after
        if Path(args.output).suffix.lower() not in (".png", ".html", ".htm"):
            raise CliError(f"{args.output}: the report is written as .png or .html")
    try:
        data = load(args.session, args.posture)
    except SessionNotFound as e:
        raise CliError(str(e)) from None
    if args.output:
        out = Path(args.output)
        writer = {".png": write_png, ".html": write_html, ".htm": write_html}.get(out.suffix.lower())
        if writer is None:
            raise CliError(f"{out}: the report is written as .png or .html")
        from tui.outputs import replacing

        try:
            with replacing(out, args.force) as tmp:
                writer(data, tmp)
        except ReportUnavailable as e:
            raise CliError(str(e)) from None
        print(f"wrote {out}")
        return 0
    import shutil

    # COLUMNS, else the terminal, else 100; every line stays inside it (gutter 9 + plot + 1)
    width = max(40, min(150, shutil.get_terminal_size((100, 24)).columns - 10))
    print(f"{data.name}: {len(data.reps)} reps ({data.posture})")
    if len(data.t) == 0:
        print(NO_ANGLE)
    for line in (
        [] if len(data.t) == 0 else text_plot(data.t, data.elev, width=width, marks=[r.end_s for r in data.reps])
    ):
        print(line)
    for s in data.summary.get("sets") or []:
        print(set_line(s))
    import textwrap

    print("\n" + textwrap.fill(SAFETY_NOTE, width + 9))
    return 0
