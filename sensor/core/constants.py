"""Physical constants used across glide, defined once.

Standard gravity is the conventional value fixed by the 3rd CGPM (1901), 9.80665 m/s²: the
factor every accelerometer datasheet means by "g". It is not the local gravity at any place
(which varies by about ±0.3 %), so no threshold may rely on more precision than that.
"""

from __future__ import annotations

__all__ = ["STANDARD_GRAVITY"]

STANDARD_GRAVITY: float = 9.80665  # m/s² per g
