"""The ``glide`` command line. Thin shell: parsing, files and printing around the sans-IO core."""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
import time
from pathlib import Path

SAFETY_NOTE = (
    "glide coaches the exercise; it does not diagnose. Stop and see a physical therapist if "
    "pain, numbness or tingling gets worse."
)

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
def _analyze_trace(path: str, posture: str | None, chunk_rows: int = 65536):
    from sensor.pipeline import Pipeline
    from sensor.trace import TraceReader

    with TraceReader(path, chunk_rows=chunk_rows) as reader:
        posture = posture or reader.meta.get("posture") or "supine"
        if posture not in ("supine", "seated"):
            raise CliError(f"{path}: posture must be supine or seated, not {posture!r}")
        pipe = Pipeline(posture, reader.sample_rate_hz)
        events = []
        for chunk in reader.chunks():
            events.extend(pipe.feed(chunk))
        events.extend(pipe.finish())
        return pipe, events, reader.stats, reader.meta


def _rep_rows(reps) -> list[dict]:
    return [r.to_dict() for r in reps]


def write_rep_log(path: str, reps, extra: dict | None = None) -> None:
    """One schema for every rep export (CSV columns = JSON keys of each rep)."""
    from sensor.summary import REP_FIELDS, set_summary

    rows = _rep_rows(reps)
    p = Path(path)
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

    pipe, events, stats, meta = _analyze_trace(args.trace, args.posture)
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


def cmd_demo(args) -> int:
    from sensor.pipeline import Pipeline
    from sensor.simulator import SimConfig, simulate_session

    print(SAFETY_NOTE)
    print(f"Simulated sensor: {args.posture} nerve glides, {args.reps} reps (Ctrl-C to stop)\n")
    sim = simulate_session(SimConfig(reps=args.reps, posture=args.posture, seed=args.seed, rate_hz=args.rate))
    pipe = Pipeline(args.posture, args.rate)
    block = max(int(args.rate * 0.05), 1)  # ~ one BLE notification interval of samples
    t_wall0 = time.monotonic()
    t_sens0 = float(sim.chunk.t[0])
    for part in sim.chunk.split([block] * (len(sim.chunk) // block + 1)):
        if args.speed > 0:
            wait = (float(part.t[-1]) - t_sens0) / args.speed - (time.monotonic() - t_wall0)
            if wait > 0:
                time.sleep(wait)
        for ev in pipe.feed(part):
            if args.verbose or ev.__class__.__name__ in ("RepCompleted", "SensorStatus", "PartialRep"):
                text = _describe_event(ev)
                if text:
                    print(f"{ev.t_s:7.2f} s  {text}", flush=True)
    for ev in pipe.finish():
        text = _describe_event(ev)
        if text:
            print(f"{ev.t_s:7.2f} s  {text}")
    print(f"\nset done: {len(pipe.reps)} reps counted ({sim.labels['rep_count']} performed)")
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

    p = sub.add_parser("analyze", help="count reps in a recorded trace")
    p.add_argument("trace")
    p.add_argument("--posture", choices=["supine", "seated"], help="default: the trace's '# posture=' line, else supine")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--export", help="write the rep log to reps.csv or reps.json")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("demo", help="live counting on the built-in simulated sensor")
    p.add_argument("--speed", type=float, default=1.0, help="playback speed (0 = as fast as possible)")
    p.add_argument("--reps", type=int, default=10)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rate", type=float, default=100.0)
    p.add_argument("--posture", choices=["supine", "seated"], default="supine")
    p.add_argument("-v", "--verbose", action="store_true", help="print every phase, not only reps")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("bench", help="throughput, per-chunk latency, memory and accuracy figures")
    p.add_argument("--minutes", type=float, default=60.0, help="length of the simulated trace")
    p.add_argument("--rate", type=float, default=200.0)
    p.add_argument("--sessions", type=int, default=0, help="also score this many simulated sessions")
    p.set_defaults(func=cmd_bench)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.debug:
        logging.basicConfig(filename="glide-debug.log", level=logging.DEBUG)
    from sensor.trace import TraceFormatError, TraceWriteError

    try:
        return args.func(args)
    except (CliError, TraceFormatError, TraceWriteError) as e:
        print(f"glide: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nstopped", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # last line of defence: one clear line, traceback only with --debug
        if args.debug:
            raise
        log.exception("unexpected error")
        print(f"glide: internal error: {e.__class__.__name__}: {e} (run with --debug for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
