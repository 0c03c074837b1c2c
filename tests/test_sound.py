"""Eyes-free coaching: the cue planner's rules, and the rendered sound measured with numpy.

The acceptance checks render what a live session would have played on simulated sessions
(whose labels give the truth: where the reps are, when the person sets up and walks) and look
at the samples only: when sound starts, which number is spoken (matched against espeak-ng's own
rendering of each number, made here independently of the renderer), how long each spoken number
lasts, and where it is silent.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import wave

import numpy as np
import pytest
from scipy.signal import correlate

from sensor.core.coach import Cue, Targets
from sensor.core.events import ContextChanged, PhaseStarted, Rep, RepCompleted, SensorStatus, TurnReached
from sensor.core.sound_cues import SAFETY_SPOKEN, CuePlanner, Mode, SoundConfig, Speech, Sweep, Tone, plan_stream
from sensor.core.types import Context
from sensor.sim.simulator import SimConfig, simulate_session
from tui.audio.render import Renderer, render_timeline
from tui.audio.speech import find_speech_engine
from tui.audio.synth import RATE_HZ, parse_wav, sweep, tone
from tui.cli import main

SR = RATE_HZ


def need_espeak() -> str:
    """espeak-ng's path; CI must have it (``.ci/run`` installs it), so there a missing one fails."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("espeak-ng is not installed (.ci/run installs it)")
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    return exe


# --------------------------------------------------------------------------- planner rules
def _rep(i: int, t: float, bottom=-35.0, top=70.0) -> Rep:
    return Rep(i, "supine", t - 5, t - 2.5, t, t, t, 2.0, 2.5, 0.5, 0.5, 5.0, top - bottom, bottom, top, 80.0)


def _cycle(t: float, top=70.0, bottom=-35.0, down_s=2.0, up_s=2.0) -> list:
    """The events of one supine rep ending at ``t`` (as the pipeline emits them)."""
    t0 = t - down_s - up_s - 0.5
    return [
        PhaseStarted(t0, "flex_down", top - 2),
        TurnReached(t0 + down_s, "bottom", bottom),
        PhaseStarted(t0 + down_s + 0.5, "extend_up", bottom + 2),
        TurnReached(t, "top", top),
    ]


def test_each_rep_gets_a_bottom_tone_a_top_tone_and_its_number():
    p = CuePlanner("supine", Targets(reps_per_set=5))
    out = p.feed([SensorStatus(0.0, "calibrated")])
    out += p.feed(_cycle(10.0) + [RepCompleted(10.0, _rep(1, 10.0))])
    # the first rep after calibration: not yet exercising when its bottom was reached
    assert [c for c in out if isinstance(c, Tone)] == [Tone(10.0, "top")]
    assert Speech(10.16, "1", "count") in [
        Speech(round(c.t_s, 2), c.text, c.kind) for c in out if isinstance(c, Speech)
    ]
    out = []
    for ev in _cycle(16.0) + [RepCompleted(16.0, _rep(2, 16.0))]:
        out += p.feed([ev])
    assert [(c.name, round(c.t_s, 2)) for c in out if isinstance(c, Tone)] == [("bottom", 13.5), ("top", 16.0)]
    assert [c.text for c in out if isinstance(c, Speech)] == ["2"]


def test_wiggles_quick_movements_and_other_starts_get_no_turn_tone():
    p = CuePlanner("supine", Targets())
    p.feed([SensorStatus(0.0, "calibrated"), *_cycle(10.0), RepCompleted(10.0, _rep(1, 10.0))])
    # a 15 deg wiggle at the top, a 0.5 s swing (a step), a movement starting far from the top
    wiggle = [PhaseStarted(11.0, "flex_down", 69.0), TurnReached(12.0, "bottom", 55.0)]
    step = [TurnReached(12.5, "top", 70.0), PhaseStarted(12.6, "flex_down", 69.0), TurnReached(13.1, "bottom", -30.0)]
    other = [TurnReached(14.0, "top", -60.0), PhaseStarted(14.2, "flex_down", -60.0), TurnReached(16.2, "bottom", -110)]
    assert p.feed(wiggle) == []
    assert p.feed(step) == []
    assert p.feed(other) == []


def test_nothing_before_calibration_or_outside_exercise_context():
    p = CuePlanner("supine")
    assert p.feed(_cycle(10.0)) == []  # mounting not learned: no tones
    p.feed([SensorStatus(11.0, "calibrated"), ContextChanged(11.0, Context.ON_FEET, Context.UNKNOWN)])
    assert not p.context_ok  # on feet: the pipeline refuses reps, turn tones are silent
    assert p.feed(_cycle(20.0)) == []


