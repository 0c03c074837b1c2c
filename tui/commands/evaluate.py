"""``glide evaluate``: how well the counter does on labelled data, as a table."""

from __future__ import annotations

import math

from tui import options as opt


def register(sub) -> None:
    p = sub.add_parser(
        "evaluate", help="score rep counting on labelled traces (a folder, the UCI data, or simulated sessions)"
    )
    p.add_argument("dir", nargs="?", help="folder of X.csv + X.labels.json pairs, or the UCI dataset folder")
    p.add_argument(
        "--simulated",
        type=opt.EVAL_SESSIONS,
        metavar="N",
        help="score N simulated sessions (seeds 0..N-1, N 1-10000) instead of a folder (default: none)",
    )
    p.add_argument(
        "--save",
        metavar="DIR",
        help="with --simulated: also write the traces and labels to DIR (a new or empty folder)",
    )
    p.add_argument(
        "--posture",
        choices=["supine", "seated"],
        help="override the posture of every trace (default: each trace's own)",
    )
    p.add_argument(
        "--tolerance",
        type=opt.TOLERANCE_S,
        default=1.5,
        help="rep matching tolerance, above 0 and at most 60 s (default: %(default)g)",
    )
    p.add_argument(
        "--corpus",
        choices=["classic", "long", "short", "standard", "negatives", "mixed", "variants"],
        default="classic",
        help="with --simulated: which sessions (classic: one set per session; long: >= 15 min with set breaks and "
        "walking; short: 1-3 reps; negatives: other activities, 0 reps; mixed: a quarter of long, short, standard and "
        "negatives; variants: the glide as handouts teach it, in ways the others never render) (default: classic)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_evaluate)


def _fmt(v, spec=".3f") -> str:
    if isinstance(v, float):
        return "-" if math.isnan(v) else format(v, spec)
    return str(v)


def cmd_evaluate(args) -> int:
    from sensor.sim.evaluation import evaluate_dir, evaluate_simulated, session_config, write_simulated_set
    from tui.errors import CliError

    if args.save and not args.simulated:
        raise CliError("--save needs --simulated N")
    if args.simulated and args.dir:
        raise CliError("give a folder or --simulated N, not both")
    if args.save and args.corpus != "classic":
        raise CliError("--save writes the classic corpus only (drop --corpus)")
    if args.simulated and args.corpus != "classic":
        from sensor.sim.evaluation import evaluate_corpus

        kind = "negative" if args.corpus == "negatives" else args.corpus
        summary, cres = evaluate_corpus(kind, range(args.simulated), args.posture)
        rows = [
            {
                "trace": f"{k} {seed}",
                "posture": post,
                "true": s.true_count,
                "detected": s.detected_count,
                "error": s.detected_count - s.true_count,
                "precision": s.precision,
                "recall": s.recall,
            }
            for seed, k, post, s in cres
        ]
        title = f"{args.simulated} simulated '{args.corpus}' sessions (seeds 0..{args.simulated - 1})"
    elif args.simulated:
        if args.save:
            from tui.outputs import prepare_output_dir

            folder = prepare_output_dir(args.save)
            try:
                write_simulated_set(folder, args.simulated)
            except OSError as e:
                raise CliError(f"cannot write to {args.save}: {e.strerror or e}") from None
        summary, results = evaluate_simulated(range(args.simulated))
        rows = [
            {
                "trace": f"seed {seed}",
                "posture": session_config(seed).posture,
                "true": s.true_count,
                "detected": s.detected_count,
                "error": s.detected_count - s.true_count,
                "precision": s.precision,
                "recall": s.recall,
            }
            for seed, s in results
        ]
        title = f"{args.simulated} simulated sessions (seeds 0..{args.simulated - 1})"
    elif args.dir:
        from pathlib import Path

        if not Path(args.dir).is_dir():
            raise CliError(f"{args.dir}: not a folder")
        try:
            summary, traces = evaluate_dir(args.dir, args.posture, args.tolerance)
        except (ValueError, KeyError, TypeError, IndexError) as e:  # a labels file that is not one
            raise CliError(f"{args.dir}: unreadable labels ({e.__class__.__name__}: {e})") from None
        except OSError as e:
            raise CliError(f"{args.dir}: cannot read: {e.strerror or e}") from None
        if not traces:
            raise CliError(
                f"{args.dir}: no labelled traces found (expected X.csv with X.labels.json, or the UCI layout)"
            )
        rows = [r.row() for r in traces]
        title = f"{len(rows)} labelled traces in {args.dir}"
    else:
        raise CliError("give a folder, or --simulated N")
    if args.json:
        from tui.jsonout import dumps

        print(dumps({"summary": summary, "traces": rows}))  # strict: a missing figure is null, not NaN
        return 0
    cols = [("trace", 28), ("posture", 8), ("true", 5), ("detected", 9), ("error", 6), ("precision", 10), ("recall", 7)]
    extra = [c for c in ("median_abs_bottom_err_s", "median_abs_top_err_s", "median_latency_s") if c in rows[0]]
    print(title)
    print(
        "".join(f"{n:>{w}}" if i else f"{n:<{w}}" for i, (n, w) in enumerate(cols))
        + "".join(f"{c[:-2]:>26}" for c in extra)
    )
    for r in rows:
        line = "".join((f"{_fmt(r[n]):>{w}}" if i else f"{r[n]:<{w}}") for i, (n, w) in enumerate(cols))
        print(line + "".join(f"{_fmt(r[c]):>26}" for c in extra))
    print("\noverall")
    for k, v in summary.items():
        print(f"  {k:<26}{_fmt(v):>10}")
    return 0
