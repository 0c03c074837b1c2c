"""``glide scan``, ``glide record`` and ``glide live --no-tui``'s transport helpers: the BLE commands.

Thin: the transport is ``sensor.ble.link``; counting is the same ``Pipeline`` as everywhere else;
recording is ``TraceWriter`` (incremental, flushed at least once a second).

Stopping: Ctrl-C (SIGINT), SIGTERM (``kill``, a service manager) and SIGHUP (the terminal went
away) all end a recording the same way: stop the stream, unsubscribe, disconnect, close the file
with every sample received. The handlers are the event loop's, so no signal can interrupt the
shutdown half-way or leave a cut-off last line.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import signal
import sys
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from tui.errors import CliError

if TYPE_CHECKING:  # asyncio costs ~50 ms to import: 'glide --help' and 'glide analyze' do not need it
    import asyncio

#: The signals that mean "stop and keep what you have".
STOP_SIGNALS = tuple(s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None)


def positive_seconds(text: str) -> float:
    """argparse type: a positive, finite number of seconds."""
    return _positive(text, "seconds")


def positive_hz(text: str) -> float:
    """argparse type: a positive, finite rate in Hz."""
    return _positive(text, "Hz")


def _positive(text: str, unit: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of {unit}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive, finite number of {unit}, got {text!r}")
    return value


def register(sub: Any) -> None:
    p = sub.add_parser("scan", help="list nearby supported sensors")
    p.add_argument("--timeout", type=positive_seconds, default=4.0, help="how long to listen, in seconds (default 4)")
    p.set_defaults(func=cmd_scan)

    p = sub.add_parser("record", help="record a sensor's raw stream to a glide trace")
    p.add_argument("-o", "--output", required=True, help="the trace file to write (CSV, glide-trace/1)")
    p.add_argument("--force", action="store_true", help="overwrite the output file if it exists")
    p.add_argument("--device", help="name or address (default: the first supported sensor found)")
    p.add_argument(
        "--foot-device",
        metavar="FOOT",
        type=foot_device_arg,
        help="a second sensor on the top of the foot (name or address): its six columns are recorded on the "
        "shin's rows, resampled onto the shin's time base (NaN while it is away)",
    )
    p.add_argument("--rate", type=positive_hz, help="sample rate in Hz (default: the device family's)")
    p.add_argument(
        "--duration", type=positive_seconds, help="stop after this many seconds of streaming (default: until Ctrl-C)"
    )
    p.add_argument(
        "--timeout", type=positive_seconds, default=4.0, help="how long to scan for the sensor, in seconds (default 4)"
    )
    p.add_argument("--posture", choices=["supine", "seated"], default="supine")
    p.add_argument("--leg", choices=["left", "right"])
    p.set_defaults(func=cmd_record)


def cmd_scan(args: argparse.Namespace) -> int:
    import asyncio

    from sensor.ble.link import BluetoothUnavailable, scan

    try:
        found = asyncio.run(scan(args.timeout))
    except BluetoothUnavailable as e:
        print(f"glide: {e}", file=sys.stderr)
        return 3
    if not found:
        print("no supported sensors found (switched on? already connected to a phone?)")
        return 1
    print(f"{'name':<24}{'address':<19}{'RSSI':>6}  family")
    for f in found:
        print(f"{f.name:<24}{f.address:<19}{f.rssi:>6}  {f.family_name}")
    return 0


@contextlib.contextmanager
def stop_on_signals(stop: asyncio.Event) -> Iterator[list[int]]:
    """Within the running loop: SIGINT/SIGTERM/SIGHUP set ``stop`` instead of killing the process.
    Yields the list of signal numbers received (for the summary line)."""
    import asyncio

    loop = asyncio.get_running_loop()
    received: list[int] = []
    installed = []

    def on_signal(sig: int) -> None:
        received.append(sig)
        stop.set()

    for sig in STOP_SIGNALS:
        try:
            loop.add_signal_handler(sig, on_signal, sig)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread / no such signal
            pass
    try:
        yield received
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


async def stream(link: Any, duration: float | None = None, stop: asyncio.Event | None = None) -> None:
    """Find, connect and stream until ``stop`` is set, ``duration`` seconds of streaming passed
    (counted from the first "streaming" status, not from the scan) or the link ends; always
    shuts the link down cleanly (stop commands, unsubscribe, disconnect) before returning.
    Errors of the link (no adapter, not found, refused) propagate after the shutdown."""
    import asyncio

    stop = stop or asyncio.Event()
    streaming = asyncio.Event()
    report = link.on_status

    def on_status(kind: str, detail: str) -> None:
        if kind == "streaming":
            streaming.set()
        report(kind, detail)

    link.on_status = on_status

    async def find_and_run() -> None:
        await link.find()
        await link.run()

    async def until_done() -> None:
        if duration is not None:
            await streaming.wait()
            await asyncio.sleep(duration)
        else:
            await asyncio.Event().wait()

    task = asyncio.create_task(find_and_run())
    waiters = {asyncio.create_task(stop.wait()), asyncio.create_task(until_done())}
    try:
        done, _ = await asyncio.wait({task, *waiters}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()
    finally:
        for w in waiters:
            w.cancel()
        await link.stop()
        if not task.done():
            try:
                await asyncio.wait_for(asyncio.shield(task), 10.0)
            except BaseException:
                task.cancel()


def _open_output(path: str, force: bool) -> None:
    """Fail before any Bluetooth work if the output cannot be written: a missing folder, no
    permission, a directory, or an existing file without --force (one line, exit status 2)."""
    if os.path.isdir(path):
        raise CliError(f"cannot write {path}: it is a directory")
    if os.path.exists(path) and not force:
        raise CliError(f"{path} exists; use --force to overwrite it")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise CliError(f"cannot write {path}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise CliError(f"cannot write {path}: permission denied")


def foot_device_arg(text: str) -> str:
    """argparse type: a foot sensor's name or address (not empty)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("needs the foot sensor's name or address")
    return text.strip()


