"""A strap wraps round the shank: re-seating it turns the box about the shin's long axis, which
moves the knee axis in sensor coordinates but not the shin direction. The re-learned mounting
keeps the shin direction that standing (or the board normal) pinned before the re-strap, instead
of the fitted lever alone, whose skin offset and short-session fit put the absolute angles
10-15 deg off (issue 11: mixed session 376 read its second set's tabletop 13 deg low).
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import supine_first_set, turn_box_on_the_floor

from sensor.core.events import SensorStatus
from sensor.core.pipeline import analyze
from sensor.core.shin_prior import PriorConfig, carried_beta, lever_sigma
from sensor.core.tilt_noise import fit_direction_error, tilt_standard_error
from sensor.sim import exercise as ex
from sensor.sim.people import render


def _rot(axis: np.ndarray, deg: float) -> np.ndarray:
    a = axis / np.linalg.norm(axis)
    k = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    r = np.radians(deg)
    return np.eye(3) + np.sin(r) * k + (1 - np.cos(r)) * (k @ k)


def _basis(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    e1 = np.cross(u, np.eye(3)[int(np.argmin(np.abs(u)))])
    e1 /= np.linalg.norm(e1)
    return e1, np.cross(u, e1)


@pytest.mark.parametrize("turn", [25.0, 90.0, -140.0])
def test_a_turn_about_the_shin_keeps_its_direction(turn: float) -> None:
    s = np.array([0.3, -0.9, 0.2])
    s /= np.linalg.norm(s)
    u_old = np.cross(s, [0.0, 0.0, 1.0])
    u_old /= np.linalg.norm(u_old)
    u_new = _rot(s, turn) @ u_old  # the box turned about the shin: the knee axis moves, s stays
    e1, e2 = _basis(u_new)
    beta_true = float(np.degrees(np.arctan2(s @ e2, s @ e1)))
    # a lever 30 deg off the bone (skin offset plus fit error) is corrected to the carried line
    b = carried_beta(s, u_new, e1, e2, beta_true + 30.0, PriorConfig())
    assert b is not None and abs((b - beta_true + 180) % 360 - 180) < 1e-6
    # a lever 60 deg away is not a knee lever on this shin: nothing is carried
    assert carried_beta(s, u_new, e1, e2, beta_true + 60.0, PriorConfig()) is None


def test_a_box_turned_some_other_way_carries_nothing() -> None:
    s = np.array([0.0, -1.0, 0.0])
    u_old = np.array([0.0, 0.0, 1.0])
    u_new = _rot(np.array([1.0, 0.0, 0.0]), 40.0) @ u_old  # turned about the knee-perpendicular axis
    e1, e2 = _basis(u_new)
    assert abs(float(s @ u_new)) > 0.5
    assert carried_beta(s, u_new, e1, e2, 0.0, PriorConfig()) is None


def _restrapped(seed: int) -> tuple[object, float, list[dict[str, float]], float]:
    """Walk in, stand, lie down, a set; foot on the floor, the box turned by 90 deg on the shin
    (a front mount becomes a side mount: no board normal to pin it), a second set."""
    rng, person, m, g = supine_first_set([seed, 1106], 3.0)
    turn_box_on_the_floor(m)
    t_strap = m.t
    ex.to_start_pose(m, rng, g, "supine")
    ex.glide_set(m, rng, g, "supine", 6, wiggles=False)
    m.hold(3.0)
    chunk, _, _ = render(m, person, rng)
    return chunk, person.rate_hz, list(m.reps), t_strap


# 0, 2, 3, 15, 21: the original five; 4, 5, 8, 39, 40: the re-learned mounting's levers were read
# for the anterior side at the first settle on r9base (seed 8's still are, at 3.1 standard errors;
# 4, 5, 39 and 40 now take the side vote, which says the same)
@pytest.mark.parametrize("seed", [0, 2, 3, 4, 5, 8, 15, 21, 39, 40])
def test_angles_after_a_strap_turn_stay_absolute(seed: int) -> None:
    """Every rep of the re-learned set within 6 deg of the truth at top and bottom. In seeds 3, 15
    and 21 the turned box lies on the side of the shin (no board normal): the re-learned mounting
    had only its lever and read the set 15-29 deg (3, 21) and 3-6 deg (15) off; now it carries
    the standing shin direction over the re-strap. Seed 2 (25 Hz) re-learned from three weak fits
    whose levers leaned 1, 23 and 33 deg to the wrong side of the bone: read as the anterior side
    over a unanimous side vote, the set was mirrored and not one rep counted."""
    chunk, rate, reps, t_strap = _restrapped(seed)
    p, events = analyze(chunk, "supine", rate)
    assert any(isinstance(e, SensorStatus) and e.kind == "mounting_changed" for e in events)
    assert p.mounting is not None and p.mounting.reference in ("board", "carried")
    after = [tr for tr in reps if tr["start_s"] > t_strap]
    assert len(after) == 6
    for tr in after:
        got = [r for r in p.reps if abs(r.top_s - tr["top_s"]) < 1.0]
        assert len(got) == 1, tr
        assert abs(got[0].top_deg - tr["top_deg"]) <= 6.0
        assert abs(got[0].bottom_deg - tr["bottom_deg"]) <= 6.0


# seed 2's re-learn on r9base: the levers' tilts off the board-normal shin line (deg) and fit weights
WEAK_TILTS, WEAK_WEIGHTS = np.array([-1.4, -23.0, -32.7]), np.array([1.2, 1.5, 1.9])


def test_three_weak_fits_do_not_tell_the_anterior_side() -> None:
    """A weak fit's lever direction strays by ~24 deg rms (sensor.core.tilt_noise), so a 21-deg
    mean of three is 1.6 standard errors: no side. Without the bound (z 0) the old rule decided."""
    se = tilt_standard_error(WEAK_WEIGHTS)
    assert 13.0 < se < 14.5  # ~23 deg per fit over sqrt(2.9) effective fits
    sigma, tilt = lever_sigma(WEAK_TILTS, WEAK_WEIGHTS, 0.0, PriorConfig())
    assert sigma is None and tilt == pytest.approx(-21.4, abs=0.1)
    assert lever_sigma(WEAK_TILTS, WEAK_WEIGHTS, 0.0, PriorConfig(min_tilt_z=0.0))[0] == -1


def test_strong_fits_still_tell_the_anterior_side() -> None:
    """Four strong fits 16-37 deg to one side (seed 8's re-learn): 3.1 standard errors, decided;
    the same tilts from weak fits are not."""
    tilts, weights = np.array([37.0, 23.0, 16.0, 17.0]), np.array([31.0, 16.3, 126.9, 45.0])
    assert lever_sigma(tilts, weights, 0.0, PriorConfig()) == (1, pytest.approx(19.7, abs=0.1))
    assert lever_sigma(tilts, np.full(4, 1.5), 0.0, PriorConfig())[0] is None
    # the measured error table (module docstring): a floor for weak fits, 1/sqrt(w) for strong ones
    err = fit_direction_error(np.array([1.5, 12.0, 48.0, 150.0]))
    assert np.allclose(err, [23.1, 19.0, 13.0, 8.2], atol=0.1)


def test_the_re_strapped_25_hz_set_takes_the_side_vote() -> None:
    """The mechanism itself: seed 2's re-learned mounting takes its sign from the side vote, and
    reads the set the right way up (tops above horizontal)."""
    chunk, rate, _, t_strap = _restrapped(2)
    p, _ = analyze(chunk, "supine", rate)
    assert p.mounting is not None and p.mounting.anterior == "vote"
    after = [r for r in p.reps if r.start_s > t_strap]
    assert len(after) == 6 and min(r.top_deg for r in after) > 40.0
