"""After a re-strap, a lever against the carried shin direction is asked the rest before the sweep.

Negatives seed 15811 analysed supine (52 Hz): the mounting is pinned by the board normal at 32 s;
the strap is adjusted at 73 s (``mounting_changed``), the person stands up, stands 3 s and
walks-lunges. The first lunge (a foot pivot) re-taught the mounting alone: the board line signed
by its lever, 176 deg from the carried shin direction although the new knee axis was
perpendicular to it, so the lunges read as supine glides (7 reps). The re-learn buffer held no
foot contact, and the start-of-recording rest rule does not ask a re-learn
(:func:`sensor.core.upright.carried_rest`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from sensor.core.constants import STANDARD_GRAVITY
from sensor.core.events import SensorStatus
from sensor.core.pipeline import analyze
from sensor.core.pipeline_config import PipelineConfig
from sensor.core.shin_prior import PriorConfig
from sensor.core.upright import Upright, carried_rest
from sensor.sim.corpus import make_session


def _rule_off() -> PipelineConfig:
    off = PipelineConfig()
    off.mount = replace(off.mount, prior=PriorConfig(carried_rest=False))
    off.__post_init__()
    return off


def test_lunges_after_a_restrap_and_standing_up_count_nothing() -> None:
    cs = make_session("negative", 15811, "supine")
    whole, events = analyze(cs.chunk, cs.posture, cs.rate_hz)
    assert whole.reps == []
    kinds = [e.kind for e in events if isinstance(e, SensorStatus)]
    assert "mounting_changed" in kinds  # the re-strap is seen; nothing re-learns from the lunges
    chunked, _ = analyze(cs.chunk, cs.posture, cs.rate_hz, chunk_size=257)  # live equals offline
    assert chunked.reps == []
    without, _ = analyze(cs.chunk, cs.posture, cs.rate_hz, config=_rule_off())
    assert len(without.reps) == 7


E1, E2 = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])  # knee axis z
S_OLD = np.array([0.0, -1.0, 0.0])  # the carried shin direction: ankle along -y


def _standing_then_sweep(fs: float = 50.0) -> tuple[np.ndarray, ...]:
    """3 s standing still (the shin along S_OLD vertical: gravity's reaction along -S_OLD), then a
    60-deg sweep about the knee axis; the moving mask and windows."""
    n_rest, n_sweep = int(3 * fs), int(fs)
    gyr = np.zeros((n_rest + n_sweep, 3))
    gyr[n_rest:, 2] = 60.0
    acc = np.tile(-S_OLD * STANDARD_GRAVITY, (n_rest + n_sweep, 1))
    t = np.arange(len(gyr)) / fs
    moving = np.linalg.norm(gyr, axis=1) > 5.0
    return t, acc, gyr, moving


@pytest.mark.parametrize(("lever", "refused"), [((0.0, 0.2), True), ((0.0, -0.2), False), ((0.05, 0.2), True)])
def test_a_lever_against_the_carried_direction_reading_standing_as_the_foot_up_is_refused(
    lever: tuple[float, float], refused: bool
) -> None:
    t, acc, gyr, moving = _standing_then_sweep()
    cfg = PriorConfig()
    windows = [(150, 200)]
    got = carried_rest(t, acc, gyr, moving, E1, E2, windows, S_OLD, cfg)
    assert got is not None
    s, ups = got
    assert np.allclose(s, [0.0, -1.0]) and len(ups) == 150  # the whole standing rest
    ups_box = Upright(np.empty((0, 2)), np.empty((0, 2)), 1 / 50.0, cfg, got)
    assert ups_box.foot_pivot(np.array(lever)) is refused
    off = Upright(np.empty((0, 2)), np.empty((0, 2)), 1 / 50.0, cfg, None)
    assert off.foot_pivot(np.array(lever)) is False  # what the re-learn asked before


def test_a_box_put_back_end_over_end_still_teaches() -> None:
    """The box turned 180 deg about its board normal: the old direction is exactly reversed in
    the new frame, and the rest reads the (true) lever's shin with the ankle down."""
    t, acc, gyr, moving = _standing_then_sweep()
    acc = -acc  # gravity's reaction now along +y: the new shin points along -S_OLD
    cfg = PriorConfig()
    got = carried_rest(t, acc, gyr, moving, E1, E2, [(150, 200)], S_OLD, cfg)
    assert got is not None
    ups = Upright(np.empty((0, 2)), np.empty((0, 2)), 1 / 50.0, cfg, got)
    assert ups.foot_pivot(np.array([0.0, 0.2])) is False  # against the carried one, but the rest agrees


def test_nothing_is_asked_when_the_box_turned_off_the_shin_or_no_rest() -> None:
    t, acc, gyr, moving = _standing_then_sweep()
    cfg = PriorConfig()
    tilted = np.array([0.0, -np.cos(np.radians(20)), np.sin(np.radians(20))])  # 20 deg out of the plane
    assert carried_rest(t, acc, gyr, moving, E1, E2, [(150, 200)], tilted, cfg) is None
    assert carried_rest(t, acc, gyr, moving, E1, E2, [(150, 200)], None, cfg) is None
    # the sweep's window starts the buffer (a re-learn from a movement): no rest before it
    assert carried_rest(t, acc, gyr, moving, E1, E2, [(0, 200)], S_OLD, cfg) is None
