"""``glide simulate`` and ``glide bench``: the simulated sensor as a trace, and the benchmark."""

from __future__ import annotations

import json

from tui import options as opt
from tui.errors import CliError

FORCE_HELP = "replace an existing regular file (never a link, folder or device)"


def register(sub) -> None:
    p = sub.add_parser("simulate", help="write a simulated session as a glide trace (+ ground-truth labels)")
    p.add_argument("-o", "--output", required=True, metavar="TRACE.csv", help="the glide trace to write")
    p.add_argument("--labels", metavar="LABELS.json", help="also write the ground-truth reps as JSON (default: none)")
    p.add_argument("--reps", type=opt.SIM_REPS, default=10, help="reps to perform, 1-5000 (default: %(default)s)")
    p.add_argument(
        "--seed",
        type=opt.SEED,
        default=0,
        help="random seed, 0 to 2^32-1: same seed, same session (default: %(default)s)",
    )
    p.add_argument("--rate", type=opt.SIM_RATE_HZ, default=100.0, help="sample rate, 10-1000 Hz (default: %(default)g)")
    p.add_argument("--posture", choices=["supine", "seated"], default="supine", help="(default: %(default)s)")
    p.add_argument(
        "--leg", choices=["left", "right"], help="exercising leg (default: drawn from --seed, like the mounting)"
    )
    p.add_argument("--clean", action="store_true", help="no confounders, no sensor noise")
    p.add_argument("--foot", action="store_true", help="add a foot IMU (6 more columns, random ankle patterns)")
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("bench", help="throughput, per-chunk latency, memory and accuracy figures")
    p.add_argument(
        "--minutes",
        type=opt.BENCH_MINUTES,
        default=60.0,
        help="length of the simulated trace, 1-600 min (default: %(default)g)",
    )
    p.add_argument("--rate", type=opt.SIM_RATE_HZ, default=200.0, help="sample rate, 10-1000 Hz (default: %(default)g)")
    p.add_argument(
        "--sessions",
        type=opt.BENCH_SESSIONS,
        default=0,
        help="also score this many simulated sessions, 0-10000; 0 = skip (default: %(default)s)",
    )
    p.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    p.set_defaults(func=cmd_bench)


def cmd_simulate(args) -> int:
    from sensor.io.trace import TraceWriter
    from sensor.sim.simulator import SimConfig, simulate_session
    from tui.outputs import check_output, replacing, write_output

    check_output(args.output, args.force)  # both paths fail before the work, not after
    if args.labels:
        check_output(args.labels, args.force)
        if args.labels == args.output:
            raise CliError("--labels and -o name the same file")
    cfg = SimConfig(
        reps=args.reps,
        rate_hz=args.rate,
        posture=args.posture,
        leg=args.leg,
        seed=args.seed,
        confounders=not args.clean,
        noise=not args.clean,
    )
    sim = simulate_session(cfg)
    if getattr(args, "foot", False):
        with replacing(args.output, args.force) as tmp:
            _write_with_foot(str(tmp), sim, clean=args.clean)
    else:
        with replacing(args.output, args.force) as tmp, TraceWriter(tmp, sim.meta) as w:
            for part in sim.chunk.split([65536] * (len(sim.chunk) // 65536 + 1)):
                w.write(part)
    if args.labels:
        write_output(args.labels, json.dumps(sim.labels, indent=2, allow_nan=False) + "\n", args.force)
    print(
        f"wrote {len(sim.chunk)} samples ({sim.chunk.t[-1]:.1f} s, {sim.labels['rep_count']} reps, "
        f"{cfg.posture}, {sim.labels['leg']} leg) to {args.output}"
        + (f"; labels in {args.labels}" if args.labels else "")
    )
    return 0


def _write_with_foot(path: str, sim, clean: bool) -> None:
    """``--foot``: the foot sensor's six columns after the shin's, ankle truth in the labels."""
    from sensor.core.samples import ImuChunk
    from sensor.io.trace import TraceWriter
    from sensor.sim.foot import simulate_foot_for

    foot = simulate_foot_for(sim, noise=not clean)
    both = ImuChunk(sim.chunk.t, sim.chunk.acc, sim.chunk.gyr, foot_acc=foot.chunk.acc, foot_gyr=foot.chunk.gyr)
    with TraceWriter(path, sim.meta, foot=True) as w:
        for part in both.split([65536] * (len(both) // 65536 + 1)):
            w.write(part)
    for rep, ankle in zip(sim.labels["reps"], foot.labels):
        rep.update(ankle)


def cmd_bench(args) -> int:
    from sensor.sim.bench import run_bench
    from tui.jsonout import dumps

    res = run_bench(
        minutes=args.minutes, rate_hz=args.rate, sessions=args.sessions, out=(lambda *_: None) if args.json else print
    )
    if args.json:
        print(dumps(res))
    return 0
