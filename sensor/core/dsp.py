"""Small stateful building blocks whose output never depends on how the input was chunked.

The pipeline promises identical results for any chunking, bit for bit. These helpers keep that
promise: recursive filters run through ``scipy.signal.lfilter`` with their state carried (the
per-sample recursion is the same whatever the chunk boundaries), running sums are sequential
``cumsum`` calls seeded with the carried total, and forward fills use integer index tricks.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any, cast, overload

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "Ema",
    "all_true",
    "alpha_for",
    "amin",
    "any_true",
    "bounds",
    "count_nonzero",
    "diff_from",
    "dot3_pair",
    "ffill",
    "hysteresis",
    "lfilter",
    "lfilter_state",
    "median",
]


def _load_linear_filter() -> Callable[..., Any] | None:
    """scipy's compiled IIR kernel (``scipy.signal._sigtools._linear_filter``, the one that
    ``scipy.signal.lfilter`` calls for every filter here) loaded without running
    ``scipy/signal/__init__``: in scipy 1.17 that import parses ~800 docstrings and pulls in
    scipy.stats, 1-1.5 s of CPU, more than glide then spends analysing an hour of data. The
    same machine code runs, so the output is bit-identical (tests/test_streaming.py checks it
    against scipy.signal.lfilter). None when the layout differs: then scipy.signal is used."""
    import importlib.machinery
    import importlib.util

    try:
        spec = importlib.util.find_spec("scipy")  # finds, does not import
        if spec is None or spec.origin is None:
            return None
        folder = os.path.join(os.path.dirname(spec.origin), "signal")
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = os.path.join(folder, "_sigtools" + suffix)
            if os.path.isfile(path):
                ext = importlib.util.spec_from_file_location("scipy.signal._sigtools", path)
                if ext is None or ext.loader is None:
                    return None
                mod = importlib.util.module_from_spec(ext)
                ext.loader.exec_module(mod)
                return cast("Callable[..., Any]", mod._linear_filter)
    except Exception:  # any surprise: take the public route
        pass
    return None


_linear_filter = _load_linear_filter()

# Reductions of 1-d arrays as the ufunc calls that ndarray.any() / .all() / .min() / .max() end in:
# the methods reach them through two Python wrappers (numpy/_core/_methods.py), most of their cost
# on the 10-sample pieces of a live feed. The same reductions, so the same values (1-d, or with
# axis=None: a ufunc reduces along axis 0 by default).
any_true = np.logical_or.reduce
all_true = np.logical_and.reduce
amin = np.minimum.reduce
amax = np.maximum.reduce
# np.count_nonzero's C function: the public one is a Python wrapper around it (~0.16 us of a
# ~0.55 us call); the same count
try:
    from numpy._core.multiarray import count_nonzero
except ImportError:  # (numpy < 2)
    count_nonzero = np.count_nonzero


def bounds(x: np.ndarray) -> tuple[float, float] | None:
    """(least, largest) of a short 1-d float array, or None when a NaN is among them (or both
    infinities: their sum is NaN too). Without a NaN these are the values of ``np.fmin.reduce``
    and ``np.fmax.reduce`` (and of ``amin``/``amax``), as floats; a live feed asks it of its
    10-sample pieces, where the list and the builtins take ~1 us against ~2.6 us for the two
    reductions (each reduction costs about two elementwise calls). Not for long arrays: the
    list is a Python object per element."""
    v = x.tolist()
    if not v:
        return None
    total = sum(v)
    if total != total:  # (a NaN anywhere: min and max would skip it unless it came first)
        return None
    return min(v), max(v)


def median(x: np.ndarray) -> float | np.floating:
    """``np.median(x)`` of a 1-d float64 array, the same bits, without np.median's ~60 us of
    Python wrappers (measured on a 600-sample window: 67 us against 5 us; the mounting estimate
    takes one per movement window at every movement end while it learns, ~64 per 30,000 samples
    of the rep content) and without its first call's import of numpy.ma (~18 ms).

    The steps of numpy's ``_median``: the array partitioned at the same ``kth`` list (the middle
    one or two positions, and the last for the NaN check), so the same values in the same places,
    signed zeros included; their mean as ``np.mean`` takes it (``np.add.reduce``, then the
    division by the count); a NaN at the end (partition puts NaN last) is the answer, as
    ``_median_nancheck`` returns it. Anything else (empty, other types or shapes) goes to
    np.median."""
    n = len(x) if x.ndim == 1 else 0
    if n == 0 or x.dtype != np.float64:
        return cast("float", np.median(x))
    if n % 2:
        kth, mid = [(n - 1) // 2, -1], slice(n // 2, n // 2 + 1)
    else:
        kth, mid = [n // 2 - 1, n // 2, -1], slice(n // 2 - 1, n // 2 + 1)
    part = x.copy()
    part.partition(kth)
    last = part[-1]
    if last != last:  # NaN
        return cast("np.floating", last)
    total = np.add.reduce(part[mid])
    return cast("np.floating", total.dtype.type(total / np.intp(mid.stop - mid.start)))


_Filtered = np.ndarray | tuple[np.ndarray, np.ndarray]


@overload
def lfilter(b: ArrayLike, a: ArrayLike, x: ArrayLike, axis: int = -1, zi: None = None) -> np.ndarray: ...
@overload
def lfilter(b: ArrayLike, a: ArrayLike, x: ArrayLike, axis: int, zi: ArrayLike) -> tuple[np.ndarray, np.ndarray]: ...
@overload
def lfilter(
    b: ArrayLike, a: ArrayLike, x: ArrayLike, axis: int = -1, *, zi: ArrayLike
) -> tuple[np.ndarray, np.ndarray]: ...
def lfilter(b: ArrayLike, a: ArrayLike, x: ArrayLike, axis: int = -1, zi: ArrayLike | None = None) -> _Filtered:
    """``scipy.signal.lfilter`` for IIR filters (len(a) > 1), as scipy calls its kernel.

    Without ``zi`` it returns the filtered array; with ``zi``, (filtered, final state)."""
    b, a, x = np.atleast_1d(b), np.atleast_1d(a), np.asarray(x)
    if _linear_filter is None or len(a) < 2 or b.ndim != 1 or a.ndim != 1:
        from scipy.signal import lfilter as scipy_lfilter

        return cast("_Filtered", scipy_lfilter(b, a, x, axis=axis, zi=zi))
    if zi is None:
        return cast("_Filtered", _linear_filter(b, a, x, axis))
    return cast("_Filtered", _linear_filter(b, a, x, axis, np.asarray(zi)))


def alpha_for(tau_s: float, dt_s: float) -> float:
    """Pole of a first-order low-pass with time constant tau sampled every dt."""
    return math.exp(-dt_s / tau_s) if tau_s > 0 else 0.0


class Ema:
    """First-order low-pass (exponential moving average) over rows of an array.

    Starts at the first value it sees, so there is no start-up transient from zero.
    """

    def __init__(self, tau_s: float, dt_s: float) -> None:
        self.a = alpha_for(tau_s, dt_s)
        self._b = np.array([1.0 - self.a])
        self._den = np.array([1.0, -self.a])
        self.zi: np.ndarray | None = None

    def reset(self) -> None:
        self.zi = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Filter along the last axis (rows are channels: contiguous is fastest)."""
        if x.shape[-1] == 0:
            return x.astype(float)
        if self.zi is None:
            self.zi = (self.a * x[..., :1]).copy()
        if _linear_filter is not None:  # the kernel lfilter() would call, minus its argument checks
            # (typed Any: no typing.cast call here, which a live feed would pay twice per feed)
            y: np.ndarray
            y, self.zi = _linear_filter(self._b, self._den, x, -1, self.zi)
        else:
            y, self.zi = lfilter(self._b, self._den, x, axis=-1, zi=self.zi)
        return y


