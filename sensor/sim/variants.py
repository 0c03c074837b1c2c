"""Glide sets as handouts teach them and patients do them: the ``variants`` corpus kind.

Every other positive corpus renders the glide one way (tabletop, then flex-down / extend-up,
1-4 s a phase). Handouts and patients vary the order, the range, the tempo and the pauses, and a
rule judged only on one rendering can lose reps done another way (a set begun by straightening
the knee lost its first rep to a rule of branch r10brk; only a hand-built test caught it). Each
session here is performed in one of the ways below, chosen by the seed so that every variant
gets the same number of sessions in each posture; the person, sensor, rate, mounting and leg are
drawn as for the other kinds (:class:`sensor.sim.people.Person`). Values come from the sources
cited, never from the detector.

Sources (read through the project's stored pages; values rounded):

- Handouts. Peak Physio "Sciatic nerve slider" (peak-physio.com.au): supine, hands behind the
  knee stacked over the hip, "extend the knee towards the roof ... to the position in which you
  start to feel light tension", "lower the leg back to a bent knee position"; variation 2:
  "keep your leg in this extended position, point your foot ... then pull your foot back",
  10 times; "complete all movements slowly". Poole Hospital NHS handout as quoted by
  herorandom.com ("Sciatic nerve glide in supine"): start with the knee bent, straighten it
  until a stretch is felt, "hold the stretch for a few seconds", 10-20 repetitions. Fullerton
  College self-care sheet "Sciatic flossing": supine, hip at 90 deg, extend toward the ceiling
  until a light stretch. Seated flossing (lifeinmotionlivonia.com, healthquestgroup.com):
  from knees at 90 deg, straighten the leg with the neck extending, then "bend the knee
  further" with the foot under the chair and the chin to the chest, 10-20 repetitions.
  thegapphysio.com.au, theprehabguys.com: "move back and forth ... within your tolerance".
- Sliders and tensioners: Coppieters MW & Butler DS 2008, Man Ther 13:213 (sliders move the
  nerve with less strain than tensioners); Shacklock M, *Clinical Neurodynamics* (2005); Ellis
  RF et al. 2012, J Orthop Sports Phys Ther 42:667 (seated slump: knee extension with the
  cervical spine extending = slider, flexing = tensioner). The head and trunk are not on the
  shin: the sensor sees them only through the thigh (the pelvis rolls back when the trunk
  slumps and rocks with it).
- Range in a tight or sensitive nerve. Straight-leg raise positive between 30 and 70 deg of hip
  flexion (Pesonen J et al. 2021, BMC Musculoskelet Disord 22:303); mean symptomatic angle
  35 +- 2 deg supine and 37 +- 3 sitting in 107 patients with radiculopathy (Fajolu OK et al.
  2018, Int J Spine Surg 12:58), 47.8 +- 12.4 in 70 with sciatica (Mosul Med J). With the hip
  held at 90 deg the same nerve bed stops the knee short of straight: active knee extension
  (90/90) deficits of 35.2 +- 14.2 deg (range 15.6-70) in people with perceived tight
  hamstrings (Kuilart KE et al. 2005, Int J Osteopath Med 8:89), against 10-18 deg normal and
  cut-offs of 23-33 deg (Yildirim MS et al. 2018, Balkan Med J 35:388). A knee deficit ``d``
  puts the shin at ``90 - d`` deg supine (thigh vertical) and ``-d`` seated (thigh level): the
  ``tight`` variant draws ``d`` from 20-50 deg (above the cut-offs to one SD over Kuilart's
  mean). Neck flexion and ankle dorsiflexion reduce knee extension further in the slump
  (Johnson EK & Chiu CM 1997, J Orthop Sports Phys Ther 26:310).

Labels follow :func:`sensor.sim.exercise.glide_set`: a rep is one flex-down and one extend-up
between the set's flexed end (its bottom) and its top, labelled at both; supine reps end at the
top, seated ones at the bottom. So where a set starts at its own bottom (``bent_return``, whose
bottom is the tabletop it starts from, and every seated set, which starts hanging) the first
extension is a whole rep, and where it starts above its bottom (``extension_first``: tabletop,
with the flex-downs going on toward the glute) the first straightening is half of one.

Variants (supine and seated):

- ``extension_first`` (supine): each set begins by straightening the knee from tabletop to the
  top and holding; the reps are then flex-down / extend-up from that top, and the set ends
  back at tabletop. The first straightening is half a rep (a rep is one flex-down and one
  extend-up), as in ``tests/test_extension_first.py``. Seated sets begin with the extension
  already (the shin starts hanging), so the seated list has no such entry.
- ``bent_return`` (supine): the handouts' "lower the leg back to a bent knee position": the
  flex-down stops at tabletop (knee near 90 deg) instead of the heel going toward the glute;
  each rep is one extension from that bent knee and the return to it.
- ``hold_top`` / ``hold_bottom``: the end position held 2-10 s ("hold the stretch for a few
  seconds"; the same at the bent end).
- ``slow`` (4-6 s a phase: "complete all movements slowly") and ``brisk`` (0.8-1.0 s a phase,
  short holds: a patient rushing the set).
- ``tight``: the top stops at the knee deficit above; the foot pointed or pulled makes no
  difference to the shin.
- ``pause``: mid-set, the foot goes back to the floor (supine) or rests on it (seated) for 3-15 s
  and the same set resumes.
- ``ankle_pumps``: at the top of some reps, 3-10 slow ankle pumps with the leg held straight
  (Peak Physio's variation 2). The foot moves; the shin only yields 1-4 deg as dorsiflexion
  tensions the nerve bed (Bragard: dorsiflexion lowers the SLR angle, Pesonen 2021). Not reps.
- ``tuck`` (seated): the knee bends beyond 90 deg under the chair (shin 100-120 deg below
  horizontal) with the hip extending, so the thigh tips 5-15 deg down at the bottom.
- ``slump`` (seated): the trunk slumped: the pelvis rolls back (the thigh rises 3-10 deg), rocks
  with the head and trunk each rep (+-1-3 deg of thigh), and the top is 5-20 deg lower.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from sensor.sim import activities as act
from sensor.sim import exercise as ex
from sensor.sim import motion as mo

VARIANTS: dict[str, tuple[str, ...]] = {
    "supine": (
        "extension_first",
        "bent_return",
        "hold_top",
        "hold_bottom",
        "slow",
        "brisk",
        "tight",
        "pause",
        "ankle_pumps",
    ),
    "seated": ("tuck", "slump", "hold_top", "hold_bottom", "slow", "brisk", "tight", "pause", "ankle_pumps"),
}
Placer = Callable[[mo.Motion, np.random.Generator, str], None]
Leaver = Callable[[mo.Motion, np.random.Generator, str, ex.Glider], None]


def variant_of(seed: int, posture: str) -> str:
    """The variant of a seed: postures alternate with the seed, so ``seed // 2`` walks through
    each posture's list and every variant gets an equal share of any range of seeds."""
    names = VARIANTS[posture]
    return names[(seed // 2) % len(names)]


def adapt(g: ex.Glider, rng: np.random.Generator, posture: str, variant: str) -> ex.Glider:
    """The person's range for this variant (see the module docstring for the figures)."""
    supine = posture == "supine"
    if variant == "tight":
        deficit = rng.uniform(20, 50)
        return replace(g, top=90.0 - deficit if supine else -deficit)
    if variant == "bent_return":
        return replace(g, bottom=g.tabletop)
    if variant == "tuck":
        return replace(g, bottom=-rng.uniform(100, 120))
    if variant == "slump":
        return replace(g, top=g.top - rng.uniform(5, 20))
    return g


def _phase(rng: np.random.Generator, g: ex.Glider, variant: str, loss: float) -> float:
    slow = 1 + 0.3 * loss  # fatigue slows a set, as in sensor.sim.exercise.glide_set
    if variant == "slow":
        return float(rng.uniform(4.0, 6.0) * slow)
    if variant == "brisk":
        return float(rng.uniform(0.8, 1.0) * slow)
    return float(np.clip(rng.uniform(1.0, 4.0) * g.tempo * slow, 1.0, 4.0))


def _hold(rng: np.random.Generator, g: ex.Glider, variant: str, end: str) -> float:
    if variant == f"hold_{end}":
        return float(rng.uniform(2.0, 10.0))
    if variant == "brisk":
        return float(rng.uniform(0.0, 0.5))
    return float(rng.uniform(*g.holds))


def _pumps(m: mo.Motion, rng: np.random.Generator) -> None:
    """Slow ankle pumps with the leg held straight: the shin yields toward flexion with each
    dorsiflexion (the nerve bed tightens) and comes back as the foot points."""
    t0 = m.t
    e0 = m.state["e"]
    give = rng.uniform(1.0, 4.0)  # toward flexion: the shin goes down in both postures
    for _ in range(int(rng.integers(3, 11))):
        half = rng.uniform(0.4, 0.8)
        m.move(half, e=e0 - give * rng.uniform(0.6, 1.0))
        m.move(half, e=e0)
    m.segment("ankle_pumps", t0)


def variant_set(m: mo.Motion, rng: np.random.Generator, g: ex.Glider, posture: str, variant: str, reps: int) -> None:
    """One set performed the variant's way; labels every rep as ``glide_set`` does (supine: the
    bottom, then the top, where the rep ends; seated: the top, then the bottom, where it ends)."""
    t0 = m.t
    supine = posture == "supine"
    p_base = m.state["p"]
    lift = rng.uniform(3, 10) if variant == "slump" else 0.0  # the pelvis rolls back: thigh up
    if lift:
        m.move(rng.uniform(1.0, 2.0), p=p_base + lift)
    if variant == "extension_first":  # straighten from tabletop and hold: half a rep
        m.move(rng.uniform(1.5, 3.5), e=g.top + rng.normal(0, 3))
        m.hold(rng.uniform(0.5, 2.5))
    pause_after = int(rng.integers(1, reps - 1)) if variant == "pause" and reps >= 3 else -1
    pumps_p = 0.5 if variant == "ankle_pumps" else 0.0
    for k in range(reps):
        loss = g.fatigue * k / max(reps - 1, 1)
        top = g.top - (g.top - g.tabletop) * loss * 0.6 + rng.normal(0, 3)
        bottom = g.bottom + (g.tabletop - g.bottom) * loss * 0.4 + rng.normal(0, 2.5)
        far, near = (bottom, top) if supine else (top, bottom)
        rock = rng.uniform(1, 3) if variant == "slump" else 0.0  # trunk and head rock the pelvis
        p_far = p_base + lift + g.thigh_k * (far - near) / 2 + rock
        p_near = p_base + lift + g.thigh_k * (near - far) / 2 - rock
        if variant == "tuck":  # the hip extends as the foot goes under the chair
            p_near -= rng.uniform(5, 15)
        start = m.t
        m.move(_phase(rng, g, variant, loss), e=far, p=p_far)
        t_far = m.t
        if not supine and rng.random() < pumps_p:
            _pumps(m, rng)
        m.hold(_hold(rng, g, variant, "bottom" if supine else "top"))
        m.move(_phase(rng, g, variant, loss), e=near, p=p_near)
        t_near = m.t
        tb, tt = (t_far, t_near) if supine else (t_near, t_far)
        m.reps.append(
            {"start_s": start, "bottom_s": tb, "top_s": tt, "end_s": t_near, "bottom_deg": bottom, "top_deg": top}
        )
        if supine and rng.random() < pumps_p:
            _pumps(m, rng)
        m.hold(_hold(rng, g, variant, "top" if supine else "bottom"))
        if k == pause_after:
            m.segment("glide_set", t0)
            t0 = m.t
            ex.set_break(m, rng, g, posture, rng.uniform(3.0, 15.0))
            m.segment("pause", t0)
            t0 = m.t
    if variant in ("extension_first", "bent_return"):  # back to the bent knee at tabletop
        m.move(rng.uniform(1.5, 3.0), e=g.tabletop)
        m.hold(rng.uniform(1.0, 3.0))
    m.move(rng.uniform(0.5, 1.5), p=p_base)
    m.segment("glide_set", t0)


def session(
    m: mo.Motion,
    rng: np.random.Generator,
    posture: str,
    g: ex.Glider,
    variant: str,
    into_position: Placer,
    out_of_position: Leaver,
) -> None:
    """A home session: walk in and get into position (or start in place), 1-3 sets of 5-15
    reps ("repeat 10 times", "10-20 repetitions") with a set break of 10-60 s, get up and
    sometimes walk away. ``into_position`` / ``out_of_position`` are the corpus's own moves."""
    if rng.random() < 0.5:
        act.walk(m, rng, rng.uniform(5, 25))
        act.stand_still(m, rng, rng.uniform(1, 3))
        into_position(m, rng, posture)
    else:
        m.state.update(e=-45.0, p=45.0, hz=mo.FLOOR_HZ) if posture == "supine" else m.state.update(
            e=-90.0, p=0.0, hz=mo.SEAT_HZ
        )
        m.hold(rng.uniform(1.0, 4.0))
    gv = adapt(g, rng, posture, variant)  # the sets' range; start pose and set breaks as usual
    ex.to_start_pose(m, rng, g, posture)
    sets = int(rng.integers(1, 4))
    for k in range(sets):
        variant_set(m, rng, gv, posture, variant, int(rng.integers(5, 16)))
        if k < sets - 1:
            ex.set_break(m, rng, g, posture, rng.uniform(10.0, 60.0))
    m.hold(rng.uniform(0.5, 3.0))
    out_of_position(m, rng, posture, g)
    if rng.random() < 0.5:
        act.walk(m, rng, rng.uniform(5, 30))
    act.stand_still(m, rng, rng.uniform(1, 3))
