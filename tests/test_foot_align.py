"""sensor.core.foot_align: the foot's six values resampled onto the shin's timestamps.

Behaviour that matters: values are right (linear interpolation of a known signal), NaN exactly
where the foot has no data, the shin is held back no more than ``max_hold_s``, every shin sample
comes out once and in order, memory stays bounded, and the output does not depend on how the
two streams are cut into chunks (hypothesis draws the cuts).
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensor.core.foot_align import FootAligner
from sensor.core.samples import ImuChunk, concat_chunks


def _signal(t):
    """Six smooth foot channels (known exactly at any time)."""
    t = np.asarray(t, float)[:, None]
    k = np.arange(1, 7)[None, :]
    return np.sin(0.7 * k * t + k) * 10 + k


def _foot(t):
    v = _signal(t)
    return ImuChunk(t, v[:, :3], v[:, 3:])


def _shin(t):
    t = np.asarray(t, float)
    acc = np.stack([t, -t, 2 * t], axis=1)  # the shin's own values identify each sample
    return ImuChunk(t, acc, acc * 3)


def _run(events, **kw):
    """Feed ("shin"|"foot"|"lost", chunk) events; return the concatenated output and the aligner."""
    al = FootAligner(**kw)
    out = []
    for kind, chunk in events:
        if kind == "shin":
            out.append(al.shin(chunk))
        elif kind == "foot":
            out.append(al.foot(chunk))
        else:
            out.append(al.foot_lost())
    out.append(al.flush())
    return concat_chunks(out), al


def _interleave(shin_t, foot_t, shin_per=5, foot_per=3, foot_delay=0.04):
    """Packets as two links deliver them: shin packets of ``shin_per`` samples arriving when
    their last sample is taken, foot packets of ``foot_per`` arriving ``foot_delay`` later."""
    ev = []
    for i in range(0, len(shin_t), shin_per):
        ev.append((float(shin_t[min(i + shin_per, len(shin_t)) - 1]), 0, "shin", _shin(shin_t[i : i + shin_per])))
    for i in range(0, len(foot_t), foot_per):
        last = float(foot_t[min(i + foot_per, len(foot_t)) - 1])
        ev.append((last + foot_delay, 1, "foot", _foot(foot_t[i : i + foot_per])))
    ev.sort(key=lambda e: (e[0], e[1]))
    return [(k, c) for _, _, k, c in ev]


SHIN_T = np.arange(0, 4, 0.01)  # 100 Hz
FOOT_T = 0.003 + np.arange(0, 4, 1 / 52)  # 52 Hz, its own phase


def test_values_are_the_linear_interpolation_of_the_foot_signal():
    out, al = _run(_interleave(SHIN_T, FOOT_T))
    assert np.array_equal(out.t, SHIN_T) and np.array_equal(out.acc, _shin(SHIN_T).acc)
    covered = (FOOT_T[0] <= SHIN_T) & (FOOT_T[-1] >= SHIN_T)
    got = np.hstack([out.foot_acc, out.foot_gyr])
    assert np.isnan(got[~covered]).all()
    ref = np.stack([np.interp(SHIN_T[covered], FOOT_T, _signal(FOOT_T)[:, i]) for i in range(6)], axis=1)
    assert np.allclose(got[covered], ref, atol=1e-12)
    # and close to the true signal (52 Hz samples of a < 1 Hz wave)
    assert np.abs(got[covered] - _signal(SHIN_T[covered])).max() < 0.2
    assert al.stats.shin_in == al.stats.shin_out == len(SHIN_T)
    assert al.stats.shin_without_foot == int((~covered).sum())


def test_a_foot_that_never_comes_holds_the_shin_no_longer_than_the_bound():
    al = FootAligner(max_hold_s=0.5)
    released_at = {}
    for i in range(0, len(SHIN_T), 7):
        part = SHIN_T[i : i + 7]
        out = al.shin(_shin(part))
        for t in out.t:
            released_at[float(t)] = float(part[-1])  # the newest shin time when it went out
        assert np.isnan(out.foot_acc).all() and np.isnan(out.foot_gyr).all()
        held = SHIN_T[: i + len(part)][len(released_at) :]
        assert len(held) == 0 or part[-1] - held[0] < 0.5  # never held >= max_hold_s
    waited = np.array([released_at[float(t)] - t for t in SHIN_T if float(t) in released_at])
    assert waited.max() <= 0.5 + 0.07 + 1e-9  # released by the chunk that passed the bound (7 samples)
    assert len(released_at) + al.held == len(SHIN_T)


def test_foot_dropout_gives_nan_after_it_and_lost_releases_at_once():
    foot_t = FOOT_T[FOOT_T < 2.0]
    ev = _interleave(SHIN_T[SHIN_T < 2.5], foot_t)
    al = FootAligner()
    outs = [al.shin(c) if k == "shin" else al.foot(c) for k, c in ev]
    assert al.held > 0  # the newest shin samples wait for a foot that went away
    outs.append(al.foot_lost())
    assert al.held == 0 and al.lost
    # while lost, the shin goes straight through
    after = al.shin(_shin(SHIN_T[SHIN_T >= 2.5]))
    assert len(after) == int((SHIN_T >= 2.5).sum())
    out = concat_chunks([*outs, after])
    assert np.array_equal(out.t, SHIN_T)
    gone = out.t > foot_t[-1]
    assert np.isnan(out.foot_acc[gone]).all()
    ok = (out.t >= foot_t[0]) & ~gone
    assert not np.isnan(out.foot_acc[ok]).any()
    # the foot comes back: values again, and the dropout in between stays NaN (a gap, not a ramp)
    back_t = FOOT_T[(FOOT_T < 1.0) | (FOOT_T > 2.0)]
    out2, _ = _run(_interleave(SHIN_T, back_t), max_gap_s=0.1)
    gap = (out2.t > 1.0) & (out2.t < 2.0)
    assert np.isnan(out2.foot_gyr[gap]).all()
    later = out2.t > back_t[back_t > 2.0][0]
    assert not np.isnan(out2.foot_gyr[later & (out2.t <= back_t[-1])]).any()


def test_late_and_repeated_foot_samples_are_dropped_and_counted():
    al = FootAligner()
    al.foot(_foot(FOOT_T[:10]))
    al.foot(_foot(FOOT_T[5:12]))  # 5 repeated, 2 new
    al.foot(_foot(FOOT_T[[14, 13, 15]]))  # 13 comes after 14: dropped
    assert al.stats.late_foot == 6
    assert al.stats.foot_in == 20


def test_memory_stays_bounded_when_the_shin_goes_away():
    al = FootAligner(keep_s=2.0)
    al.shin(_shin(SHIN_T[:50]))
    t = 0.003 + np.arange(0, 120, 1 / 52)
    for i in range(0, len(t), 13):
        al.foot(_foot(t[i : i + 13]))
    assert len(al._ft) <= 2.0 * 52 + 3
    assert al.held == 0


def test_bad_bounds_are_refused():
    with pytest.raises(ValueError):
        FootAligner(max_hold_s=1.0, keep_s=0.5)


# ------------------------------------------------------------------ chunk invariance


def _samples(events):
    """The arrival order, one sample at a time: the finest possible cut of these events."""
    out = []
    for kind, c in events:
        if kind == "lost":
            out.append((kind, c))
            continue
        out.extend((kind, c.slice(i, i + 1)) for i in range(len(c)))
    return out


def _regroup(samples, cuts):
    """Merge runs of same-stream samples into chunks, cutting where ``cuts`` says."""
    events, run, kind_run = [], [], None
    for (kind, c), cut in zip(samples, cuts):
        if kind != kind_run or cut or kind == "lost":
            if run:
                events.append((kind_run, concat_chunks(run)))
            run, kind_run = [], kind
        if kind == "lost":
            events.append((kind, None))
            kind_run = None
        else:
            run.append(c)
    if run:
        events.append((kind_run, concat_chunks(run)))
    return events


def _same(a, b):
    return (
        np.array_equal(a.t, b.t)
        and np.array_equal(a.acc, b.acc)
        and np.array_equal(a.foot_acc, b.foot_acc, equal_nan=True)
        and np.array_equal(a.foot_gyr, b.foot_gyr, equal_nan=True)
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    delay=st.floats(0.0, 0.9),
    foot_per=st.integers(1, 12),
    drop=st.tuples(st.floats(0.5, 2.5), st.floats(0.0, 1.5)),
    lost=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
    p_cut=st.floats(0.0, 1.0),
)
def test_output_does_not_depend_on_how_the_streams_are_chunked(delay, foot_per, drop, lost, seed, p_cut):
    shin_t = SHIN_T[:250]
    foot_t = FOOT_T[(drop[0] > FOOT_T) | (drop[0] + drop[1] < FOOT_T)][:120]
    events = _interleave(shin_t, foot_t, shin_per=4, foot_per=foot_per, foot_delay=delay)
    if lost:  # the link says "lost" where the dropout begins
        i = next((k for k, (kind, c) in enumerate(events) if kind == "shin" and c.t[0] > drop[0]), len(events))
        events.insert(i, ("lost", None))
    samples = _samples(events)
    reference, _ = _run(samples)
    assert np.array_equal(reference.t, shin_t)  # every shin sample once, in order
    cuts = np.random.default_rng(seed).random(len(samples)) < p_cut
    regrouped, _ = _run(_regroup(samples, cuts))
    assert _same(regrouped, reference)
    coarse, _ = _run(events)
    assert _same(coarse, reference)


@settings(max_examples=20, deadline=None)
@given(frac_a=st.floats(0.0, 1.0), frac_b=st.floats(0.0, 1.0), foot_per=st.integers(1, 20))
def test_with_latency_under_the_bound_the_arrival_order_does_not_matter(frac_a, frac_b, foot_per):
    """As long as the foot's data arrives within max_hold_s, when it arrives changes nothing."""
    # the foot sample after a shin sample arrives at most: its packet's span + one period + delay
    delay_a = frac_a * (0.5 - 0.02 - (foot_per + 1) / 52)
    delay_b = frac_b * (0.5 - 0.02 - 4 / 52)
    a, _ = _run(_interleave(SHIN_T[:200], FOOT_T[:110], foot_per=foot_per, foot_delay=delay_a))
    b, _ = _run(_interleave(SHIN_T[:200], FOOT_T[:110], foot_per=3, foot_delay=delay_b))
    assert _same(a, b)


def test_forget_foot_drops_samples_on_an_old_time_base():
    al = FootAligner()
    al.foot(_foot(FOOT_T[FOOT_T < 1.0]))
    out1 = al.shin(_shin(SHIN_T[SHIN_T < 0.9]))
    assert np.isfinite(out1.foot_gyr[out1.t >= FOOT_T[0]]).all() and len(out1) == 90
    al.forget_foot()  # the shin reconnected: its next samples are on a new base
    al.foot(_foot(FOOT_T[(FOOT_T > 1.5) & (FOOT_T < 3.0)]))
    out2 = concat_chunks([al.shin(_shin(SHIN_T[(SHIN_T >= 0.9) & (SHIN_T < 2.5)])), al.flush()])
    # between the forgotten samples and the new ones there is nothing to interpolate from
    bridge = out2.t < FOOT_T[FOOT_T > 1.5][0]
    assert bridge.sum() > 50 and np.isnan(out2.foot_gyr[bridge]).all()
    assert np.isfinite(out2.foot_gyr[~bridge]).all()
