"""The foot sensor (issue 16) in ``glide demo``: a simulated foot on the simulated shin's rows
(``--foot``, ``--foot-drop``), and the headless view's foot lines (``--no-tui``)."""

from __future__ import annotations


def foot_drop(text: str) -> tuple[float, float]:
    """``AT,FOR`` in seconds, both >= 0 and finite (argparse turns the error into one line, exit 2)."""
    import argparse
    import math

    try:
        at, dur = (float(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected AT,FOR in seconds (e.g. 60,10), not {text!r}") from None
    if not all(math.isfinite(x) and 0 <= x <= 36000 for x in (at, dur)):
        raise argparse.ArgumentTypeError(f"AT and FOR must be 0 to 36000 s, not {text!r}")
    return at, dur


def foot_demo_source(
    cfg, speed: float = 1.0, clock=None, *, sets: int = 1, rest_s: float = 0.0, drop: tuple[float, float] | None = None
):
    """``glide demo --foot``: the simulated shin with a simulated foot sensor on the same rows
    (random mounting, an ankle pattern per rep: ``sensor.sim.foot``), paced like a live source;
    rests between sets are spliced into both sensors alike. ``drop=(at, for)``: the foot's
    columns are NaN for ``for`` seconds from ``at`` (a dropped-out foot sensor)."""
    import numpy as np

    from sensor.core.samples import ImuChunk
    from sensor.io.sources import CHUNK_S, PacedSource
    from sensor.sim.foot import simulate_foot_for
    from sensor.sim.simulator import simulate_session
    from sensor.sim.source import insert_rests

    sim = simulate_session(cfg)
    shin, foot = sim.chunk, simulate_foot_for(sim).chunk
    if sets > 1 and rest_s > 0 and sim.labels["reps"]:
        per_set = max(cfg.reps // sets, 1)
        ends = [r["end_s"] for r in sim.labels["reps"]][per_set - 1 : -1 : per_set]
        shin = insert_rests(shin, ends, rest_s, cfg.rate_hz, seed=cfg.seed)
        foot = insert_rests(foot, ends, rest_s, cfg.rate_hz, seed=cfg.seed + 1)  # the same rows, its own noise
    fa, fg = foot.acc.copy(), foot.gyr.copy()
    if drop is not None:
        gone = (shin.t >= shin.t[0] + drop[0]) & (shin.t < shin.t[0] + drop[0] + drop[1])
        fa[gone], fg[gone] = np.nan, np.nan
    both = ImuChunk(shin.t, shin.acc, shin.gyr, fa, fg)
    n = max(int(round(cfg.rate_hz * CHUNK_S)), 1)
    src = PacedSource(
        both.split([n] * (len(both) // n + 1)),
        name="simulated sensor",
        meta={**sim.meta, "foot_device": "glide simulator (foot)"},
        rate_hz=cfg.rate_hz,
        speed=speed,
        clock=clock,
        device="glide simulator + foot",
    )
    return src


def print_foot(events) -> list:
    """--no-tui: the foot sensor's news (issue 16), one line each; returns the rep figures among
    them (for the coaching that the sound speaks)."""
    figures = []
    for ev in events:
        a = getattr(ev, "ankle", None)
        if a is not None:
            figures.append(ev)
        if a is None:
            print(f"{ev.t_s:7.2f} s  [foot] {ev.text}", flush=True)
        elif a.ankle_swing_deg is None:
            print(f"{ev.t_s:7.2f} s  ankle of rep {ev.rep_index}: - (no foot data)", flush=True)
        else:
            verdict = "ok" if a.ankle_ok else "not ok"
            print(f"{ev.t_s:7.2f} s  ankle of rep {ev.rep_index}: {a.ankle_swing_deg:+.0f} deg, {verdict}", flush=True)
    return figures
