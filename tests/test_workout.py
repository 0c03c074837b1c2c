"""The workout state machine on real sequences: plan, sets, rests, pauses, early ends, the last
set, and agreement between the live session and a re-analysis of its recording."""

from __future__ import annotations

import pytest

from sensor.core.coach import Cue, Plan
from sensor.core.events import Hold, PhaseStarted, Rep, RepCompleted, SensorStatus, TurnReached
from sensor.core.pipeline import analyze
from sensor.core.types import CueKind, Phase, WorkoutState
from sensor.core.workout import (
    RepCounted,
    RepNotCounted,
    RestEnded,
    RestStarted,
    SessionCompleted,
    SetCompleted,
    SetStarted,
    StateChanged,
    Workout,
    infer_plan,
    replay_workout,
)
from sensor.sim.simulator import SimConfig, simulate_session


def rep_at(t: float, i: int = 1, dur: float = 5.0) -> RepCompleted:
    r = Rep(i, "supine", t - dur, t - 2.5, t, t, t, 2.0, 2.0, 1.0, 1.0, dur, 95.0, -32.0, 63.0, 60.0)
    return RepCompleted(t, r)


def kinds(events) -> list[str]:
    return [e.__class__.__name__ for e in events]


def test_calibration_then_a_full_plan_with_rests_in_sensor_time():
    w = Workout(Plan(reps_per_set=2, sets=2, rest_s=20.0))
    assert w.state == WorkoutState.CALIBRATING
    out = w.handle(SensorStatus(1.0, "calibrated", "knee axis found"))
    assert out == [StateChanged(1.0, WorkoutState.CALIBRATING, WorkoutState.ACTIVE)]
    assert kinds(w.handle(rep_at(10.0))) == ["SetStarted", "RepCounted", "Cue"]
    out = w.handle(rep_at(16.0))
    assert [e for e in out if isinstance(e, SetCompleted)] == [SetCompleted(16.0, 1, 2, False)]
    assert [e for e in out if isinstance(e, RestStarted)] == [RestStarted(16.0, 36.0, 2)]
    assert w.state == WorkoutState.RESTING and w.rest_remaining(30.0) == pytest.approx(6.0)
    assert w.advance(35.9) == []  # no clock inside: only sensor time ends the rest
    out = w.advance(36.0)
    assert RestEnded(36.0, "timer") in out and w.state == WorkoutState.ACTIVE
    assert "Rest over: start set 2 of 2" in w.cue.text
    w.handle(rep_at(50.0))
    out = w.handle(rep_at(56.0))
    assert SessionCompleted(56.0, 4, 2, True) in out and w.state == WorkoutState.DONE and w.complete
    assert [r.index for r in w.reps] == [1, 2, 3, 4]
    assert [[r.index for r in s.reps] for s in w.sets_done()] == [[1, 2], [3, 4]]


def test_reps_while_paused_or_after_the_end_are_not_counted():
    w = Workout(Plan(reps_per_set=5, sets=1), calibrated=True)
    w.handle(rep_at(10.0))
    assert w.toggle_pause() == [StateChanged(10.0, WorkoutState.ACTIVE, WorkoutState.PAUSED)]
    out = w.handle(rep_at(20.0))
    assert out == [RepNotCounted(20.0, WorkoutState.PAUSED)] and w.uncounted == 1 and w.total_reps == 1
    w.toggle_pause()
    assert w.state == WorkoutState.ACTIVE
    assert isinstance(w.handle(rep_at(30.0))[0], RepCounted) and w.reps[-1].index == 2
    w.finish(40.0)
    assert w.handle(rep_at(50.0)) == [RepNotCounted(50.0, WorkoutState.DONE)] and w.uncounted == 2


def test_end_set_early_then_start_the_next_set_by_hand():
    w = Workout(Plan(reps_per_set=10, sets=3, rest_s=60.0), calibrated=True)
    assert w.end_set(5.0) == []  # nothing to end
    w.handle(rep_at(10.0))
    w.handle(rep_at(16.0, 2))
    out = w.end_set(20.0)
    assert SetCompleted(20.0, 1, 2, True) in out and w.state == WorkoutState.RESTING
    out = w.toggle_pause()  # space during the rest starts the next set now
    assert RestEnded(20.0, "person") in out and w.state == WorkoutState.ACTIVE
    assert w.cue.kind == CueKind.REST and w.cue.text == "Set 2 of 3: go."
    assert w.set_index == 2 and w.reps_in_set == 0


def test_moving_during_the_rest_ends_it_and_counts_toward_the_next_set():
    w = Workout(Plan(reps_per_set=1, sets=3, rest_s=60.0), calibrated=True)
    w.handle(rep_at(10.0))
    out = w.handle(rep_at(20.0))  # 10 s into a 60 s rest
    assert RestEnded(20.0, "movement") in out and SetStarted(20.0, 2) in out
    assert [e.kind for e in out if isinstance(e, Cue)][-1] == CueKind.SET_DONE  # set 2 (of 1 rep) done at once


def test_last_set_ended_early_ends_the_session_and_the_stream_end_closes_a_set():
    w = Workout(Plan(reps_per_set=10, sets=1), calibrated=True)
    w.handle(rep_at(10.0))
    out = w.end_set(15.0)
    assert w.state == WorkoutState.DONE and SessionCompleted(15.0, 1, 1, False) in out
    assert w.cue.kind == CueKind.SESSION_DONE

    w = Workout(Plan(reps_per_set=10, sets=3), calibrated=True)
    w.handle(rep_at(10.0))
    out = w.finish(30.0)
    assert SetCompleted(30.0, 1, 1, True) in out and not any(isinstance(e, RestStarted) for e in out)
    assert w.state == WorkoutState.DONE and w.resting_until is None and not w.complete
    assert w.finish(31.0) == []  # idempotent


def test_phase_follows_the_pipeline_and_recalibration_resets_it():
    w = Workout(calibrated=True)
    w.handle(PhaseStarted(1.0, Phase.FLEX_DOWN, 0.0))
    assert (w.phase, w.phase_where) == ("flex_down", "")
    w.handle(TurnReached(3.0, "bottom", -30.0))
    w.handle(Hold(3.5, "rest", -30.0))  # already holding: the turn's "bottom" stays
    assert (w.phase, w.phase_where) == ("hold", "bottom")
    w.toggle_pause()
    w.recalibrate()
    assert w.state == WorkoutState.CALIBRATING and w.phase is None


def test_re_analysis_agrees_with_the_live_session_for_any_chunking():
    sim = simulate_session(SimConfig(seed=4, reps=8, rate_hz=100.0))
    plan = Plan(reps_per_set=3, sets=3, rest_s=30.0)
    _, whole = analyze(sim.chunk, "supine", 100.0)
    _, chunked = analyze(sim.chunk, "supine", 100.0, chunk_size=7)
    a, b = replay_workout(whole, plan), replay_workout(chunked, plan)
    assert a.total_reps == b.total_reps == 8
    assert [[r.end_s for r in s.reps] for s in a.sets_done()] == [[r.end_s for r in s.reps] for s in b.sets_done()]
    assert [len(s.reps) for s in a.sets_done()] == [3, 3, 2]
    assert a.rep_notes == b.rep_notes


def test_infer_plan_splits_the_recording_at_its_rests():
    reps = [rep_at(t).rep for t in (10, 16, 22, 80, 86, 92, 98)]
    plan = infer_plan(reps, Plan(rest_s=45.0))
    assert (plan.sets, plan.reps_per_set, plan.rest_s) == (2, 4, 45.0)
    assert infer_plan([], Plan(sets=3)) == Plan(sets=3)
