"""A seated shin direction taken from the first rest is not replaced by the refinement's rest band.

Negative 12407 (supine content: lie down, tabletop, feet back to the mat between sets, 25 Hz;
analysed seated as recorded): the first estimate took standing as hanging (shin direction 120 deg),
the refinement read the feet-flat rests as hanging (161 deg) and the last set break's return to
tabletop plus the finish counted as one seated rep (top -34, bottom -84 deg). See
:mod:`sensor.core.first_rest_keep`.
"""

from __future__ import annotations

import numpy as np
import pytest

from sensor.core.first_rest_keep import keep_first_rest
from sensor.core.mounting import Mounting
from sensor.core.pipeline import analyze
from sensor.sim.corpus import make_session


def _m(beta: float, reference: str, sigma: int = 1) -> Mounting:
    e = np.eye(3)
    return Mounting(e[2], e[0], e[1], beta, sigma, 0.99, 3, 0.12, reference)


@pytest.mark.parametrize("weak", ["hanging", "lever"])
def test_weak_refinement_keeps_the_first_rest_direction(weak: str) -> None:
    out = keep_first_rest(_m(120.0, "first rest"), _m(161.0, weak, sigma=-1))
    assert out is not None
    assert out.beta_deg == 120.0 and out.reference == "first rest"
    assert out.sigma == -1  # the side is the refinement's


@pytest.mark.parametrize("strong", ["standing", "board", "carried"])
def test_stronger_reference_still_replaces_it(strong: str) -> None:
    refined = _m(150.0, strong)
    assert keep_first_rest(_m(120.0, "first rest"), refined) is refined


def test_other_learned_references_are_left_alone() -> None:
    refined = _m(161.0, "hanging")
    assert keep_first_rest(_m(120.0, "hanging"), refined) is refined
    assert keep_first_rest(_m(120.0, "lever"), refined) is refined
    assert keep_first_rest(None, refined) is refined
    assert keep_first_rest(_m(120.0, "first rest"), None) is None


def test_supine_set_breaks_analysed_seated_count_nothing() -> None:
    cs = make_session("negative", 12407)
    assert cs.posture == "seated" and cs.rate_hz == 25.0 and cs.labels["rep_count"] == 0
    p, _ = analyze(cs.chunk, cs.posture, cs.rate_hz)
    assert p.mounting is not None and p.mounting.reference == "first rest"
    assert abs(((p.mounting.beta_deg - 120.0 + 180.0) % 360.0) - 180.0) < 5.0  # standing's, not the mat's 161
    assert p.reps == []
    p2, _ = analyze(cs.chunk, cs.posture, cs.rate_hz, chunk_size=11)
    assert p2.reps == [] and p2.mounting is not None and p2.mounting.beta_deg == p.mounting.beta_deg
