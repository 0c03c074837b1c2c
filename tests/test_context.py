"""Activity context (issue 11): footsteps, a hanging shin while supine and rotation off the knee
axis pause counting; the glide itself, and a knee extension that knocks the chair, do not."""

import numpy as np
import pytest

from sensor.core.context import ContextTracker
from sensor.core.events import Context, ContextChanged
from sensor.core.pipeline import analyze
from sensor.sim.corpus import make_session

RATE = 100.0
U = np.array([0.0, 1.0, 0.0])  # knee axis in sensor axes for these synthetic streams


def _still(seconds, elev=-90.0):
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    acc = np.tile([0.0, 0.0, 9.80665], (n, 1))
    gyr = np.zeros((n, 3))
    return t, acc, gyr, np.full(n, elev)


def _run(tracker, t, acc, gyr, elev, chunk=None):
    gap = np.zeros(len(t), bool)
    if chunk is None:
        return tracker.process(t, acc, gyr, elev, U, gap)
    outs, evs = [], []
    for a in range(0, len(t), chunk):
        b = a + chunk
        o, e = tracker.process(t[a:b], acc[a:b], gyr[a:b], elev[a:b], U, gap[a:b])
        outs.append(o)
        evs += e
    return np.concatenate(outs), evs


def _with_shocks(times, seconds=10.0, peak=25.0):
    t, acc, gyr, elev = _still(seconds)
    for ts in times:
        i = int(ts * RATE)
        acc[i] += [0.0, 0.0, peak]
    return t, acc, gyr, elev


def test_footsteps_mean_on_feet():
    t, acc, gyr, elev = _with_shocks([2.0, 3.0, 4.0, 5.0])
    last, events = _run(ContextTracker("seated", 1 / RATE), t, acc, gyr, elev)
    assert [e.context for e in events] == [Context.EXERCISE, Context.ON_FEET, Context.EXERCISE]
    on = next(e for e in events if e.context == Context.ON_FEET)
    assert on.t_s == pytest.approx(4.0)  # the third step within 3 s
    assert last[-1] >= 4.0


def test_one_knock_per_rep_is_not_walking():
    """A heel knocking the chair at the end of each extension (the UCI recordings do this)."""
    t, acc, gyr, elev = _with_shocks([2.0, 4.5, 7.0, 9.5], seconds=11.0)
    last, events = _run(ContextTracker("seated", 1 / RATE), t, acc, gyr, elev)
    assert [e.context for e in events] == [Context.EXERCISE]
    assert np.all(np.isneginf(last))


def test_hanging_shin_is_not_the_supine_exercise_but_is_seated():
    t, acc, gyr, elev = _still(3.0, elev=-90.0)
    _, ev_supine = _run(ContextTracker("supine", 1 / RATE), t, acc, gyr, elev)
    _, ev_seated = _run(ContextTracker("seated", 1 / RATE), t, acc, gyr, elev)
    assert ev_supine[0].context == Context.ON_FEET
    assert ev_seated[0].context == Context.EXERCISE
    # the same tilt forward or back of vertical (the filter's anterior side does not matter)
    _, ev_back = _run(ContextTracker("supine", 1 / RATE), t, acc, gyr, np.full(len(t), -110.0))
    assert ev_back[0].context == Context.ON_FEET


def test_rotation_off_the_knee_axis_is_repositioning_and_a_spike_is_not():
    t, acc, gyr, elev = _still(6.0, elev=-45.0)
    gyr[200:260, 0] = 150.0  # 0.6 s of rotation about another axis (rolling onto a side)
    gyr[400, 2] = 400.0  # one ringing sample
    last, events = _run(ContextTracker("supine", 1 / RATE), t, acc, gyr, elev)
    kinds = [e.context for e in events]
    assert kinds == [Context.EXERCISE, Context.REPOSITIONING, Context.EXERCISE]
    back = events[-1].t_s
    assert 2.6 + 0.2 < back < 2.6 + 0.9  # held for off_axis_hold_s (and the smoothing) after the rotation
    assert np.all(np.isneginf(last))  # repositioning is reported, it does not refuse reps


@pytest.mark.parametrize("chunk", [1, 7, 333])
def test_tracker_is_chunk_invariant(chunk):
    rng = np.random.default_rng(3)
    t, acc, gyr, elev = _with_shocks([1.0, 1.9, 2.7, 6.0, 8.5], seconds=12.0)
    acc += rng.normal(0, 0.05, acc.shape)
    gyr[300:400, 0] = 120.0
    gyr += rng.normal(0, 0.5, gyr.shape)
    elev = elev + 30 * np.sin(t)
    ref = _run(ContextTracker("supine", 1 / RATE), t, acc, gyr, elev)
    got = _run(ContextTracker("supine", 1 / RATE), t, acc, gyr, elev, chunk=chunk)
    assert np.array_equal(ref[0], got[0])
    assert ref[1] == got[1]


def test_pipeline_announces_walking_and_counts_the_set_after_it():
    """A long session: walk in, lie down, sets with the foot on the floor between, walk away."""
    s = make_session("long", 2)
    assert s.labels["duration_s"] >= 900
    pipe, events = analyze(s.chunk, s.posture, s.rate_hz)
    changes = [e for e in events if isinstance(e, ContextChanged)]
    assert any(e.context == Context.ON_FEET for e in changes)
    walk_away = max(g["start_s"] for g in s.labels["segments"] if g["kind"] == "walk")
    walking = [e for e in changes if e.context == Context.ON_FEET and walk_away - 10 < e.t_s < walk_away + 10]
    assert walking, "walking away is announced"
    assert len(pipe.reps) == s.labels["rep_count"]
    assert not [r for r in pipe.reps if r.end_s > s.labels["reps"][-1]["end_s"] + 1.0]


def test_lost_packets_are_not_foot_contacts():
    """A burst of lost packets (a hole shorter than a gap) during a movement: the acceleration
    jumps across the hole by what the movement changed meanwhile, not by an impact."""
    n = int(12 * RATE)
    t = np.arange(n) / RATE
    ang = np.radians(80.0 * np.sin(2 * np.pi * t / 3.0))  # a swing at glide speed (peak 170 deg/s)
    acc = 9.80665 * np.stack([np.sin(ang), np.zeros(n), np.cos(ang)], axis=1)
    gyr = np.zeros((n, 3))
    elev = np.full(n, -90.0)
    keep = np.ones(n, bool)
    for a in (140, 290, 440):  # three holes of 0.24 s at the fastest points, within 3 s like footsteps
        keep[a : a + 24] = False
    t, acc, gyr, elev = t[keep], acc[keep], gyr[keep], elev[keep]
    jumps = np.linalg.norm(np.diff(acc, axis=0), axis=1)
    assert jumps.max() > 5.0  # each hole alone would pass for a shock at the nominal sampling interval
    tracker = ContextTracker("seated", 1 / RATE)
    last, events = _run(tracker, t, acc, gyr, elev)
    assert [e.context for e in events] == [Context.EXERCISE]
    assert np.all(np.isneginf(last))
