"""Per-rep angle errors of a corpus, and where each comes from: ``python -m sensor.sim.angle_report
variants 0 300 [--json OUT] [--tail 6]``.

Issue 11 item 4 asks every rep's top and bottom elevation within 3 deg median and 6 deg p95 of
the truth. The summary (:func:`sensor.sim.scoring.summarize`) gives the two figures; this lists
what makes them: each matched rep with its form (the ``variants`` kind's variant), posture, rate,
what fixed the mounting's shin direction (``Mounting.reference``) and seed, and its error split in
two at the sample the detector picked:

- ``read``: the angle the pipeline reads there minus the true elevation there (a frame offset
  shows as the same ``read`` on every rep of a session; a refinement mid-session as a step);
- ``pick``: the true elevation there minus the label (the top or bottom picked at the wrong
  sample, or a label that is not what the shin did).

Then the error by form, and the sessions that hold the reps past ``--tail`` degrees. Matching is
:func:`sensor.sim.scoring.score_reps`'s (nearest unmatched end within 1.5 s).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from sensor.core.events import Rep
from sensor.core.pipeline import analyze_stream
from sensor.sim.corpus import make_session
from sensor.sim.scoring import pair_reps


def matched(detected: Sequence[Rep], truth: Sequence[Mapping[str, Any]], tol_s: float = 1.5) -> list[tuple[Rep, int]]:
    """(detected rep, index of its true rep), paired as :func:`sensor.sim.scoring.score_reps` pairs them."""
    return [(detected[i], j) for i, j in pair_reps(detected, truth, tol_s)]


def session_rows(kind: str, seed: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The matched reps of one session (one dict each) and the session's own line."""
    s = make_session(kind, seed)
    pipe, _ = analyze_stream([s.chunk], s.posture, s.rate_hz, keep_elevation=True)
    t, truth_e = s.chunk.t, s.truth_e
    read = np.full(len(t), np.nan)  # the curve as finally analysed (a replay overwrites)
    for a, e in pipe.take_elevation():
        i = np.searchsorted(t, a)
        ok = i < len(t)
        read[i[ok]] = e[ok]
    m = pipe.mounting
    form = str(s.labels.get("variant", s.kind))
    ref = None if m is None else m.reference
    labels = s.labels["reps"]
    rows = []
    for r, j in matched(pipe.reps, labels):
        tr = labels[j]
        row: dict[str, Any] = {"seed": seed, "form": form, "posture": s.posture, "rate": s.rate_hz, "reference": ref}
        row["rep"] = r.index
        for end, t_s, deg in (("top", r.top_s, r.top_deg), ("bottom", r.bottom_s, r.bottom_deg)):
            k = min(int(np.searchsorted(t, t_s)), len(t) - 1)
            row[f"{end}_err"] = deg - tr[f"{end}_deg"]
            row[f"{end}_read"] = float(read[k] - truth_e[k])
            row[f"{end}_pick"] = float(truth_e[k] - tr[f"{end}_deg"])
            row[f"{end}_dt"] = t_s - tr[f"{end}_s"]
        rows.append(row)
    line = {"seed": seed, "form": form, "posture": s.posture, "rate": s.rate_hz, "reference": ref}
    line.update(true=len(labels), detected=len(pipe.reps), matched=len(rows))
    return rows, line


def _fig(x: Sequence[float]) -> str:
    a = np.abs(np.asarray(x, float))
    return f"{np.median(a):4.1f} / {np.percentile(a, 95):4.1f}" if len(a) else "   - /    -"


def report(rows: Sequence[Mapping[str, Any]], tail: float) -> list[str]:
    """The by-form table (median / p95 of |error|, top and bottom) and the tail's sessions."""
    forms: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for r in rows:
        forms[(r["posture"], r["form"])].append(r)
    out = [f"{'posture':8s}{'form':17s}{'reps':>5s}  top med / p95  bottom med / p95  top>{tail:g} bottom>{tail:g}"]
    for (posture, form), rs in sorted([*forms.items(), (("ALL", ""), list(rows))]):
        top, bot = [r["top_err"] for r in rs], [r["bottom_err"] for r in rs]
        n_t, n_b = sum(abs(x) > tail for x in top), sum(abs(x) > tail for x in bot)
        out.append(f"{posture:8s}{form:17s}{len(rs):5d}  {_fig(top)}    {_fig(bot)}    {n_t:5d} {n_b:8d}")
    sessions: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    for r in rows:
        sessions[r["seed"]].append(r)
    worst = []
    for seed, rs in sessions.items():
        n = sum(abs(r["top_err"]) > tail for r in rs) + sum(abs(r["bottom_err"]) > tail for r in rs)
        if n:
            worst.append((n, seed, rs))
    out.append(f"sessions with reps past {tail:g} deg (medians; read: the frame, pick: the sample):")
    for n, seed, rs in sorted(worst, key=lambda w: (-w[0], w[1])):
        r0 = rs[0]
        med = {k: float(np.median([r[k] for r in rs])) for k in ("top_err", "top_read", "top_pick", "bottom_err")}
        out.append(
            f"  seed {seed:5d} {r0['posture']:6s} {r0['form']:15s} {r0['rate']:5.0f} Hz {r0['reference']!s:10s} "
            f"{n:3d} of {2 * len(rs):3d}: top {med['top_err']:+6.1f} (read {med['top_read']:+6.1f}, pick "
            f"{med['top_pick']:+5.1f}), bottom {med['bottom_err']:+6.1f}, top range "
            f"[{min(r['top_err'] for r in rs):+.1f}, {max(r['top_err'] for r in rs):+.1f}]"
        )
    return out


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("kind")
    ap.add_argument("start", type=int)
    ap.add_argument("count", type=int)
    ap.add_argument("--json", help="write every rep and session line here")
    ap.add_argument("--tail", type=float, default=6.0, help="list the sessions with reps past this error (deg)")
    a = ap.parse_args(argv)
    rows, lines = [], []
    for seed in range(a.start, a.start + a.count):
        r, line = session_rows(a.kind, seed)
        rows += r
        lines.append(line)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"reps": rows, "sessions": lines}, f)
    print("\n".join(report(rows, a.tail)))


if __name__ == "__main__":
    main()