def test_reps_caught_up_at_calibration_say_only_the_last_number_and_no_stale_tones():
    p = CuePlanner("supine")
    batch = [SensorStatus(30.0, "calibrated")]
    for i, t in enumerate((10.0, 16.0, 22.0), start=1):
        batch += _cycle(t) + [RepCompleted(30.0, _rep(i, t))]
    out = p.feed(batch)
    assert [c for c in out if isinstance(c, Tone)] == []
    assert [(c.text, c.t_s) for c in out] == [("3", pytest.approx(30.16))]


def test_idle_after_the_last_rep_and_rest_timer():
    tg = Targets(reps_per_set=2, sets=2, rest_s=20.0)
    p = CuePlanner("supine", tg, SoundConfig(idle_s=15.0))
    p.feed([SensorStatus(0.0, "calibrated"), *_cycle(10.0), RepCompleted(10.0, _rep(1, 10.0))])
    assert p.mode is Mode.ACTIVE
    out = p.feed([RepCompleted(16.0, _rep(2, 16.0)), Cue(16.0, "set_done", "Set 1 done: 2 reps. Rest 20 s.")])
    assert [c.text for c in out if isinstance(c, Speech)] == ["2", "Set done. Rest.", SAFETY_SPOKEN]
    assert p.mode is Mode.RESTING
    assert p.feed(_cycle(25.0)) == []  # moving during the rest: no tones
    assert [c.text for c in p.advance(36.5)] == ["Rest over. Start when you are ready."]
    assert p.advance(40.0) == []
    p2 = CuePlanner("supine", tg, SoundConfig(idle_s=15.0))
    p2.feed([SensorStatus(0.0, "calibrated"), RepCompleted(10.0, _rep(1, 10.0))])
    p2.advance(25.5)
    assert p2.mode is Mode.IDLE  # no rep for 15 s


def test_coach_cues_are_spoken_short_and_good_reps_are_not():
    p = CuePlanner("supine")
    p.feed([SensorStatus(0.0, "calibrated"), *_cycle(10.0), RepCompleted(10.0, _rep(1, 10.0))])
    said = p.feed([Cue(10.0, "slow_down", "Slow down: lower over 2 s (that was 0.9 s).", "warn")])
    said += p.feed([Cue(16.0, "good", "Good rep"), Cue(17.0, "extend_further", "Straighten a little further")])
    assert [c.text for c in said] == ["Too fast. Slow down.", "Go higher."]


def test_tempo_guide_sweeps_at_the_target_tempo():
    p = CuePlanner("supine", Targets(down_s=3.0, up_s=2.0), SoundConfig(tempo_guide=True))
    p.feed([SensorStatus(0.0, "calibrated"), *_cycle(10.0), RepCompleted(10.0, _rep(1, 10.0))])
    out = p.feed(_cycle(16.0))
    assert [(c.direction, c.duration_s) for c in out if isinstance(c, Sweep)] == [("down", 3.0), ("up", 2.0)]
    assert CuePlanner("supine").cfg.tempo_guide is False  # off unless asked for


