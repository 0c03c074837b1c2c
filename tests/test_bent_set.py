"""A set of bent-knee returns counts; a lone level-bottom movement does not (sensor.core.bent_set).

The handouts' "lower the leg back to a bent knee position" bottoms out with the shin level, which
the supine bottom check refuses in a lone movement (a straight-leg raise from the mat, a set
break). Repeated from one bottom pose to one top within a set, the movements are a set of glides:
every one counts, the first once the second repeats it.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import min_jerk_curve

from sensor.core.bent_set import BentSetConfig
from sensor.core.events import RepCompleted
from sensor.core.pipeline import analyze
from sensor.core.rep_bottom import BottomCheckedDetector
from sensor.sim.corpus import make_session


def _feed(points, chunk=None, bent=None):
    """The detector fed an exact elevation curve (50 Hz) in pieces of ``chunk`` samples: its reps
    and its RepCompleted events."""
    det = BottomCheckedDetector("supine", bent=bent)
    t, e, v = min_jerk_curve(points, rate=50.0)
    step = chunk or len(t)
    events = []
    for a in range(0, len(t), step):
        b = min(a + step, len(t))
        events += det.process(t[a:b], e[a:b], v[a:b], np.zeros(b - a, bool))
    return det.reps, [ev for ev in events if isinstance(ev, RepCompleted)]


def _bent_set(bottoms, tops, top_hold=1.0):
    """Supine reps from a held top: flex down in 1.5 s to each bottom (the tabletop, shin level),
    hold 0.8 s, extend up in 1.8 s to the next top, hold ``top_hold``."""
    pts = [(0, tops[0]), (2.0, tops[0])]
    for b, top in zip(bottoms, tops[1:], strict=True):
        pts += [(1.5, b), (0.8, b), (1.8, top), (top_hold, top)]
    return pts


@pytest.mark.parametrize("chunk", [None, 7, 64])
def test_a_set_of_bent_returns_counts_every_rep_the_first_once_repeated(chunk):
    reps, events = _feed(_bent_set([2.0, -3.0, 6.0, 0.0], [80.0, 74.0, 82.0, 77.0, 79.0]), chunk)
    assert len(reps) == 4
    assert [r.index for r in reps] == [1, 2, 3, 4]
    assert [round(r.bottom_deg) for r in reps] == [2, -3, 6, 0]
    # the first is counted when the second completes, reported then; the rest on time
    assert reps[0].detected_s == pytest.approx(reps[1].end_s)
    assert all(r.detected_s == pytest.approx(r.end_s) for r in reps[1:])
    # one RepCompleted per rep, in rep order, the late one at the moment it was counted
    assert [ev.rep for ev in events] == reps
    assert events[0].t_s == pytest.approx(reps[1].end_s)
    # the release off: every one refused by the bottom check, as before
    assert _feed(_bent_set([2.0, -3.0, 6.0, 0.0], [80.0, 74.0, 82.0, 77.0, 79.0]), chunk, BentSetConfig(False))[0] == []


def test_a_lone_level_bottom_movement_is_not_counted():
    """One movement down to level and up (a set break's shape: the only candidate of negatives
    8815) has nothing to repeat."""
    assert _feed(_bent_set([2.0], [64.0, 64.0]))[0] == []


def test_movements_further_apart_than_a_set_are_not_a_set():
    cfg = BentSetConfig()
    near, _ = _feed(_bent_set([2.0, 2.0], [78.0, 78.0, 78.0], top_hold=cfg.max_gap_s - 2.0))
    far, _ = _feed(_bent_set([2.0, 2.0], [78.0, 78.0, 78.0], top_hold=cfg.max_gap_s + 2.0))
    assert len(near) == 2
    assert far == []


def test_a_different_bottom_pose_is_not_a_repeat():
    """Level bottoms 25 deg apart (beyond ``max_step_deg``: not one pose held in the air) do not
    vouch for each other; 15 deg apart they do."""
    step = BentSetConfig().max_step_deg
    assert _feed(_bent_set([-8.0, -8.0 + step + 5.0], [60.0, 60.0, 80.0]))[0] == []
    assert len(_feed(_bent_set([-8.0, -8.0 + step - 5.0], [70.0, 70.0, 80.0]))[0]) == 2


def test_live_equals_offline_on_a_bent_return_session():
    s = make_session("variants", 74)  # 52 Hz, two sets of bent returns with a set break between
    assert (s.posture, s.labels["variant"]) == ("supine", "bent_return")
    offline, _ = analyze(s.chunk, "supine", s.rate_hz)
    live, _ = analyze(s.chunk, "supine", s.rate_hz, chunk_size=23)  # 0.44 s pieces at 52 Hz
    assert [r.to_dict() for r in live.reps] == [r.to_dict() for r in offline.reps]
    # 19 of the 20 labelled reps (4 before the release, 18 without the first extensions); each
    # counted one matches a labelled top
    assert len(offline.reps) == 19
    tops = np.array([r["top_s"] for r in s.labels["reps"]])
    assert all(np.min(np.abs(tops - r.top_s)) < 1.0 for r in offline.reps)


def test_a_rest_at_the_bottom_is_not_a_bent_return():
    """Level bottoms held past ``max_dwell_s`` (a foot put down to rest between sets: several
    seconds) do not vouch for each other, however alike; turned at once, they do."""
    dwell = BentSetConfig().max_dwell_s

    def pts(hold):
        return [(0, 78.0), (2.0, 78.0)] + [(1.5, 2.0), (hold, 2.0), (1.8, 78.0), (1.0, 78.0)] * 2

    assert _feed(pts(dwell + 1.5))[0] == []
    assert len(_feed(pts(dwell - 1.0))[0]) == 2


def test_a_bottom_far_above_level_is_no_tabletop():
    """Repeated turns at a bottom 45 deg above level (the shank of a decline squat read supine,
    negatives 1863) are no bent knee under a vertical thigh; level ones are."""
    high = BentSetConfig().max_bottom_deg + 10.0
    assert _feed(_bent_set([high, high], [high + 75.0] * 3))[0] == []
    assert len(_feed(_bent_set([high - 45.0, high - 45.0], [high + 30.0] * 3))[0]) == 2


@pytest.mark.parametrize("chunk", [None, 11])
def test_a_tight_set_under_the_range_bound(chunk):
    """A tight nerve stops the extension 50 deg above tabletop: under the supine range bound (60).
    With ``range_floor_deg`` (on by default) the repeated ones count, a lone one does not, and a
    bottom below level (not a bent return) stays with the range bound; with it off, none counts."""
    off = BentSetConfig(range_floor_deg=None)
    assert len(_feed(_bent_set([0.0, 2.0, -1.0], [50.0, 52.0, 49.0, 51.0]), chunk)[0]) == 3
    assert _feed(_bent_set([0.0, 2.0, -1.0], [50.0, 52.0, 49.0, 51.0]), chunk, off)[0] == []
    assert _feed(_bent_set([0.0], [50.0, 50.0]), chunk)[0] == []
    assert _feed(_bent_set([-25.0, -25.0], [30.0, 30.0, 30.0]), chunk)[0] == []
    # under the floor: a 35-deg sweep repeated is no rep at all
    assert _feed(_bent_set([0.0, 2.0, -1.0], [35.0, 36.0, 34.0, 35.0]), chunk)[0] == []


@pytest.mark.parametrize("chunk", [None, 13])
def test_the_first_extension_of_a_set_begun_at_its_bottom_counts(chunk):
    """The thigh brought to tabletop (the shin level, held 2 s), then straight into the first
    extension: no flex-down before it, so no candidate; once the set repeats, it counts too."""
    pts = [(0, 1.0), (2.0, 1.0), (1.8, 79.0), (1.0, 79.0)]
    for b, top in [(2.0, 76.0), (-2.0, 80.0), (3.0, 78.0)]:
        pts += [(1.5, b), (0.8, b), (1.8, top), (1.0, top)]
    reps, events = _feed(pts, chunk)
    assert len(reps) == 4
    assert [round(r.top_deg) for r in reps] == [79, 76, 80, 78]
    assert reps[0].top_s == pytest.approx(3.8, abs=0.2) and round(reps[0].bottom_deg) == 1
    assert reps[0].detected_s == reps[1].detected_s == pytest.approx(reps[2].end_s)
    assert [ev.rep for ev in events] == reps
    # switched off: the three the set vouches for
    off = BentSetConfig(first_extension=False)
    assert len(_feed(pts, chunk, off)[0]) == 3
    # a rise from the floor (40 deg below the set's bottom) is the set-up, not a rep
    floor = [(0, -40.0), (2.0, -40.0), (3.0, 79.0), (1.0, 79.0)] + pts[4:]
    assert len(_feed(floor, chunk)[0]) == 3


def test_a_set_seen_mid_way_does_not_count_a_rep_twice():
    """A glide counted on its own (bottom -12: below the bottom check's bound, within max_step_deg
    of the level ones), then level returns: the rise before the first level one is that glide's
    extension, already a rep, and is not counted again."""
    reps, _ = _feed(_bent_set([-12.0, 2.0, 0.0], [79.0, 78.0, 80.0, 79.0]))
    assert [round(r.bottom_deg) for r in reps] == [-12, 2, 0]