def diff_from(x: np.ndarray, prev: float | np.ndarray) -> np.ndarray:
    """``np.diff(x, prepend=prev, axis=0)`` for 1-d ``x`` (or 2-d rows with ``prev`` a row), the
    same subtractions without the concatenation and broadcasting that dominate it on the
    10-sample chunks of a live feed."""
    kind = type(prev)  # _joint_type's first case inline: a live feed takes ~7 of these a feed
    same = (kind is float or kind is np.float64) and x.dtype == np.float64
    d = np.empty(x.shape, dtype=x.dtype if same else _joint_type(x, prev))
    if len(x):
        d[0] = x[0] - prev
        np.subtract(x[1:], x[:-1], out=d[1:])
    return d


def _joint_type(values: np.ndarray, carry: float | np.ndarray) -> np.dtype:
    """``np.result_type(values, carry)``, answered without the call for the pipeline's usual
    pairs (float64 with a float, int64 with an int): the live feed calls ffill ~10 times a feed."""
    kind = type(carry)
    if values.dtype == np.float64 and (kind is float or kind is np.float64):
        return values.dtype
    if values.dtype == np.int64 and kind is int:
        return values.dtype
    if kind is np.ndarray and values.dtype == np.float64 and carry.dtype == np.float64:  # type: ignore[union-attr]
        return values.dtype  # a float row carried (the context's accelerometer, every feed)
    return np.result_type(values, carry)


