"""The foot sensor's cues are heard (issue 16): "flex your foot as you lower" / "point your toes as
you straighten", planned by the same rules as the dashboard's and rendered to samples.

The rendered track is measured, not trusted: each planned ankle phrase must be found in it by
cross-correlation with espeak-ng's own recording of the phrase (made here, independently of the
renderer), start within 1 s of when it was planned (after the rep's spoken number, which it
never talks over), and be whole.
"""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from scipy.signal import correlate
from test_sound import need_espeak

from sensor.core.coach import Targets
from sensor.core.samples import ImuChunk
from sensor.core.sound_cues import SPOKEN, Speech, plan_stream
from sensor.sim.foot import simulate_foot_for
from sensor.sim.simulator import SimConfig, simulate_session
from tui.audio.render import Renderer, render_timeline
from tui.audio.speech import find_speech_engine
from tui.audio.synth import RATE_HZ, parse_wav

SR = RATE_HZ
FOOT_PHRASES = {SPOKEN["flex_foot"], SPOKEN["point_toes"]}


def _espeak(exe: str, text: str) -> np.ndarray:
    data = subprocess.run([exe, "--stdout", "-s", "165", text], capture_output=True, check=True).stdout
    x, _ = parse_wav(data)
    loud = np.nonzero(np.abs(x) > 0.01 * np.abs(x).max())[0]
    return x[loud[0] : loud[-1] + 1]


def _find(track: np.ndarray, t: float, tpl: np.ndarray, window_s: float = 3.0) -> tuple[float, float]:
    """(start time, normalised correlation) of the best match of ``tpl`` after time ``t``."""
    a = int(t * SR)
    win = track[a : a + len(tpl) + int(window_s * SR)].astype(np.float64)
    c = correlate(win, tpl, mode="valid", method="fft")
    cs = np.concatenate([[0.0], np.cumsum(win**2)])
    e_win = np.maximum(cs[len(tpl) :] - cs[: -len(tpl)], 0.0)
    e_tpl = float(tpl @ tpl)
    # over (nearly) silent stretches the ratio is round-off over nothing: score 0 there
    score = np.where(e_win > 0.01 * e_tpl, c / np.sqrt(e_win * e_tpl + 1e-30), 0.0)
    k = int(np.argmax(score))
    return t + k / SR, float(score[k])


@pytest.fixture(scope="module")
def foot_track():
    exe = need_espeak()
    sim = simulate_session(SimConfig(reps=12, seed=3))
    foot = simulate_foot_for(sim)
    ch = ImuChunk(sim.chunk.t, sim.chunk.acc, sim.chunk.gyr, foot.chunk.acc, foot.chunk.gyr)
    cues, reps = plan_stream(ch.split([5] * (len(ch) // 5 + 1)), "supine", 100.0, Targets(reps_per_set=12, sets=1))
    track = render_timeline(cues, Renderer(find_speech_engine()), float(ch.t[0]), float(ch.t[-1]))
    templates = {p: _espeak(exe, p) for p in FOOT_PHRASES}
    return cues, reps, track, templates, float(ch.t[0])


def test_ankle_cues_are_planned_one_per_rep_right_after_it(foot_track):
    cues, reps, _track, _tpl, _t0 = foot_track
    said = [c for c in cues if isinstance(c, Speech) and c.text in FOOT_PHRASES]
    assert len(said) >= 3 and {c.text for c in said} == FOOT_PHRASES  # this session has reversed reps
    ends = np.array([r.detected_s for r in reps])
    for c in said:
        lag = c.t_s - ends[ends <= c.t_s + 1e-9].max()
        assert 0 <= lag <= 0.5, f"{c.text!r} {lag:.2f} s after its rep was counted"
    times = [c.t_s for c in said]
    assert all(b - a > 4.0 for a, b in zip(times, times[1:]))  # never two foot cues for one rep


def test_each_planned_ankle_phrase_is_heard_whole_where_it_was_planned(foot_track):
    cues, _reps, track, templates, t0 = foot_track
    said = [c for c in cues if isinstance(c, Speech) and c.text in FOOT_PHRASES]
    for c in said:
        tpl = templates[c.text]
        at, score = _find(track, c.t_s - t0 - 0.05, tpl)
        assert score > 0.9, f"{c.text!r} at {c.t_s:.2f} s: best match {score:.2f}"
        # it follows the rep's spoken number when they are planned together (a number lasts < 0.7 s)
        assert -0.01 <= at - (c.t_s - t0) <= 1.0
        # a cut-off phrase could not match the whole of espeak's recording this closely: it is whole


def test_no_tui_demo_with_a_foot_speaks_the_ankle_cues(monkeypatch, capsys):
    from tui import cli
    from tui.audio import backends
    from tui.audio.player import SoundPlayer

    heard: list = []
    monkeypatch.setattr(backends, "open_backend", lambda rate: (None, "no audio player found (test)"))
    monkeypatch.setattr(SoundPlayer, "submit", lambda self, cues, now_s: heard.extend(cues))
    assert cli.main(["demo", "--no-tui", "--foot", "--speed", "100", "--reps", "10", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert out.count("REP ") == out.count("ankle of rep") == 10
    spoken = [c.text for c in heard if isinstance(c, Speech) and c.kind == "coach"]
    assert set(spoken) & FOOT_PHRASES, spoken  # seed 3 has reversed and neutral ankle patterns
