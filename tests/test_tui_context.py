"""The dashboard says what the activity context means for counting (Pilot, on the demo app).

The context line sits in the status area (``tui.context_line``); these tests read it the way a
person does, from the rendered screen (``screen_text``), after pipeline events reach the session.
"""

from __future__ import annotations

from test_tui import Rig, run, screen_text

from sensor.core.events import ContextChanged, SensorStatus, posture_mismatch
from sensor.core.types import Context
from tui.context_line import ContextLine
from tui.screens import CalibrationScreen, LiveScreen
from tui.session import SessionSetup

SIZE = (100, 30)
EX, FEET, REPOS = Context.EXERCISE, Context.ON_FEET, Context.REPOSITIONING


def test_the_status_area_follows_the_context_calmly(tmp_path):
    rig = Rig(tmp_path)

    async def show(pilot, events, t_now: float) -> str:
        rig.session._handle(events)  # the path the pipeline's events take
        rig.session.context.advance(t_now)  # (what ingest does at the chunk's end)
        await rig.frame(pilot)
        return screen_text(rig.app)

    async def go():
        async with rig.app.run_test(size=SIZE) as pilot:
            await rig.frame(pilot)
            assert isinstance(rig.app.screen, CalibrationScreen)
            assert "○ Get into position" in screen_text(rig.app)
            await pilot.press("enter")  # to the dashboard before the mounting is learned
            await rig.frame(pilot)
            assert isinstance(rig.app.screen, LiveScreen)
            line = rig.app.screen.query_one(ContextLine)
            assert "Get into position" in screen_text(rig.app) and line.has_class("-waiting")
            text = await show(pilot, [SensorStatus(100.0, "calibrated"), ContextChanged(100.0, EX, FEET)], 100.0)
            assert "● In position: counting" in text and line.has_class("-counting")
            # a foot set down between sets, 3 s: the line does not move
            text = await show(pilot, [ContextChanged(110.0, FEET, EX)], 112.0)
            assert "In position: counting" in text and "paused" not in text
            text = await show(pilot, [ContextChanged(113.0, EX, FEET)], 120.0)
            assert "In position: counting" in text
            # getting up and walking: said once it has lasted 4 s
            text = await show(pilot, [ContextChanged(130.0, FEET, EX)], 133.0)
            assert "In position: counting" in text
            text = await show(pilot, [], 134.5)
            assert "○ On your feet: counting paused" in text and line.has_class("-paused")
            # the phase panel, the largest text, no longer names a movement: it says why
            assert "on your feet: lie back down to count" in text
            assert rig.app.screen.query_one("#phase-panel").has_class("paused")
            text = await show(pilot, [ContextChanged(140.0, REPOS, FEET)], 145.0)
            assert "○ Changing position: counting paused" in text
            assert "changing position: counting paused" in text  # (the phase panel's hint)
            text = await show(pilot, [ContextChanged(150.0, EX, REPOS)], 155.0)
            assert "● In position: counting" in text and "counting paused" not in text
            text = await show(pilot, [SensorStatus(160.0, "mounting_changed", "moved")], 160.0)
            assert "Sensor moved: learning how it sits (keep going)" in text

    run(go())


def test_a_refused_seated_reading_says_choose_supine_not_learning_forever(tmp_path):
    rig = Rig(tmp_path, setup=SessionSetup(posture="seated", reps_per_set=3, sets=1))

    async def go():
        async with rig.app.run_test(size=SIZE) as pilot:
            await rig.frame(pilot)
            rig.session._handle([posture_mismatch(40.0)])
            await rig.frame(pilot)
            text = screen_text(rig.app)
            assert "▲ This looks like the lying-down version: choose supine" in text
            assert rig.app.screen.query_one(ContextLine).has_class("-wrong")
            await pilot.press("enter")
            await rig.frame(pilot)
            text = screen_text(rig.app)
            assert "looks like lying down: choose supine" in text  # the phase hint
            assert "learning how the sensor sits" not in text
            assert "▲ This looks like the lying-down version: choose supine" in text  # the status area

    run(go())


def test_a_simulated_session_shows_counting_then_paused_once_the_person_walks_away(tmp_path):
    """The simulated sensor (reps, then getting up and walking): the real pipeline's context."""
    rig = Rig(tmp_path, setup=SessionSetup(reps_per_set=6, sets=1, rest_s=10.0), seed=3)

    async def go():
        async with rig.app.run_test(size=SIZE) as pilot:
            await rig.frame(pilot)
            await rig.step(pilot, 60.0, until=lambda: len(rig.session.reps) >= 2)
            assert rig.session.reps and "● In position: counting" in screen_text(rig.app)
            walks = [e["t_s"] for e in rig.sources[0].labels["events"] if e["kind"] == "walking"]
            assert walks
            await rig.step(pilot, 200.0, until=lambda: (rig.session.t_now or 0.0) >= walks[-1])
            await pilot.press("escape")  # from the session summary back to the dashboard
            await rig.frame(pilot)
            assert isinstance(rig.app.screen, LiveScreen)
            assert "○ On your feet: counting paused" in screen_text(rig.app)

    run(go())
