"""Scoring detected reps against ground-truth labels: the numbers the README and tests quote.

Matching is one-to-one in time order: a detected rep matches the unmatched true rep whose
end is nearest, within ``tol_s``. Count error is simply the difference in totals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Score:
    true_count: int
    detected_count: int
    matched: int
    bottom_err_s: list[float] = field(default_factory=list)
    top_err_s: list[float] = field(default_factory=list)
    latency_s: list[float] = field(default_factory=list)
    top_err_deg: list[float] = field(default_factory=list)
    bottom_err_deg: list[float] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return self.true_count == self.detected_count

    @property
    def precision(self) -> float:
        return self.matched / self.detected_count if self.detected_count else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.true_count if self.true_count else 1.0


def _get(r: Any, k: str) -> float:
    return float(r[k] if isinstance(r, dict) else getattr(r, k))


def pair_reps(detected: Sequence[Any], truth: Sequence[Mapping[str, Any]], tol_s: float = 1.5) -> list[tuple[int, int]]:
    """(detected index, truth index) pairs, one to one in detection order: each detected rep (a Rep
    or a dict with ``end_s``) takes the unmatched true rep whose end is nearest, within ``tol_s``."""
    pairs: list[tuple[int, int]] = []
    used: set[int] = set()
    for i, r in enumerate(detected):
        end = _get(r, "end_s")
        best, best_d = None, tol_s
        for j, tr in enumerate(truth):
            if j in used:
                continue
            d = abs(end - tr["end_s"])
            if d <= best_d:
                best, best_d = j, d
        if best is not None:
            used.add(best)
            pairs.append((i, best))
    return pairs


def score_reps(detected: Sequence[Any], truth: Sequence[Mapping[str, Any]], tol_s: float = 1.5) -> Score:
    """``detected``: Rep objects or dicts with bottom_s/top_s/end_s/detected_s; ``truth``: label dicts."""
    sc = Score(len(truth), len(detected), 0)
    for i, best in pair_reps(detected, truth, tol_s):
        r = detected[i]
        tr = truth[best]
        sc.matched += 1
        # labels may carry only start/end (hand labels): score the times they have
        if "bottom_s" in tr:
            sc.bottom_err_s.append(_get(r, "bottom_s") - tr["bottom_s"])
        if "top_s" in tr:
            sc.top_err_s.append(_get(r, "top_s") - tr["top_s"])
        sc.latency_s.append(_get(r, "detected_s") - tr["end_s"])
        if "top_deg" in tr:
            sc.top_err_deg.append(_get(r, "top_deg") - tr["top_deg"])
            sc.bottom_err_deg.append(_get(r, "bottom_deg") - tr["bottom_deg"])
    return sc


def median_abs(xs: Sequence[float] | np.ndarray) -> float:
    """Median of absolute values; NaN when there is nothing to summarise."""
    return float(np.median(np.abs(xs))) if len(xs) else float("nan")


def summarize(scores: list[Score]) -> dict[str, Any]:
    med = median_abs

    def p95(xs: Sequence[float] | np.ndarray) -> float:
        return float(np.percentile(xs, 95)) if len(xs) else float("nan")

    bottoms = [x for s in scores for x in s.bottom_err_s]
    tops = [x for s in scores for x in s.top_err_s]
    lat = [x for s in scores for x in s.latency_s]
    errs = [s.detected_count - s.true_count for s in scores]
    top_deg = [x for s in scores for x in s.top_err_deg]
    bottom_deg = [x for s in scores for x in s.bottom_err_deg]
    return {
        "sessions": len(scores),
        "exact_rate": float(np.mean([s.exact for s in scores])) if scores else float("nan"),
        "within1_rate": float(np.mean([abs(e) <= 1 for e in errs])) if scores else float("nan"),
        "mean_abs_count_error": float(np.mean(np.abs(errs))) if scores else float("nan"),
        "precision": float(sum(s.matched for s in scores) / max(sum(s.detected_count for s in scores), 1)),
        "recall": float(sum(s.matched for s in scores) / max(sum(s.true_count for s in scores), 1)),
        "median_abs_bottom_err_s": med(bottoms),
        "median_abs_top_err_s": med(tops),
        "p95_abs_top_err_s": p95(np.abs(tops)) if tops else float("nan"),
        "median_latency_s": float(np.median(lat)) if lat else float("nan"),
        "p95_latency_s": p95(lat),
        "max_abs_count_error": int(max(np.abs(errs))) if errs else 0,
        "false_reps": int(sum(max(s.detected_count - s.matched, 0) for s in scores)),
        "median_abs_top_err_deg": med(top_deg),
        "p95_abs_top_err_deg": p95(np.abs(top_deg)) if top_deg else float("nan"),
        "median_abs_bottom_err_deg": med(bottom_deg),
        "p95_abs_bottom_err_deg": p95(np.abs(bottom_deg)) if bottom_deg else float("nan"),
    }
