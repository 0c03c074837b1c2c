"""How well the *live* ankle figures match the truth: the sessions of :mod:`sensor.sim.foot_eval`
(same seeds, postures, rep counts, random foot mountings and ankle patterns), streamed in 50 ms
chunks through the shin pipeline and :class:`sensor.core.ankle_live.AnkleLive` exactly as the
dashboard feeds them, each counted rep's figures scored against the simulator's labels.

Why apart from ``foot_eval``: offline, the ankle axis is learned from the whole recording; live,
from the first ``learn_s`` seconds, and the first reps are resolved late. This measures what a
person sees on the dashboard. Run ``python -m sensor.sim.foot_live_eval --sessions 40``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np

from sensor.core.ankle_live import AnkleFigures, AnkleLive
from sensor.core.events import RepCompleted
from sensor.core.pipeline import Pipeline
from sensor.core.samples import ImuChunk
from sensor.sim.foot import simulate_foot_for
from sensor.sim.scoring import pair_reps
from sensor.sim.simulator import SimConfig, simulate_session


def live_session(seed: int, learn_s: float = 30.0, chunk_s: float = 0.05, rate_hz: float = 100.0) -> dict[str, Any]:
    """One session as ``foot_eval.run_session`` draws it, streamed live; per matched rep the
    live figure and the label."""
    rng = np.random.default_rng([seed, 16])
    posture = "supine" if rng.random() < 0.7 else "seated"
    cfg = SimConfig(seed=seed, reps=int(rng.integers(6, 13)), rate_hz=rate_hz)
    shin = simulate_session(cfg, posture=posture)
    foot = simulate_foot_for(shin)
    c = ImuChunk(shin.chunk.t, shin.chunk.acc, shin.chunk.gyr, foot.chunk.acc, foot.chunk.gyr)
    pipe, live = Pipeline(posture, rate_hz), AnkleLive(rate_hz, learn_s=learn_s)
    figures: dict[int, Any] = {}
    reps = []
    n = max(int(round(chunk_s * rate_hz)), 1)
    for part in c.split([n] * (len(c) // n + 1)):
        got: list[Any] = list(live.feed(part))
        for ev in pipe.feed(part):
            if isinstance(ev, RepCompleted):
                reps.append(ev.rep)
                got += live.add_rep(ev.rep)
        figures.update({e.rep_index: e.ankle for e in got if isinstance(e, AnkleFigures)})
    for ev in pipe.finish():
        if isinstance(ev, RepCompleted):
            reps.append(ev.rep)
            live.add_rep(ev.rep)
    figures.update({e.rep_index: e.ankle for e in live.finish()})
    pairs = [(figures.get(reps[i].index), foot.labels[j]) for i, j in pair_reps(reps, shin.labels["reps"])]
    return {"posture": posture, "pairs": pairs, "truth_reps": len(shin.labels["reps"]), "counted": len(reps)}


def evaluate_live(sessions: int, seed0: int = 0, learn_s: float = 30.0, min_swing_deg: float = 20.0) -> dict[str, Any]:
    err: list[float] = []
    right = matched = no_figure = 0
    for s in range(seed0, seed0 + sessions):
        for a, lab in live_session(s, learn_s)["pairs"]:
            matched += 1
            if a is None or a.ankle_swing_deg is None:
                no_figure += 1
                continue
            err.append(abs(a.ankle_swing_deg - lab["ankle_swing_deg"]))
            right += int(a.ankle_ok == (lab["ankle_swing_deg"] >= min_swing_deg))
    e = np.array(err) if err else np.array([np.nan])
    return {
        "sessions": sessions,
        "learn_s": learn_s,
        "matched_reps": matched,
        "reps_without_figure": no_figure,
        "ankle_ok_right": round(right / matched, 4) if matched else None,
        "median_abs_err_deg": round(float(np.median(e)), 2),
        "p90_abs_err_deg": round(float(np.percentile(e, 90)), 2),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sensor.sim.foot_live_eval", description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=40)
    ap.add_argument("--seed0", type=int, default=0)
    ap.add_argument("--learn-s", type=float, default=30.0, help="seconds of foot data the axis is learned from")
    a = ap.parse_args(argv)
    if a.sessions < 1 or not 1.0 <= a.learn_s <= 600.0:
        print("glide: --sessions >= 1 and --learn-s 1 to 600", file=sys.stderr)
        return 2
    r = evaluate_live(a.sessions, a.seed0, a.learn_s)
    for k, v in r.items():
        print(f"{k:<22}{v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
