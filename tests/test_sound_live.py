"""Live sound: the background player's latency, its fallbacks, and the dashboard's mute key.

A fake audio sink stands in for the speakers: it records the wall-clock moment each clip is
handed to it. Waiting is on events with timeouts (no fixed sleeps).
"""

from __future__ import annotations

import asyncio
import io
import sys
import threading
import time
from datetime import datetime

import numpy as np
import pytest
from rich.console import Console
from test_sound import _cycle, _rep, need_espeak

from sensor.core.coach import Targets
from sensor.core.events import RepCompleted, SensorStatus
from sensor.io.sources import ManualClock
from sensor.sim.simulator import SimConfig
from sensor.sim.source import SimulatedSource
from tui.app import GlideApp
from tui.audio.backends import AudioUnavailable, CommandBackend, mix_into
from tui.audio.live import LiveSound, SoundOptions
from tui.audio.speech import find_speech_engine
from tui.session import SessionSetup


class FakeSink:
    """Speakers that remember when each clip was handed over."""

    name = "fake"

    def __init__(self) -> None:
        self.plays: list[tuple[float, int]] = []
        self.stops = 0
        self.got = threading.Event()
        self.lock = threading.Lock()

    def play(self, x, rate) -> None:
        with self.lock:
            self.plays.append((time.monotonic(), len(x)))
        self.got.set()

    def stop(self) -> None:
        self.stops += 1

    def close(self) -> None:
        pass

    def wait_for(self, n: int, timeout: float = 5.0) -> None:
        end = time.monotonic() + timeout
        while True:
            with self.lock:
                if len(self.plays) >= n:
                    return
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{n} plays expected, got {len(self.plays)}")
            self.got.wait(left)
            self.got.clear()


class FakeSpeech:
    """A speech engine that answers at once: 0.3 s of noise per phrase."""

    rate = 22050

    def synth(self, text: str) -> np.ndarray:
        return (0.3 * np.random.default_rng(len(text)).standard_normal(int(0.3 * self.rate))).astype(np.float32)


def _live(sink=None, speech=FakeSpeech, bell=None, **kw) -> LiveSound:
    return LiveSound(
        "supine",
        Targets(reps_per_set=10, sets=1),
        SoundOptions(**kw),
        backend_factory=lambda rate: (sink, "") if sink is not None else (None, "no audio player found (test)"),
        speech_factory=(lambda voice: speech()) if speech is not None else (lambda voice: None),
        bell=bell,
    )


def test_a_cue_starts_within_100_ms_of_its_event_with_real_speech():
    need_espeak()
    sink = FakeSink()
    snd = LiveSound(
        "supine",
        Targets(reps_per_set=10, sets=1),
        backend_factory=lambda rate: (sink, ""),
        speech_factory=find_speech_engine,
    )
    try:
        assert snd.player.ready.wait(5.0)
        snd.collect(SensorStatus(0.0, "calibrated"))
        snd.flush(0.0)
        tone_lags, speech_lags = [], []
        for i in range(1, 6):
            t = 10.0 * i
            for ev in _cycle(t)[:-1]:
                snd.collect(ev)
            snd.flush(t - 0.01)
            n0 = len(sink.plays)
            if i > 1:
                sink.wait_for(n0)  # the bottom tone (from the 2nd rep on)
            snd.collect(_cycle(t)[-1])
            snd.collect(RepCompleted(t, _rep(i, t)))
            n0 = len(sink.plays)
            t_event = time.monotonic()
            snd.flush(t)
            sink.wait_for(n0 + 2)  # top tone, then the number (its first time: synthesised now)
            tone_lags.append(sink.plays[n0][0] - t_event)
            speech_lags.append(sink.plays[n0 + 1][0] - (t_event + 0.16))  # speech is due 160 ms after the tone
        print(f"tone lag max {max(tone_lags) * 1000:.1f} ms, speech lag max {max(speech_lags) * 1000:.1f} ms")
        assert max(tone_lags) <= 0.1
        assert max(speech_lags) <= 0.1
    finally:
        snd.close()


def test_no_audio_output_gives_one_notice_and_the_bell_per_rep():
    rings = []
    rang = threading.Event()

    def bell():
        rings.append(1)
        rang.set()

    snd = _live(sink=None, bell=bell)
    try:
        assert snd.player.ready.wait(5.0)
        note = snd.take_notice()
        assert note is not None and "no audio output" in note and "bell" in note
        assert snd.take_notice() is None  # once
        snd.collect(SensorStatus(0.0, "calibrated"))
        for i in range(1, 4):
            snd.collect(RepCompleted(5.0 * i, _rep(i, 5.0 * i)))
            snd.flush(5.0 * i)
            rang.wait(3.0)
            rang.clear()
            assert len(rings) == i
    finally:
        snd.close()


