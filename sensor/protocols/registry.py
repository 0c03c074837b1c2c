"""The one registry of supported families, in matching order (the glide open profile first).

The family modules import only :mod:`~sensor.protocols.uuids`, :mod:`~sensor.protocols.decoding`,
:mod:`~sensor.protocols.clocks` and :mod:`~sensor.protocols.family`, never this module, so the
registry can import them all eagerly: no import cycle, no lazy attribute.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sensor.protocols import glide_profile, metawear, movesense, polar_pmd, thingy52, witmotion
from sensor.protocols.family import DeviceFamily

__all__ = ["FAMILIES", "family_by_id", "match_family"]

FAMILIES: tuple[DeviceFamily, ...] = (
    glide_profile.FAMILY,
    witmotion.FAMILY,
    movesense.FAMILY,
    polar_pmd.FAMILY,
    metawear.FAMILY,
    thingy52.FAMILY,
)


def family_by_id(family_id: str) -> DeviceFamily:
    """The registered family with this id (KeyError if none)."""
    for fam in FAMILIES:
        if fam.family_id == family_id:
            return fam
    raise KeyError(family_id)


def match_family(
    name: str | None,
    service_uuids: Sequence[str] | None = None,
    manufacturer_data: Mapping[int, bytes] | None = None,
) -> DeviceFamily | None:
    """First family (in ``FAMILIES`` order, the glide profile first) matching an advertisement."""
    for fam in FAMILIES:
        if fam.matches(name, service_uuids, manufacturer_data):
            return fam
    return None