def ffill(values: np.ndarray, valid: np.ndarray, carry: float | np.ndarray) -> np.ndarray:
    """Each position gets the latest valid value at or before it (``carry`` before the first).

    Same values as ``np.where(idx >= 0, values[idx], carry)`` over the running index of the
    latest valid position, without its full passes: the running index is monotone, so only a
    prefix can lack a valid position, and a chunk with none (most of a movement) is all carry.
    """
    n = len(valid)
    first = int(valid.argmax()) if n else 0
    if n == 0 or not valid[first]:  # no valid position: all carry
        out = np.empty(values.shape, dtype=_joint_type(values, carry))
        out[...] = carry
        return out
    if first == 0 and all_true(valid) and _joint_type(values, carry) == values.dtype:
        return values.copy(order="K")  # every position valid (a rest, a movement): the values
    if values.ndim == 1 and _joint_type(values, carry) == values.dtype:
        return _ffill_1d(values, valid, carry, first)
    idx = np.where(valid, np.arange(n), -1)
    np.maximum.accumulate(idx, out=idx)
    if values.ndim == 2 and not values.flags.c_contiguous and values.flags.f_contiguous:
        picked = np.take(values.T, np.maximum(idx, 0), axis=1).T  # gather along contiguous rows
    else:
        picked = values[np.maximum(idx, 0)]
    if _joint_type(picked, carry) != picked.dtype:
        return np.where((idx >= 0)[:, None] if picked.ndim > 1 else idx >= 0, picked, carry)
    if first:
        picked = np.array(picked, copy=True, order="C")
        picked[:first] = carry
    return picked


def _ffill_1d(values: np.ndarray, valid: np.ndarray, carry: float | np.ndarray, first: int) -> np.ndarray:
    """``ffill`` of a 1-d array whose type holds ``carry``, with some but not all positions valid
    (``first`` the first). A copy of values either way, no arithmetic: over long pieces with at
    most half the positions valid each valid value is repeated over its run (measured 1.2-4x
    faster than the running index; np.repeat over many short runs is slower than it); otherwise
    the running index, gathered without clipping it (the positions before ``first`` gather
    values[-1], then get the carry)."""
    n = len(valid)
    if n > 64 and 2 * int(np.count_nonzero(valid)) <= n:
        pos = np.flatnonzero(valid)
        out = np.empty(n, values.dtype)
        out[:first] = carry
        runs = np.empty(len(pos), np.int64)
        np.subtract(pos[1:], pos[:-1], out=runs[:-1])
        runs[-1] = n - pos[-1]
        out[first:] = np.repeat(values[pos], runs)
        return out
    idx = np.where(valid, np.arange(n), -1)
    np.maximum.accumulate(idx, out=idx)
    picked: np.ndarray = values[idx]
    if first:
        picked[:first] = carry
    return picked


def hysteresis(on: np.ndarray, off: np.ndarray, carry: int, codes: np.ndarray | None = None) -> np.ndarray:
    """Latching state: becomes ``codes`` (default 1) where ``on``, 0 where ``off``, else holds."""
    # the state each position sets: its code where on, 0 elsewhere (one call, not three); ffill
    # returns a new array, so the cast copies only when it changes the type
    state = on.astype(np.int64) if codes is None else np.where(on, codes, 0)
    return ffill(state, on | off, carry).astype(np.int64, copy=False)


