"""``glide demo``, ``glide replay`` and ``glide live``: the dashboard, or printed reps with --no-tui."""

from __future__ import annotations

import sys

from sensor.core.safety import SAFETY_NOTE
from tui import options as opt
from tui.commands.analyze import import_args, import_opts
from tui.errors import CliError

DEFAULT_REST_S = 30.0  # one rest between sets for demo, replay and live (nerve glides are not strength sets)
DEFAULT_LEG = "left"


def session_args(p, speed: bool = False, replay: bool = False) -> None:
    trace = "the trace's, else " if replay else ""
    p.add_argument(
        "--posture", choices=["supine", "seated"], help=f"lying on the back or sitting (default: {trace}supine)"
    )
    p.add_argument("--leg", choices=["left", "right"], help=f"the exercising leg (default: {trace}{DEFAULT_LEG})")
    p.add_argument("--reps", type=opt.REPS_PER_SET, default=10, help="reps per set, 1-100 (default: %(default)s)")
    p.add_argument("--sets", type=opt.SETS, help="sets, 1-20 (default: 3 on the dashboard, 1 with --no-tui)")
    p.add_argument(
        "--rest", type=opt.REST_S, default=DEFAULT_REST_S, help="rest between sets, 0-900 s (default: %(default)g)"
    )
    if speed:
        p.add_argument(
            "--speed",
            type=opt.SPEED,
            default=1.0,
            help="playback speed, times real time, 0-1000; 0 = as fast as possible (default: %(default)g)",
        )
    p.add_argument("--bell", action="store_true", help="ring the terminal bell on each rep")
    p.add_argument("--no-setup", action="store_true", help="skip the setup screen (use these options)")
    p.add_argument("--no-tui", action="store_true", help="print reps as they happen instead of the dashboard")
    p.add_argument("-v", "--verbose", action="store_true", help="--no-tui: print every phase, not only reps")
    _sound_args(p)


def _sound_args(p) -> None:
    from tui.audio.options import sound_style_args

    p.add_argument("--no-sound", action="store_true", help="no tones or speech (on by default when there is audio)")
    sound_style_args(p)


def _sound(args):
    from tui.audio.live import SoundOptions, session_sound

    if getattr(args, "speed", 1.0) == 0:  # as fast as possible: nothing live to hear
        return None
    return session_sound(SoundOptions.from_args(args))


def _headless(args, posture: str, sets: int):
    from sensor.core.coach import Targets
    from tui.audio.live import headless_sound

    if getattr(args, "speed", 1.0) == 0:
        return None
    return headless_sound(args, posture, Targets(reps_per_set=args.reps, sets=sets, rest_s=args.rest))


