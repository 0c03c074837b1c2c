"""What the pipeline is tuned with (:class:`PipelineConfig`, one field per stage) and what it
counts while it runs (:class:`PipelineStats`: samples used, skipped, gaps, dropped before the
mounting was learned), apart from the pipeline's logic in :mod:`sensor.core.pipeline`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sensor.core.context import ContextConfig
from sensor.core.mounting import MountConfig
from sensor.core.phases import RepConfig
from sensor.core.preprocess import RestConfig


@dataclass
class PipelineConfig:
    posture: str = "supine"
    rate_hz: float | None = None
    reps: RepConfig = field(default_factory=RepConfig)
    rest: RestConfig = field(default_factory=RestConfig)
    mount: MountConfig = field(default_factory=MountConfig)
    context: ContextConfig = field(default_factory=ContextConfig)
    tau_s: float = 1.0
    # Samples kept while the mounting is unknown. A walk to the mat, a warm-up and lying down take
    # minutes, and the references they give (quiet standing, footsteps) must still be there when the
    # first glide comes: with 120 s, cut the same live and offline, 12 long supine sessions of the
    # mixed 1000 lost most of their reps (long supine 91.2 % exact). 10 min at 200 Hz is ~9 MB.
    max_buffer_s: float = 600.0
    refine_movements: int = 8  # movements used to refine the shin direction after settling
    refine_s: float = 90.0
    # a refinement keeps a shin direction read from the first rest (sensor.core.first_rest_keep)
    first_rest_kept: bool = True
    history_s: float = 30.0  # steady-state samples kept for re-learning after a re-strap
    relearn_off_axis: float = 0.3  # share of rotation energy off the knee axis (~33 deg) that means re-strapped

    def __post_init__(self) -> None:
        self.mount.contact = self.context  # one foot-contact rule for the mounting and the context

    def restarted(self) -> PipelineConfig:
        """The defaults for a pipeline started afresh mid-session (the dashboard's recalibrate):
        its buffer does not start the recording, so the leg's first rest may be a glide's top
        hold (``sensor.core.upright``'s first-rest rule is off)."""
        cfg = PipelineConfig()
        cfg.mount.prior.starts_the_recording = False
        return cfg


@dataclass
class PipelineStats:
    samples_in: int = 0
    samples_used: int = 0
    invalid_skipped: int = 0
    out_of_order_skipped: int = 0
    gaps: int = 0
    gap_seconds: float = 0.0
    buffered_dropped: int = 0
