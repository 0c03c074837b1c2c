"""Supine sets begun with an extension count every rep.

The guide's order is tabletop, then flex-down and extend-up. Many handouts start instead by
straightening the knee from tabletop and then alternating from that top (Peak Physio's sciatic
nerve slider: "extend the knee towards the roof ... lower the leg back"; sources in
:mod:`sensor.sim.variants`). A rule asking a set's first rep to rise above its starting pose
(branch r10brk, 2026-12-03) lost the first rep of every such set, and no corpus of the time had
one. The ``variants`` corpus now does: its ``extension_first`` sessions (supine, seeds 0, 18, 36,
...) walk in and lie down or start feet-flat on the mat, raise the thigh to tabletop, and do 1-3
sets, each begun by straightening the knee and holding there, then 5-15 glides from that top and
back to tabletop, with set breaks between the sets. The initial straightening is half a rep: a
rep is one flex-down and one extend-up.
"""

from __future__ import annotations

import pytest

from sensor.core.pipeline import analyze
from sensor.sim.corpus import CorpusSession, make_session
from sensor.sim.variants import VARIANTS, variant_of

# variant_of walks each posture's list with seed // 2, supine on even seeds: every 18th seed
SEEDS = [2 * len(VARIANTS["supine"]) * k for k in range(12)]


def _extension_first(seed: int) -> CorpusSession:
    s = make_session("variants", seed)
    assert (s.posture, s.labels["variant"]) == ("supine", "extension_first") == ("supine", variant_of(seed, "supine"))
    return s


@pytest.mark.parametrize("seed", SEEDS)
def test_every_rep_of_a_set_begun_with_an_extension_counts(seed: int) -> None:
    s = _extension_first(seed)
    truth = s.labels["reps"]
    pipe, _ = analyze(s.chunk, "supine", s.rate_hz)
    assert len(pipe.reps) == len(truth) >= 4
    # each counted rep is the labelled one: its top within 1 s of the labelled top
    for got, want in zip(pipe.reps, truth, strict=True):
        assert abs(got.top_s - want["top_s"]) < 1.0


@pytest.mark.parametrize("size", [10, 333])
def test_live_equals_offline_when_a_set_begins_with_an_extension(size: int) -> None:
    s = _extension_first(108)  # 25 Hz, walked in and lay down
    assert s.rate_hz == 25.0 and s.labels["segments"][0]["kind"] == "walk"
    offline, _ = analyze(s.chunk, "supine", s.rate_hz)
    live, _ = analyze(s.chunk, "supine", s.rate_hz, chunk_size=size)
    assert [(r.start_s, r.top_s, r.end_s) for r in live.reps] == [(r.start_s, r.top_s, r.end_s) for r in offline.reps]
