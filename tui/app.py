"""The Textual dashboard: one app for the BLE sensor, the simulated sensor and recorded traces.

Data flow: a worker iterates the source (~50 ms chunks) and calls ``Session.ingest``; that is
all the work per chunk. A timer at ``fps`` frames per second shows the session on the screen
on top, so drawing costs the same at 25 Hz or 200 Hz. A counted rep is shown at once (the
worker refreshes the view in the same step) rather than on the next frame.

The app never creates a source before the setup screen is done: it is handed a factory
``make_source(setup) -> Source``, so the simulated person follows the plan that was chosen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from textual.app import App, ScreenStackError, SystemCommand
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer

from sensor.core.types import WorkoutState
from sensor.io.sources import DeviceInfo, Source

from . import storage
from .screens import (
    CalibrationScreen,
    DevicePickerScreen,
    LiveScreen,
    SessionSummaryScreen,
    SetSummaryScreen,
    SetupScreen,
    UnavailableScreen,
)
from .session import Session, SessionSetup

log = logging.getLogger("glide")

SourceFactory = Callable[[SessionSetup], Source]


class RingBell(Message):
    """A rep's bell, posted from the sound thread (posting never waits for the screen)."""


class GlideApp(App):
    CSS_PATH = "glide.tcss"
    TITLE = "glide"
    BINDINGS = [
        Binding("q", "quit_session", "Quit", show=False),
        # Ctrl-C quits like everywhere else in a terminal (saving first), instead of Textual's
        # "press ctrl+q" hint; priority, so no focused input takes it for "copy".
        Binding("ctrl+c", "quit_session", "Quit", show=False, priority=True),
        Binding("m", "toggle_sound", "Mute"),  # tui/audio: hidden when sound is off (check_action)
    ]

    def __init__(
        self,
        *,
        mode: str,
        make_source: SourceFactory | None = None,
        setup: SessionSetup | None = None,
        skip_setup: bool = False,
        scanner=None,
        ble_error: str | None = None,
        device: str | None = None,
        foot_device: str | None = None,
        bell: bool = False,
        save: bool = True,
        data_root: Path | None = None,
        started_at: Callable[[], datetime] | None = None,
        fps: float = 10.0,
        sound=None,  # sound: (setup, session) -> tui.audio.live.LiveSound, or None for silence
    ) -> None:
        super().__init__()
        self.sound_factory, self.sound = sound, None
        self.mode = mode
        self.make_source = make_source
        self.initial_setup = setup or SessionSetup()
        self.skip_setup = skip_setup
        self.scanner = scanner
        self.ble_error = ble_error
        self.device = device
        self.foot_device = foot_device  # issue 16: a second sensor on the foot (name or address)
        self.bell_on_rep = bell
        self.save = save
        self.data_root = data_root
        self._started_at = started_at
        self.fps = fps
        self.session: Session | None = None
        self.source: Source | None = None
        self.saved_to: Path | None = None
        self.frames = 0
        self._timer: Timer | None = None
        self.sub_title = {"demo": "demo · simulated sensor", "replay": "replay", "live": "live"}.get(mode, mode)

    # ------------------------------------------------------------------ flow
    def on_mount(self) -> None:
        if self.mode == "live" and self.make_source is None:
            if self.ble_error:
                self.push_screen(UnavailableScreen(self.ble_error))
                return
            last = storage.load_last_device(self.data_root)
            foot = DeviceInfo(self.foot_device, self.foot_device, "?") if self.foot_device else None
            if self.device:
                self.connect_device(DeviceInfo(self.device, self.device, "?"), foot)
            self.push_screen(DevicePickerScreen(self.scanner, last, foot=self.foot_device))
            return
        self._to_setup()

    def _to_setup(self) -> None:
        if self.skip_setup:
            self.start_session(self.initial_setup)
        else:
            label = {"demo": "simulated sensor", "replay": "recorded trace"}.get(self.mode, "sensor")
            self.push_screen(SetupScreen(self.initial_setup, label))

    def connect_device(self, device: DeviceInfo, foot: DeviceInfo | None = None) -> None:
        self.run_worker(self._connect(device, foot), group="connect", exclusive=True, exit_on_error=False)

    async def _connect(self, device: DeviceInfo, foot: DeviceInfo | None = None) -> None:
        try:
            source = await (self.scanner.connect(device, foot) if foot else self.scanner.connect(device))
        except Exception as e:
            self.notify(f"Could not connect to {device.name}: {e}", severity="error", timeout=8)
            return
        if self.save:
            try:
                storage.save_last_device(
                    {"address": device.address, "name": device.name, "family": device.family}, self.data_root
                )
            except OSError as e:
                log.warning("cannot remember the device: %s", e)
        self.make_source = lambda setup, _s=source: _s
        self.sub_title = f"live · {device.name}" + (f" + foot {foot.name}" if foot else "")
        self._to_setup()

    def start_session(self, setup: SessionSetup) -> None:
        """Setup is done: create the source and the session, show the dashboard, start feeding."""
        if self.make_source is None:  # live mode before a device is connected: nothing to start
            return
        source = self.make_source(setup)
        self.source = source
        started = self._started_at() if self._started_at else None
        self.session = Session(
            setup,
            source_name=source.name,
            source_meta=source.meta,
            rate_hz=source.rate_hz,
            save=self.save,
            root=self.data_root,
            started_at=started,
        )
        self._start_sound(setup, self.session)
        self.sub_title = f"{self.sub_title.split(' · ')[0]} · {source.name} · {setup.posture}, {setup.leg} leg"
        # the dashboard replaces whatever led here; calibration goes on top of it
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(LiveScreen())
        self.push_screen(CalibrationScreen())
        self.run_worker(self._pump(), group="source", exclusive=True, exit_on_error=False)
        if self.session.files.folder is not None:  # said once here; the status bar then shows "● rec"
            self.notify(f"Saving this session to {storage.display_path(self.session.files.folder)}", timeout=6)
        if self._timer is None:
            self._timer = self.set_interval(1.0 / self.fps, self.tick)
        self.tick()

    async def _pump(self) -> None:
        session, source = self.session, self.source
        if session is None or source is None:
            return
        error = None
        try:
            async for chunk in source:
                new = session.ingest(chunk)
                if self.sound is not None:
                    self.sound.flush(session.t_now, paused=session.state == "paused")
                if new:
                    self.tick()  # a rep is shown now, not on the next frame
                    if self.bell_on_rep:
                        self.bell()
        except Exception as e:
            log.exception("source failed")
            error = f"{e.__class__.__name__}: {e}" if not str(e).startswith(("/", ".")) else str(e)
        if session is self.session:
            session.source_ended(error)
            self.tick()

    # ------------------------------------------------------------------ frames
    def tick(self) -> None:
        """One frame: move between screens as the session's state asks, then draw the top one."""
        s = self.session
        if s is None:
            return
        if self.sound is not None and (note := self.sound.take_notice()):
            self.notify(note, severity="warning", timeout=10)
        self.frames += 1
        try:
            top = self.screen
        except ScreenStackError:  # closing: the screens are gone, a last timer tick still ran
            return
        resting, done = s.state == WorkoutState.RESTING, s.state == WorkoutState.DONE
        if isinstance(top, CalibrationScreen) and (s.calibration.calibrated or resting or done):
            self.pop_screen()
        elif resting and not isinstance(top, SetSummaryScreen):
            if not isinstance(top, (CalibrationScreen, SessionSummaryScreen)):
                self.push_screen(SetSummaryScreen())
        elif not resting and isinstance(top, SetSummaryScreen):
            self.pop_screen()
        if done and not self._summary_shown:
            self._summary_shown = True
            self._export_quietly()  # the plan is complete or the source ended: save now
            while isinstance(self.screen, (SetSummaryScreen, CalibrationScreen)):
                self.pop_screen()
            self.push_screen(SessionSummaryScreen())
        top = self.screen
        show = getattr(top, "show", None)
        if show is not None and top.is_mounted:
            try:
                show(s)
            except NoMatches:  # composed but not all children mounted yet: next frame
                pass

    _summary_shown = False

    def _export_quietly(self) -> None:
        s = self.session
        if s is None:
            return
        try:
            s.export()
        except Exception as e:
            log.exception("export")
            s.files.error = f"export failed: {e}"

    def pop_calibration(self) -> None:
        if isinstance(self.screen, CalibrationScreen):
            self.pop_screen()
            self.tick()

    # ------------------------------------------------------------------ actions (keys, palette)
    def action_toggle_set(self) -> None:
        s = self.session
        if s is None:
            return
        was = s.state
        state = s.toggle_pause()
        src = self.source
        if getattr(src, "pausable", False):  # a replay or the simulated person waits; a live sensor does not
            if state == WorkoutState.PAUSED:
                getattr(src, "pause")()  # noqa: B009  (pausable sources only: not part of the Source protocol)
            elif was == WorkoutState.PAUSED:
                getattr(src, "resume")()  # noqa: B009
        self.notify(
            {"paused": "Set paused", "active": "Set running", "calibrating": "Set running"}.get(
                state, state.capitalize()
            ),
            timeout=2,
        )
        self.tick()

    def action_end_set(self) -> None:
        s = self.session
        if s is None:
            return
        if s.end_set() is None:
            self.notify("No reps in this set yet.", severity="warning", timeout=3)
        self.tick()

    def action_recalibrate(self) -> None:
        s = self.session
        if s is None or s.state == "done":
            return
        s.recalibrate()
        if not isinstance(self.screen, CalibrationScreen):
            self.push_screen(CalibrationScreen())
        self.tick()

    def action_export(self) -> None:
        s = self.session
        if s is None:
            return
        try:
            folder = s.export()
        except Exception as e:
            self.notify(f"Export failed: {e}", severity="error", timeout=8)
            return
        if folder is None:
            self.notify(s.files.error or "Saving is off for this session.", severity="warning")
        else:
            self.notify(f"Saved to {storage.display_path(folder)}", timeout=6)
        self.tick()

    def action_back_to_dashboard(self) -> None:
        if isinstance(self.screen, SessionSummaryScreen):
            self.pop_screen()
            self.tick()

    async def action_quit_session(self) -> None:
        await self.close_source()
        self.finish()
        self.exit()

    async def action_quit(self) -> None:  # also the palette's and ctrl+q's quit: save first
        await self.action_quit_session()

    async def close_source(self) -> None:
        for w in list(self.workers):
            if w.group == "source":
                w.cancel()
        src = self.source
        if src is not None:
            try:
                await src.aclose()
            except Exception:
                log.exception("closing the source")

    # ------------------------------------------------------------------ sound (tui/audio)
    def _start_sound(self, setup: SessionSetup, session: Session) -> None:
        if self.sound is not None:
            self.sound.close()
        self.sound = self.sound_factory(setup, session) if self.sound_factory else None
        if self.sound is not None:
            session.event_tap = self.sound.collect
            if not self.bell_on_rep:  # no audio output: the bell marks each rep instead
                # post, not call_from_thread: the sound thread must never wait on a busy screen
                self.sound.player.bell = lambda: self.post_message(RingBell())

    def on_ring_bell(self, _message: RingBell) -> None:
        self.bell()

    def action_toggle_sound(self) -> None:
        if self.sound is not None:
            self.notify("Sound muted" if self.sound.toggle_mute() else "Sound on", timeout=2)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.sound is not None if action == "toggle_sound" else True

    def finish(self) -> Path | None:
        """Save everything (rep log, summary, trace) and close the recording. Idempotent."""
        if self.sound is not None:
            self.sound.close()
        s = self.session
        if s is None:
            return None
        try:
            self.saved_to = s.close()
        except Exception as e:
            log.exception("export at exit")
            s.files.error = f"export failed: {e}"
        return self.saved_to

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if self.session is not None:
            yield SystemCommand(
                "Start / pause set", "Pause counting, resume, or start the next set", self.action_toggle_set
            )
            yield SystemCommand("End set", "Close the current set and start the rest timer", self.action_end_set)
            yield SystemCommand(
                "Recalibrate", "Learn again how the sensor sits (after re-strapping)", self.action_recalibrate
            )
            yield SystemCommand(
                "Export", "Save the rep log (CSV, JSON) and the session summary now", self.action_export
            )
            yield SystemCommand("Session summary", "Per-set and per-rep tables", self._show_summary)
        yield SystemCommand("Bell on each rep", "Toggle the terminal bell when a rep is counted", self._toggle_bell)

    def _show_summary(self) -> None:
        if self.session is not None and not isinstance(self.screen, SessionSummaryScreen):
            self.push_screen(SessionSummaryScreen())
            self.tick()

    def _toggle_bell(self) -> None:
        self.bell_on_rep = not self.bell_on_rep
        self.notify(f"Bell on each rep: {'on' if self.bell_on_rep else 'off'}", timeout=2)
