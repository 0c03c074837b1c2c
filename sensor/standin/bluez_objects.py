"""The org.bluez D-Bus objects bleak talks to: Adapter1, Device1, GattService1, GattCharacteristic1.

Checked against bleak 3.1 (see the stand-in notes in :mod:`sensor.standin.server`). dbus-fast
reads each method's and property's D-Bus signature from its annotations; they are
``typing.Annotated`` types (``DBusStr`` = ``str`` with signature ``s``), so they are also real
Python types. No ``from __future__ import annotations`` here: dbus-fast must see ``-> None``
as None (no reply body), not as the string "None".
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

import numpy as np
from dbus_fast import DBusError, PropertyAccess, Variant
from dbus_fast.annotations import DBusBool, DBusBytes, DBusInt16, DBusObjectPath, DBusSignature, DBusStr, DBusUInt16
from dbus_fast.service import ServiceInterface, dbus_property, method

from sensor.standin.emulator import Emulator

if TYPE_CHECKING:
    from sensor.standin.server import BlueZStandin

__all__ = ["ADAPTER_PATH", "Adapter1", "Device1", "DeviceSlot", "GattCharacteristic1", "GattService1", "path_for"]

ADAPTER_PATH = "/org/bluez/hci0"

DBusStrList = Annotated[list[str], DBusSignature("as")]
DBusPathList = Annotated[list[str], DBusSignature("ao")]
DBusOptions = Annotated[dict[str, Variant], DBusSignature("a{sv}")]
DBusManufacturerData = Annotated[dict[int, Variant], DBusSignature("a{qv}")]


def path_for(address: str) -> str:
    return f"{ADAPTER_PATH}/dev_{address.replace(':', '_')}"


class Adapter1(ServiceInterface):
    def __init__(self, standin: "BlueZStandin") -> None:
        super().__init__("org.bluez.Adapter1")
        self.s = standin
        self._discovering = False
        self._task: asyncio.Task[None] | None = None

    @method()
    def SetDiscoveryFilter(self, properties: DBusOptions) -> None:
        return None

    @method()
    def StartDiscovery(self) -> None:
        self._discovering = True
        self.emit_properties_changed({"Discovering": True})
        self.s.advertise()
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._keep_advertising())

    @method()
    def StopDiscovery(self) -> None:
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
    def RemoveDevice(self, device: DBusObjectPath) -> None:
        return None

    @dbus_property(access=PropertyAccess.READ)
    def Address(self) -> DBusStr:
        return "00:00:5E:00:53:00"

    @dbus_property(access=PropertyAccess.READ)
    def Name(self) -> DBusStr:
        return "glide-standin"

    @dbus_property(access=PropertyAccess.READ)
    def Powered(self) -> DBusBool:
        return True

    @dbus_property(access=PropertyAccess.READ)
    def Discovering(self) -> DBusBool:
        return self._discovering

    @dbus_property(access=PropertyAccess.READ)
    def Roles(self) -> DBusStrList:
        return ["central", "peripheral"]


class Device1(ServiceInterface):
    def __init__(self, standin: "BlueZStandin", dev: "DeviceSlot") -> None:
        super().__init__("org.bluez.Device1")
        self.s, self.d = standin, dev
        self.rssi = int(getattr(dev.emu, "rssi", -60))  # a distinct strength per device: scans sort by it

    @method()
    async def Connect(self) -> None:
        if self.d.refuse_connects > 0:
            self.d.refuse_connects -= 1
            raise DBusError("org.bluez.Error.Failed", "le-connection-abort-by-remote")
        await self.s.connect(self.d)

    @method()
    async def Disconnect(self) -> None:
        await self.s.disconnect(self.d)

    @dbus_property(access=PropertyAccess.READ)
    def Address(self) -> DBusStr:
        return self.d.emu.address

    @dbus_property(access=PropertyAccess.READ)
    def AddressType(self) -> DBusStr:
        return "random"

    @dbus_property(access=PropertyAccess.READ)
    def Name(self) -> DBusStr:
        return self.d.emu.name

    @dbus_property(access=PropertyAccess.READ)
    def Alias(self) -> DBusStr:
        return self.d.emu.name

    @dbus_property(access=PropertyAccess.READ)
    def RSSI(self) -> DBusInt16:
        return self.rssi

    @dbus_property(access=PropertyAccess.READ)
    def UUIDs(self) -> DBusStrList:
        return list(self.d.emu.adv_uuids)

    @dbus_property(access=PropertyAccess.READ)
    def Adapter(self) -> DBusObjectPath:
        return ADAPTER_PATH

    @dbus_property(access=PropertyAccess.READ)
    def Connected(self) -> DBusBool:
        return self.d.connected

    @dbus_property(access=PropertyAccess.READ)
    def ServicesResolved(self) -> DBusBool:
        return self.d.connected

    @dbus_property(access=PropertyAccess.READ)
    def Paired(self) -> DBusBool:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Bonded(self) -> DBusBool:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Trusted(self) -> DBusBool:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def ManufacturerData(self) -> DBusManufacturerData:
        return {k: Variant("ay", bytes(v)) for k, v in self.d.emu.manufacturer_data.items()}

    @dbus_property(access=PropertyAccess.READ)
    def ServiceData(self) -> DBusOptions:
        return {}


class GattService1(ServiceInterface):
    def __init__(self, uuid: str, device_path: str) -> None:
        super().__init__("org.bluez.GattService1")
        self.uuid, self.device_path = uuid, device_path

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> DBusStr:
        return self.uuid

    @dbus_property(access=PropertyAccess.READ)
    def Primary(self) -> DBusBool:
        return True

    @dbus_property(access=PropertyAccess.READ)
    def Device(self) -> DBusObjectPath:
        return self.device_path

    @dbus_property(access=PropertyAccess.READ)
    def Includes(self) -> DBusPathList:
        return []


class GattCharacteristic1(ServiceInterface):
    def __init__(self, dev: "DeviceSlot", uuid: str, service_path: str, flags: list[str]) -> None:
        super().__init__("org.bluez.GattCharacteristic1")
        self.d, self.uuid, self.service_path, self.flags = dev, uuid, service_path, flags
        self.value = b""
        self.notifying = False

    @method()
    def ReadValue(self, options: DBusOptions) -> DBusBytes:
        self.value = self.d.emu.on_read(self.uuid)
        return self.value

    @method()
    def WriteValue(self, value: DBusBytes, options: DBusOptions) -> None:
        for uuid, payload in self.d.emu.on_write(self.uuid, bytes(value)):
            self.d.notify(uuid, payload)

    @method()
    def StartNotify(self) -> None:
        self.notifying = True
        self.emit_properties_changed({"Notifying": True})
        self.d.event(f"subscribed {self.uuid}")
        self._subscribed(True)

    @method()
    def StopNotify(self) -> None:
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
    def UUID(self) -> DBusStr:
        return self.uuid

    @dbus_property(access=PropertyAccess.READ)
    def Service(self) -> DBusObjectPath:
        return self.service_path

    @dbus_property(access=PropertyAccess.READ)
    def Value(self) -> DBusBytes:
        return self.value

    @dbus_property(access=PropertyAccess.READ)
    def Notifying(self) -> DBusBool:
        return self.notifying

    @dbus_property(access=PropertyAccess.READ)
    def Flags(self) -> DBusStrList:
        return self.flags

    @dbus_property(access=PropertyAccess.READ)
    def MTU(self) -> DBusUInt16:
        return 247


@dataclass
class DeviceSlot:
    emu: Emulator
    path: str
    iface: "Device1 | None" = None
    connected: bool = False
    exported: bool = False
    chars: dict[str, GattCharacteristic1] = field(default_factory=dict)
    gatt_paths: list[tuple[str, ServiceInterface]] = field(default_factory=list)
    silent_until: float = 0.0
    refuse_connects: int = 0
    faults: dict[str, float] = field(default_factory=dict)
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(7))
    stream_task: "asyncio.Task[None] | None" = None
    on_event: "Callable[[DeviceSlot, str], None] | None" = None

    def notify(self, uuid: str, payload: bytes) -> bool:
        """Notify ``payload`` on characteristic ``uuid``; True if a subscriber received it."""
        ch = self.chars.get(uuid)
        return ch.push(payload) if ch is not None else False

    def event(self, what: str) -> None:
        if self.on_event is not None:
            self.on_event(self, what)
