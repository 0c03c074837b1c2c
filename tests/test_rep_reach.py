"""Each movement of a seated rep turns the shin about a point within a knee's reach (sensor.core.rep_reach).

First principles: a shin turning about a still knee, the sensor 0.10-0.35 m below it, slowly or
fast, a little or a lot, fits a pivot within reach; the same few degrees of shin rotation while
the thigh swings the knee forward (the start of a standing leg swing: the shank lags the thigh)
need a pivot far beyond any joint of the shank. Then the pipeline: the leg swings from standing
of negatives seed 2487, analysed seated, count nothing, and one rep with the rule off; true seated
reps are kept in any chunking.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_pivot import _movement, _random_rotation, _rot_y

from sensor.core.pipeline import Pipeline
from sensor.core.pivot import PivotConfig, fit_pivot
from sensor.core.rep_reach import ReachCheckedDetector, ReachConfig, beyond_reach
from sensor.sim.corpus import make_session

G = 9.80665
RULE = PivotConfig()


def _carried(thigh_deg: float, shin_deg: float, dur_s: float, rate_hz: float, rng: np.random.Generator):
    """The thigh (0.43 m) turns forward by ``thigh_deg`` about the hip while the hanging shin turns
    forward by ``shin_deg`` (minimum jerk, rests of 0.4 s): the sensor 0.25 m below the knee, 4 cm
    in front of the bone, any box orientation. (t, acc, gyr_dps), exact kinematics plus noise."""
    fs = 2000.0
    n = int(dur_s * fs)
    tau = np.arange(n) / n
    prof = 10 * tau**3 - 15 * tau**4 + 6 * tau**5
    rest = np.zeros(int(0.4 * fs))
    x = np.concatenate([rest, prof, rest + 1.0])
    th, sh = np.radians(thigh_deg) * x, np.radians(shin_deg) * x
    knee = 0.43 * np.stack([np.sin(th), np.zeros_like(th), -np.cos(th)], axis=1)
    Rb = _rot_y(-sh)  # body -> world, as test_pivot's knee turns
    pos = knee + Rb @ np.array([0.04, 0.0, -0.25])
    dtf = 1.0 / fs
    f_w = np.gradient(np.gradient(pos, dtf, axis=0), dtf, axis=0) + np.array([0.0, 0.0, G])
    w_b = np.zeros((len(x), 3))
    w_b[:, 1] = -np.gradient(sh, dtf)
    box = _random_rotation(rng)
    f_s = np.einsum("nji,nj->ni", Rb @ box, f_w)
    idx = np.arange(0, len(x), int(round(fs / rate_hz)))
    acc = f_s[idx] + rng.normal(0, 0.02, (len(idx), 3)) + rng.normal(0, 0.05, 3)
    gyr = np.degrees((w_b @ box)[idx]) + rng.normal(0, 0.1, (len(idx), 3))
    return idx / fs, acc, gyr


@pytest.mark.parametrize("rate", [50.0, 100.0])
@pytest.mark.parametrize(("sweep", "dur_s"), [(8.0, 0.8), (8.0, 1.5), (60.0, 1.0), (90.0, 3.0)])
def test_a_shin_turning_about_a_still_knee_is_within_reach(rate: float, sweep: float, dur_s: float) -> None:
    rng = np.random.default_rng(int(rate + sweep * 10 + dur_s * 100))
    for _ in range(3):
        fit = fit_pivot(*_movement("knee", sweep, dur_s, rate, rng)[:3], split=False)
        assert fit is not None and fit.height_m < 0  # above the sensor
        assert not beyond_reach(fit, RULE)


@pytest.mark.parametrize("rate", [50.0, 100.0])
@pytest.mark.parametrize("dur_s", [0.6, 0.9])
def test_the_knee_carried_while_the_shin_barely_turns_is_beyond_reach(rate: float, dur_s: float) -> None:
    """The start of a standing leg swing: the thigh swings 35 deg (the knee travels 0.26 m) while
    the shank turns 8 deg. A still knee would have to be metres away to move the sensor so."""
    rng = np.random.default_rng(int(rate + dur_s * 10))
    fit = fit_pivot(*_carried(35.0, 8.0, dur_s, rate, rng), split=False)
    assert fit is not None and abs(fit.height_m) > 1.0
    assert beyond_reach(fit, RULE)
    # the same movement with the knee held still is within reach: the bound reads the knee's travel
    still = fit_pivot(*_carried(0.0, 8.0, dur_s, rate, rng), split=False)
    assert not beyond_reach(still, RULE)


def _reps(kind: str, seed: int, reach: ReachConfig | None = None, step: int | None = None) -> list:
    cs = make_session(kind, seed)
    p = Pipeline(cs.posture, cs.rate_hz)
    assert isinstance(p.detector, ReachCheckedDetector)
    if reach is not None:
        p.detector.reach = reach
    c = cs.chunk
    for piece in [c] if step is None else c.split([step] * (len(c) // step + 1)):
        p.feed(piece)
    p.finish()
    return p.reps


@pytest.mark.parametrize("step", [None, 389])
def test_leg_swings_from_standing_analysed_seated_count_nothing(step: int | None) -> None:
    """Negatives seed 2487: standing, then front-back leg swings (analysed seated). The first
    swing's lead-in (the thigh swinging forward, the shank lagging) joined the next two halves
    into one rep; its lead-in turned about a point 1.6 m from the sensor."""
    cs = make_session("negative", 2487)
    assert cs.posture == "seated" and cs.labels["segments"][1]["kind"] == "leg_swing"
    assert _reps("negative", 2487, step=step) == []
    assert len(_reps("negative", 2487, ReachConfig(enabled=False), step)) == 1  # the rule is what refuses it


@pytest.mark.parametrize("step", [None, 613])
def test_true_seated_reps_are_kept_in_any_chunking(step: int | None) -> None:
    cs = make_session("standard", 1)
    whole = _reps("standard", 1)
    assert cs.posture == "seated" and len(whole) == len(cs.labels["reps"]) > 0
    assert _reps("standard", 1, step=step) == whole
