"""The activity context reaches the person: what is shown (ContextStatus) and said (CuePlanner).

The dwell times (4 s before "counting paused", 5 s before "counting") are the measured ones of
``sensor.core.context_status.ContextDwell``; the tests check the rules around them: a flicker
shorter than its dwell is neither shown nor said, a real change is said once at ``start +
dwell``, counts always sound and take precedence, and the same events give the same cues for
any grouping into chunks.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensor.core.coach import Cue, Targets
from sensor.core.context_status import SCREEN, ContextStatus
from sensor.core.events import (
    ContextChanged,
    PhaseStarted,
    Rep,
    RepCompleted,
    SensorStatus,
    TurnReached,
    posture_mismatch,
)
from sensor.core.sound_cues import CuePlanner, SoundConfig, Speech, Sweep, Tone, plan_stream
from sensor.core.types import Context, ContextShown
from sensor.sim.corpus import make_session
from tui.audio.render import keep_speech, schedule

EX, FEET, REPOS = Context.EXERCISE, Context.ON_FEET, Context.REPOSITIONING
PAUSED_LINE, RESUME_LINE = "On your feet. Counting paused.", "In position. Counting."


def cc(t: float, ctx: Context, prev: Context = Context.UNKNOWN) -> ContextChanged:
    return ContextChanged(t, ctx, prev)


def _rep(i: int, t: float) -> Rep:
    return Rep(i, "supine", t - 5, t - 2.5, t, t, t, 2.0, 2.5, 0.5, 0.5, 5.0, 105.0, -35.0, 70.0, 80.0)


def _cycle(t: float) -> list:
    """One supine rep's phase and turn events, ending at the top at ``t``."""
    return [
        PhaseStarted(t - 4.5, "flex_down", 68.0),
        TurnReached(t - 2.5, "bottom", -35.0),
        PhaseStarted(t - 2.0, "extend_up", -33.0),
        TurnReached(t, "top", 70.0),
    ]


def spoken(cues) -> list[tuple[float, str]]:
    return [(round(c.t_s, 2), c.text) for c in cues if isinstance(c, Speech)]


# --------------------------------------------------------------------------- what is shown
def test_the_screen_says_why_there_is_no_context_then_the_context_after_its_dwell():
    s = ContextStatus()
    assert s.shown == ContextShown.GET_INTO_POSITION and SCREEN[s.shown] == "Get into position"
    assert s.feed(cc(1.0, FEET)) == []  # before calibration: nothing is known
    s.feed(SensorStatus(10.0, "calibrated"))
    news = s.feed(cc(10.0, EX))  # the first context after calibration is shown at once
    assert [(n.t_s, n.shown) for n in news] == [(10.0, ContextShown.COUNTING)]
    # a 3-s landing between sets (the measured in-position flickers end by 3.3 s): not shown
    assert s.feed(cc(20.0, FEET, EX)) == [] and s.feed(cc(23.0, EX, FEET)) == []
    assert s.advance(40.0) == [] and s.shown == ContextShown.COUNTING
    # a walk: shown 4 s after it began, whenever the caller asks
    s.feed(cc(50.0, FEET, EX))
    assert s.advance(53.9) == []
    assert [(n.t_s, n.shown, n.since_s) for n in s.advance(60.0)] == [(54.0, ContextShown.ON_FEET, 50.0)]
    assert SCREEN[s.shown] == "On your feet: counting paused"
    # back in position: "counting" after 5 s
    s.feed(cc(70.0, EX, FEET))
    assert s.advance(74.9) == [] and [n.t_s for n in s.advance(75.0)] == [75.0]
    assert SCREEN[s.shown] == "In position: counting"


def test_turning_while_walking_does_not_restart_the_pause_and_a_long_roll_is_changing_position():
    s = ContextStatus()
    s.feed(SensorStatus(0.0, "calibrated"))
    s.feed(cc(0.0, EX))
    s.feed(cc(10.0, FEET, EX))
    s.feed(cc(12.0, REPOS, FEET))  # a turn while walking: still one run of "counting paused"
    s.feed(cc(12.5, FEET, REPOS))
    assert [(n.t_s, n.shown) for n in s.advance(14.0)] == [(14.0, ContextShown.ON_FEET)]
    s.feed(cc(20.0, REPOS, FEET))  # rolling for longer than the dwell: the label changes
    assert [n.shown for n in s.advance(24.0)] == [ContextShown.CHANGING]
    assert SCREEN[s.shown] == "Changing position: counting paused"


