"""Accuracy on simulated sessions: the acceptance numbers, reproducible from a seed range.

Sessions alternate postures and sample rates and draw mounting, leg, tempo, holds, fatigue and
confounders from the seed, so ``evaluate_simulated(range(500))`` is the same corpus everywhere.
"""

from __future__ import annotations

from .pipeline import analyze
from .scoring import Score, score_reps, summarize
from .simulator import SimConfig, simulate_session

RATES = (50.0, 100.0, 200.0)


def session_config(seed: int) -> SimConfig:
    return SimConfig(seed=seed, posture="supine" if seed % 2 == 0 else "seated", rate_hz=RATES[seed % 3])


def evaluate_simulated(seeds) -> tuple[dict, list[tuple[int, Score]]]:
    results = []
    for seed in seeds:
        cfg = session_config(seed)
        sim = simulate_session(cfg)
        pipe, _ = analyze(sim.chunk, cfg.posture, cfg.rate_hz)
        results.append((seed, score_reps(pipe.reps, sim.labels["reps"])))
    return summarize([s for _, s in results]), results
