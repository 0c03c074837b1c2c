"""Accuracy against labels: simulated corpora, folders of labelled traces, the UCI recordings.

Sessions from ``session_config(seed)`` alternate postures and sample rates and draw mounting,
leg, tempo, holds, fatigue and confounders from the seed, so ``evaluate_simulated(range(500))``
is the same corpus everywhere. ``evaluate_dir`` scores a folder: glide traces with simulator
label files beside them (``X.csv`` + ``X.labels.json``), or the UCI Physical Therapy Exercises
layout (recognised by its ``rep_labels.csv``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np

from sensor.core.pipeline import analyze, analyze_stream
from sensor.core.samples import ImuChunk
from sensor.core.types import Posture
from sensor.sim.scoring import Score, median_abs, score_reps, summarize
from sensor.sim.simulator import SimConfig, simulate_session

RATES = (50.0, 100.0, 200.0)


def session_config(seed: int) -> SimConfig:
    return SimConfig(seed=seed, posture=Posture.SUPINE if seed % 2 == 0 else Posture.SEATED, rate_hz=RATES[seed % 3])


@dataclass
class TraceResult:
    name: str
    posture: str
    score: Score

    def row(self) -> dict[str, Any]:
        s = self.score
        med = median_abs
        return {
            "trace": self.name,
            "posture": self.posture,
            "true": s.true_count,
            "detected": s.detected_count,
            "error": s.detected_count - s.true_count,
            "precision": s.precision,
            "recall": s.recall,
            "median_abs_bottom_err_s": med(s.bottom_err_s),
            "median_abs_top_err_s": med(s.top_err_s),
            "median_latency_s": float(np.median(s.latency_s)) if s.latency_s else float("nan"),
        }


def evaluate_simulated(seeds: Iterable[int]) -> tuple[dict[str, Any], list[tuple[int, Score]]]:
    results = []
    for seed in seeds:
        cfg = session_config(seed)
        sim = simulate_session(cfg)
        pipe, _ = analyze(sim.chunk, cfg.posture, cfg.rate_hz)
        results.append((seed, score_reps(pipe.reps, sim.labels["reps"])))
    return summarize([s for _, s in results]), results


def evaluate_corpus(
    kind: str, seeds: Iterable[int], posture: str | None = None
) -> tuple[dict[str, Any], list[tuple[int, str, str, Score]]]:
    """Score the issue-11 corpus (:mod:`sensor.sim.corpus`): ``kind`` is long, short, standard,
    negative, mixed or variants. Returns the summary and (seed, kind, posture, score) per session;
    a variants session's kind names its variant too (``variants:tight``)."""
    from sensor.sim.corpus import make_session

    results = []
    for seed in seeds:
        s = make_session(kind, seed, posture)
        pipe, _ = analyze(s.chunk, s.posture, s.rate_hz)
        name = f"{s.kind}:{s.labels['variant']}" if "variant" in s.labels else s.kind  # misses by variant
        results.append((seed, name, s.posture, score_reps(pipe.reps, s.labels["reps"])))
    summary = summarize([r[-1] for r in results])
    negatives = [r[-1] for r in results if r[-1].true_count == 0]
    summary["negative_sessions"] = len(negatives)
    summary["negative_reps"] = int(sum(s.detected_count for s in negatives))
    return summary, results


def _uci_cases(root: Path) -> Iterator[tuple[str, Path, str, int, list[dict[str, float]] | None]]:
    """(name, path, posture, expected count, per-rep labels or None) from rep_labels.csv.

    ``analysis_posture`` says which posture a row is analysed in: the exercise's own (seated
    for the knee extension, supine for the leg raises done lying down, whose knee count is 0);
    a table without the column is analysed seated, as before it existed."""
    with open(root / "rep_labels.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        expected = row.get("expected_knee_flexext_count", "").strip()
        if not expected:
            continue  # no knee count defined for this row
        posture = row.get("analysis_posture", "").strip() or "seated"
        s, e = int(row["subject"]), int(row["exercise"])
        kind = "test" if "test.txt" in row["file"] else "template_session"
        for unit in (1, 2):
            path = root / f"s{s}" / f"e{e}" / f"u{unit}" / f"{kind}.txt"
            moving = row.get("moving_shin_unit") == f"u{unit}"
            count = int(expected) if moving else 0
            labels = None
            times = root / f"s{s}" / f"e{e}" / "test_times.csv"
            if count and kind == "test" and times.exists():  # rep times of the counted movement only
                lab = np.loadtxt(times, delimiter=",", skiprows=1, ndmin=2)
                labels = [{"start_s": (a - 1) / 25.0, "end_s": (b - 1) / 25.0} for a, b in lab[:, 2:4]]
            if path.exists():
                yield f"s{s}/e{e}/u{unit}/{kind}", path, posture, count, labels


def evaluate_dir(
    root: str | Path, posture: str | None = None, tol_s: float = 1.5
) -> tuple[dict[str, Any], list[TraceResult]]:
    """Score every labelled trace below ``root``."""
    root = Path(root)
    results: list[TraceResult] = []
    if (root / "rep_labels.csv").exists():
        from sensor.io.uci import RATE_HZ, read_uci

        for name, path, post, count, labels in _uci_cases(root):
            pipe, _ = analyze(read_uci(path), posture or post, RATE_HZ)
            if labels is None:
                # counts only: every detected rep is matched when the count is right
                sc = Score(count, len(pipe.reps), min(count, len(pipe.reps)))
            else:
                sc = score_reps(pipe.reps, labels, tol_s)
            results.append(TraceResult(name, posture or post, sc))
    else:
        from sensor.io.trace import TraceReader

        for label_path in sorted(root.rglob("*.labels.json")):
            trace = label_path.with_name(label_path.name[: -len(".labels.json")] + ".csv")
            if not trace.exists():
                continue
            labels = json.loads(label_path.read_text())
            with TraceReader(trace) as reader:
                post = posture or labels.get("posture") or reader.meta.get("posture") or "supine"
                chunks = cast(Callable[[], Iterable[ImuChunk]], reader.chunks)  # the reader is not typed yet
                pipe, _ = analyze_stream(chunks(), post, reader.sample_rate_hz)
            results.append(
                TraceResult(str(trace.relative_to(root)), post, score_reps(pipe.reps, labels["reps"], tol_s))
            )
    return summarize([r.score for r in results]), results


def write_simulated_set(out_dir: str | Path, sessions: int) -> list[Path]:
    """The fixed simulated corpus as files (trace + labels), for ``glide evaluate DIR``."""
    from sensor.io.trace import TraceWriter

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed in range(sessions):
        sim = simulate_session(session_config(seed))
        p = out / f"sim{seed:04d}.csv"
        with TraceWriter(p, sim.meta) as w:
            w.write(sim.chunk)
        (out / f"sim{seed:04d}.labels.json").write_text(json.dumps(sim.labels))
        paths.append(p)
    return paths