def dot3(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Row-wise dot product with a 3-vector, written out so every row is computed the same way.

    ``x @ v`` goes through BLAS, whose SIMD kernels round differently for different lengths:
    that alone would make results depend on chunk size in the last bit. Here every row is
    ``(x0*v0 + x1*v1) + x2*v2``, elementwise, in three ufunc calls (few calls matter on the
    10-sample chunks of a live feed).
    """
    if len(x) <= 64:
        p = x * v
        out: np.ndarray = p[:, 0] + p[:, 1]
        out += p[:, 2]
        return out
    # long arrays column by column: ``x * v`` broadcasts over rows of three, an inner loop of
    # length 3 per row (~3x slower than loops of length n); the columns copied to contiguous rows
    # once (dot3_pair's layout: strided column loops took 466k instructions on 16384 rows, the
    # copy and contiguous loops 301k; 58k -> 55k on 1000); the same products and sums
    x0, x1, x2 = x.T.copy()
    out = x0 * v[0]
    tmp = x1 * v[1]
    out += tmp
    np.multiply(x2, v[2], out=tmp)
    out += tmp
    return out


def dot3_pair(x: np.ndarray, v: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(dot3(x, v), dot3(x, w))``, the same bits; a short ``x`` (a live feed) takes both in
    one broadcast product (three ufunc calls instead of six)."""
    if len(x) > 64:  # dot3's products and sums, over the columns copied to contiguous rows once
        # (a strided column loop costs ~2x a contiguous one: measured 103 against 131 us on 16384 rows)
        x0, x1, x2 = x.T.copy()
        a = x0 * v[0]
        tmp = x1 * v[1]
        a += tmp
        np.multiply(x2, v[2], out=tmp)
        a += tmp
        b = x0 * w[0]
        np.multiply(x1, w[1], out=tmp)
        b += tmp
        np.multiply(x2, w[2], out=tmp)
        b += tmp
        return a, b
    p = x[:, None, :] * np.array([v, w])
    out: np.ndarray = p[:, :, 0] + p[:, :, 1]
    out += p[:, :, 2]
    return out[:, 0], out[:, 1]


def lfilter_state(b: np.ndarray, a: np.ndarray, x: np.ndarray, zi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``lfilter(b, a, x, zi=zi)`` for 1-d float arrays (b, a, zi already arrays): the kernel
    called straight away, without the argument checks (a live feed runs two per piece)."""
    if _linear_filter is not None and len(a) > 1:
        out: tuple[np.ndarray, np.ndarray] = _linear_filter(b, a, x, -1, zi)  # (no cast call: typed Any)
        return out
    return lfilter(b, a, x, -1, zi)


def cross3(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.cross(a, b)`` of two float64 3-vectors without its ~15 us of Python set-up (broadcast,
    astype, moveaxis; the mounting estimate takes up to five per call while it learns the axis).
    np.cross computes ``a1*b2 - a2*b1``, ``a2*b0 - a0*b2``, ``a0*b1 - a1*b0`` by separate multiply
    and subtract ufuncs; Python floats make the same IEEE double operations on the same values
    (tests/test_fast_paths_cal2.py). Anything else goes to np.cross."""
    if a.shape != (3,) or b.shape != (3,) or a.dtype != np.float64 or b.dtype != np.float64:
        out: np.ndarray = np.cross(a, b)
        return out
    a0, a1, a2 = a.tolist()
    b0, b1, b2 = b.tolist()
    return np.array([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0])


def norm3(x: np.ndarray) -> np.ndarray:
    """Row-wise Euclidean norm, ``sqrt((x0*x0 + x1*x1) + x2*x2)`` for every row (no BLAS, no
    pairwise sums: the same bits whatever the chunking)."""
    sq = x * x
    out: np.ndarray = sq[:, 0] + sq[:, 1]
    out += sq[:, 2]
    if out.dtype.kind == "f":
        np.sqrt(out, out=out)
        return out
    root: np.ndarray = np.sqrt(out)
    return root
