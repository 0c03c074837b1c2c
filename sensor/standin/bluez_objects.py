"""The org.bluez D-Bus objects bleak talks to: Adapter1, Device1, GattService1, GattCharacteristic1.

Checked against bleak 3.1 (see the stand-in notes in :mod:`sensor.standin.server`). dbus-fast
reads each method's and property's D-Bus signature from its annotations (``"a{sv}"``, ``ay``):
they are D-Bus type strings, not Python types, hence the file-wide noqa below.
"""

# ruff: noqa: F722, F821

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from dbus_fast import DBusError, PropertyAccess, Variant
from dbus_fast.service import ServiceInterface, dbus_property, method

if TYPE_CHECKING:
    from sensor.standin.server import BlueZStandin

__all__ = ["ADAPTER_PATH", "Adapter1", "Device1", "DeviceSlot", "GattCharacteristic1", "GattService1", "path_for"]

ADAPTER_PATH = "/org/bluez/hci0"


def path_for(address: str) -> str:
    return f"{ADAPTER_PATH}/dev_{address.replace(':', '_')}"


class Adapter1(ServiceInterface):
    def __init__(self, standin: BlueZStandin) -> None:
        super().__init__("org.bluez.Adapter1")
        self.s = standin
        self._discovering = False
        self._task: asyncio.Task | None = None

    @method()
    def SetDiscoveryFilter(self, properties: "a{sv}"):
        return None

    @method()
    def StartDiscovery(self):
        self._discovering = True
        self.emit_properties_changed({"Discovering": True})
        self.s.advertise()
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._keep_advertising())

    @method()
    def StopDiscovery(self):
        self._discovering = False
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self.emit_properties_changed({"Discovering": False})

    async def _keep_advertising(self) -> None:
        # A real adapter reports each advertisement it hears, over and over, while discovering.
        while self._discovering:
            await asyncio.sleep(0.1)
            self.s.advertise()

    @method()
    def RemoveDevice(self, device: o):
        return None

    @dbus_property(access=PropertyAccess.READ)
    def Address(self) -> s:
        return "00:00:5E:00:53:00"

    @dbus_property(access=PropertyAccess.READ)
    def Name(self) -> s:
        return "glide-standin"

    @dbus_property(access=PropertyAccess.READ)
    def Powered(self) -> b:
        return True

    @dbus_property(access=PropertyAccess.READ)
    def Discovering(self) -> b:
        return self._discovering

    @dbus_property(access=PropertyAccess.READ)
    def Roles(self) -> "as":
        return ["central", "peripheral"]


class Device1(ServiceInterface):
    def __init__(self, standin: BlueZStandin, dev: DeviceSlot) -> None:
        super().__init__("org.bluez.Device1")
        self.s, self.d = standin, dev
        self.rssi = int(getattr(dev.emu, "rssi", -60))  # a distinct strength per device: scans sort by it

    @method()
    async def Connect(self):
        if self.d.refuse_connects > 0:
            self.d.refuse_connects -= 1
            raise DBusError("org.bluez.Error.Failed", "le-connection-abort-by-remote")
        await self.s.connect(self.d)

    @method()
    async def Disconnect(self):
        await self.s.disconnect(self.d)

    @dbus_property(access=PropertyAccess.READ)
    def Address(self) -> s:
        return self.d.emu.address

    @dbus_property(access=PropertyAccess.READ)
    def AddressType(self) -> s:
        return "random"

    @dbus_property(access=PropertyAccess.READ)
    def Name(self) -> s:
        return self.d.emu.name

    @dbus_property(access=PropertyAccess.READ)
    def Alias(self) -> s:
        return self.d.emu.name

    @dbus_property(access=PropertyAccess.READ)
    def RSSI(self) -> n:
        return self.rssi

    @dbus_property(access=PropertyAccess.READ)
    def UUIDs(self) -> "as":
        return list(self.d.emu.adv_uuids)

    @dbus_property(access=PropertyAccess.READ)
    def Adapter(self) -> o:
        return ADAPTER_PATH

    @dbus_property(access=PropertyAccess.READ)
    def Connected(self) -> b:
        return self.d.connected

    @dbus_property(access=PropertyAccess.READ)
    def ServicesResolved(self) -> b:
        return self.d.connected

    @dbus_property(access=PropertyAccess.READ)
    def Paired(self) -> b:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Bonded(self) -> b:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Trusted(self) -> b:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def ManufacturerData(self) -> "a{qv}":
        return {k: Variant("ay", bytes(v)) for k, v in self.d.emu.manufacturer_data.items()}

    @dbus_property(access=PropertyAccess.READ)
    def ServiceData(self) -> "a{sv}":
        return {}


