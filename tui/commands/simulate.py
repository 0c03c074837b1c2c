"""``glide simulate`` and ``glide bench``: the simulated sensor as a trace, and the benchmark."""

from __future__ import annotations

import json

from tui.errors import write_text


def register(sub) -> None:
    p = sub.add_parser("simulate", help="write a simulated session as a glide trace (+ ground-truth labels)")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--labels")
    p.add_argument("--reps", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rate", type=float, default=100.0)
    p.add_argument("--posture", choices=["supine", "seated"], default="supine")
    p.add_argument("--leg", choices=["left", "right"])
    p.add_argument("--clean", action="store_true", help="no confounders, no sensor noise")
    p.add_argument("--foot", action="store_true", help="add a foot IMU (6 more columns, random ankle patterns)")
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("bench", help="throughput, per-chunk latency, memory and accuracy figures")
    p.add_argument("--minutes", type=float, default=60.0, help="length of the simulated trace")
    p.add_argument("--rate", type=float, default=200.0)
    p.add_argument("--sessions", type=int, default=0, help="also score this many simulated sessions")
    p.set_defaults(func=cmd_bench)


def cmd_simulate(args) -> int:
    from sensor.io.trace import TraceWriter
    from sensor.sim.simulator import SimConfig, simulate_session

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
        _write_with_foot(args.output, sim, clean=args.clean)
    else:
        with TraceWriter(args.output, sim.meta) as w:
            for part in sim.chunk.split([65536] * (len(sim.chunk) // 65536 + 1)):
                w.write(part)
    if args.labels:
        write_text(args.labels, json.dumps(sim.labels, indent=2))
    print(
        f"wrote {len(sim.chunk)} samples ({sim.chunk.t[-1]:.1f} s, {sim.labels['rep_count']} reps, "
        f"{cfg.posture}, {sim.labels['leg']} leg) to {args.output}"
        + (f"; labels in {args.labels}" if args.labels else "")
    )
    return 0


def _write_with_foot(path: str, sim, clean: bool) -> None:
    """``--foot``: the foot sensor's six columns after the shin's, ankle truth in the labels."""
    from sensor.sim.foot import simulate_foot_for, write_foot_trace
    from tui.errors import CliError

    foot = simulate_foot_for(sim, noise=not clean)
    try:
        write_foot_trace(path, sim.meta, sim.chunk, foot.chunk)
    except OSError as e:
        raise CliError(f"cannot write {path}: {e.strerror or e}") from None
    for rep, ankle in zip(sim.labels["reps"], foot.labels):
        rep.update(ankle)


def cmd_bench(args) -> int:
    from sensor.sim.bench import run_bench

    run_bench(minutes=args.minutes, rate_hz=args.rate, sessions=args.sessions, out=print)
    return 0
