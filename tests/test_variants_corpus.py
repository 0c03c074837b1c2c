"""The ``variants`` corpus (sensor.sim.variants): every variant renders in its posture, its labels
agree with the motion, each variant does what its sources describe, and a seed fixes a session.

Only the simulator is tested here; how the detector scores these sessions is measured with
``glide evaluate --simulated N --corpus variants`` (and tests/test_extension_first.py for the
variant a rule once broke)."""

from __future__ import annotations

import numpy as np
import pytest

from sensor.sim.corpus import KINDS, CorpusSession, make_session
from sensor.sim.variants import VARIANTS, variant_of

# postures alternate with the seed and variants with seed // 2: seeds 0-17 hold each once
ALL = range(2 * len(VARIANTS["supine"]))


@pytest.fixture(scope="module")
def sessions() -> dict[int, CorpusSession]:
    return {seed: make_session("variants", seed) for seed in ALL}


def _near(s: CorpusSession, t: float, half: float = 0.3) -> np.ndarray:
    """True shin elevation at the rendered samples within ``half`` s of ``t``."""
    return s.truth_e[np.abs(s.truth_t - t) <= half]


def test_every_variant_of_each_posture_has_an_equal_share() -> None:
    for posture, names in VARIANTS.items():
        drawn = [variant_of(seed, posture) for seed in range(4 * len(names))]
        assert sorted(drawn) == sorted(names * 4)
    assert KINDS.index("variants") == len(KINDS) - 1  # appended: the other kinds' rng seeds stay put


def test_sessions_cover_every_variant_in_its_posture(sessions: dict[int, CorpusSession]) -> None:
    seen = {(s.posture, s.labels["variant"]) for s in sessions.values()}
    assert seen == {(p, v) for p, names in VARIANTS.items() for v in names}


def test_labels_are_consistent_with_the_motion(sessions: dict[int, CorpusSession]) -> None:
    for s in sessions.values():
        reps = s.labels["reps"]
        assert s.labels["rep_count"] == len(reps) >= 5
        ends = [r["end_s"] for r in reps]
        assert ends == sorted(ends) and ends[-1] < s.labels["duration_s"]
        for r in reps:
            first, second = ("bottom_s", "top_s") if s.posture == "supine" else ("top_s", "bottom_s")
            assert r["start_s"] < r[first] < r[second] == r["end_s"]
            assert r["top_deg"] - r["bottom_deg"] > 25.0
            # the labelled extremes are where the rendered shin is (samples may be dropped: skip those)
            for key in ("top", "bottom"):
                e = _near(s, r[f"{key}_s"])
                if len(e):
                    assert np.min(np.abs(e - r[f"{key}_deg"])) < 3.0, (s.seed, key, r)


def test_each_variant_moves_as_its_sources_describe(sessions: dict[int, CorpusSession]) -> None:
    for s in sessions.values():
        v, reps = s.labels["variant"], s.labels["reps"]
        tops = np.array([r["top_deg"] for r in reps])
        bottoms = np.array([r["bottom_deg"] for r in reps])
        supine = s.posture == "supine"
        # each phase as labelled: supine flex (start -> bottom), extension (bottom -> top)
        p1 = np.array([r["bottom_s" if supine else "top_s"] - r["start_s"] for r in reps])
        if v == "tight":  # knee deficit 20-50 deg, less fatigue and scatter
            lo, hi = (30.0, 75.0) if supine else (-60.0, -15.0)
            assert lo < tops.min() and tops.max() < hi
        elif v == "bent_return":  # back to the bent knee at tabletop, not toward the glute
            assert np.all(np.abs(bottoms) < 22.0)
        elif v == "tuck":
            assert bottoms.max() < -92.0
        elif v == "slow":
            assert p1.min() >= 4.0
        elif v == "brisk":
            assert p1.max() <= 1.3
        elif v in ("hold_top", "hold_bottom"):  # 2-10 s at one end
            far = "bottom" if supine else "top"  # the end a rep turns at; it ends at the other
            if v == f"hold_{far}":  # held, then a return of >= 1 s
                assert min(r["end_s"] - r[f"{far}_s"] for r in reps) >= 3.0
            else:  # held where a rep ends, before the next one leaves
                assert min(b["start_s"] - a["end_s"] for a, b in zip(reps, reps[1:], strict=False)) >= 2.0
        segs = s.labels["segments"]
        kinds = [seg["kind"] for seg in segs]
        if v == "pause":  # the foot down and back up between two reps of one set
            pauses = [seg for seg in segs if seg["kind"] == "pause"]
            assert pauses
            for seg in pauses:
                assert any(
                    a["end_s"] <= seg["start_s"] < seg["end_s"] <= b["start_s"]
                    for a, b in zip(reps, reps[1:], strict=False)
                )
        if v == "ankle_pumps":
            assert "ankle_pumps" in kinds


def test_an_extension_first_set_straightens_before_its_first_rep(sessions: dict[int, CorpusSession]) -> None:
    """The case of tests/test_extension_first.py: from tabletop the knee straightens to near the
    set's top and holds before the first labelled rep flexes down."""
    s = sessions[0]
    assert (s.posture, s.labels["variant"]) == ("supine", "extension_first")
    first = s.labels["reps"][0]
    sets = [seg for seg in s.labels["segments"] if seg["kind"] == "glide_set"]
    before = (s.truth_t >= sets[0]["start_s"]) & (s.truth_t < first["start_s"])
    assert s.truth_e[before].max() > first["top_deg"] - 20.0
    assert s.truth_e[before].min() < 15.0  # it began at tabletop


def test_a_seed_fixes_the_session() -> None:
    a, b, c = make_session("variants", 7), make_session("variants", 7), make_session("variants", 25)
    assert a.labels == b.labels
    for x, y in ((a.chunk.t, b.chunk.t), (a.chunk.acc, b.chunk.acc), (a.chunk.gyr, b.chunk.gyr)):
        assert np.array_equal(x, y)
    assert a.labels["variant"] == c.labels["variant"]  # 7 // 2 and 25 // 2 are both 3 mod 9
    assert a.labels["reps"] != c.labels["reps"]


def test_an_unknown_kind_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="variants"):
        make_session("handouts", 0)


def test_glide_evaluate_scores_the_variants_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from tui.cli import main

    assert main(["evaluate", "--simulated", "2", "--corpus", "variants", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [row["trace"] for row in doc["traces"]] == ["variants:extension_first 0", "variants:tuck 1"]
    assert [row["true"] for row in doc["traces"]] == [make_session("variants", k).labels["rep_count"] for k in (0, 1)]
