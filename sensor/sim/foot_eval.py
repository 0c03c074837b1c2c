"""How well the foot sensor's per-rep ankle figures match the truth, over many simulated sessions.

``python -m sensor.sim.foot_eval --sessions 500`` runs shin sessions from the shin simulator
(random posture, leg, mounting, tempo, confounders, noise), adds a foot (random mounting, an
oblique ankle axis, per-rep patterns: correct, neutral, reversed, partial, late), counts reps with
the unchanged shin pipeline, computes the ankle angle with no calibration and scores:

- ``ankle_ok`` right: the rep's ``ankle_ok`` equals ``truth swing >= threshold`` (truth swing =
  true ankle angle at the *labelled* top minus at the labelled bottom);
- median |ankle_swing_deg - truth| against the same labels, and against the true angle at the
  *detected* turning points (the angle tracker's own error, without the rep timing's);
- shin counts unchanged: the shin samples are bit-identical with and without the foot, and the
  pipeline takes no foot input, so its reps cannot change.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sensor.core.ankle import ankle_angle
from sensor.core.ankle_reps import AnkleConfig, ankle_metrics
from sensor.core.pipeline import analyze
from sensor.sim.foot import PATTERNS, simulate_foot_for
from sensor.sim.scoring import pair_reps
from sensor.sim.simulator import SimConfig, simulate_session

__all__ = ["FootScore", "evaluate_foot", "main", "run_session"]


@dataclass
class FootScore:
    sessions: int = 0
    truth_reps: int = 0
    shin_counts: list[tuple[int, int]] = field(default_factory=list)  # (detected, true) per session
    shin_unchanged: int = 0  # sessions whose shin samples were identical with and without the foot
    matched: int = 0
    ok_right: int = 0
    near_threshold: int = 0  # matched reps whose true swing is within 2 deg of the threshold
    near_wrong: int = 0  # ... of which ankle_ok was wrong
    no_figure: int = 0  # matched reps with no ankle figure (foot data missing at a turning point)
    err_label: list[float] = field(default_factory=list)
    err_angle: list[float] = field(default_factory=list)
    by_pattern: dict[str, list[int]] = field(default_factory=dict)  # pattern -> [right, total]
    axis_err_foot_deg: list[float] = field(default_factory=list)
    failures: int = 0  # sessions where the axis could not be learnt
    wrong: list[dict[str, Any]] = field(default_factory=list)  # reps with ankle_ok wrong, for diagnosis

    def summary(self) -> dict[str, Any]:
        def med(xs: list[float]) -> float | None:
            return round(float(np.median(np.abs(xs))), 2) if xs else None

        def p95(xs: list[float]) -> float | None:
            return round(float(np.percentile(np.abs(xs), 95)), 2) if xs else None

        exact = sum(1 for d, n in self.shin_counts if d == n)
        return {
            "sessions": self.sessions,
            "truth_reps": self.truth_reps,
            "matched_reps": self.matched,
            "ankle_ok_right": round(self.ok_right / self.matched, 4) if self.matched else None,
            "ankle_ok_right_away_from_threshold": (
                round(1 - (len(self.wrong) - self.near_wrong) / (self.matched - self.near_threshold), 4)
                if self.matched > self.near_threshold
                else None
            ),
            "reps_within_2deg_of_threshold": self.near_threshold,
            "median_abs_swing_err_deg": med(self.err_label),
            "p95_abs_swing_err_deg": p95(self.err_label),
            "median_abs_swing_err_at_detected_times_deg": med(self.err_angle),
            "p95_abs_swing_err_at_detected_times_deg": p95(self.err_angle),
            "reps_without_figure": self.no_figure,
            "axis_failures": self.failures,
            "median_foot_axis_err_deg": med(self.axis_err_foot_deg),
            "by_pattern": {k: round(v[0] / v[1], 4) for k, v in sorted(self.by_pattern.items()) if v[1]},
            "shin_sessions_unchanged": f"{self.shin_unchanged}/{self.sessions}",
            "shin_exact_count_sessions": f"{exact}/{self.sessions}",
            "wrong_reps": self.wrong,
        }


def run_session(
    seed: int, score: FootScore, cfg: AnkleConfig, pattern: str | None = None, rate_hz: float = 100.0
) -> None:
    rng = np.random.default_rng([seed, 16])
    posture = "supine" if rng.random() < 0.7 else "seated"
    # posture as an override: the simulator's posture type is a Literal here, an enum elsewhere
    shin_cfg = SimConfig(seed=seed, reps=int(rng.integers(6, 13)), rate_hz=rate_hz)
    shin = simulate_session(shin_cfg, posture=posture)
    before = (shin.chunk.t.copy(), shin.chunk.acc.copy(), shin.chunk.gyr.copy())
    foot = simulate_foot_for(shin, pattern=pattern)
    fresh = simulate_session(SimConfig(seed=seed, reps=shin_cfg.reps, rate_hz=rate_hz), posture=posture).chunk
    same = all(np.array_equal(a, b) for a, b in zip(before, (fresh.t, fresh.acc, fresh.gyr)))
    same &= all(np.array_equal(a, b) for a, b in zip(before, (shin.chunk.t, shin.chunk.acc, shin.chunk.gyr)))
    score.sessions += 1
    score.shin_unchanged += int(same)
    pipe, _ = analyze(shin.chunk, posture=posture)
    reps = list(pipe.reps)
    truth = shin.labels["reps"]
    score.truth_reps += len(truth)
    score.shin_counts.append((len(reps), len(truth)))

    c, f = shin.chunk, foot.chunk
    try:
        ang = ankle_angle(c.t, c.acc, c.gyr, f.acc, f.gyr)
    except ValueError:
        score.failures += 1
        return
    j2_true = np.asarray(foot.meta["ankle_axis_sensor"])
    score.axis_err_foot_deg.append(float(np.degrees(np.arccos(min(1.0, abs(float(ang.axes.j2 @ j2_true)))))))
    res = ankle_metrics(reps, ang.t, ang.angle_deg, ang.shin_deg, cfg)
    for i, j in pair_reps(reps, truth):
        a, lab = res.reps[i], foot.labels[j]
        score.matched += 1
        right = [0, 0]
        truth_ok = lab["ankle_swing_deg"] >= cfg.min_swing_deg
        if a.ankle_swing_deg is None:
            score.no_figure += 1
        else:
            score.err_label.append(a.ankle_swing_deg - lab["ankle_swing_deg"])
            r = reps[i]
            at = np.interp([r.bottom_s, r.top_s], c.t, foot.ankle_deg)
            score.err_angle.append(a.ankle_swing_deg - float(at[1] - at[0]))
        ok = a.ankle_ok is not None and a.ankle_ok == truth_ok
        if abs(lab["ankle_swing_deg"] - cfg.min_swing_deg) <= 2.0:
            score.near_threshold += 1
            score.near_wrong += int(not ok)
        if not ok:
            score.wrong.append(
                {
                    "seed": seed,
                    "rep": j,
                    "pattern": lab["pattern"],
                    "posture": posture,
                    "leg": shin.labels["leg"],
                    "swing": a.ankle_swing_deg,
                    "truth": lab["ankle_swing_deg"],
                }
            )
        score.ok_right += int(ok)
        right = score.by_pattern.setdefault(lab["pattern"], [0, 0])
        right[0] += int(ok)
        right[1] += 1


def evaluate_foot(
    sessions: int, seed0: int = 0, cfg: AnkleConfig | None = None, pattern: str | None = None, rate_hz: float = 100.0
) -> FootScore:
    score = FootScore()
    cfg = cfg or AnkleConfig()
    for s in range(seed0, seed0 + sessions):
        run_session(s, score, cfg, pattern, rate_hz)
    return score


def _positive(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {v}")
    return v


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sensor.sim.foot_eval", description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=_positive, default=500)
    ap.add_argument("--seed", type=int, default=0, help="first session seed")
    ap.add_argument("--min-swing", type=float, default=20.0, help="ankle_ok threshold in degrees")
    ap.add_argument("--pattern", choices=PATTERNS, default=None, help="force one ankle pattern for every rep")
    ap.add_argument("--rate", type=float, default=100.0, help="sample rate of both sensors (Hz)")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    sc = evaluate_foot(args.sessions, args.seed, AnkleConfig(min_swing_deg=args.min_swing), args.pattern, args.rate)
    s = sc.summary()
    s["seconds"] = round(time.perf_counter() - t0, 1)
    if args.json:
        print(json.dumps(s, indent=2))
        return 0
    print(f"sessions {s['sessions']}, true reps {s['truth_reps']}, matched reps {s['matched_reps']} ({s['seconds']} s)")
    print(f"ankle_ok right:                     {s['ankle_ok_right']:.2%}  (target >= 98%)")
    print(
        f"  ... for reps whose true swing is > 2 deg from the threshold: {s['ankle_ok_right_away_from_threshold']:.2%}"
        f" ({s['reps_within_2deg_of_threshold']} reps are within 2 deg)"
    )
    print(f"median |swing - truth| (labels):    {s['median_abs_swing_err_deg']} deg (p95 {s['p95_abs_swing_err_deg']})")
    print(
        f"median |swing - truth| (det. times): {s['median_abs_swing_err_at_detected_times_deg']} deg"
        f" (p95 {s['p95_abs_swing_err_at_detected_times_deg']})"
    )
    print(f"by pattern: {s['by_pattern']}")
    print(f"foot axis error median: {s['median_foot_axis_err_deg']} deg; axis failures {s['axis_failures']}")
    print(f"reps without an ankle figure: {s['reps_without_figure']}")
    print(f"shin samples unchanged by the foot: {s['shin_sessions_unchanged']} sessions")
    print(f"shin count exact: {s['shin_exact_count_sessions']} sessions")
    for w in s["wrong_reps"][:40]:
        sw = "none" if w["swing"] is None else f"{w['swing']:.1f}"
        where = f"seed {w['seed']} rep {w['rep']} {w['pattern']} {w['posture']} {w['leg']}"
        print(f"  wrong: {where}: {sw} vs {w['truth']:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