# --------------------------------------------------------------------------- synthesis
def test_tones_and_sweeps_are_faded_distinct_and_below_full_scale():
    lo, hi = tone("bottom"), tone("top")
    for x in (lo, hi, sweep("down", 2.0), sweep("up", 2.0)):
        assert np.abs(x).max() < 0.6
        assert abs(x[0]) < 1e-3 and abs(x[-1]) < 1e-3  # starts and ends at zero: no click
    spec = [np.abs(np.fft.rfft(x)) for x in (lo, hi)]
    peaks = [np.argmax(s) * SR / len(x) for s, x in zip(spec, (lo, hi))]
    assert peaks[0] == pytest.approx(440, rel=0.05) and peaks[1] == pytest.approx(880, rel=0.05)
    down = sweep("down", 2.0)
    first, last = down[: SR // 4], down[-SR // 4 :]
    zc = [np.count_nonzero(np.diff(np.signbit(x))) for x in (first, last)]
    assert zc[0] > 1.6 * zc[1]  # the pitch falls


def test_streamed_espeak_wav_is_parsed():
    exe = need_espeak()
    data = subprocess.run([exe, "--stdout", "seven"], capture_output=True, check=True).stdout
    x, rate = parse_wav(data)
    assert rate == 22050 and 0.2 < len(x) / rate < 2.0 and np.abs(x).max() > 0.05


# --------------------------------------------------------------------------- rendered sessions
def _segments(x: np.ndarray, thresh: float = 2e-3, join_s: float = 0.03) -> list[tuple[float, float]]:
    """(start, end) in seconds of the stretches with sound, by a 5 ms envelope."""
    w = int(0.005 * SR)
    env = np.abs(x[: len(x) // w * w]).reshape(-1, w).max(axis=1)
    on = env > thresh
    edges = np.diff(np.concatenate([[0], on.astype(int), [0]]))
    segs = [(a * w / SR, b * w / SR) for a, b in zip(np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0])]
    merged: list[list[float]] = []
    for a, b in segs:
        if merged and a - merged[-1][1] <= join_s:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def _espeak_number(exe: str, n: int) -> np.ndarray:
    """The number as espeak-ng says it, made here (not by the renderer), trimmed of silence."""
    data = subprocess.run([exe, "--stdout", "-s", "165", str(n)], capture_output=True, check=True).stdout
    x, _ = parse_wav(data)
    loud = np.nonzero(np.abs(x) > 0.01 * np.abs(x).max())[0]
    return x[loud[0] : loud[-1] + 1]


def _which_number(track: np.ndarray, t: float, templates: dict[int, np.ndarray]) -> tuple[int, float]:
    """The number whose recording best matches the speech after time ``t`` (normalised
    cross-correlation of envelopes over a 1.2 s window), and where it starts."""
    a = int(t * SR)
    win = track[a : a + int(1.2 * SR)]
    best, best_at, best_score = 0, 0.0, -1.0
    for n, tpl in templates.items():
        if len(tpl) > len(win):
            continue
        c = correlate(win, tpl, mode="valid", method="fft")
        cs = np.concatenate([[0.0], np.cumsum(win.astype(np.float64) ** 2)])
        e_win = np.maximum(cs[len(tpl) :] - cs[: -len(tpl)], 0.0)
        e_tpl = float(tpl @ tpl)
        # where the window is (nearly) silent the ratio is FFT round-off over nothing: score 0
        score = np.where(e_win > 0.01 * e_tpl, c / np.sqrt(e_win * e_tpl + 1e-30), 0.0)
        k = int(np.argmax(score))
        if score[k] > best_score:
            best, best_at, best_score = n, t + k / SR, float(score[k])
    return best, best_at


SESSIONS = [("supine", 4), ("supine", 12), ("supine", 17), ("seated", 20), ("seated", 3)]


@pytest.fixture(scope="module")
def rendered():
    exe = need_espeak()
    out = {}
    engine = find_speech_engine()
    for posture, seed in SESSIONS:
        sim = simulate_session(SimConfig(reps=8, seed=seed, posture=posture))
        ch = sim.chunk
        cues, reps = plan_stream(ch.split([5] * (len(ch) // 5 + 1)), posture, 100.0, Targets(reps_per_set=8, sets=1))
        track = render_timeline(cues, Renderer(engine), float(ch.t[0]), float(ch.t[-1]))
        out[(posture, seed)] = (sim, reps, cues, track)
    templates = {n: _espeak_number(exe, n) for n in range(1, 9)}
    return out, templates


@pytest.mark.parametrize("key", SESSIONS)
def test_every_rep_sounds_within_300_ms_of_being_reported(rendered, key):
    sessions, _ = rendered
    sim, reps, _cues, track = sessions[key]
    assert len(reps) == sim.labels["rep_count"]  # the pipeline found them all (else the test is moot)
    onsets = np.array([a for a, _ in _segments(track)])
    for rep in reps:
        lag = onsets - rep.detected_s
        assert ((lag >= -0.01) & (lag <= 0.3)).any(), f"rep {rep.index}: no sound within 300 ms of {rep.detected_s}"


@pytest.mark.parametrize("key", SESSIONS)
def test_spoken_numbers_are_in_order_and_whole(rendered, key):
    sessions, templates = rendered
    _sim, reps, _cues, track = sessions[key]
    # reps reported together (caught up when calibration finished) are announced by the last number
    moments = {}
    for r in reps:
        moments[round(r.detected_s, 3)] = r.index
    heard = []
    segs = _segments(track)
    for t in sorted(moments):
        n, at = _which_number(track, t, templates)
        heard.append(n)
        # the spoken number starts within 300 ms of the report and is as long as espeak says it
        assert -0.01 <= at - t <= 0.3
        # the number is whole: the same stretches of sound (syllables) as espeak's own recording,
        # ending at the same moments (a turn tone may sound under its start)
        tpl = templates[n] * (0.7 / np.abs(templates[n]).max())
        want = _segments(tpl)
        dur = len(tpl) / SR
        got = [(a - at, b - at) for a, b in segs if b > at + 0.01 and a < at + dur - 0.01]
        assert len(got) == len(want), f"{n}: {len(got)} stretches of sound, espeak says {len(want)}"
        assert [b for _, b in got] == pytest.approx([b for _, b in want], abs=0.025)
        assert [a for a, _ in got[1:]] == pytest.approx([a for a, _ in want[1:]], abs=0.025)
    assert heard == sorted(moments.values())  # strictly the counted numbers, in order
    assert heard == sorted(set(heard))


@pytest.mark.parametrize("key", SESSIONS)
def test_silent_while_setting_up_and_walking(rendered, key):
    sessions, _ = rendered
    sim, reps, _cues, track = sessions[key]
    labels = sim.labels
    first_start = labels["reps"][0]["start_s"]
    assert np.abs(track[: int(first_start * SR)]).max() < 1e-4, "sound before the first rep"
    # after the last rep is reported, only its count and the closing words: one stream of
    # words that starts with the report and never pauses longer than between two words
    last = reps[-1].detected_s
    after = [(a, b) for a, b in _segments(track) if b > last]
    assert after and after[0][0] <= last + 0.3
    gaps = [a - b for (_, b), (a, _) in zip(after, after[1:])]
    assert max(gaps, default=0.0) < 0.4, f"sound starts again after the session ended: {after}"
    walks = [e["t_s"] for e in labels["events"] if e["kind"] == "walking"]
    for t_end in walks:
        # the simulated walk is at least 6 strides of 2 x 0.45 s before its end label
        a, b = int((t_end - 5.4) * SR), int(t_end * SR)
        assert np.abs(track[a:b]).max() < 1e-4, "sound while walking"


def test_no_sound_while_walking_even_when_the_set_is_not_finished():
    """The coach never says 'set done' (50 reps planned, 8 done): the planner must still tell
    the walk after the exercise from reps (quick swings that do not start where reps start)."""
    need_espeak()
    checked = 0
    for posture, seed in [("supine", 12), ("supine", 13), ("seated", 20), ("seated", 21)]:
        sim = simulate_session(SimConfig(reps=8, seed=seed, posture=posture))
        walks = [e["t_s"] for e in sim.labels["events"] if e["kind"] == "walking"]
        if not walks:
            continue
        ch = sim.chunk
        cues, _ = plan_stream(ch.split([5] * (len(ch) // 5 + 1)), posture, 100.0, Targets(reps_per_set=50, sets=1))
        for t_end in walks:
            assert [c for c in cues if t_end - 5.4 - 3.0 <= c.t_s <= t_end] == []
            checked += 1
    assert checked == 4


def test_loudness_has_headroom(rendered):
    sessions, _ = rendered
    for *_, track in sessions.values():
        peak = float(np.abs(track).max())
        assert 0.3 < peak < 0.95  # audible, never clipped


# --------------------------------------------------------------------------- the command line
def test_analyze_audio_out_writes_the_trace_time_base_and_never_overwrites(tmp_path, capsys):
    need_espeak()
    trace, labels = tmp_path / "s.csv", tmp_path / "l.json"
    assert main(["simulate", "-o", str(trace), "--labels", str(labels), "--reps", "5", "--seed", "4"]) == 0
    # shift the trace's clock: the WAV must still start at the trace's first sample
    lines = trace.read_text().splitlines()
    shifted = []
    for line in lines:
        if line and (line[0].isdigit() or line[0] == "-"):
            t, rest = line.split(",", 1)
            line = f"{float(t) + 1000.0:.6f},{rest}"
        shifted.append(line)
    trace.write_text("\n".join(shifted) + "\n")
    out = tmp_path / "cues.wav"
    assert main(["analyze", str(trace), "--audio-out", str(out), "--reps", "5", "--sets", "1"]) == 0
    assert "second 0 = the trace's first sample" in capsys.readouterr().out
    with wave.open(str(out)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, SR)
        x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768
    assert main(["analyze", str(trace), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    t0 = 1000.0 + 0.0  # the simulated trace starts at 0 s, shifted by 1000 s
    onsets = np.array([a for a, _ in _segments(x)])
    for rep in doc["reps"]:
        lag = onsets - (rep["detected_s"] - t0)
        assert ((lag >= -0.01) & (lag <= 0.3)).any()
    before = out.read_bytes()
    assert main(["analyze", str(trace), "--audio-out", str(out)]) == 2
    assert "exists" in capsys.readouterr().err
    assert out.read_bytes() == before
    assert main(["analyze", str(trace), "--audio-out", str(out), "--force", "--volume", "40"]) == 0
    with wave.open(str(out)) as w:
        y = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768
    assert np.abs(y).max() == pytest.approx(0.5 * np.abs(x).max(), rel=0.02)  # 40 % vs the default 80 %
    assert main(["analyze", str(trace), "--audio-out", str(tmp_path / "nope" / "c.wav")]) == 2
    assert main(["analyze", str(trace), "--audio-out", str(out), "--force", "--volume", "120"]) == 2
    assert "volume" in capsys.readouterr().err
