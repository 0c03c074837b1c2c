"""sensor.core.dsp.lfilter: scipy's own IIR kernel, loaded without importing scipy.signal."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy.signal import lfilter as scipy_lfilter

from sensor.core import dsp


@pytest.mark.parametrize("n", [1, 7, 5000])
def test_same_bits_as_scipy_lfilter(n):
    rng = np.random.default_rng(n)
    x = rng.normal(size=(12, n)) * 10.0 ** rng.integers(-3, 4, (12, 1))
    zi = rng.normal(size=(12, 1))
    b, a = np.array([0.3]), np.array([1.0, -0.7])
    got, zf = dsp.lfilter(b, a, x, axis=-1, zi=zi)
    want, zf_want = scipy_lfilter(b, a, x, axis=-1, zi=zi)
    assert np.array_equal(got, want) and np.array_equal(zf, zf_want)
    got, _ = dsp.lfilter([1.0], [1.0, -0.95], x[0], zi=[0.25])
    assert np.array_equal(got, scipy_lfilter([1.0], [1.0, -0.95], x[0], zi=[0.25])[0])
    assert np.array_equal(dsp.lfilter([0.5, 0.5], [1.0, 0.1], x[1]), scipy_lfilter([0.5, 0.5], [1.0, 0.1], x[1]))


def test_the_kernel_was_loaded_directly():
    assert dsp._linear_filter is not None  # else every analysis pays for importing scipy.signal


def test_analyze_imports_no_dashboard_plotting_or_scipy_signal(tmp_path):
    trace = tmp_path / "s.csv"
    code = (
        "import sys; from tui.cli import main\n"
        f"main(['simulate', '-o', {str(trace)!r}, '--reps', '3'])\n"
        "before = set(sys.modules)\n"
        f"assert main(['analyze', {str(trace)!r}, '--json']) == 0\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'matplotlib', 'bleak')"
        " or (m.startswith('scipy.signal') and m != 'scipy.signal._sigtools')]\n"
        "assert not bad, bad\n"
        "import scipy.signal  # still importable afterwards, and the same kernel\n"
        "from sensor.core import dsp\n"
        "assert sys.modules['scipy.signal._sigtools']._linear_filter is dsp._linear_filter\n"
        "assert scipy.signal.lfilter([1.0], [1.0, -0.5], [1.0, 0.0]).tolist() == [1.0, 0.5]\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