def cmd_record(args: argparse.Namespace) -> int:
    import asyncio

    from sensor.ble.link import BluetoothUnavailable, DeviceRefused, SensorLink, SensorNotFound, now_iso
    from sensor.ble.pair import ShinFootLink
    from sensor.io.trace import TraceWriteError, TraceWriter

    _open_output(args.output, args.force)
    stop = asyncio.Event()
    state: dict[str, Any] = {"writer": None, "n": 0, "error": None}
    meta_base: dict[str, str | float] = {"posture": args.posture, "started_at": now_iso()}
    if args.leg:
        meta_base["leg"] = args.leg

    def on_status(kind: str, detail: str) -> None:
        print(f"[{kind}] {detail}", file=sys.stderr, flush=True)

    def on_chunk(chunk: Any) -> None:
        if state["error"] is not None:
            return
        try:
            w = state["writer"]
            if w is None:
                sensor, family = link.sensor, link.family
                assert sensor is not None and family is not None, "chunks come only from a connected sensor"
                meta = {
                    **meta_base,
                    "device": f"{sensor.name} ({sensor.address})",
                    "family": family.family_id,
                    "sample_rate_hz": link.stats.rate_hz,
                }
                foot = getattr(link, "foot_sensor", None)
                if foot is not None:
                    meta.update(foot_device=f"{foot.name} ({foot.address})", foot_family=foot.family_id)
                w = state["writer"] = TraceWriter(args.output, meta, foot=foot is not None)
            w.write(chunk)
            state["n"] += len(chunk)
        except TraceWriteError as e:  # disk full, file removed...: stop cleanly, report once
            state["error"] = e
            stop.set()

    link: Any
    if args.foot_device:
        link = ShinFootLink(
            args.device,
            args.foot_device,
            args.rate,
            on_chunk=on_chunk,
            on_status=on_status,
            scan_timeout=args.timeout,
        )
    else:
        link = SensorLink(args.device, args.rate, on_chunk=on_chunk, on_status=on_status, scan_timeout=args.timeout)

    async def main() -> list[int]:
        with stop_on_signals(stop) as received:
            await stream(link, args.duration, stop)
        return received

    t0 = time.monotonic()
    received: list[int] = []
    try:
        received = asyncio.run(main())
    except BluetoothUnavailable as e:
        print(f"glide: {e}", file=sys.stderr)
        return 3
    except SensorNotFound as e:
        print(f"glide: {e}", file=sys.stderr)
        return 1
    except DeviceRefused as e:
        raise CliError(str(e)) from None
    finally:
        if state["writer"] is not None:
            try:
                state["writer"].close()
            except TraceWriteError as e:
                state["error"] = state["error"] or e
    if state["error"] is not None:
        raise CliError(f"recording stopped after {state['n']} samples: {state['error']}")
    why = f" (stopped by {signal.Signals(received[0]).name})" if received else ""
    if state["writer"] is None:
        print(f"recorded nothing in {time.monotonic() - t0:.0f} s{why}: no samples arrived, {args.output} not written")
        return 1
    extra = f", packet loss {link.stats.packet_loss_pct:.1f}%, {link.stats.gaps} gap(s)"
    if args.foot_device:
        a = link.align_stats
        extra += f"; foot values on {a.shin_out - a.shin_without_foot} of {a.shin_out} rows"
    print(f"recorded {state['n']} samples in {time.monotonic() - t0:.0f} s to {args.output}{why}{extra}")
    return 0
