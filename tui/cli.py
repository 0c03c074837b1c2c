"""The ``glide`` command line. Thin shell: parsing, files and printing around the sans-IO core."""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
from pathlib import Path

from sensor.coach import SAFETY_NOTE  # one wording everywhere

log = logging.getLogger("glide")


class CliError(Exception):
    """A problem the user can fix: printed as one line, exit code 2."""


# --------------------------------------------------------------------------- simulate
def cmd_simulate(args) -> int:
    from sensor.simulator import SimConfig, simulate_session
    from sensor.trace import TraceWriter

    cfg = SimConfig(reps=args.reps, rate_hz=args.rate, posture=args.posture, leg=args.leg, seed=args.seed,
                    confounders=not args.clean, noise=not args.clean)
    sim = simulate_session(cfg)
    with TraceWriter(args.output, sim.meta) as w:
        for part in sim.chunk.split([65536] * (len(sim.chunk) // 65536 + 1)):
            w.write(part)
    if args.labels:
        _write_text(args.labels, json.dumps(sim.labels, indent=2))
    print(f"wrote {len(sim.chunk)} samples ({sim.chunk.t[-1]:.1f} s, {sim.labels['rep_count']} reps, "
          f"{cfg.posture}, {sim.labels['leg']} leg) to {args.output}"
          + (f"; labels in {args.labels}" if args.labels else ""))
    return 0


# --------------------------------------------------------------------------- analyze
def _import_opts(args) -> dict:
    """Vendor-format options shared by analyze, replay and convert (see docs/formats.md)."""
    return {k: getattr(args, k, None) for k in ("format", "columns", "units", "rate")}


def _analyze_trace(path: str, posture: str | None, chunk_rows: int = 65536, **import_opts):
    from sensor.importers import open_trace
    from sensor.pipeline import analyze_stream

    with open_trace(path, **{k: v for k, v in import_opts.items() if v is not None}) as reader:
        posture = posture or reader.meta.get("posture") or "supine"
        if posture not in ("supine", "seated"):
            raise CliError(f"{path}: posture must be supine or seated, not {posture!r}")
        pipe, events = analyze_stream(reader.chunks(chunk_rows), posture, reader.sample_rate_hz)
        return pipe, events, reader.stats, reader.meta


def _rep_rows(reps) -> list[dict]:
    return [r.to_dict() for r in reps]


def csv_safe(value):
    """Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR) gets a leading quote;
    numbers stay numbers."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def write_rep_log(path: str, reps, extra: dict | None = None) -> None:
    """One schema for every rep export (CSV columns = JSON keys of each rep)."""
    from sensor.summary import REP_FIELDS, set_summary

    rows = _rep_rows(reps)
    p = Path(path)
    if p.suffix.lower() == ".csv":
        rows = [{k: csv_safe(v) for k, v in row.items()} for row in rows]
    if p.suffix.lower() == ".json":
        doc = {"format": "glide-reps/1", "rep_count": len(rows), "reps": rows, "set": set_summary(reps)}
        doc.update(extra or {})
        _write_text(path, json.dumps(doc, indent=2))
    elif p.suffix.lower() == ".csv":
        try:
            with open(p, "w", newline="") as f:
                w = csv.DictWriter(f, fieldnames=REP_FIELDS)
                w.writeheader()
                w.writerows(rows)
        except OSError as e:
            raise CliError(f"cannot write {path}: {e.strerror or e}") from None
    else:
        raise CliError(f"{path}: export format must be .csv or .json")


def cmd_analyze(args) -> int:
    from sensor.summary import set_summary

    pipe, events, stats, meta = _analyze_trace(args.trace, args.posture, **_import_opts(args))
    reps = pipe.reps
    summary = set_summary(reps)
    if args.export:
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
    print(f"{args.trace}: {pipe.cfg.posture}, {stats.rows_ok} samples"
          + (f" ({stats.summary()})" if stats.rows_ok != stats.rows_read else ""))
    if pipe.mounting is None:
        print("could not learn how the sensor is mounted: no clear knee movement in this trace")
    print(f"{'rep':>3} {'start':>7} {'bottom':>7} {'end':>7} {'down s':>6} {'up s':>5} {'ROM':>5} {'bottom':>6} {'top':>5}")
    for r in reps:
        print(f"{r.index:>3} {r.start_s:7.2f} {r.bottom_s:7.2f} {r.end_s:7.2f} {r.flex_down_s:6.2f} "
              f"{r.extend_up_s:5.2f} {r.rom_deg:5.0f} {r.bottom_deg:6.0f} {r.top_deg:5.0f}")
    print(f"\n{len(reps)} reps")
    if reps:
        print(f"cadence {summary['cadence_per_min']} /min, range of motion {summary['mean_rom_deg']:.0f} "
              f"± {summary['sd_rom_deg']:.0f} deg, flex-down {summary['mean_flex_down_s']:.1f} s, "
              f"extend-up {summary['mean_extend_up_s']:.1f} s, tempo variability {summary['tempo_cv'] * 100:.0f}%")
    for w in stats.warnings[:5]:
        print(f"warning: {w}")
    return 0


# --------------------------------------------------------------------------- demo
def _describe_event(ev) -> str | None:
    from sensor.events import Hold, PartialRep, PhaseStarted, RepCompleted, SensorStatus, TurnReached

    if isinstance(ev, RepCompleted):
        r = ev.rep
        return (f"REP {r.index}: down {r.flex_down_s:.1f} s, up {r.extend_up_s:.1f} s, "
                f"range {r.rom_deg:.0f} deg ({r.bottom_deg:.0f} to {r.top_deg:.0f})")
    if isinstance(ev, PhaseStarted):
        return {"flex_down": "flex down ↓", "extend_up": "extend up ↑"}.get(ev.phase, ev.phase)
    if isinstance(ev, TurnReached):
        return f"  {ev.where} reached at {ev.angle_deg:.0f} deg"
    if isinstance(ev, Hold):
        return f"  hold ({ev.where})"
    if isinstance(ev, PartialRep):
        return f"  partial: {ev.rom_deg:.0f} deg of {ev.min_rom_deg:.0f} needed, not counted"
    if isinstance(ev, SensorStatus):
        return f"[sensor] {ev.kind}: {ev.detail}"
    return None


async def _print_stream(source, posture: str, verbose: bool) -> list:
    """The headless view: print reps (and with -v every phase) as the source delivers them."""
    from sensor.pipeline import Pipeline

    pipe = Pipeline(posture, source.rate_hz)
    try:
        async for part in source:
            for ev in pipe.feed(part):
                if verbose or ev.__class__.__name__ in ("RepCompleted", "SensorStatus", "PartialRep"):
                    text = _describe_event(ev)
                    if text:
                        print(f"{ev.t_s:7.2f} s  {text}", flush=True)
    finally:
        await source.aclose()
    for ev in pipe.finish():
        text = _describe_event(ev)
        if text:
            print(f"{ev.t_s:7.2f} s  {text}")
    return pipe.reps


def _run_headless(source, posture: str, verbose: bool, performed: int | None = None) -> int:
    import asyncio

    reps = asyncio.run(_print_stream(source, posture, verbose))
    print(f"\nset done: {len(reps)} reps counted"
          + (f" ({performed} performed)" if performed is not None else ""))
    return 0


def _want_tui(args) -> bool:
    if args.no_tui:
        return False
    if not (sys.stdin.isatty() and sys.stdout.isatty() and sys.stderr.isatty()):  # Textual draws on stderr
        print("glide: not a terminal, printing reps instead of the dashboard (--no-tui)", file=sys.stderr)
        return False
    return True


def _setup_from_args(args, meta: dict | None = None):
    from tui.session import SessionSetup

    meta = meta or {}
    posture = args.posture or meta.get("posture") or "supine"
    if posture not in ("supine", "seated"):
        posture = "supine"
    leg = args.leg or meta.get("leg") or "left"
    if leg not in ("left", "right"):
        leg = "left"
    setup = SessionSetup(leg=leg, posture=posture, reps_per_set=args.reps,
                         sets=args.sets if args.sets is not None else 3, rest_s=args.rest)
    problems = setup.validate()
    if problems:
        raise CliError("; ".join(problems))
    return setup


def _run_dashboard(app) -> int:
    try:
        app.run()
    finally:
        app.finish()  # saved on every exit, also after a crash inside the app
    if app.saved_to is not None:
        print(f"session saved to {app.saved_to}")
    elif app.session is not None and app.session.files.error:
        print(f"glide: {app.session.files.error}", file=sys.stderr)
    return 0 if app.return_code in (None, 0) else app.return_code


def cmd_demo(args) -> int:
    from sensor.simulator import SimConfig
    from sensor.sources import SimulatedSource

    setup = _setup_from_args(args)  # a bad plan is refused before anything runs
    posture = setup.posture
    if not _want_tui(args):
        sets = args.sets or 1
        print(SAFETY_NOTE)
        print(f"Simulated sensor: {posture} nerve glides, {args.reps * sets} reps (Ctrl-C to stop)\n")
        src = SimulatedSource(SimConfig(reps=args.reps * sets, posture=posture, seed=args.seed,
                                        rate_hz=args.rate, leg=args.leg), speed=args.speed,
                              sets=sets, rest_s=args.rest if sets > 1 else 0.0)
        return _run_headless(src, posture, args.verbose, performed=src.performed)
    from tui.app import GlideApp

    def make_source(setup):
        cfg = SimConfig(reps=setup.reps_per_set * setup.sets, posture=setup.posture, seed=args.seed,
                        rate_hz=args.rate, leg=setup.leg)
        return SimulatedSource(cfg, speed=args.speed, sets=setup.sets, rest_s=setup.rest_s)

    return _run_dashboard(GlideApp(mode="demo", make_source=make_source, setup=setup,
                                   skip_setup=args.no_setup, bell=args.bell))


def cmd_replay(args) -> int:
    from sensor.sources import ReplaySource

    src = ReplaySource(args.trace, speed=args.speed, **_import_opts(args))  # a bad file fails here
    setup = _setup_from_args(args, src.meta)
    if not _want_tui(args):
        print(SAFETY_NOTE)
        print(f"Replaying {args.trace} ({setup.posture}) at x{args.speed:g} (Ctrl-C to stop)\n")
        return _run_headless(src, setup.posture, args.verbose)
    from tui.app import GlideApp

    return _run_dashboard(GlideApp(mode="replay", make_source=lambda _setup: src, setup=setup,
                                   skip_setup=args.no_setup, bell=args.bell))


def cmd_live(args) -> int:
    from tui.app import GlideApp
    from tui.live import BleUnavailable, load_ble_scanner

    try:
        scanner, reason = load_ble_scanner(), None
    except BleUnavailable as e:
        scanner, reason = None, str(e)
    setup = _setup_from_args(args)
    if not _want_tui(args):
        if scanner is None:
            raise CliError(f"{reason} Try 'glide demo' or 'glide replay TRACE'.")
        try:
            return _run_headless(_connect_headless(scanner, args.device), setup.posture, args.verbose)
        except (CliError, KeyboardInterrupt):
            raise
        except Exception as e:  # the transport's own errors (no adapter, not found) are for people
            if e.__class__.__module__.startswith("sensor.ble"):
                raise CliError(str(e)) from None
            raise
    return _run_dashboard(GlideApp(mode="live", scanner=scanner, ble_error=reason, device=args.device,
                                   setup=setup, skip_setup=args.no_setup, bell=args.bell))


def _connect_headless(scanner, device: str | None):
    import asyncio

    from sensor.sources import DeviceInfo
    from tui.storage import load_last_device

    async def connect():
        address = device or (load_last_device() or {}).get("address")
        if address is None:
            found = await scanner.scan(5.0)
            if not found:
                raise CliError("no sensor found (is it on and near?)")
            best = max(found, key=lambda d: d.rssi_dbm if d.rssi_dbm is not None else -999)
            address = best.address
            print(f"connecting to {best.name} ({best.family}, {address})")
        return await scanner.connect(DeviceInfo(address, address, "?"))

    return asyncio.run(connect())


def cmd_convert(args) -> int:
    from sensor.importers import convert

    src = args.inputs[0] if len(args.inputs) == 1 else args.inputs
    tr = convert(src, args.output, **{k: v for k, v in _import_opts(args).items() if v is not None})
    print(f"wrote {args.output}: {tr.meta.get('samples', '?')} samples from {tr.format} "
          f"at {tr.sample_rate_hz or 0:.1f} Hz" + (f" ({tr.stats.summary()})" if tr.stats.rows_ok != tr.stats.rows_read else ""))
    return 0


# --------------------------------------------------------------------------- bench
def cmd_bench(args) -> int:
    from sensor.bench import run_bench

    run_bench(minutes=args.minutes, rate_hz=args.rate, sessions=args.sessions, out=print)
    return 0


# --------------------------------------------------------------------------- plumbing
def _write_text(path: str, text: str) -> None:
    try:
        Path(path).write_text(text + "\n")
    except OSError as e:
        raise CliError(f"cannot write {path}: {e.strerror or e}") from None


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="glide", description="Count sciatic nerve glide reps from a shin-worn IMU. " + SAFETY_NOTE)
    ap.add_argument("--debug", action="store_true", help="show tracebacks and log to glide-debug.log")
    sub = ap.add_subparsers(dest="command", required=True)
    from .ble_commands import register as register_ble

    register_ble(sub)

    p = sub.add_parser("simulate", help="write a simulated session as a glide trace (+ ground-truth labels)")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--labels")
    p.add_argument("--reps", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rate", type=float, default=100.0)
    p.add_argument("--posture", choices=["supine", "seated"], default="supine")
    p.add_argument("--leg", choices=["left", "right"])
    p.add_argument("--clean", action="store_true", help="no confounders, no sensor noise")
    p.set_defaults(func=cmd_simulate)

    def import_args(p):
        p.add_argument("--format", choices=["glide", "polar", "metabase", "movesense", "witmotion", "csv"],
                       help="input format (default: detected from the file name and header)")
        p.add_argument("--columns", help="csv: 't=time,ax=AccX,...,gz=GyrZ' (names or 0-based indices)")
        p.add_argument("--units", help="csv: 'acc=g|m/s2|mg,gyr=dps|rad/s,t=s|ms|us|ns'")
        p.add_argument("--rate", type=float, help="csv without a time column: the sample rate in Hz")

    p = sub.add_parser("analyze", help="count reps in a recorded trace (glide trace or a vendor export)")
    p.add_argument("trace")
    import_args(p)
    p.add_argument("--posture", choices=["supine", "seated"], help="default: the trace's '# posture=' line, else supine")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--export", help="write the rep log to reps.csv or reps.json")
    p.set_defaults(func=cmd_analyze)

    def session_args(p, speed: bool = False, rest: float = 60.0):
        p.add_argument("--posture", choices=["supine", "seated"], help="default: supine (replay: the trace's)")
        p.add_argument("--leg", choices=["left", "right"])
        p.add_argument("--reps", type=int, default=10, help="reps per set")
        p.add_argument("--sets", type=int, help="sets (dashboard default 3; --no-tui: 1)")
        p.add_argument("--rest", type=float, default=rest, help=f"rest between sets, s (default {rest:g})")
        if speed:
            p.add_argument("--speed", type=float, default=1.0, help="playback speed (0 = as fast as possible)")
        p.add_argument("--bell", action="store_true", help="ring the terminal bell on each rep")
        p.add_argument("--no-setup", action="store_true", help="skip the setup screen (use these options)")
        p.add_argument("--no-tui", action="store_true", help="print reps as they happen instead of the dashboard")
        p.add_argument("-v", "--verbose", action="store_true", help="--no-tui: print every phase, not only reps")

    p = sub.add_parser("demo", help="the live dashboard on the built-in simulated sensor (no hardware)")
    session_args(p, speed=True, rest=30.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rate", type=float, default=100.0)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("replay", help="the live dashboard on a recorded trace")
    p.add_argument("trace")
    import_args(p)
    session_args(p, speed=True)
    p.set_defaults(func=cmd_replay)

    p = sub.add_parser("live", help="the live dashboard on a Bluetooth LE sensor")
    p.add_argument("--device", help="address of the sensor (default: pick one from a scan)")
    session_args(p)
    p.set_defaults(func=cmd_live)

    p = sub.add_parser("convert", help="convert a vendor export to a glide trace")
    p.add_argument("inputs", nargs="+", metavar="IN", help="the export (for two-file formats, either or both files)")
    p.add_argument("-o", "--output", required=True)
    import_args(p)
    p.set_defaults(func=cmd_convert)

    from .eval_commands import register as register_eval
    from .history_commands import register as register_history

    register_eval(sub)
    register_history(sub)

    p = sub.add_parser("bench", help="throughput, per-chunk latency, memory and accuracy figures")
    p.add_argument("--minutes", type=float, default=60.0, help="length of the simulated trace")
    p.add_argument("--rate", type=float, default=200.0)
    p.add_argument("--sessions", type=int, default=0, help="also score this many simulated sessions")
    p.set_defaults(func=cmd_bench)
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
    from sensor.trace import TraceFormatError, TraceWriteError

    try:
        return args.func(args)
    except (CliError, TraceFormatError, TraceWriteError) as e:
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
