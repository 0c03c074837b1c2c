"""Seated: the extension is timed to the first arrival at the top (sensor.core.far_arrival).

The far turn's bookkeeping: small moves past the extreme keep the first arrival, a move of
turn_deg or more from it arrives afresh, and only the seated phase checks read it. Then the
pipeline: the variants corpus's seated ankle pumps (the leg held out while the foot pumps, the
shin yielding 1-4 deg: sensor.sim.variants) count every rep with it and lose some without it
(their extensions read 7.7-13 s against a 1-2 s flexion), whole and in live pieces alike.
"""

from __future__ import annotations

import pytest
from helpers import run_in_pieces

from sensor.core.far_arrival import moved_on, ratio_first_s
from sensor.core.pipeline import Pipeline
from sensor.sim.corpus import make_session


def _far() -> dict:
    return {"y": 70.0, "t": 12.0, "start_t": 10.0, "stop_t": 12.0, "peak": 40.0, "move_t": 10.1, "land_t": 10.1}


def test_small_moves_at_the_top_keep_the_first_arrival() -> None:
    far = _far()
    for k, y in enumerate((70.5, 71.0, 71.2, 71.9)):  # pumps coming back a hair past the old extreme
        moved_on(far, y, 14.0 + 2 * k, 13.5 + 2 * k, 5.0, 10.0)
    assert far["t"] == 20.0 and far["arrive_t"] == 12.0 and far["land_t"] == 10.1 and far["peak"] == 40.0
    assert ratio_first_s(far, far["t"] - far["start_t"], seated=True) == pytest.approx(2.0)
    assert ratio_first_s(far, far["t"] - far["start_t"], seated=False) == pytest.approx(10.0)  # supine as before


def test_a_chain_of_small_moves_past_turn_deg_arrives_afresh() -> None:
    far = _far()
    moved_on(far, 76.0, 14.0, 13.0, 20.0, 10.0)  # 6 deg: same arrival
    moved_on(far, 82.0, 16.0, 15.0, 20.0, 10.0)  # 12 deg from the arrival (6 from the extreme): a new one
    assert far["arrive_t"] == 16.0 and far["arrive_y"] == 82.0 and far["land_t"] == 10.1
    moved_on(far, 95.0, 18.0, 17.0, 60.0, 10.0)  # a real move on: new landing too
    assert far["arrive_t"] == 18.0 and far["land_t"] == 17.0 and far["peak"] == 60.0


def _reps(seed: int, on: bool, step: int | None = None) -> list:
    cs = make_session("variants", seed)
    assert cs.posture == "seated" and cs.labels["variant"] == "ankle_pumps"
    p = Pipeline(cs.posture, cs.rate_hz)
    p.cfg.reps.seated_arrival = on
    run_in_pieces(p, cs.chunk, step)
    return [(r.start_s, r.top_s, r.end_s, r.top_deg) for r in p.reps]


@pytest.mark.parametrize("step", [None, 389])
def test_reps_with_ankle_pumps_at_the_top_count(step: int | None) -> None:
    # variants 269 (50 Hz): 27 reps, some with 3-10 pumps held at the top
    on = _reps(269, True, step)
    assert len(on) == 27
    if step is None:
        assert len(_reps(269, False)) == 23
    else:
        assert on == _reps(269, True)
