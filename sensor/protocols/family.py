"""The static description of one supported sensor family (:class:`DeviceFamily`).

Each protocol module builds one ``FAMILY``; :mod:`sensor.protocols.registry` lists them all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sensor.protocols.decoding import Command, Decoder, ProtocolError, check_rate
from sensor.protocols.uuids import normalize_uuid

__all__ = ["DeviceFamily", "Matcher"]

Matcher = Callable[[str | None, list[str], dict[int, bytes]], bool]


@dataclass(frozen=True)
class DeviceFamily:
    """Static description of one supported sensor family (one per protocol module).

    ``notify_uuids``   characteristics the transport must subscribe to (feed all of them to
                       the decoder); ``control_uuids`` characteristics commands are written to.
    ``has_battery``    the battery level can be read through this profile (``battery_uuid`` is
                       then the standard Battery Level characteristic, or None when the family
                       reports battery through its own replies that the decoder parses).
    ``command_delay_s`` pause the transport should keep between consecutive writes.
    ``spec``           the firmware_specs/ document describing the protocol.
    """

    family_id: str
    display_name: str
    service_uuid: str
    notify_uuids: tuple[str, ...]
    control_uuids: tuple[str, ...]
    supported_rates: tuple[float, ...]
    default_rate: float
    has_battery: bool
    battery_uuid: str | None
    command_delay_s: float
    spec: str
    matcher: Matcher = field(repr=False, compare=False)
    start_builder: Callable[[float, Mapping[str, object] | None], list[Command]] = field(repr=False, compare=False)
    stop_builder: Callable[[Mapping[str, object] | None], list[Command]] = field(repr=False, compare=False)
    decoder_factory: Callable[[float], Decoder] = field(repr=False, compare=False)
    setup_builder: Callable[[], list[Command]] | None = field(default=None, repr=False, compare=False)

    def matches(
        self,
        name: str | None,
        service_uuids: Sequence[str] | None = None,
        manufacturer_data: Mapping[int, bytes] | None = None,
    ) -> bool:
        """Does an advertisement (local name, advertised service UUIDs, manufacturer data keyed
        by company id) look like this family? Never raises."""
        try:
            uuids = [normalize_uuid(u) for u in (service_uuids or [])]
            mfr = dict(manufacturer_data or {})
            nm = name if isinstance(name, str) else None
            return bool(self.matcher(nm, uuids, mfr))
        except Exception:
            return False

    def check_rate(self, rate_hz: float) -> float:
        """Return the supported rate equal to ``rate_hz`` or raise :class:`ProtocolError`."""
        rate = check_rate(rate_hz)
        for r in self.supported_rates:
            if abs(r - rate) < 1e-9:
                return r
        raise ProtocolError(
            f"{self.display_name}: unsupported rate {rate_hz!r} Hz; "
            f"supported: {', '.join(f'{r:g}' for r in self.supported_rates)}"
        )

    def nearest_rate(self, rate_hz: float) -> float:
        """Closest supported rate (ties go to the higher rate)."""
        rate = check_rate(rate_hz)
        return min(self.supported_rates, key=lambda r: (abs(r - rate), -r))

    def setup_commands(self) -> list[Command]:
        """Queries to send once after connecting, before :meth:`start_commands` (their replies
        fill ``decoder.device_info``, which ``start_commands`` may need). Often empty."""
        return list(self.setup_builder()) if self.setup_builder else []

    def start_commands(self, rate_hz: float, device_info: Mapping[str, object] | None = None) -> list[Command]:
        """Writes that configure the device for ``rate_hz`` and start streaming, in order.
        Subscribe to every ``notify_uuids`` entry first. Raises ProtocolError for a rate not
        in ``supported_rates``."""
        return list(self.start_builder(self.check_rate(rate_hz), device_info))

    def stop_commands(self, device_info: Mapping[str, object] | None = None) -> list[Command]:
        """Writes that stop streaming (may be empty: then stop_notify is enough)."""
        return list(self.stop_builder(device_info))

    def make_decoder(self, rate_hz: float) -> Decoder:
        """A fresh decoder for a stream started with ``start_commands(rate_hz)``."""
        return self.decoder_factory(self.check_rate(rate_hz))
