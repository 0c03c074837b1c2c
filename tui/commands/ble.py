"""``glide scan``, ``glide record`` and ``glide live --no-tui``: the BLE commands of the CLI.

Thin: the transport is ``sensor.ble.link``; counting is the same ``Pipeline`` as everywhere else;
recording is ``TraceWriter`` (incremental, flushed at least once a second).
"""

from __future__ import annotations

import asyncio
import sys
import time


def register(sub) -> None:
    p = sub.add_parser("scan", help="list nearby supported sensors")
    p.add_argument("--timeout", type=float, default=4.0)
    p.set_defaults(func=cmd_scan)

    p = sub.add_parser("record", help="record a sensor's raw stream to a glide trace")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--device", help="name or address (default: the first supported sensor found)")
    p.add_argument("--rate", type=float, help="sample rate in Hz (default: the device family's)")
    p.add_argument("--duration", type=float, help="stop after this many seconds")
    p.add_argument("--posture", choices=["supine", "seated"], default="supine")
    p.add_argument("--leg", choices=["left", "right"])
    p.set_defaults(func=cmd_record)


def cmd_scan(args) -> int:
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


async def stream(link, duration: float | None = None) -> None:
    """Find, connect and stream until Ctrl-C or ``duration``; always shuts the link down cleanly
    (stop commands, unsubscribe, disconnect) before returning."""
    await link.find()
    task = asyncio.create_task(link.run())
    try:
        if duration:
            done, _ = await asyncio.wait({task}, timeout=duration)
            if task in done:
                task.result()
        else:
            await task
    finally:
        await link.stop()
        try:
            await asyncio.wait_for(asyncio.shield(task), 10.0)
        except BaseException:
            task.cancel()


def cmd_record(args) -> int:
    from sensor.ble.link import BluetoothUnavailable, SensorNotFound, now_iso
    from sensor.io.trace import TraceWriter

    state: dict = {"writer": None, "n": 0}
    meta_base = {"posture": args.posture, "started_at": now_iso()}
    if args.leg:
        meta_base["leg"] = args.leg

    def on_status(kind: str, detail: str) -> None:
        print(f"[{kind}] {detail}", file=sys.stderr, flush=True)

    def on_chunk(chunk) -> None:
        w = state["writer"]
        if w is None:
            link = state["link"]
            meta = {
                **meta_base,
                "device": f"{link.sensor.name} ({link.sensor.address})",
                "family": link.family.family_id,
                "sample_rate_hz": link.stats.rate_hz,
            }
            w = state["writer"] = TraceWriter(args.output, meta)
        w.write(chunk)
        state["n"] += len(chunk)

    from sensor.ble.link import SensorLink

    link = state["link"] = SensorLink(args.device, args.rate, on_chunk=on_chunk, on_status=on_status)

    t0 = time.monotonic()
    try:
        asyncio.run(stream(link, args.duration))
    except BluetoothUnavailable as e:
        print(f"glide: {e}", file=sys.stderr)
        return 3
    except SensorNotFound as e:
        print(f"glide: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    finally:
        if state["writer"] is not None:
            state["writer"].close()
    link = state.get("link")
    extra = ""
    if link is not None:
        extra = f", packet loss {link.stats.packet_loss_pct:.1f}%, {link.stats.gaps} gap(s)"
    print(f"recorded {state['n']} samples in {time.monotonic() - t0:.0f} s to {args.output}{extra}")
    return 0
