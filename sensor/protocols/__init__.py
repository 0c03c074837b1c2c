"""Sans-IO BLE protocol modules, one per supported sensor family.

Each family module exposes ``FAMILY`` (a :class:`~sensor.protocols.family.DeviceFamily`) and a
decoder class; :data:`FAMILIES` (from :mod:`sensor.protocols.registry`, the one registry) lists all
of them, the glide open profile first. Shared pieces: :mod:`~sensor.protocols.uuids` (UUIDs,
units), :mod:`~sensor.protocols.decoding` (the decoder contract), :mod:`~sensor.protocols.clocks`
(sample clocks, pairing), :mod:`~sensor.protocols.family` (the family description).
"""

from sensor.protocols import glide_profile, metawear, movesense, polar_pmd, thingy52, witmotion
from sensor.protocols.decoding import Command, Decoder, DecodeStats, ProtocolError
from sensor.protocols.family import DeviceFamily
from sensor.protocols.registry import FAMILIES, family_by_id, match_family
from sensor.protocols.uuids import BATTERY_LEVEL_UUID, BATTERY_SERVICE_UUID, STANDARD_GRAVITY, normalize_uuid

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