def test_no_speech_engine_is_noticed_and_tones_still_play():
    sink = FakeSink()
    snd = _live(sink=sink, speech=None)
    try:
        assert snd.player.ready.wait(5.0)
        assert "no speech engine" in snd.take_notice()
        snd.collect(SensorStatus(0.0, "calibrated"))
        snd.collect(RepCompleted(5.0, _rep(1, 5.0)))
        snd.flush(5.0)
        sink.wait_for(1)
        assert snd.player.wait_idle(3.0)
        assert len(sink.plays) == 1  # the tone; the number could not be said
    finally:
        snd.close()


def test_a_failing_backend_probe_is_a_notice_not_a_crash():
    def boom(rate):
        raise RuntimeError("PortAudio exploded")

    snd = LiveSound("supine", Targets(), backend_factory=boom, speech_factory=lambda v: FakeSpeech())
    try:
        assert snd.player.ready.wait(5.0)
        assert "PortAudio exploded" in snd.take_notice()
        snd.collect(RepCompleted(5.0, _rep(1, 5.0)))
        snd.flush(5.0)  # nothing to play on, nothing raised
    finally:
        snd.close()


def test_mute_drops_what_is_queued_and_what_comes_next():
    sink = FakeSink()
    snd = _live(sink=sink)
    try:
        assert snd.player.ready.wait(5.0)
        snd.collect(SensorStatus(0.0, "calibrated"))
        snd.collect(RepCompleted(5.0, _rep(1, 5.0)))
        snd.flush(5.0)
        sink.wait_for(2)
        assert snd.toggle_mute() is True and sink.stops == 1
        snd.collect(RepCompleted(10.0, _rep(2, 10.0)))
        snd.flush(10.0)
        assert snd.player.wait_idle(2.0)
        assert len(sink.plays) == 2
        assert snd.toggle_mute() is False
        snd.collect(RepCompleted(15.0, _rep(3, 15.0)))
        snd.flush(15.0)
        sink.wait_for(4)
    finally:
        snd.close()


def test_os_player_backend_probes_and_reports_why_it_cannot_play(tmp_path):
    ok = CommandBackend([sys.executable, "-c", "import sys; open(sys.argv[1], 'rb').read()"], 22050)
    try:
        x = np.zeros(100, np.float32)
        ok.play(x, 22050)
        ok.play(x, 22050)
        assert len(ok._files) == 2  # the probe's clip and this one, written once
    finally:
        ok.close()
    with pytest.raises(AudioUnavailable, match="no card"):
        CommandBackend([sys.executable, "-c", "import sys; sys.stderr.write('x: no card\\n'); sys.exit(1)"], 22050)


def test_sounddevice_mixer_adds_clips_and_drops_finished_ones():
    lock = threading.Lock()
    clips = [[np.full(5, 0.25, np.float32), 0], [np.full(3, 0.5, np.float32), 0]]
    out = mix_into(np.zeros(4, np.float32), clips, lock)
    assert out.tolist() == [0.75, 0.75, 0.75, 0.25]
    assert len(clips) == 1
    out = mix_into(np.zeros(4, np.float32), clips, lock)
    assert out.tolist() == [0.25, 0.0, 0.0, 0.0] and clips == []


# --------------------------------------------------------------------------- the dashboard
STARTED = datetime(2026, 1, 2, 9, 30, 0)


def _app(tmp_path, sink, sounds: list):
    clock = ManualClock()

    def make_source(s: SessionSetup):
        cfg = SimConfig(reps=s.reps_per_set * s.sets, seed=1, posture=s.posture, leg=s.leg)
        return SimulatedSource(cfg, speed=1.0, clock=clock, sets=s.sets, rest_s=s.rest_s)

    def sound(setup, _session):
        snd = LiveSound(
            setup.posture,
            setup.targets(),
            backend_factory=lambda rate: (sink, "") if sink is not None else (None, "no audio player found (test)"),
            speech_factory=lambda voice: FakeSpeech(),
        )
        sounds.append(snd)
        return snd

    app = GlideApp(
        mode="demo",
        make_source=make_source,
        setup=SessionSetup(reps_per_set=3, sets=1, rest_s=10.0),
        skip_setup=True,
        save=False,
        data_root=tmp_path / "data",
        started_at=lambda: STARTED,
        fps=12.0,
        sound=sound,
    )
    notes: list[str] = []
    app.notify = lambda message, **kw: notes.append(str(message))
    return app, clock, notes


