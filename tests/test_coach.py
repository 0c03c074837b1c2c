"""Coach: sets, cues, the rest between sets and the target range, driven by plain events."""

from __future__ import annotations

import pytest

from sensor.core.coach import DEFAULT_RANGE_DEG, Coach, Targets
from sensor.core.events import PartialRep, Rep, RepCompleted


def rep(i: int, t: float, down=2.0, up=2.0, hold_bottom=1.0, rom=100.0, bottom=-35.0, top=65.0) -> RepCompleted:
    r = Rep(
        index=i,
        posture="supine",
        start_s=t - down - up - hold_bottom,
        bottom_s=t - up - hold_bottom,
        top_s=t,
        end_s=t,
        detected_s=t,
        flex_down_s=down,
        extend_up_s=up,
        hold_bottom_s=hold_bottom,
        hold_top_s=1.0,
        duration_s=down + up + hold_bottom,
        rom_deg=rom,
        bottom_deg=bottom,
        top_deg=top,
        peak_velocity_dps=60.0,
    )
    return RepCompleted(t, r)


def test_sets_close_on_target_then_rest_then_next_set_then_session_done():
    c = Coach(Targets(reps_per_set=2, sets=2, rest_s=30.0))
    assert c.on_event(rep(1, 10)).kind == "good"
    cue = c.on_event(rep(2, 20))
    assert cue.kind == "set_done" and "Rest 30 s" in cue.text
    assert c.current.index == 2 and c.rest_remaining(20.0) == 30.0
    c.on_event(rep(3, 60))
    assert c.resting_until is None  # moving again ends the rest
    done = c.on_event(rep(4, 70))
    assert done.kind == "session_done" and c.done and c.total_reps == 4


def test_rest_cue_counts_down_in_sensor_time_and_says_when_it_is_over():
    c = Coach(Targets(reps_per_set=1, sets=3, rest_s=45.0))
    assert c.rest_cue(0.0) is None and c.rest_remaining(0.0) is None
    c.on_event(rep(1, 10))
    cue = c.rest_cue(25.0)
    assert cue.kind == "rest" and "Rest 30 s" in cue.text and "set 2 of 3" in cue.text
    assert c.rest_remaining(25.0) == pytest.approx(30.0)
    over = c.rest_cue(100.0)
    assert c.rest_remaining(100.0) == 0.0 and "Rest over" in over.text
    c.end_rest()
    assert c.rest_cue(100.0) is None


def test_manual_end_set_only_with_reps():
    c = Coach(Targets(reps_per_set=10, sets=2, rest_s=20.0))
    assert c.end_set(5.0) is None
    c.on_event(rep(1, 10))
    assert c.end_set(12.0).kind == "set_done" and c.rest_remaining(12.0) == 20.0
    c.on_event(rep(2, 40))
    assert c.end_set(45.0).kind == "session_done"


def test_target_range_defaults_then_follows_the_persons_best():
    c = Coach(Targets(reps_per_set=10), posture="supine")
    assert c.target_range() == DEFAULT_RANGE_DEG["supine"]
    for i, (b, t) in enumerate([(-40, 70), (-45, 75), (-42, 80)], start=1):
        c.on_event(rep(i, 10.0 * i, bottom=b, top=t, rom=t - b))
    assert c.target_range() == (-45, 80)
    seated = Coach(posture="seated")
    lo, hi = seated.target_range()
    assert lo < hi <= 0


def test_cues_slow_down_partial_and_rate_limit():
    c = Coach(Targets(reps_per_set=10), repeat_s=8.0)
    assert c.on_event(rep(1, 10, down=0.8)).kind == "slow_down"
    assert c.on_event(rep(2, 14, down=0.8)) is None  # not nagged again within 8 s
    assert c.on_event(PartialRep(16.0, 20.0, 30.0)).severity == "warn"
