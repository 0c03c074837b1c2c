"""Coaching rules inside the workout machine: sets, cues, the rest between sets and the target
range, driven by plain events (these were the Coach's tests; the workout machine owns it now)."""

from __future__ import annotations

import pytest

from sensor.core.coach import DEFAULT_RANGE_DEG, Cue, Targets, meets_tempo, rhythm_grade
from sensor.core.events import PartialRep, Rep, RepCompleted
from sensor.core.types import CueKind, Severity, WorkoutState
from sensor.core.workout import Workout


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


def cue_of(events) -> Cue | None:
    """The last cue among a step's workout events (what the screen shows afterwards)."""
    cues = [e for e in events if isinstance(e, Cue)]
    return cues[-1] if cues else None


def test_sets_close_on_target_then_rest_then_next_set_then_session_done():
    c = Workout(Targets(reps_per_set=2, sets=2, rest_s=30.0))
    assert cue_of(c.handle(rep(1, 10))).kind == "good"
    cue = cue_of(c.handle(rep(2, 20)))
    assert cue.kind == "set_done" and "Rest 30 s" in cue.text
    assert c.current.index == 2 and c.rest_remaining(20.0) == 30.0 and c.state == WorkoutState.RESTING
    c.handle(rep(3, 40))
    assert c.resting_until is None and c.state == WorkoutState.ACTIVE  # moving again ends the rest
    done = cue_of(c.handle(rep(4, 45)))
    assert done.kind == "session_done" and c.complete and c.total_reps == 4 and c.state == WorkoutState.DONE


def test_rest_cue_counts_down_in_sensor_time_and_says_when_it_is_over():
    c = Workout(Targets(reps_per_set=1, sets=3, rest_s=45.0))
    assert c.rest_cue(0.0) is None and c.rest_remaining(0.0) is None
    c.handle(rep(1, 10))
    cue = c.rest_cue(25.0)
    assert cue.kind == "rest" and "Rest 30 s" in cue.text and "set 2 of 3" in cue.text
    assert c.rest_remaining(25.0) == pytest.approx(30.0)
    over = c.rest_cue(100.0)
    assert c.rest_remaining(100.0) == 0.0 and "Rest over" in over.text
    c.start_next_set()
    assert c.rest_cue(100.0) is None


def test_manual_end_set_only_with_reps():
    c = Workout(Targets(reps_per_set=10, sets=2, rest_s=20.0))
    assert c.end_set(5.0) == []
    c.handle(rep(1, 10))
    assert cue_of(c.end_set(12.0)).kind == "set_done" and c.rest_remaining(12.0) == 20.0
    c.handle(rep(2, 40))
    assert cue_of(c.end_set(45.0)).kind == "session_done"


def test_target_range_defaults_then_follows_the_persons_best():
    c = Workout(Targets(reps_per_set=10), posture="supine")
    assert c.target_range() == DEFAULT_RANGE_DEG["supine"]
    for i, (b, t) in enumerate([(-40, 70), (-45, 75), (-42, 80)], start=1):
        c.handle(rep(i, 10.0 * i, bottom=b, top=t, rom=t - b))
    assert c.target_range() == (-45, 80)
    seated = Workout(posture="seated")
    lo, hi = seated.target_range()
    assert lo < hi <= 0


def test_cues_slow_down_partial_and_rate_limit():
    c = Workout(Targets(reps_per_set=10), repeat_s=8.0)
    assert cue_of(c.handle(rep(1, 10, down=0.8))).kind == "slow_down"
    assert cue_of(c.handle(rep(2, 14, down=0.8))) is None  # not nagged again within 8 s
    assert cue_of(c.handle(PartialRep(16.0, 20.0, 30.0))).severity == "warn"


def test_range_cue_names_the_end_that_fell_short():
    c = Workout(Targets(reps_per_set=10))
    for i in range(1, 4):
        c.handle(rep(i, 10.0 * i, bottom=-40, top=70, rom=110))
    # the top falls 40° short: straighten further, measured against the best so far (110°)
    cue = cue_of(c.handle(rep(4, 40.0, bottom=-40, top=30, rom=70)))
    assert cue.kind == CueKind.EXTEND_FURTHER and "70° of 110°" in cue.text
    cue = cue_of(c.handle(rep(5, 50.0, bottom=0, top=70, rom=70)))
    assert cue.kind == CueKind.LOWER_FURTHER


def test_screen_thresholds_are_the_cue_thresholds():
    # the dashboard colours with these; the cue rules use the same ones
    assert meets_tempo(1.3, 2.0) and not meets_tempo(1.2, 2.0)
    assert rhythm_grade(0.1) is None and rhythm_grade(0.2) == Severity.INFO and rhythm_grade(0.31) == Severity.WARN


def test_a_rep_counted_from_its_extension_alone_gets_no_flex_down_tempo_cue_or_statistic():
    """A bent-return set's first rep (sensor.core.bent_set) has no flex-down: flex_down_s is 0 and
    its duration is the extension's. It must not be told to slow a flex-down it never did, nor pull
    the set's flex-down mean and tempo spread down; the whole reps after it still are judged."""
    from sensor.core.summary import set_summary

    c = Workout(Targets(reps_per_set=10), repeat_s=0.0)
    first = rep(1, 10, down=0.0, hold_bottom=0.0)
    assert not first.rep.has_flex_down and rep(2, 20).rep.has_flex_down
    cue = cue_of(c.handle(first))
    assert cue.kind == "good" and "down" not in cue.text and "up 2.0 s" in cue.text
    reps = [first.rep] + [rep(i, 10.0 + 6.0 * i).rep for i in range(2, 6)]
    for r in reps[1:]:
        cue = cue_of(c.handle(RepCompleted(r.top_s, r)))
    assert cue.kind == "good"  # five reps, the first half as long: still a steady rhythm
    s = set_summary(reps)
    assert s["rep_count"] == 5 and s["mean_flex_down_s"] == 2.0 and s["mean_rep_duration_s"] == 5.0
    assert s["tempo_cv"] == 0.0
    assert cue_of(Workout(Targets(reps_per_set=10)).handle(rep(1, 10, down=0.8))).kind == "slow_down"
