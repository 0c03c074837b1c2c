"""One foot-contact rule for the whole pipeline: the mounting uses the context's shock threshold.

A jump of the acceleration across a hole of lost packets is the movement's ordinary change over
the time that elapsed, not a foot contact. The context scales its threshold by that time
(``sensor.core.context.shock_threshold``); the mounting must do the same, or a few lost packets
in the middle of a movement make it look like a step and the movement never teaches.
"""

import numpy as np
import pytest

from sensor.core.context import ContextConfig
from sensor.core.mounting import MountConfig, estimate_mounting
from sensor.core.pipeline_config import PipelineConfig
from sensor.sim.simulator import SimConfig, simulate_session


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_lost_packets_mid_movement_do_not_stop_the_movement_teaching(seed):
    sim = simulate_session(SimConfig(seed=seed, posture="seated", rate_hz=25.0, noise=False, reps=6))
    t, acc, gyr = sim.chunk.t, sim.chunk.acc, sim.chunk.gyr
    keep = np.ones(len(t), bool)
    for rep in sim.labels["reps"]:  # 0.6 s of packets lost half-way up every extension
        mid = (rep["start_s"] + rep["top_s"]) / 2
        keep[(t > mid - 0.3) & (t < mid + 0.3)] = False
    holed = estimate_mounting(t[keep], acc[keep], gyr[keep], posture="seated")
    # the same with contact detection switched off: there are no foot contacts in a seated set
    blind = MountConfig(contact=ContextConfig(impact_mps2=1e9, max_jerk=1e9))
    ref = estimate_mounting(t[keep], acc[keep], gyr[keep], blind, posture="seated")
    assert ref is not None and holed is not None
    # each hole splits its movement in two; no half is refused as a foot contact (the nominal-dt
    # rule refused some in every one of these sessions, and all of them in one)
    assert holed.windows_used == ref.windows_used


def test_the_pipeline_shares_one_contact_rule():
    cfg = PipelineConfig(context=ContextConfig(impact_mps2=7.0))
    assert cfg.mount.contact is cfg.context
