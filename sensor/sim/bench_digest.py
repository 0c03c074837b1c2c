"""Digests of everything the pipeline says, to prove a speed change left its results bit-identical.

For a few corpus sessions (calibration, seated, walking lunges, a re-strap, packet bursts) and
chunkings (live 10-sample feeds to the whole session at once) it prints one sha256 per pair over
the ``repr`` of every event, rep, the stats and the mounting: ``repr`` writes floats in full
(round-trip) precision, so one changed bit anywhere changes the digest. Compare two checkouts:

    PYTHONPATH=OLD python sensor/sim/bench_digest.py > old.txt
    PYTHONPATH=NEW python sensor/sim/bench_digest.py > new.txt
    diff old.txt new.txt

(run as a file, so the same script reads either checkout's ``sensor``). Arguments: the chunk
sizes (0 = the whole session in one feed).
"""

from __future__ import annotations

import hashlib
import sys

from sensor.core.events import Event
from sensor.core.pipeline import Pipeline
from sensor.core.workout import Workout
from sensor.sim.corpus import make_session

# (corpus kind, seed): the round-4 failing and confounder seeds, and ordinary sessions
CASES = [
    ("standard", 3),
    ("standard", 694),
    ("long", 168),
    ("long", 656),
    ("negative", 48),
    ("negative", 118),
    ("negative", 39),
    ("short", 72),
]


def digest(kind: str, seed: int, size: int) -> tuple[str, int]:
    """(sha256 prefix, reps) of one session fed in pieces of ``size`` samples (0: whole)."""
    cs = make_session(kind, seed)
    p = Pipeline(cs.posture, cs.rate_hz)
    events: list[Event] = []
    workout = Workout()
    parts = cs.chunk.split([size] * (len(cs.chunk) // size + 1)) if size else [cs.chunk]
    for part in parts:
        got = p.feed(part)
        events += got
        for ev in got:
            workout.handle(ev)
    events += p.finish()
    h = hashlib.sha256()
    for x in [*events, *p.reps, p.stats, p.mounting]:
        h.update(repr(x).encode())
    return h.hexdigest()[:16], len(p.reps)


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [10, 37, 1000, 65536, 0]
    for kind, seed in CASES:
        for size in sizes:
            d, reps = digest(kind, seed, size)
            print(f"{kind}{seed}/{size} {d} reps={reps}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