def register(sub) -> None:
    p = sub.add_parser("demo", help="the live dashboard on the built-in simulated sensor (no hardware)")
    session_args(p, speed=True)
    p.add_argument(
        "--seed", type=opt.SEED, default=1, help="simulated person and mounting, 0 to 2^32-1 (default: %(default)s)"
    )
    p.add_argument("--rate", type=opt.SIM_RATE_HZ, default=100.0, help="sample rate, 10-1000 Hz (default: %(default)g)")
    p.add_argument(
        "--foot",
        action="store_true",
        help="a simulated foot sensor too: ankle figures and cues (random ankle patterns per rep)",
    )
    p.add_argument(
        "--foot-drop",
        type=_foot_drop,
        metavar="AT,FOR",
        help="--foot: the foot sensor drops out at AT s for FOR s, e.g. 60,10 (default: it never does)",
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("replay", help="the live dashboard on a recorded trace")
    p.add_argument("trace", help="the recording: a glide trace or a vendor export")
    import_args(p)
    session_args(p, speed=True, replay=True)
    p.set_defaults(func=cmd_replay)

    p = sub.add_parser("live", help="the live dashboard on a Bluetooth LE sensor")
    p.add_argument("--device", help="address of the sensor (default: the last one used, else pick one from a scan)")
    p.add_argument(
        "--foot-device",
        metavar="FOOT",
        help="a second sensor on the top of the foot, name or address (same or another family): checks the "
        "ankle; losing it carries on with the shin only",
    )
    session_args(p)
    p.set_defaults(func=cmd_live)


def _describe_event(ev) -> str | None:
    from sensor.core.events import Hold, PartialRep, PhaseStarted, RepCompleted, SensorStatus, TurnReached

    if isinstance(ev, RepCompleted):
        r = ev.rep
        return (
            f"REP {r.index}: down {r.flex_down_s:.1f} s, up {r.extend_up_s:.1f} s, "
            f"range {r.rom_deg:.0f} deg ({r.bottom_deg:.0f} to {r.top_deg:.0f})"
        )
    if isinstance(ev, PhaseStarted):
        return {"flex_down": "flex down ↓", "extend_up": "extend up ↑"}.get(ev.phase, ev.phase)
    if isinstance(ev, TurnReached):
        return f"  {ev.where} reached at {ev.angle_deg:.0f} deg"
    if isinstance(ev, Hold):
        return f"  hold ({ev.where})"
    if isinstance(ev, PartialRep):
        return f"  partial: {ev.rom_deg:.0f} deg of {ev.min_rom_deg:.0f} needed, not counted"
    if isinstance(ev, SensorStatus):
        return f"[sensor] {ev.kind}: {ev.detail}"
    return None


async def _print_stream(source, posture: str, verbose: bool, sound=None) -> list:
    """The headless view: print reps (and with -v every phase) as the source delivers them."""
    from sensor.core.ankle_live import AnkleLive
    from sensor.core.events import RepCompleted
    from sensor.core.pipeline import Pipeline
    from tui.commands.foot import print_foot

    pipe = Pipeline(posture, source.rate_hz)
    foot = AnkleLive(source.rate_hz, learn_s=30.0)  # a foot sensor's figures and link, as the dashboard's
    try:
        async for part in source:
            figures = print_foot(foot.feed(part))
            events = pipe.feed(part)
            for ev in events:
                if verbose or ev.__class__.__name__ in ("RepCompleted", "SensorStatus", "PartialRep"):
                    text = _describe_event(ev)
                    if text:
                        print(f"{ev.t_s:7.2f} s  {text}", flush=True)
                if isinstance(ev, RepCompleted):
                    figures += print_foot(foot.add_rep(ev.rep))
            if sound is not None and len(part):
                sound.feed(events, float(part.t[-1]), figures)
    finally:
        await source.aclose()
    events = pipe.finish()
    for ev in events:
        text = _describe_event(ev)
        if text:
            print(f"{ev.t_s:7.2f} s  {text}")
        if isinstance(ev, RepCompleted):
            foot.add_rep(ev.rep)
    last = print_foot(foot.finish())
    if sound is not None:
        sound.feed(events, None, last)
    return pipe.reps


def _run_headless(source, posture: str, verbose: bool, performed: int | None = None, sound=None) -> int:
    import asyncio

    try:
        reps = asyncio.run(_print_stream(source, posture, verbose, sound))
    finally:
        if sound is not None:
            sound.close()
    print(f"\nset done: {len(reps)} reps counted" + (f" ({performed} performed)" if performed is not None else ""))
    return 0


def _want_tui(args) -> bool:
    if args.no_tui:
        return False
    if not (sys.stdin.isatty() and sys.stdout.isatty() and sys.stderr.isatty()):  # Textual draws on stderr
        print("glide: not a terminal, printing reps instead of the dashboard (--no-tui)", file=sys.stderr)
        return False
    return True


def _setup_from_args(args, meta: dict | None = None):
    from tui.session import SessionSetup

    meta = meta or {}
    posture = args.posture or meta.get("posture") or "supine"
    if posture not in ("supine", "seated"):
        posture = "supine"
    leg = args.leg or meta.get("leg") or DEFAULT_LEG
    if leg not in ("left", "right"):
        leg = DEFAULT_LEG
    setup = SessionSetup(
        leg=leg,
        posture=posture,
        reps_per_set=args.reps,
        sets=args.sets if args.sets is not None else 3,
        rest_s=args.rest,
    )
    problems = setup.validate()
    if problems:
        raise CliError("; ".join(problems))
    return setup


def _run_dashboard(app) -> int:
    try:
        app.run()
    finally:
        app.finish()  # saved on every exit, also after a crash inside the app
    if app.saved_to is not None:
        print(f"session saved to {app.saved_to}")
    elif app.session is not None and app.session.files.error:
        print(f"glide: {app.session.files.error}", file=sys.stderr)
    return 0 if app.return_code in (None, 0) else app.return_code


def _foot_drop(text: str) -> tuple[float, float]:
    from tui.commands.foot import foot_drop

    return foot_drop(text)


def cmd_demo(args) -> int:
    from sensor.sim.simulator import SimConfig
    from sensor.sim.source import SimulatedSource
    from tui.commands.foot import foot_demo_source

    foot = getattr(args, "foot", False)
    if getattr(args, "foot_drop", None) is not None and not foot:
        raise CliError("--foot-drop needs --foot")

    def foot_demo(cfg, speed, *, sets, rest_s):
        return foot_demo_source(cfg, speed, sets=sets, rest_s=rest_s, drop=args.foot_drop)

    setup = _setup_from_args(args)  # a bad plan is refused before anything runs
    posture = setup.posture
    if not _want_tui(args):
        sets = args.sets or 1
        print(SAFETY_NOTE)
        print(f"Simulated sensor: {posture} nerve glides, {args.reps * sets} reps (Ctrl-C to stop)\n")
        cfg = SimConfig(reps=args.reps * sets, posture=posture, seed=args.seed, rate_hz=args.rate, leg=setup.leg)
        rest = args.rest if sets > 1 else 0.0
        make = foot_demo if foot else SimulatedSource
        src = make(cfg, args.speed, sets=sets, rest_s=rest)
        return _run_headless(
            src, posture, args.verbose, performed=getattr(src, "performed", None), sound=_headless(args, posture, sets)
        )
    from tui.app import GlideApp

    def make_source(setup):
        cfg = SimConfig(
            reps=setup.reps_per_set * setup.sets,
            posture=setup.posture,
            seed=args.seed,
            rate_hz=args.rate,
            leg=setup.leg,
        )
        make = foot_demo if foot else SimulatedSource
        src = make(cfg, args.speed, sets=setup.sets, rest_s=setup.rest_s)
        src.meta["kind"] = "demo"  # saved with the session: history tells demo, replay and live apart
        return src

    return _run_dashboard(
        GlideApp(
            mode="demo",
            make_source=make_source,
            setup=setup,
            skip_setup=args.no_setup,
            bell=args.bell,
            sound=_sound(args),
        )
    )


def cmd_replay(args) -> int:
    from sensor.io.sources import ReplaySource

    src = ReplaySource(args.trace, speed=args.speed, **import_opts(args))  # a bad file fails here
    setup = _setup_from_args(args, src.meta)
    if args.sets is None:  # no plan given: it follows the trace (a 10-rep trace is 1 x 10, not 3 x 10)
        from tui.session import setup_following_trace

        setup = setup_following_trace(args.trace, setup, import_opts(args))
    if not _want_tui(args):
        print(SAFETY_NOTE)
        print(f"Replaying {args.trace} ({setup.posture}) at x{args.speed:g} (Ctrl-C to stop)\n")
        return _run_headless(src, setup.posture, args.verbose, sound=_headless(args, setup.posture, args.sets or 1))
    from tui.app import GlideApp

    src.meta["kind"] = "replay"
    recorded = _recording_start(args.trace, src.meta)
    return _run_dashboard(
        GlideApp(
            mode="replay",
            make_source=lambda _setup: src,
            setup=setup,
            skip_setup=args.no_setup,
            bell=args.bell,
            sound=_sound(args),
            started_at=(lambda: recorded) if recorded else None,  # a replay is dated by its recording
        )
    )


def _recording_start(path: str, meta: dict):
    """When a recording was made: its ``started_at`` line, else the file's modification time."""
    import os
    from datetime import datetime

    try:
        when = datetime.fromisoformat(str(meta.get("started_at", "")))
        return when if when.tzinfo else when.astimezone()
    except ValueError:
        pass
    try:
        return datetime.fromtimestamp(os.path.getmtime(path)).astimezone()
    except (OSError, ValueError, OverflowError):
        return None


def cmd_live(args) -> int:
    from tui.app import GlideApp
    from tui.live import BleUnavailable, load_ble_scanner

    if args.foot_device is not None and not args.foot_device.strip():
        raise CliError("--foot-device needs the foot sensor's name or address")

    try:
        scanner, reason = load_ble_scanner(), None
    except BleUnavailable as e:
        scanner, reason = None, str(e)
    setup = _setup_from_args(args)
    if not _want_tui(args):
        if scanner is None:
            raise CliError(f"{reason} Try 'glide demo' or 'glide replay TRACE'.")
        try:
            return _run_headless(
                _connect_headless(scanner, args.device, args.foot_device),
                setup.posture,
                args.verbose,
                sound=_headless(args, setup.posture, args.sets or 1),
            )
        except (CliError, KeyboardInterrupt):
            raise
        except Exception as e:  # the transport's own errors (no adapter, not found) are for people
            if e.__class__.__module__.startswith("sensor.ble.link"):
                raise CliError(str(e)) from None
            raise
    return _run_dashboard(
        GlideApp(
            mode="live",
            scanner=scanner,
            ble_error=reason,
            device=args.device,
            foot_device=args.foot_device,
            setup=setup,
            skip_setup=args.no_setup,
            bell=args.bell,
            sound=_sound(args),
        )
    )


def _connect_headless(scanner, device: str | None, foot: str | None = None):
    import asyncio

    from sensor.io.sources import DeviceInfo
    from tui.storage import load_last_device

    async def connect():
        # with a foot sensor and no --device, the shin is the strongest *other* sensor of the scan
        address = device or (None if foot else (load_last_device() or {}).get("address"))
        if address is None and not foot:
            found = await scanner.scan(5.0)
            if not found:
                raise CliError("no sensor found (is it on and near?)")
            best = max(found, key=lambda d: d.rssi_dbm if d.rssi_dbm is not None else -999)
            address = best.address
            print(f"connecting to {best.name} ({best.family}, {address})")
        if not foot:
            assert address is not None  # from --device, the last one used, or the scan
            return await scanner.connect(DeviceInfo(address, address, "?"))
        shin = DeviceInfo(address or "", address or "the strongest other sensor", "?")
        src = await scanner.connect(shin, DeviceInfo(foot, foot, "?"))
        src.on_notice = lambda text: print(f"[foot] {text}", flush=True)
        return src

    return asyncio.run(connect())
