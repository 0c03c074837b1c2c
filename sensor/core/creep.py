"""Creeps: movements too slow for the rate detector, found from the elevation instead.

The rep detector (:mod:`sensor.core.phases`) sees a movement when the elevation rate passes
``move_dps``. A short phase done slowly never does: from tabletop, a 16-deg flex-down at the
guide's slowest (4 s) peaks at 7.5 deg/s. Between two movements the elevation is held by gravity
(the accelerometer), so where the shin rests when the next movement starts, against where the
last one stopped, tells whether it moved in between (``RepConfig.creep_deg``).

Causal and chunk-invariant: still stretches are scanned as they come (one numpy pass each); the
samples a creep's arrival time may need are kept, bounded by ``creep_keep_s``.
"""

from __future__ import annotations

import math

import numpy as np

from sensor.core.rep_config import RepConfig

_NONE = np.zeros(0, bool)  # (no candidates: an empty mask, never written)


class CreepWatch:
    """Where the shin last stopped, and how it has drifted since, while no movement is open."""

    def __init__(self, cfg: RepConfig) -> None:
        self.cfg = cfg
        self.forget()

    def forget(self) -> None:
        """No reference (start, a hole in the data, a new mounting): the next still sample is one."""
        self.anchor_e = math.nan  # elevation where the last movement stopped
        self.anchor_t = -math.inf  # last still sample within creep_tol_deg of it
        self._still: list[tuple[np.ndarray, np.ndarray]] = []  # (t, e) since then

    def stopped(self, t: float, e: float) -> None:
        """A movement (seen or crept) stopped at (t, e)."""
        self.anchor_e, self.anchor_t, self._still = e, t, []

    def shift(self, delta_e: float) -> None:
        self.anchor_e += delta_e
        self._still = [(ts, es + delta_e) for ts, es in self._still]

    def scan(self, t: np.ndarray, e: np.ndarray) -> None:
        """Samples of one still stretch (non-empty), in time order."""
        cfg = self.cfg
        if not math.isfinite(self.anchor_e):
            self.anchor_e, self.anchor_t = float(e[0]), float(t[0])
        last_t = t.item(-1)  # (item: a Python float, no numpy scalar on the way)
        if abs(e.item(-1) - self.anchor_e) <= cfg.creep_tol_deg:  # the last sample is near (the usual
            self.anchor_t = last_t  # stretch): it is the last near one, no pass (NaN fails)
        else:
            near = np.nonzero(np.abs(e - self.anchor_e) <= cfg.creep_tol_deg)[0]
            if len(near):
                self.anchor_t = float(t[int(near[-1])])
        still = self._still
        still.append((t, e))
        old = max(self.anchor_t, last_t - cfg.creep_keep_s)
        while still and still[0][0].item(-1) < old:
            still.pop(0)

    def crept(self, lead: float, t1: float, e1: float, now: float) -> tuple[float, float] | None:
        """A movement starts at ``now`` after stillness, the shin resting at ``e1`` since ``t1``:
        if it crept ``creep_deg`` or more away (``lead`` > 0 is away) from where it last stopped,
        (start, arrival) of that creep: from the last still sample within ``creep_tol_deg`` of the
        old rest to the first within it of the new one. None if it did not."""
        cfg = self.cfg
        dy = lead * (e1 - self.anchor_e) if math.isfinite(self.anchor_e) else 0.0
        if not cfg.creep_deg <= dy <= 180.0:  # more than half a turn is the angle wrapping round
            return None
        t0 = self.anchor_t
        if t0 >= t1:
            return None
        if self._still:
            ts, es = (np.concatenate(x) for x in zip(*self._still))
        else:
            ts, es = np.empty(0), np.empty(0)
        keep = ts > max(t0, now - cfg.creep_keep_s)
        ts, es = ts[keep], es[keep]
        off = np.nonzero(np.abs(es - e1) > cfg.creep_tol_deg)[0]
        if not len(off):
            return t0, float(ts[0]) if len(ts) else t1
        return t0, float(ts[off[-1] + 1]) if off[-1] + 1 < len(ts) else t1


