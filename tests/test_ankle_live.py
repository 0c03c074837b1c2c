"""The foot sensor during a live session (issue 16): per-rep ankle figures from a stream, the
foot's link state, and the coaching it earns. Sans-IO: chunks in, typed events out."""

from __future__ import annotations

import numpy as np
import pytest

from sensor.core.ankle_live import FOOT_BACK, FOOT_LOST, AnkleFigures, AnkleLive, FootLink, FootLinkChanged
from sensor.core.ankle_reps import CUE_FLEX, CUE_POINT, AnkleRep, ankle_set_from_imu
from sensor.core.events import RepCompleted
from sensor.core.pipeline import Pipeline
from sensor.core.samples import ImuChunk
from sensor.core.types import CueKind, WorkoutState
from sensor.core.workout import Cue, Workout
from sensor.sim.foot import simulate_foot_for
from sensor.sim.simulator import SimConfig, simulate_session


def foot_session(seed: int, reps: int = 10, pattern: str | None = None) -> tuple[ImuChunk, list[dict]]:
    sim = simulate_session(SimConfig(seed=seed, reps=reps))
    foot = simulate_foot_for(sim, pattern=pattern)
    both = ImuChunk(sim.chunk.t, sim.chunk.acc, sim.chunk.gyr, foot.chunk.acc, foot.chunk.gyr)
    return both, foot.labels