class GattService1(ServiceInterface):
    def __init__(self, uuid: str, device_path: str) -> None:
        super().__init__("org.bluez.GattService1")
        self.uuid, self.device_path = uuid, device_path

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> s:
        return self.uuid

    @dbus_property(access=PropertyAccess.READ)
    def Primary(self) -> b:
        return True

    @dbus_property(access=PropertyAccess.READ)
    def Device(self) -> o:
        return self.device_path

    @dbus_property(access=PropertyAccess.READ)
    def Includes(self) -> ao:
        return []


class GattCharacteristic1(ServiceInterface):
    def __init__(self, dev: DeviceSlot, uuid: str, service_path: str, flags: list[str]) -> None:
        super().__init__("org.bluez.GattCharacteristic1")
        self.d, self.uuid, self.service_path, self.flags = dev, uuid, service_path, flags
        self.value = b""
        self.notifying = False

    @method()
    def ReadValue(self, options: "a{sv}") -> ay:
        self.value = self.d.emu.on_read(self.uuid)
        return self.value

    @method()
    def WriteValue(self, value: ay, options: "a{sv}"):
        for uuid, payload in self.d.emu.on_write(self.uuid, bytes(value)):
            self.d.notify(uuid, payload)

    @method()
    def StartNotify(self):
        self.notifying = True
        self.emit_properties_changed({"Notifying": True})
        self.d.event(f"subscribed {self.uuid}")
        self._subscribed(True)

    @method()
    def StopNotify(self):
        self.notifying = False
        self.emit_properties_changed({"Notifying": False})
        self.d.event(f"unsubscribed {self.uuid}")
        self._subscribed(False)

    def _subscribed(self, enabled: bool) -> None:
        # Optional emulator hook: some devices act on the CCCD write itself (WitMotion and
        # Thingy:52 start streaming when notifications are enabled, with no command).
        hook = getattr(self.d.emu, "on_subscribe", None)
        if hook is not None:
            for uuid, payload in hook(self.uuid, enabled) or ():
                self.d.notify(uuid, payload)

    def push(self, payload: bytes) -> bool:
        if self.notifying:
            self.value = payload
            self.emit_properties_changed({"Value": payload})
            return True
        return False

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> s:
        return self.uuid

    @dbus_property(access=PropertyAccess.READ)
    def Service(self) -> o:
        return self.service_path

    @dbus_property(access=PropertyAccess.READ)
    def Value(self) -> ay:
        return self.value

    @dbus_property(access=PropertyAccess.READ)
    def Notifying(self) -> b:
        return self.notifying

    @dbus_property(access=PropertyAccess.READ)
    def Flags(self) -> "as":
        return self.flags

    @dbus_property(access=PropertyAccess.READ)
    def MTU(self) -> q:
        return 247


@dataclass
class DeviceSlot:
    emu: object
    path: str
    iface: Device1 | None = None
    connected: bool = False
    exported: bool = False
    chars: dict[str, GattCharacteristic1] = field(default_factory=dict)
    gatt_paths: list[tuple[str, ServiceInterface]] = field(default_factory=list)
    silent_until: float = 0.0
    refuse_connects: int = 0
    faults: dict = field(default_factory=dict)
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(7))
    stream_task: asyncio.Task[None] | None = None
    on_event: Callable[[DeviceSlot, str], None] | None = None

    def notify(self, uuid: str, payload: bytes) -> bool:
        """Notify ``payload`` on characteristic ``uuid``; True if a subscriber received it."""
        ch = self.chars.get(uuid)
        return ch.push(payload) if ch is not None else False

    def event(self, what: str) -> None:
        if self.on_event is not None:
            self.on_event(self, what)