class ElevationStill:
    """Per sample: has the elevation stayed within ``stop_dps * stop_elev_s`` over the last
    ``stop_elev_s``? The rate can read a leftover gyro bias of a few deg/s (a bias learned during
    a slow creep that the rest detector took for stillness) while the elevation, held by
    gravity, is flat: such a movement has stopped all the same. The last ``stop_elev_s`` of
    samples are carried, so the answer does not depend on chunking."""

    def __init__(self, cfg: RepConfig) -> None:
        self.cfg = cfg
        self.forget()

    def forget(self) -> None:
        # the carried samples, as pieces in time order: a remembered piece is appended as it is
        # and only whole pieces past the horizon are dropped; the one join and cut happens when
        # a piece is judged (see ``remember``)
        self._pieces: list[tuple[np.ndarray, np.ndarray]] = []

    @property
    def _t(self) -> np.ndarray:
        return np.concatenate([p[0] for p in self._pieces]) if self._pieces else np.empty(0)

    @property
    def _e(self) -> np.ndarray:
        return np.concatenate([p[1] for p in self._pieces]) if self._pieces else np.empty(0)

    def shift(self, delta_e: float) -> None:
        self._pieces = [(ts, es + delta_e) for ts, es in self._pieces]

    def remember(self, t: np.ndarray, e: np.ndarray) -> None:
        """Keep the samples for the next ``__call__`` (a piece where no movement can stop, or
        none is open: :mod:`sensor.core.phases_steady`, nearly every 10-sample live feed).

        Kept as a piece (copied: the caller's arrays may be reused), dropping only the oldest
        pieces that lie wholly before the horizon, ``2 * stop_elev_s`` before the newest sample:
        no join, cut and copy of the whole carry per feed. The pieces hold every sample the
        eager cut would keep, plus at most older samples of the first piece, all at or before a
        horizon already passed; ``_flat`` reads the same reference sample from them (the last one
        at or before ``t - w``, the same sample when there is one; an older one fails its
        ``back_t >= t - 2w``, as no sample does), and the next join's cut leaves the same
        samples, so every answer is bit-identical (tests/test_fast_paths_r7.py)."""
        w = self.cfg.stop_elev_s
        if w <= 0 or len(t) == 0:
            return
        pieces = self._pieces
        pieces.append((t.copy(), e.copy()))
        horizon = t.item(-1) - 2 * w
        while pieces[0][0].item(-1) <= horizon:  # (the newest piece ends after it: the loop stops there)
            pieces.pop(0)

    def __call__(self, t: np.ndarray, e: np.ndarray, absv: np.ndarray | None = None) -> np.ndarray:
        """The per-sample answer. ``absv``, the rate's magnitude: when given, only the samples it
        leaves undecided (at most ``move_dps``, at least ``stop_dps``: the only ones whose stop
        this rule decides) are computed, the rest read False; elementwise, so the same bits."""
        w = self.cfg.stop_elev_s
        if w <= 0:
            return np.zeros(len(t), bool)
        tt, ee = self._join(t, e, w)
        if absv is None:
            still = self._flat(tt, ee, t, e, w)
        else:
            cand = np.flatnonzero(~(absv > self.cfg.move_dps) & ~(absv < self.cfg.stop_dps))
            still = np.zeros(len(t), bool)
            if len(cand):
                still[cand] = self._flat(tt, ee, t[cand], e[cand], w)
        return still

    def stops(self, t: np.ndarray, e: np.ndarray, cand: np.ndarray) -> np.ndarray:
        """``__call__``'s answer given as the indices among ``cand`` (the samples the rate leaves
        undecided, see there) where the elevation is flat. None undecided (most pieces): the
        samples are only kept (``remember``).

        Without the join of the carried samples to the piece: a candidate's reference, the last
        sample at or before ``t - w``, is searched for in the piece, and in the carried samples
        only for the candidates with none there (within ``w`` of the piece's start: the same
        sample ``_flat`` finds in the join, the times rising); the carry is then cut as ``_join``
        cuts it (a suffix of the piece when it spans ``2 w``, else ``remember``'s pieces)."""
        out: np.ndarray = cand[self.flat_among(t, e, cand)]
        return out

    def flat_among(self, t: np.ndarray, e: np.ndarray, cand: np.ndarray) -> np.ndarray:
        """``stops`` as a mask over ``cand`` (the rep detector wants the others too)."""
        w = self.cfg.stop_elev_s
        if w <= 0:
            return np.zeros(len(cand), bool)
        if not len(cand):
            self.remember(t, e)
            return _NONE
        tc, ec = t[cand], e[cand]
        j = t.searchsorted(tc - w, side="right")  # (the method: np.searchsorted adds a Python wrapper)
        j -= 1
        early = j.item(0) < 0  # (j rises with the candidates: none before the piece unless the first)
        jj = np.maximum(j, 0) if early else j
        back_t, back = t[jj], e[jj]
        ok = back_t >= tc - 2 * w  # a recent reference only (not across a hole)
        if early:  # references before the piece: in the carried samples, if any
            i = (j < 0).nonzero()[0]
            ok[i] = False  # (none found: no reference)
            if self._pieces:
                ct, ce = self._t, self._e
                jc = ct.searchsorted(tc[i] - w, side="right") - 1
                i, jc = i[jc >= 0], jc[jc >= 0]
                back_t[i], back[i] = ct[jc], ce[jc]
                ok[i] = back_t[i] >= tc[i] - 2 * w
        d = ec - back
        np.abs(d, out=d)
        still: np.ndarray = d < self.cfg.stop_dps * w
        still &= ok
        horizon = t.item(-1) - 2 * w
        if t.item(0) <= horizon:  # the kept samples lie in the piece: its suffix after the horizon
            k = int(t.searchsorted(horizon, side="right"))
            self._pieces = [(t[k:].copy(), e[k:].copy())]
        else:
            self.remember(t, e)
        return still

    def _join(self, t: np.ndarray, e: np.ndarray, w: float) -> tuple[np.ndarray, np.ndarray]:
        """The carried samples followed by these; the last ``2 w`` seconds of them are carried on."""
        tt = np.concatenate([*(p[0] for p in self._pieces), t])
        ee = np.concatenate([*(p[1] for p in self._pieces), e])
        # the samples after tt[-1] - 2 w: a suffix, the times rising (``tt > tt[-1] - 2 w`` as a slice)
        k = int(np.searchsorted(tt, tt[-1] - 2 * w, side="right"))
        self._pieces = [(tt[k:], ee[k:])]
        return tt, ee

    def _flat(self, tt: np.ndarray, ee: np.ndarray, t: np.ndarray, e: np.ndarray, w: float) -> np.ndarray:
        j = np.searchsorted(tt, t - w, side="right") - 1
        back_t, back = tt[np.maximum(j, 0)], ee[np.maximum(j, 0)]
        ok = (j >= 0) & (back_t >= t - 2 * w)  # a recent reference only (not across a hole)
        still: np.ndarray = ok & (np.abs(e - back) < self.cfg.stop_dps * w)
        return still
