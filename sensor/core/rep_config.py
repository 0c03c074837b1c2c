"""What a rep must look like (:class:`RepConfig`): every bound of the rep detector in
:mod:`sensor.core.phases`, each with the physical reason for it and the measurements that set it,
kept apart from the state machine so that each reads on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sensor.core.bent_set import BentSetConfig
from sensor.core.held_bottom import HeldBottomConfig
from sensor.core.slow_set import SlowSetConfig


@dataclass
class RepConfig:
    min_rom_deg: float = 30.0  # bottom-to-top excursion of a rep
    turn_deg: float = 10.0  # reversal needed to confirm a turning point (wiggles are smaller)
    move_dps: float = 8.0  # a movement starts above this elevation rate
    stop_dps: float = 2.0  # ... and stops below this (lower = closer to the true stop)
    # ... or when the elevation changed by less than stop_dps * stop_elev_s over the last
    # stop_elev_s (the same 2 deg/s, read from the angle; move_dps keeps priority). The rate can
    # carry a leftover gyro bias: the rest detector takes a slow, smooth creep (< ~4 deg/s) for
    # stillness and learns its rate as bias (mixed 248: 2.5 deg/s through the next rep, whose
    # extension then "moved" 1.5 s into the hold at the top and failed max_phase_s). The
    # elevation, held by gravity, stays flat: over still runs of >= 1 s in glide sets it moves
    # 0.4 deg peak-to-peak (median; p95 1.2, 889 runs of mixed 0-119), a phase moves 20-100 deg/s.
    stop_elev_s: float = 0.25
    start_dps: float = 1.5  # its start time is back-dated to the last sample below this
    hold_s: float = 0.5  # stillness that makes a hold
    partial_min_deg: float = 15.0  # smaller returns are wiggles, larger ones are partial reps
    # supine: the top is well above horizontal. Measured on the issue-11 corpus (sensor.sim.corpus):
    # tabletop and the setup never pass +10 deg, glide tops never fall below +45 (fatigued, tight
    # hamstrings); the threshold sits midway, so a ~15 deg angle error cannot flip either way
    supine_top_min_deg: float = 28.0
    seated_top_min_deg: float = -60.0  # seated: the extension must rise well above hanging
    # seated: the knee's range, the same bound as seated_start_min_deg. Healthy adults flex the knee
    # to ~133-143 deg passively (Soucie et al. 2011, Haemophilia 17:500; Roaas & Andersson 1982), so
    # with the thigh on the seat the shin can point down to ~-150; how near hanging a rep must end
    # is seated_rest_max_deg's business (within 28 deg of vertical on either side: -62..-118).
    # Measured bottoms of true seated reps: -105..-70 (mixed 0-399, 2189 reps), -105..-78 (classic
    # 0-199), -105..-82 (the 117 UCI real reps); the simulated person draws the foot back to -105,
    # and the board normal's shin direction can be ~7 deg off (a box tilted 2.7 deg along the shin,
    # mixed 694: true -104.7 read -113). The old -110 left 5 deg for that; it refused 2 true reps.
    seated_bottom_min_deg: float = -150.0
    seated_top_max_deg: float = 45.0  # seated: thigh ~horizontal, knee straight at most: the shin cannot point up
    seated_rest_max_deg: float = -62.0  # seated: reps start and end with the shin within ~28 deg of hanging
    # seated: a rep may start with the shin drawn back under the seat, as far as the knee bends:
    # ~140-145 deg of passive flexion in healthy adults (Roaas & Andersson 1982, Acta Orthop Scand
    # 53:205), so with the thigh about horizontal the shin points no lower than ~-150. Measured
    # (candidates refused only for their start angle, 150 seated negatives + 167 seated mixed
    # sessions): confounders start near horizontal (-10); first reps after a fidget at -110..-119.
    # Its cost, measured over the whole mixed 1000 corpus: 6 true reps recovered (4 sessions made
    # exact), 2 false reps added (one seated step-up session, mixed 959: the trailing leg swung
    # back to -130..-160 before swinging forward, read with a mirrored mounting); none in the
    # 300-recording negatives corpus.
    seated_start_min_deg: float = -150.0
    gap_reset_s: float = 5.0  # a longer hole in the data ends any rep in progress
    min_first_deg: float = 15.0  # the first phase (flex-down supine, extend-up seated) must travel
    # Supine, the first rep of a set starts at tabletop (shin -10..+10 deg) and flexes down only to
    # the set's bottom (-25..-50): 15-40 deg, less from a low tabletop (a set-break return that
    # stops at -15). The setup and the set break never pass tabletop, so an extension that is a
    # full glide's (top >= supine_full_top_deg, where glide tops lie, and lasting at least the
    # guide's shortest phase, 1 s) vouches for the rep: its first phase need only be a turn
    # (turn_deg). Measured (supine candidates with a first phase < min_first_deg and a top above
    # supine_top_min_deg, mixed 1000 + negatives 300): true first reps of a set 11.5-14.7 deg,
    # tops 53-88, extensions 1.2-3.6 s (6: mixed 16, 154, 376 x2, 433, 904); others: a fidget
    # at a set break (first 2.3-8.7 deg: no turn), step-ups read supine with a mirrored mounting
    # (first 9.1-14.7, tops 36-54, extensions 0.68-0.88 s; mixed 491's top of 47 is refused by
    # the time alone).
    supine_full_top_deg: float = 45.0
    supine_full_ext_s: float = 1.0
    # A slow movement: from tabletop, a 16-deg flex-down done at the guide's slowest (4 s) peaks
    # at 1.875 * 16 / 4 = 7.5 deg/s, under move_dps: no movement is ever seen. Between two
    # movements the elevation is held by gravity (the accelerometer), so its change while still
    # is a movement too: when the next movement starts and the shin rests creep_deg or more away
    # from where the last one stopped, that creep is a movement away, from the last still sample
    # within creep_tol_deg of the old rest to the first within creep_tol_deg of the new one
    # (so max_phase_s and max_far_hold_s bound it like any other). Measured (creeps >= 3 deg,
    # supine sessions of mixed 0-199, long 0-119 and negatives 0-299): in the exercise posture a
    # still shin drifts <= 6 deg (fidgets, set breaks, lying down, standing up); first flex-downs
    # that crept moved 13.6-25.8; larger creeps elsewhere happen on one's feet (walking, stairs),
    # where the context refuses reps, and in one set break (12.4 deg) that reached no glide top.
    # More than half a turn is the angle wrapping round, not a creep.
    creep_deg: float = 10.0
    # Peak-to-peak elevation over still runs (|rate| < stop_dps for >= 1 s) in glide sets: median
    # 0.4, p95 1.2, p99 2.4 deg (889 runs, mixed 0-119).
    creep_tol_deg: float = 2.0
    # Stillness kept to time a creep's arrival: more than max_phase_s + max_far_hold_s; anything
    # older only tells that the rest at the far turn was too long to be a glide's hold.
    creep_keep_s: float = 20.0
    # Faster than this is not a nerve glide: the guide's phases take 1-4 s, and the fastest real
    # knee extensions measured (the UCI "fast" reps) take >= 0.88 s a phase as this detector times
    # them; a gait swing lasts ~0.4 s (Perry & Burnfield 2010), a standing leg swing 0.5-0.8 s.
    min_phase_s: float = 0.7
    supine_bottom_min_deg: float = -70.0  # supine: ~150 deg of knee flexion, past most adults' range
    max_far_hold_s: float = 6.0  # supine: a longer still rest at the bottom is the foot on the floor
    # ... timed from the first stop within turn_deg of the pose the return leaves from, not from
    # the far turn's newest extreme, which a fidget on the floor moves on (sensor.core.rep_far_rest).
    # Measured (every counted supine rep on r9base, the new timing read but not applied): true
    # reps at most 2.93 s (mixed 0-999, 5328 reps, 25-200 Hz), 3.23 s (classic 0-499, 2497),
    # 2.80 s (short 0-299, 319): a glide holds its bottom 0-2.5 s. Negative 3409 analysed supine
    # (52 Hz): 13.9 s, where the newest extreme's timing read 5.46 s. Over negatives 0-6999
    # analysed supine (own posture the even seeds, the other posture the odd ones, 7000
    # recordings) it is the only candidate the new timing refuses that the old one passed.
    far_rest_from_first_stop: bool = True
    # ... unless the rep looks like its set's counted reps: top, bottom and a one-movement return
    # (a bottom held "for a few seconds"; sensor.core.held_bottom)
    held_bottom: HeldBottomConfig = field(default_factory=HeldBottomConfig)
    # What a glide is, measured on the issue-11 corpus (true reps against everything else counted,
    # tools in sensor.sim.evaluation) and bounded by physics, never by one example:
    # - A phase moves for 1-4 s (the guide). The movement that reaches the far turn, and the one
    #   that starts the return, move (from the first sample above move_dps, not back-dated through
    #   a slow creep) for at most max_phase_s: the guide's 4 s plus a quarter. Measured: true reps
    #   <= 3.6 s (811 simulated) and <= 2.4 s (117 UCI); lying down 5.2-5.5 s, settling into the
    #   chair 7-12 s, set breaks 17-126 s.
    max_phase_s: float = 5.0
    # - Supine, handouts also teach the glide slowly ("complete all movements slowly", Peak Physio's
    #   slider; sensor.sim.variants ``slow``: 4-6 s a phase); a minimum-jerk phase of T s moves
    #   (above move_dps to below stop_dps) for ~0.8 T over a glide's range, so slow supine returns
    #   move 5.02-5.23 s and are refused at 5. Their own bound would be that 6 s plus the same
    #   quarter, 7.5 s: measured, it counts variants seeds 0-299 supine slow 228 -> 244 of 255 reps
    #   (0 false), mixed 0-999 supine 500/500, negatives 0-2999 analysed supine the same 2 reps, but
    #   lying down from standing read supine (negatives 5822 and 9580, 25 Hz: a 1.8-1.9 s "flex-down"
    #   and a 5.6-5.9 s "extension" starting as the person lies down, before the context knows the
    #   posture) passes it: 2 false reps in negatives 3000-9715, and a slow set break (9768). What
    #   the 5 s keeps out is exactly that (lying down moves 5.2-5.9 s), so the bound alone stays 5 s;
    #   a candidate moving up to slow_set.max_phase_s (7.5) counts when its set's counted reps vouch
    #   for it (sensor.core.slow_set: lying down comes before any glide; 228 -> 243 of 255, 0 false).
    supine_max_phase_s: float = 5.0
    slow_set: SlowSetConfig = field(default_factory=SlowSetConfig)
    # - Range. Supine the shin goes from below horizontal (bottom <= ~-28 deg) to well above it
    #   (top >= ~+45): >= ~73 deg, true reps measured 70-137; the setup and the set break sweep
    #   the 40-55 deg between tabletop and the foot on the floor. Seated, the knee extends from
    #   hanging: the smallest real reps (UCI "low amplitude") sweep 50 deg, while squats, step-downs
    #   and sit-to-stand tilt the shank 20-45 deg (Escamilla 2001; Zwerver 2007; Earl 2007). The
    #   range is the larger of the elevation change and the angle turned (|rate| integrated) on
    #   the return, so a mounting with a wrong knee axis does not shrink a true rep below it.
    supine_min_rom_deg: float = 60.0
    seated_min_rom_deg: float = 46.0
    # ... and down to this when the rep's pivot fit confirms a hanging shin turning about a still knee
    # (sensor.core.knee_range: a tight nerve bed stops the knee 20-70 deg short of straight; Kuilart 2005).
    # Refused in sensor.core.rep_pivot unless confirmed; RepConfig.min_rom_deg, the smallest rep at all.
    seated_knee_rom_deg: float = 30.0
    # - No foot contact from the start of the movement that first reaches the far turn until just
    #   before the rep ends (not of a later one that moves the turn on: a fidget with the foot on
    #   the floor at a set break comes after the landing, negative 1468): the foot is in the air
    #   throughout a glide in both postures (heel toward the glute and leg toward the ceiling
    #   supine; the shin swinging from hanging and back seated), the return included. A lunge or a
    #   step lands the foot at the far turn; a step-up's trailing leg lands it on the way back
    #   (mixed 959: contacts 0.6 s into the return and 1.4 s before the end). The last
    #   contact_window_s before the end is left out: a heel meeting the chair or a fidget as the
    #   return stops (contacts 0.14 s after true reps' ends are measured). A fidget that starts as
    #   the return stops and goes on the same way (up at the supine top) is one movement with the
    #   return, so the rep ends where the fidget ends and the fidget's jolt, at its start, lies one
    #   fidget movement (0.15-0.5 s: a quick small adjustment; sensor.sim.activities.fidget) before
    #   that end (mixed 920, 104 Hz: the jolt 0.251 s before the end, the first rep of a set lost).
    #   So the window spans one such movement, 0.6 s, and stays shorter than the shortest return
    #   (min_phase_s, 0.7 s): a landing at the far turn is always >= 0.7 s before the end and is
    #   never inside it; a step-up's trailing leg lands 1.4 s before the end. Measured on the
    #   anti-aliased simulator: of every rep candidate of mixed 0-999, short 0-299, classic 0-499
    #   and negatives 0-6999 in both postures the wider window passes one that 0.25 s refused
    #   (920's); the negatives' false reps are the same as with 0.25 s. Shocks as
    #   sensor.core.context defines them (supine down to ContextConfig.landing_mps2, and off a
    #   smooth curve, landing_curve_mps2: sensor.core.landing). Measured over
    #   the counted true reps of mixed seeds 0-239 (2552 reps, both postures): 4 have a contact
    #   inside, all within 0.12 s of the back-dated start (a fidget's jolt running into the
    #   movement, before its first moving sample), none later.
    contact_window_s: float = 0.6
    # A movement away that follows this much stillness, at a place a rep can start from (seated:
    # the shin near hanging; supine: at or above ~tabletop), starts a new rep there, not at an
    # older turning point: after a set break (the foot tucked under the chair, on the floor) the
    # older turn would give the rep the break's angles and time. A pause part-way through a
    # movement (real seated reps hold ~1 s half-extended, UCI subject 2) is not such a place.
    rest_restart_s: float = 1.0
    # The longer phase of a rep lasts at most this many times the shorter, in both postures. The
    # guide's phases take 1-4 s, a ratio of 4; the quarter of margin of max_phase_s makes it 5
    # (5 s / 1 s). Measured (phases as this detector times them): true seated reps <= 3.6 (1062
    # simulated, mixed seeds 0-199; 117 UCI real reps <= 3.5); true supine reps <= 4.34 (1267,
    # mixed seeds 0-239, p99 3.06); the step-up false reps kick up in 0.7-0.9 s and creep back over
    # 4.3-10 s (5.2-13.6 seated; supine, negatives 202, 7.6: up in 0.71 s after 5.4 s down).
    max_phase_ratio: float = 5.0
    # seated: the first phase judged by the ratio ends at the first arrival at the top (sensor.core.far_arrival)
    seated_arrival: bool = True
    # Seated: the two phases together take at least this long. The guide's phases take 1-4 s, so a
    # glide's extension and flexion take >= 2 s; the fastest real reps measured (UCI "fast", as this
    # detector times them) take 1.92 s (117 reps), simulated seated reps >= 2.02 s (mixed 0-999, 5518
    # reps; classic 0-499 2.03, 2500; short 0-299 2.06). A standing leg swing takes 0.5-0.8 s a phase
    # and the trailing leg of a step-up kicks up and back as fast: measured 1.49-1.62 s (negatives 113
    # and 151, mixed 335 and 959; each phase 0.7-0.88 s, so min_phase_s alone cannot tell them from
    # the fastest real phases, 0.88 s).
    seated_min_rep_s: float = 1.75
    # Supine: candidates the bottom check (sensor.core.rep_bottom) refuses that repeat one
    # another are a set of bent-knee returns (sensor.core.bent_set).
    bent_set: BentSetConfig = field(default_factory=BentSetConfig)
    # A candidate read across a refinement of the mounting is judged on its pose in every frame it
    # was read in, not only the newest (sensor.core.frame_split; negative 16471 analysed seated).
    judge_every_frame: bool = True

    def max_moved_s(self, posture: str) -> float:
        """The longest a candidate's phase may move and still reach the checks after the detector's:
        seated ``max_phase_s``; supine ``supine_max_phase_s``, or up to ``slow_set.max_phase_s``
        for the set to judge (:mod:`sensor.core.slow_set`)."""
        if posture != "supine":
            return self.max_phase_s
        slow = self.slow_set
        return max(self.supine_max_phase_s, slow.max_phase_s) if slow.enabled else self.supine_max_phase_s
