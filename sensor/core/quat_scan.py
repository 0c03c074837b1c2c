"""The running product of a movement's rotation steps, for the per-movement pivot fits.

:func:`sensor.core.pivot.orientations` turns a movement's body rates into the sensor's rotation
since its first sample: an inclusive scan of quaternion products, done in log2(n) vectorised
rounds (Hillis & Steele 1986) rather than a per-sample loop. Seated, every rep candidate is fitted
whole, by its extension and by each of its movements (:mod:`sensor.core.rep_pivot`,
:mod:`sensor.core.rep_reach`), so the scan ran ~10 rounds for every one of them, and with the
quaternions as rows of four each product read its components with a stride of four (no SIMD)
and was stacked and joined into new arrays: ~40 % of a seated session's time went to the fits.

Here the components are kept as four contiguous rows and each round writes its products in
place (measured, process time per scan: 100 samples 150 -> 92 us, 300: 188 -> 128, 3000: 715 ->
390). Every component is the same expression evaluated in the same order on the same values
(``((a*b - c*d) - e*f) - g*h``: IEEE products and sums are exactly rounded whatever the memory
layout or vector width), so the result has the same bits as the row-wise scan
(tests/test_fast_paths_r8.py compares them).
"""

from __future__ import annotations

import numpy as np


def scan_products(q: np.ndarray) -> np.ndarray:
    """The inclusive running Hamilton product of quaternions ``q`` (n, 4), scalar first: row i is
    ``q[0] q[1] ... q[i]`` grouped as Hillis & Steele's rounds group it (in round d, row i becomes
    row i-d times row i, for i >= d). Returns a new C-ordered (n, 4) array.

    Each component of a product is the textbook sum of four products, left to right, written
    into the next round's row with one scratch row (no temporaries, no stacking)."""
    n = len(q)
    cur = np.ascontiguousarray(q.T)  # (4, n): each component contiguous
    nxt = np.empty_like(cur)
    tmp = np.empty(n)
    mul = np.multiply
    d = 1
    while d < n:
        m = n - d
        pw, px, py, pz = cur[:, :m]  # left factors: rows 0..n-d-1
        qw, qx, qy, qz = cur[:, d:]  # right factors: rows d..n-1
        w, x, y, z = nxt[:, d:]
        t = tmp[:m]
        # w = pw*qw - px*qx - py*qy - pz*qz
        mul(pw, qw, out=w), mul(px, qx, out=t), np.subtract(w, t, out=w)
        mul(py, qy, out=t), np.subtract(w, t, out=w), mul(pz, qz, out=t), np.subtract(w, t, out=w)
        # x = pw*qx + px*qw + py*qz - pz*qy
        mul(pw, qx, out=x), mul(px, qw, out=t), np.add(x, t, out=x)
        mul(py, qz, out=t), np.add(x, t, out=x), mul(pz, qy, out=t), np.subtract(x, t, out=x)
        # y = pw*qy - px*qz + py*qw + pz*qx
        mul(pw, qy, out=y), mul(px, qz, out=t), np.subtract(y, t, out=y)
        mul(py, qw, out=t), np.add(y, t, out=y), mul(pz, qx, out=t), np.add(y, t, out=y)
        # z = pw*qz + px*qy - py*qx + pz*qw
        mul(pw, qz, out=z), mul(px, qy, out=t), np.add(z, t, out=z)
        mul(py, qx, out=t), np.subtract(z, t, out=z), mul(pz, qw, out=t), np.add(z, t, out=z)
        nxt[:, :d] = cur[:, :d]
        cur, nxt = nxt, cur
        d *= 2
    return np.ascontiguousarray(cur.T)