def stream(chunk: ImuChunk, size: int, learn_s: float = 30.0):
    """Feed like the session does: the foot first, then the pipeline's counted reps."""
    pipe = Pipeline("supine", 100.0)
    live = AnkleLive(100.0, learn_s=learn_s)
    events: list = []
    reps = []
    for part in chunk.split([size] * (len(chunk) // size + 1)):
        events += live.feed(part)
        for ev in pipe.feed(part):
            if isinstance(ev, RepCompleted):
                reps.append(ev.rep)
                events += live.add_rep(ev.rep)
    for ev in pipe.finish():
        if isinstance(ev, RepCompleted):
            reps.append(ev.rep)
            events += live.add_rep(ev.rep)
    events += live.finish()
    figures = {e.rep_index: e.ankle for e in events if isinstance(e, AnkleFigures)}
    links = [e for e in events if isinstance(e, FootLinkChanged)]
    return reps, figures, links


@pytest.fixture(scope="module")
def session3():
    return foot_session(3, reps=12)


@pytest.fixture(scope="module")
def streamed3(session3):
    """``stream(session3, 5)``, read by three tests: the 5-sample feed is the costly part."""
    return stream(session3[0], 5)


def test_every_counted_rep_gets_figures_close_to_the_truth_and_the_offline_analysis(session3, streamed3):
    chunk, labels = session3
    reps, figures, links = streamed3
    assert len(reps) == len(labels) == 12 and sorted(figures) == [r.index for r in reps]
    offline = ankle_set_from_imu(reps, chunk.t, chunk.acc, chunk.gyr, chunk.foot_acc, chunk.foot_gyr)
    err_truth, err_offline = [], []
    for r, off, lab in zip(reps, offline.reps, labels, strict=True):
        live = figures[r.index]
        assert live.ankle_swing_deg is not None and off.ankle_swing_deg is not None
        err_truth.append(abs(live.ankle_swing_deg - lab["ankle_swing_deg"]))
        err_offline.append(abs(live.ankle_swing_deg - off.ankle_swing_deg))
        assert live.ankle_ok == (lab["ankle_swing_deg"] >= 20.0)
    # the live axis is learned from the first 30 s, the offline one from the whole recording
    assert np.median(err_truth) < 5.0 and max(err_truth) < 10.0
    assert np.median(err_offline) < 2.0
    assert [e.state for e in links] == [FootLink.STREAMING]  # streaming from the start, never lost


def test_figures_do_not_depend_on_how_the_stream_was_chunked(session3, streamed3):
    chunk, _ = session3
    _, a, _ = streamed3
    _, b, _ = stream(chunk, 37)
    assert sorted(a) == sorted(b)
    for k in a:
        assert a[k].ankle_swing_deg == pytest.approx(b[k].ankle_swing_deg, abs=1e-6)


def test_reps_before_the_axis_is_learned_are_resolved_once_it_is(session3):
    chunk, _ = session3
    live = AnkleLive(100.0, learn_s=30.0)
    pipe = Pipeline("supine", 100.0)
    first_rep, resolved_at = None, None
    for part in chunk.split([10] * (len(chunk) // 10 + 1)):
        got = live.feed(part)
        for ev in pipe.feed(part):
            if isinstance(ev, RepCompleted):
                first_rep = first_rep or ev.rep
                got += live.add_rep(ev.rep)
        if resolved_at is None and any(isinstance(e, AnkleFigures) for e in got):
            resolved_at = float(part.t[-1])
    assert first_rep is not None and first_rep.end_s < 30.0  # counted before the axis could be known
    assert resolved_at is not None and 30.0 <= resolved_at < 31.0 and live.learned


def _with_dropout(chunk: ImuChunk, t0: float, t1: float) -> ImuChunk:
    assert chunk.foot_acc is not None and chunk.foot_gyr is not None
    fa, fg = chunk.foot_acc.copy(), chunk.foot_gyr.copy()
    gone = (chunk.t >= t0) & (chunk.t < t1)
    fa[gone] = np.nan
    fg[gone] = np.nan
    return ImuChunk(chunk.t, chunk.acc, chunk.gyr, fa, fg)


def test_a_foot_dropout_longer_than_2_s_is_lost_then_back_and_the_shin_count_is_unchanged(session3, streamed3):
    chunk, _ = session3
    shin_reps, _, _ = streamed3  # the same stream without the dropout
    t0, t1 = 60.0, 75.0
    reps, figures, links = stream(_with_dropout(chunk, t0, t1), 5)
    assert [(r.start_s, r.end_s) for r in reps] == [(r.start_s, r.end_s) for r in shin_reps]
    assert [e.state for e in links] == [FootLink.STREAMING, FootLink.LOST, FootLink.STREAMING]
    lost, back = links[1], links[2]
    assert lost.text == FOOT_LOST and back.text == FOOT_BACK
    assert t0 + 2.0 <= lost.t_s <= t0 + 2.1  # NaN for more than 2 s: lost, at the next chunk
    assert t1 <= back.t_s <= t1 + 0.02
    for r in reps:
        a = figures[r.index]
        if r.bottom_s >= t0 and r.top_s < t1:  # both turning points inside the dropout: no figure
            assert a.ankle_swing_deg is None and a.ankle_ok is None
        elif r.start_s > t1 + 1 or r.end_s < t0:
            assert a.ankle_swing_deg is not None
    assert any(figures[r.index].ankle_ok is None for r in reps)


def test_a_short_gap_in_the_foot_data_is_not_a_lost_sensor(session3):
    chunk, _ = session3
    _, _, links = stream(_with_dropout(chunk, 60.0, 61.5), 5)
    assert [e.state for e in links] == [FootLink.STREAMING]


def test_a_foot_absent_from_the_start_is_lost_and_every_figure_is_none(session3):
    chunk, _ = session3
    reps, figures, links = stream(_with_dropout(chunk, -1.0, 1e9), 5)
    assert [e.state for e in links] == [FootLink.LOST]
    assert reps and all(figures[r.index].ankle_ok is None for r in reps)


def test_without_foot_columns_nothing_is_said_or_attached(session3):
    chunk, _ = session3
    reps, figures, links = stream(ImuChunk(chunk.t, chunk.acc, chunk.gyr), 50)
    assert reps and figures == {} and links == []


# ------------------------------------------------------------------ the workout's foot cues
def _workout_with_reps(n: int) -> Workout:
    """A workout fed the pipeline's events up to (and with) the n-th rep: it is just counted."""
    chunk, _ = foot_session(1, reps=n + 1)
    w = Workout()
    for ev in Pipeline("supine", 100.0).feed(chunk):
        w.handle(ev)
        if isinstance(ev, RepCompleted) and w.total_reps == n:
            break
    assert w.total_reps == n and w.state == WorkoutState.ACTIVE
    return w


@pytest.fixture(scope="module")
def workout4():
    return _workout_with_reps(4)


def _fresh(w: Workout) -> Workout:
    """A copy of the workout with the cue memory and ankle figures reset."""
    import copy

    c = copy.deepcopy(w)
    c.rules._last_by_kind.clear()
    c.ankle.clear()
    c.rep_notes = {k: "good" for k in c.rep_notes}
    return c


REVERSED = AnkleRep(-45.0, False, -30.0)  # pointed while lowering, flexed while straightening
NO_POINT = AnkleRep(5.0, False, 15.0)  # flexed on the way down, never pointed
GOOD = AnkleRep(55.0, True, 15.0)


def test_a_reversed_pattern_hears_flex_then_point_one_per_rep(workout4):
    w = _fresh(workout4)
    last = w.reps[-1]
    first = [e for e in w.ankle_figures(last.index, REVERSED, last.end_s + 0.5) if isinstance(e, Cue)]
    assert [(c.kind, c.text) for c in first] == [(CueKind.FLEX_FOOT, "Flex your foot as you lower.")]
    assert w.rep_notes[last.index] == "flex foot" and w.cue == first[0]
    # the rule book alternates the halves of a reversed pattern over the next reps, one a rep
    t = last.end_s + 0.5
    later = [w.rules.ankle(REVERSED, t + 9.0 * k) for k in (1, 2, 3)]
    assert [c.kind if c else None for c in later] == [CueKind.POINT_TOES, CueKind.FLEX_FOOT, CueKind.POINT_TOES]
    assert later[0] is not None and later[0].text.lower().startswith(CUE_POINT)
    # ... and a kind said less than repeat_s (8 s) ago is not repeated
    assert w.rules.ankle(NO_POINT, t + 27.0 + 2.0) is None


def test_only_the_missing_half_is_cued_and_a_good_pattern_is_not(workout4):
    w = _fresh(workout4)
    last = w.reps[-1]
    cues = [e for e in w.ankle_figures(last.index, NO_POINT, last.end_s + 0.5) if isinstance(e, Cue)]
    assert [c.kind for c in cues] == [CueKind.POINT_TOES]
    w = _fresh(workout4)
    assert w.ankle_figures(last.index, GOOD, last.end_s + 0.5) == [] and w.ankle[last.index] == GOOD
    assert CUE_FLEX.startswith("flex") and w.ankle_figures(last.index, AnkleRep(None, None), last.end_s) == []


def test_late_figures_of_an_older_rep_and_a_paused_set_are_not_coached(workout4):
    w = _fresh(workout4)
    older, last = w.reps[-2], w.reps[-1]
    assert w.ankle_figures(older.index, REVERSED, last.end_s) == []  # not the latest rep
    assert w.ankle_figures(last.index, REVERSED, last.end_s + 5.0) == []  # too long after it ended
    assert w.ankle[older.index] == REVERSED  # kept for the logs all the same
    w = _fresh(workout4)
    w.toggle_pause()
    assert w.state == WorkoutState.PAUSED and w.ankle_figures(last.index, REVERSED, last.end_s) == []


def test_a_rep_that_earned_a_shin_cue_gets_no_foot_cue_on_top(workout4):
    w = _fresh(workout4)
    last = w.reps[-1]
    w.rep_notes[last.index] = "slow down"
    assert w.ankle_figures(last.index, REVERSED, last.end_s + 0.5) == []


def test_relearning_after_a_restrap_starts_the_axis_afresh_and_figures_resume(session3):
    chunk, _ = session3
    live = AnkleLive(100.0, learn_s=30.0)
    pipe = Pipeline("supine", 100.0)
    figures: dict[int, AnkleRep] = {}
    dropped: list[AnkleFigures] = []
    for part in chunk.split([10] * (len(chunk) // 10 + 1)):
        got = live.feed(part)
        for ev in pipe.feed(part):
            if isinstance(ev, RepCompleted):
                got += live.add_rep(ev.rep)
        figures.update({e.rep_index: e.ankle for e in got if isinstance(e, AnkleFigures)})
        if dropped == [] and part.t[-1] >= 20.0 and not live.learned:  # before the first axis is in
            assert live._pending, "a rep should be waiting at 20 s"
            dropped = live.relearn()
    assert dropped and all(d.ankle.ankle_ok is None for d in dropped)
    assert live.learned  # learned again, from 30 s of data after the relearn
    resumed = [i for i, a in figures.items() if a.ankle_swing_deg is not None]
    assert resumed and min(resumed) > max(d.rep_index for d in dropped)