def test_relearning_and_a_refused_posture_are_said_as_such():
    s = ContextStatus()
    news = s.feed(posture_mismatch(30.0))
    assert [n.shown for n in news] == [ContextShown.LOOKS_SUPINE]
    assert SCREEN[s.shown] == "This looks like the lying-down version: choose supine"
    assert s.feed(SensorStatus(31.0, "uncalibrated", "not enough knee movement")) == []  # the reason stays
    s.feed(SensorStatus(40.0, "calibrated"))
    s.feed(cc(40.0, EX))
    assert s.shown == ContextShown.COUNTING
    assert [n.shown for n in s.feed(SensorStatus(50.0, "mounting_changed"))] == [ContextShown.RELEARNING]
    assert s.feed(cc(51.0, FEET)) == []  # nothing known until the mounting is learned again


# --------------------------------------------------------------------------- what is said
def _calibrated(posture: str = "supine", targets: Targets | None = None) -> CuePlanner:
    p = CuePlanner(posture, targets or Targets(reps_per_set=50))
    p.feed([SensorStatus(0.0, "calibrated"), cc(0.0, EX), *_cycle(10.0), RepCompleted(10.0, _rep(1, 10.0))])
    return p


def test_on_feet_silences_turns_sweeps_and_advice_at_once_but_a_count_always_sounds():
    p = CuePlanner("supine", Targets(reps_per_set=50), SoundConfig(tempo_guide=True))
    p.feed([SensorStatus(0.0, "calibrated"), cc(0.0, EX), *_cycle(10.0), RepCompleted(10.0, _rep(1, 10.0))])
    assert [c for c in p.feed(_cycle(16.0)) if isinstance(c, (Tone, Sweep))]  # in position: tones sound
    out = p.feed([cc(16.5, FEET, EX), *_cycle(22.0)])  # on feet: the same movement gets no tone
    assert [c for c in out if not isinstance(c, Speech)] == []
    assert spoken(out) == [(20.5, PAUSED_LINE)]  # (4 s on feet: said once)
    assert p.feed([Cue(22.0, "slow_down", "Slow down")]) == []
    out = p.feed([RepCompleted(22.5, _rep(2, 22.5))])  # the pipeline counted it: it is voiced
    assert [c.text for c in out if isinstance(c, Speech)] == ["2"]


def test_a_pause_is_said_once_after_its_dwell_and_a_flicker_never():
    p = _calibrated()
    said = p.feed([cc(20.0, FEET, EX)]) + p.advance(22.0) + p.feed([cc(23.3, EX, FEET)]) + p.advance(60.0)
    assert spoken(said) == []  # 3.3 s on feet between sets: silence
    said = p.feed([cc(60.0, FEET, EX)]) + p.advance(63.0) + p.advance(65.0)
    assert spoken(said) == [(64.0, PAUSED_LINE)]
    # still paused (a turn, more walking): nothing more
    said = p.feed([cc(70.0, REPOS, FEET), cc(70.5, FEET, REPOS)]) + p.advance(80.0)
    assert spoken(said) == []


def test_counting_is_said_supine_after_its_dwell_unless_a_count_said_it_first():
    p = _calibrated()
    p.feed([cc(60.0, FEET, EX)])
    p.advance(65.0)
    said = p.feed([cc(80.0, EX, FEET)]) + p.advance(84.0) + p.advance(90.0)
    assert spoken(said) == [(85.0, RESUME_LINE)]
    # the next pause, then a rep counted within 5 s of lying back down: the count says it
    p.feed([cc(100.0, FEET, EX)])
    assert spoken(p.advance(105.0)) == [(104.0, PAUSED_LINE)]
    said = p.feed([cc(110.0, EX, FEET), *_cycle(114.0), RepCompleted(114.0, _rep(2, 114.0))]) + p.advance(120.0)
    assert spoken(said) == [(114.16, "2")]


def test_seated_counting_is_left_to_the_first_count():
    """Seated, standing still reads as exercise: "counting" from the context was wrong 24 of 24."""
    p = CuePlanner("seated", Targets(reps_per_set=50))
    p.feed([SensorStatus(0.0, "calibrated"), cc(0.0, EX)])
    p.feed([cc(10.0, FEET, EX)])
    assert spoken(p.advance(20.0)) == [(14.0, PAUSED_LINE)]
    p.feed([cc(30.0, EX, FEET)])
    assert spoken(p.advance(60.0)) == []
    assert p.context.shown == ContextShown.COUNTING  # the screen still says what the pipeline believes