def _screen_text(app) -> str:
    """The terminal as characters (as tests/test_tui.py reads it)."""
    console = Console(width=app.size[0], height=app.size[1], file=io.StringIO(), color_system=None, record=True)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens, simplify=True))
    return console.export_text(styles=False)


async def _run_until(app, clock, pilot, pred, seconds: float) -> None:
    for _ in range(int(seconds / 0.5)):
        await clock.advance(0.5)
        if pred():
            break
    await pilot.pause()
    app.tick()
    await pilot.pause()


def test_dashboard_mute_key_silences_the_session(tmp_path):
    sink = FakeSink()
    sounds: list[LiveSound] = []
    app, clock, notes = _app(tmp_path, sink, sounds)

    async def go():
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert sounds[0].player.ready.wait(5.0)
            await _run_until(app, clock, pilot, lambda: len(app.session.reps) >= 1, 60.0)
            assert len(app.session.reps) >= 1
            sink.wait_for(1)  # the first rep was heard
            assert "m Mute" in _screen_text(app)  # the key is shown in the footer
            await pilot.press("m")
            assert sounds[0].muted and "Sound muted" in notes
            assert sounds[0].player.wait_idle(3.0)
            heard = len(sink.plays)
            reps = len(app.session.reps)
            await _run_until(app, clock, pilot, lambda: len(app.session.reps) > reps, 30.0)
            assert len(app.session.reps) > reps
            assert sounds[0].player.wait_idle(3.0)
            assert len(sink.plays) == heard  # muted: nothing more reached the speakers
            await pilot.press("m")
            assert not sounds[0].muted and notes[-1] == "Sound on"
            await pilot.press("q")

    asyncio.run(go())


def test_dashboard_without_audio_output_notices_once_and_keeps_counting(tmp_path):
    sounds: list[LiveSound] = []
    app, clock, notes = _app(tmp_path, None, sounds)
    rings = []
    app.bell = lambda: rings.append(1)

    async def go():
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert sounds[0].player.ready.wait(5.0)
            await _run_until(app, clock, pilot, lambda: len(app.session.reps) >= 3, 90.0)
            assert len(app.session.reps) == 3  # the session went on
            assert sounds[0].player.wait_idle(3.0)
            await pilot.pause()
            assert [n for n in notes if "no audio output" in n] == [notes[0]]  # one notice
            assert "bell" in notes[0]
            assert len(rings) == 3  # the bell marked each rep instead
            await pilot.press("q")

    asyncio.run(go())


def test_dashboard_without_sound_has_no_mute_key(tmp_path):
    app = GlideApp(mode="demo", make_source=None, save=False, data_root=tmp_path)
    assert app.check_action("toggle_sound", ()) is False


def test_no_tui_demo_plays_sound_and_falls_back_to_the_bell(monkeypatch, capsys):
    from tui import cli
    from tui.audio import backends

    monkeypatch.setattr(backends, "open_backend", lambda rate: (None, "no audio player found (test)"))
    assert cli.main(["demo", "--no-tui", "--speed", "25", "--reps", "2", "--seed", "3"]) == 0
    out, err = capsys.readouterr()
    assert err.count("no audio output (no audio player found (test))") == 1
    assert out.count("REP ") == 2 and out.count("\a") == 2  # one bell per counted rep
    assert cli.main(["demo", "--no-tui", "--speed", "25", "--reps", "2", "--seed", "3", "--no-sound"]) == 0
    out, err = capsys.readouterr()
    assert "\a" not in out and "Sound" not in err


def test_a_bad_voice_is_noticed_once_and_the_tones_go_on():
    need_espeak()
    sink = FakeSink()
    snd = LiveSound(
        "supine",
        Targets(reps_per_set=3, sets=1),
        SoundOptions(voice="xyzzy"),
        backend_factory=lambda rate: (sink, ""),
        speech_factory=lambda voice: find_speech_engine(voice),
    )
    try:
        assert snd.player.ready.wait(5.0)
        note = snd.take_notice()
        assert note is not None and "speech failed" in note and "espeak-ng" in note
        snd.collect(RepCompleted(5.0, _rep(1, 5.0)))
        snd.flush(5.0)
        sink.wait_for(1)
        assert snd.player.wait_idle(3.0) and len(sink.plays) == 1
    finally:
        snd.close()
