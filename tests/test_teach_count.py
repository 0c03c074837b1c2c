"""What may teach a supine mounting: movements, not windows, and the lone sweep's quiet at the
end of a recording too (sensor.core.teach_count; issue 11).

The sessions are the issue-11 corpus (``sensor.sim.corpus``: motion from published kinematics,
randomised people and sensors), where the truth is known.
"""

from __future__ import annotations

import numpy as np
import pytest

from sensor.core.pipeline import analyze
from sensor.core.pipeline_config import PipelineConfig
from sensor.core.teach_count import distinct_movements, quiet_before
from sensor.sim.corpus import make_session


def _config(**mount: bool) -> PipelineConfig:
    cfg = PipelineConfig()
    for k, v in mount.items():
        setattr(cfg.mount, k, v)
    return cfg


def test_overlapping_or_touching_windows_are_one_movement() -> None:
    assert distinct_movements([]) == 0
    assert distinct_movements([(0, 10)]) == 1
    assert distinct_movements([(0, 10), (8, 20)]) == 1  # a dip shorter than the two pads
    assert distinct_movements([(0, 10), (10, 14)]) == 1  # touching
    assert distinct_movements([(0, 10), (11, 14)]) == 2  # a still sample between them
    # any order; a long window swallows the ones inside it
    assert distinct_movements([(30, 40), (0, 25), (5, 9), (24, 31), (50, 60)]) == 2


def test_quiet_is_counted_back_from_the_sweep() -> None:
    contact = np.zeros(100, bool)
    contact[[20, 21]] = True
    imp_cum = np.concatenate([[0], np.cumsum(contact)])
    assert quiet_before(imp_cum, 50, 25)  # contacts at 20-21, quiet since 22
    assert not quiet_before(imp_cum, 50, 30)  # 30 samples back reaches sample 21
    assert quiet_before(imp_cum, 15, 40)  # from the buffer's start: nothing seen before 15


# negatives seed 1812 (supine analysis, 25 Hz): stand 1.3 s, then 16 s of step-ups. On main at
# d060f81 one step-up sweep, its rate dipping for a sample mid-sweep, was counted as two
# movements and taught the mounting at 3.84 s: two false reps. Without that, the last attempt at
# the end of the recording taught from a lone step-up sweep 6-7 s after foot contacts.
STEP_UP = ("negative", 1812)


def test_a_step_up_after_standing_teaches_no_supine_mounting() -> None:
    cs = make_session(*STEP_UP)
    assert cs.posture == "supine" and cs.labels["rep_count"] == 0
    p, _ = analyze(cs.chunk, cs.posture, cs.rate_hz)
    assert p.mounting is None and p.reps == []


@pytest.mark.parametrize(
    "switch,first_detected_before_s",
    [("distinct_movements", 5.0), ("quiet_at_end", np.inf)],
)
def test_each_rule_is_needed_for_the_step_up(switch: str, first_detected_before_s: float) -> None:
    """Switched off, each rule lets the step-up teach: one sweep as two movements (live, 3.84 s),
    or the lone sweep at the end of the recording (reps counted at its end)."""
    cs = make_session(*STEP_UP)
    p, _ = analyze(cs.chunk, cs.posture, cs.rate_hz, config=_config(**{switch: False}))
    assert len(p.reps) == 2
    assert p.reps[0].detected_s < first_detected_before_s
    if switch == "quiet_at_end":
        assert p.reps[0].detected_s == pytest.approx(float(cs.chunk.t[-1]), abs=0.05)


def test_a_one_rep_session_that_starts_lying_keeps_its_rep_on_time() -> None:
    """Short seed 202 (supine, 52 Hz): the recording starts lying (1.4 s), then setup and one rep.
    Its lone teaching sweep comes 9 s into the recording: the quiet before it is counted from the
    first sample (nothing was seen), so the rep is counted at its top, not at the end."""
    cs = make_session("short", 202)
    assert cs.posture == "supine" and cs.labels["rep_count"] == 1
    p, _ = analyze(cs.chunk, cs.posture, cs.rate_hz)
    assert len(p.reps) == 1
    top = cs.labels["reps"][0]["top_s"]
    assert abs(p.reps[0].top_s - top) < 0.3
    assert p.reps[0].detected_s - top < 0.3


@pytest.mark.parametrize("kind,seed", [STEP_UP, ("short", 202)])
def test_live_equals_offline_for_the_teaching_rules(kind: str, seed: int) -> None:
    """The movement count and the end-of-recording quiet see the same buffer in any chunking."""
    cs = make_session(kind, seed)
    offline, _ = analyze(cs.chunk, cs.posture, cs.rate_hz)
    for size in (1, 7, 64):
        live, _ = analyze(cs.chunk, cs.posture, cs.rate_hz, chunk_size=size)
        assert live.reps == offline.reps