def test_nothing_is_said_after_the_session_nor_for_contexts_replayed_at_calibration():
    p = _calibrated(targets=Targets(reps_per_set=1, sets=1))
    p.feed([Cue(10.0, "session_done", "Session done.")])
    p.feed([cc(15.0, FEET, EX)])
    assert spoken(p.advance(30.0)) == []  # walking away after "Session done" stays quiet
    q = CuePlanner("supine")
    # calibration at 60 s: the tracker's events from the buffer (a walk, lying down) come late
    out = q.feed([SensorStatus(60.0, "calibrated"), cc(0.0, FEET), cc(52.0, EX, FEET)]) + q.advance(70.0)
    assert spoken(out) == [] and q.context.shown == ContextShown.COUNTING


def test_a_refused_seated_reading_is_said_once():
    p = CuePlanner("seated")
    out = p.feed([posture_mismatch(40.0)]) + p.advance(45.0) + p.feed([posture_mismatch(46.0)])
    assert spoken(out) == [(40.0, "This looks like the lying-down version. Choose supine.")]


def test_a_context_line_never_holds_a_count_back():
    line = Speech(10.0, PAUSED_LINE, "context")
    assert keep_speech(line, 0.0, False) and not keep_speech(line, 0.0, True)

    class Clips:  # a second of "speech" per phrase
        speech = object()
        rate = 100

        def clip(self, cue):
            return np.ones(100 if isinstance(cue, Speech) else 10, np.float32)

    placed = schedule([Speech(10.0, PAUSED_LINE, "context"), Speech(10.0, "7", "count")], Clips())  # type: ignore[arg-type]
    assert [s for s, _ in placed] == [10.0]  # only the count, on time


# --------------------------------------------------------------------------- live = offline
EVENTS = [
    SensorStatus(5.0, "calibrated"),
    cc(0.0, FEET),  # replayed from the calibration buffer
    cc(4.0, EX, FEET),
    *_cycle(10.0),
    RepCompleted(10.0, _rep(1, 10.0)),
    cc(12.0, REPOS, EX),
    cc(12.4, EX, REPOS),
    *_cycle(17.0),
    RepCompleted(17.0, _rep(2, 17.0)),
    cc(20.0, FEET, EX),
    cc(21.0, REPOS, FEET),
    cc(21.3, FEET, REPOS),
    *_cycle(27.0),
    cc(30.0, EX, FEET),
    cc(33.0, FEET, EX),
    cc(40.0, EX, FEET),
    *_cycle(50.0),
    RepCompleted(50.0, _rep(3, 50.0)),
    cc(60.0, FEET, EX),
]


def _planned(cuts: list[int], ticks: list[float]) -> list:
    """The planner fed EVENTS in batches cut at ``cuts``; after each batch, sensor time advances
    to a point between that batch's last event and the next batch's first (``ticks`` in [0, 1])."""
    p = CuePlanner("supine", Targets(reps_per_set=50), SoundConfig(tempo_guide=True))
    out: list = []
    bounds = [0, *sorted(set(cuts)), len(EVENTS)]
    for k, (a, b) in enumerate(zip(bounds, bounds[1:])):
        if a == b:
            continue
        out += p.feed(EVENTS[a:b])
        t_last = max(e.t_s for e in EVENTS[:b])
        t_next = EVENTS[b].t_s if b < len(EVENTS) else t_last + 20.0
        if b == len(EVENTS):
            out += p.advance(t_next)  # the end of the stream: the same time whatever the chunks
        elif t_next >= t_last:
            out += p.advance(t_last + ticks[k % len(ticks)] * (t_next - t_last))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cuts=st.lists(st.integers(1, len(EVENTS) - 1), max_size=len(EVENTS)),
    ticks=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=8),
)
def test_the_planner_gives_the_same_cues_for_any_chunking(cuts, ticks):
    assert _planned(cuts, ticks) == _planned([], [1.0])


def test_the_plan_with_its_context_lines_is_the_same_for_any_chunking_of_a_simulated_session():
    """Mixed seed 907 (supine, 25 Hz): lies down, a set-up and set breaks, gets up, lies down again."""
    s = make_session("mixed", 907)
    ch = s.chunk
    plans = [plan_stream(ch.split([n] * (len(ch) // n + 1)), s.posture, s.rate_hz)[0] for n in (3, 64, 1000)]
    assert plans[0] == plans[1] == plans[2]
    lines = [c for c in plans[0] if isinstance(c, Speech) and c.kind == "context"]
    assert [c.text for c in lines] == [PAUSED_LINE, RESUME_LINE, PAUSED_LINE]
    # each is said while the person really was where it says: getting up, in position, up again
    kinds = [next(x["kind"] for x in s.labels["segments"] if x["start_s"] <= c.t_s < x["end_s"]) for c in lines]
    assert kinds[0] in ("lie_down", "get_up", "stand")
    assert kinds[1] in ("setup", "set_break")
    assert kinds[2] in ("get_up", "stand")
