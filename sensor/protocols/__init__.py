"""Sans-IO BLE protocol modules, one per supported sensor family.

Each family module exposes ``FAMILY`` (a :class:`~sensor.protocols.base.DeviceFamily`) and a
decoder class; :data:`FAMILIES` lists all of them (the glide open profile first).
"""

from sensor.protocols import glide_profile, metawear, movesense, polar_pmd, thingy52, witmotion
from sensor.protocols.base import (
    BATTERY_LEVEL_UUID,
    BATTERY_SERVICE_UUID,
    STANDARD_GRAVITY,
    Command,
    Decoder,
    DecodeStats,
    DeviceFamily,
    ProtocolError,
    family_by_id,
    match_family,
    normalize_uuid,
)

FAMILIES: tuple[DeviceFamily, ...] = (
    glide_profile.FAMILY,
    witmotion.FAMILY,
    movesense.FAMILY,
    polar_pmd.FAMILY,
    metawear.FAMILY,
    thingy52.FAMILY,
)

__all__ = [
    "BATTERY_LEVEL_UUID",
    "BATTERY_SERVICE_UUID",
    "FAMILIES",
    "STANDARD_GRAVITY",
    "Command",
    "DecodeStats",
    "Decoder",
    "DeviceFamily",
    "ProtocolError",
    "family_by_id",
    "glide_profile",
    "match_family",
    "metawear",
    "movesense",
    "normalize_uuid",
    "polar_pmd",
    "thingy52",
    "witmotion",
]
