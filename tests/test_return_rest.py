"""A seated return that came to rest at hanging is over (sensor.core.return_rest).

First principles, on elevation traces fed to the seated rep detector: a quick kick and back to
hanging (1.5 s, refused as no glide), a rest of 2.5 s at hanging, then the shin drawn 14 deg further
back: the rule off, that last movement continues the refused return and a rep counts; on, nothing.
A true glide followed by the same rest and movement counts once either way, and a glide whose
return pauses part-way (above hanging) is still counted. Then negative 8651 (standing step-ups,
analysed seated): 0 reps, 1 with the rule off; the same for live chunks.
"""

from __future__ import annotations

import numpy as np
import pytest

from sensor.core.pipeline import Pipeline, analyze
from sensor.core.rep_config import RepConfig
from sensor.core.rep_reach import ReachCheckedDetector, ReachConfig
from sensor.core.return_rest import rested_at_hanging, return_over
from sensor.sim.corpus import make_session

RATE = 52.0
CFG = RepConfig()


def _trace(moves: list[tuple[float, float]], start_deg: float = -92.0) -> tuple[np.ndarray, np.ndarray]:
    """(t, elevation): from ``start_deg``, each (duration s, target deg) a minimum-jerk move, a
    target of None-like nan meaning a still rest of that duration; 1 s of rest first and last."""
    t0, e0, ts, es = 0.0, start_deg, [], []
    for dur, target in [(1.0, float("nan")), *moves, (1.5, float("nan"))]:
        n = max(int(round(dur * RATE)), 1)
        tau = np.arange(1, n + 1) / n
        if np.isnan(target):
            e = np.full(n, e0)
        else:
            e = e0 + (target - e0) * (10 * tau**3 - 15 * tau**4 + 6 * tau**5)
        ts.append(t0 + tau * dur)
        es.append(e)
        t0, e0 = t0 + dur, float(e[-1])
    return np.concatenate(ts), np.concatenate(es)


def _count(t: np.ndarray, e: np.ndarray, rule: bool) -> int:
    det = ReachCheckedDetector("seated", RepConfig(), reach=ReachConfig(return_rest=rule))
    v = np.gradient(e, t)
    det.process(t, e, v, np.zeros(len(t), bool))
    return len(det.reps)


REST = (2.5, float("nan"))
DRAWN_BACK = (1.0, -106.0)


def test_a_refused_kick_is_not_revived_by_a_movement_after_a_rest_at_hanging() -> None:
    t, e = _trace([(0.9, -41.0), (0.6, -92.0), REST, DRAWN_BACK])
    assert _count(t, e, rule=False) == 1  # the kick (1.5 s: refused) revived, its flexion 4.1 s
    assert _count(t, e, rule=True) == 0


def test_the_glide_after_a_refused_kick_and_its_rest_counts() -> None:
    kick = [(0.9, -41.0), (0.6, -92.0), REST, DRAWN_BACK, (1.5, float("nan"))]
    t, e = _trace([*kick, (2.0, -10.0), (2.5, -92.0)])
    assert _count(t, e, rule=True) == 1


def test_a_glide_then_the_same_rest_and_movement_counts_once() -> None:
    t, e = _trace([(2.0, -10.0), (2.5, -92.0), REST, DRAWN_BACK])
    assert _count(t, e, rule=False) == _count(t, e, rule=True) == 1


@pytest.mark.parametrize("pause_deg", [-50.0, -60.0])
def test_a_return_pausing_above_hanging_still_counts(pause_deg: float) -> None:
    # extension 1.2 s, the return stops part-way for 1.5 s then goes on to hanging: a long pause
    # that is not at a place a seated rep ends (sin(-60 deg) > sin(seated_rest_max_deg))
    t, e = _trace([(1.2, -5.0), (0.3, pause_deg), (1.5, float("nan")), (2.0, -92.0)])
    assert _count(t, e, rule=True) == _count(t, e, rule=False) == 1


def test_return_over_reads_the_detectors_own_pose_and_stillness() -> None:
    seg = {"t0": 10.0, "e0": -92.0}
    assert return_over(seg, 10.0 - CFG.rest_restart_s, True, False, CFG)
    assert not return_over(seg, 10.0 - 0.9 * CFG.rest_restart_s, True, False, CFG)  # too short a rest
    assert not return_over(seg, 5.0, False, False, CFG)  # no return begun
    assert not return_over(seg, 5.0, True, True, CFG)  # its rep was counted
    assert not return_over({"t0": 10.0, "e0": -55.0}, 5.0, True, False, CFG)  # part-way, not hanging
    # mirrored side: a shin 20 deg past vertical reads -110 or -70, both at hanging
    assert rested_at_hanging(-110.0, CFG) and rested_at_hanging(-70.0, CFG)
    assert not rested_at_hanging(CFG.seated_bottom_min_deg - 1.0, CFG)


def test_negative_8651_step_ups_analysed_seated_count_nothing() -> None:
    s = make_session("negative", 8651)
    assert s.posture == "seated"
    p, _ = analyze(s.chunk, s.posture, s.rate_hz)
    assert p.reps == []
    off = Pipeline(s.posture, s.rate_hz)
    off.detector.reach.return_rest = False
    off.feed(s.chunk)
    off.finish()
    assert len(off.reps) == 1 and off.reps[0].extend_up_s < 1.0  # the trailing leg's quick kick
    live, _ = analyze(s.chunk, s.posture, s.rate_hz, chunk_size=13)
    assert live.reps == []
