"""The dashboard's screens. Each is a view of :class:`tui.session.Session` and of its workout
(:mod:`sensor.core.workout`): they read state and render it, and hold no rules of their own (a
green or yellow number asks the coaching rules). The app's frame timer calls ``show(session)``
on the screen on top, and key bindings call back into the app."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, ProgressBar, RadioButton, RadioSet, Static

from sensor.core.coach import SAFETY_NOTE, far_hold_s, meets_tempo, rhythm_grade
from sensor.core.types import LinkStatus, Posture, Severity, WorkoutState

from .context_line import ContextLine
from .phase_words import PHASES, phase_key
from .session import CALIBRATION_STEPS, Session, SessionSetup
from .text import fmt, glide_app
from .widgets import AngleGauge, AnglePlot, AnkleIndicator, BigText

STRAP_ART = """\
      hip ●━━━━━━━━━● knee        Strap the sensor on the SHIN of the
                     ╲            exercising leg, a hand's width below
             sensor ▣ ╲  ◀ here   the knee, on the front or the outer
                       ╲          side. Snug: it must not slide or turn.
                        ╲         Any orientation works: glide learns
                         ● ankle  how it sits during the first rep."""


# =========================================================================== setup
class SetupScreen(Screen):
    """Leg, posture, plan and tempo, plus where to strap the sensor."""

    BINDINGS = [Binding("ctrl+s", "start", "Start", priority=True), Binding("q", "app.quit", "Quit")]

    def __init__(self, setup: SessionSetup, source_label: str) -> None:
        super().__init__()
        self.setup = setup
        self.source_label = source_label

    def compose(self) -> ComposeResult:
        s = self.setup
        yield Header()
        with VerticalScroll(id="setup"):
            yield Label(f"Set up the session  ·  {self.source_label}", classes="screen-title")
            with Horizontal(id="setup-choices"):
                with Vertical(classes="choice"):
                    yield Label("Leg")
                    with RadioSet(id="leg", compact=True):
                        yield RadioButton("left", value=s.leg == "left", id="leg-left")
                        yield RadioButton("right", value=s.leg == "right", id="leg-right")
                with Vertical(classes="choice"):
                    yield Label("Posture")
                    with RadioSet(id="posture", compact=True):
                        yield RadioButton("supine (lying)", value=s.posture == "supine", id="posture-supine")
                        yield RadioButton("seated", value=s.posture == "seated", id="posture-seated")
                with Grid(id="setup-numbers"):
                    yield Label("reps per set")
                    yield Input(str(s.reps_per_set), type="integer", id="reps", compact=True, max_length=3)
                    yield Label("sets")
                    yield Input(str(s.sets), type="integer", id="sets", compact=True, max_length=2)
                    yield Label("down (s)")
                    yield Input(f"{s.down_s:g}", type="number", id="down", compact=True, max_length=4)
                    yield Label("up (s)")
                    yield Input(f"{s.up_s:g}", type="number", id="up", compact=True, max_length=4)
                    yield Label("rest (s)")
                    yield Input(f"{s.rest_s:g}", type="number", id="rest", compact=True, max_length=4)
            yield Static(STRAP_ART, id="strap")
            yield Static("", id="setup-errors")
            with Center():
                yield Button("Start  (ctrl+s)", id="start", variant="success")
        yield Static(SAFETY_NOTE, classes="safety")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#start", Button).focus()

    def read_setup(self) -> tuple[SessionSetup | None, list[str]]:
        def num(wid: str, cast):
            try:
                return cast(self.query_one(f"#{wid}", Input).value)
            except ValueError:
                return None

        leg = "right" if self.query_one("#leg-right", RadioButton).value else "left"
        posture = "seated" if self.query_one("#posture-seated", RadioButton).value else "supine"
        vals = {
            "reps": num("reps", int),
            "sets": num("sets", int),
            "down": num("down", float),
            "up": num("up", float),
            "rest": num("rest", float),
        }
        missing = [k for k, v in vals.items() if v is None]
        if missing:
            return None, [f"{k}: a number please" for k in missing]
        setup = SessionSetup(
            leg=leg,
            posture=posture,
            reps_per_set=vals["reps"],
            sets=vals["sets"],
            down_s=vals["down"],
            up_s=vals["up"],
            rest_s=vals["rest"],
        )
        return setup, setup.validate()

    @on(Button.Pressed, "#start")
    def action_start(self) -> None:
        setup, problems = self.read_setup()
        errors = self.query_one("#setup-errors", Static)
        if problems or setup is None:
            errors.update("[b]Check:[/b] " + "; ".join(problems))
            return
        errors.update("")
        glide_app(self).start_session(setup)


# =========================================================================== calibration
class CalibrationScreen(Screen):
    """'Tabletop, hold still' then 'one slow rep' while the pipeline learns the mounting."""

    BINDINGS = [
        Binding("enter", "skip", "Dashboard", priority=True),
        Binding("q", "app.quit_session", "Quit"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="calibration"):
            yield BigText("SETUP", id="calib-big")
            yield Static("", id="calib-steps")
            with Center():
                yield ProgressBar(total=100, show_eta=False, id="calib-progress")
            yield Static("", id="calib-detail", classes="hint")
            yield ContextLine(id="calib-context")
        yield Static(SAFETY_NOTE, classes="safety")
        yield Footer()

    def show(self, s: Session) -> None:
        cal = s.calibration
        steps = CALIBRATION_STEPS[s.setup.posture]
        lines = []
        labels = ["sensor streaming", steps[1], steps[2]]
        for i, text in enumerate(labels):
            mark = "✔" if cal.step > i else ("▶" if cal.step == i else "·")
            style = "green" if cal.step > i else ("bold" if cal.step == i else "dim")
            lines.append(f"[{style}]{mark} {text}[/]")
        if cal.step == 1:
            lines.append(f"   still for {cal.still_s:.1f} s of 1 s")
        elif cal.step == 2:
            lines.append(f"   movements seen: {cal.movements}")
        self.query_one("#calib-steps", Static).update("\n".join(lines))
        self.query_one("#calib-progress", ProgressBar).update(progress=round(100 * cal.progress))
        detail = "Enter: go to the dashboard now (counting starts as soon as glide has learned the mounting)."
        if s.notice is not None and s.notice.severity != "info":
            detail = s.notice.text
        self.query_one("#calib-detail", Static).update(detail)
        self.query_one(ContextLine).shown = s.context.shown

    def action_skip(self) -> None:
        glide_app(self).pop_calibration()


# =========================================================================== live
class LiveScreen(Screen):
    """The dashboard: rep counter, phase, angle gauge and plot, tempo, guidance, status."""

    BINDINGS = [
        Binding("space", "app.toggle_set", "Start/pause set"),
        Binding("e", "app.end_set", "End set"),
        Binding("c", "app.recalibrate", "Recalibrate"),
        Binding("x", "app.export", "Export"),
        Binding("q", "app.quit_session", "Quit"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Grid(id="live"):
            with Vertical(id="reps-panel", classes="panel"):
                yield BigText("0/10", id="rep-count")
                yield Static("", id="set-label")
            with Vertical(id="phase-panel", classes="panel"):
                yield BigText("SETUP", id="phase-word")
                yield Static("", id="phase-hint")
            with Vertical(id="gauge-panel", classes="panel"):
                yield BigText("--", id="angle-big")
                yield AngleGauge(id="gauge")
            with Vertical(id="tempo-panel", classes="panel"):
                yield Static("", id="tempo")
                yield AnkleIndicator(id="ankle")
            with Vertical(id="plot-panel", classes="panel"):
                yield AnglePlot(id="plot")
        with Vertical(id="bottom"):
            yield Static("", id="cue")
            yield Static(SAFETY_NOTE, id="live-safety")
            yield ContextLine(id="context")
            yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#reps-panel").border_title = "REPS"
        self.query_one("#phase-panel").border_title = "PHASE"
        self.query_one("#gauge-panel").border_title = "SHIN ANGLE"
        self.query_one("#tempo-panel").border_title = "TEMPO"
        self.query_one("#plot-panel").border_title = "LAST 15 s"
        self._tempo_key: tuple[int, int, WorkoutState] | None = None
        self._status_text = ""
        self._cue_text: tuple[str, Severity] | None = None
        self._phase_key: tuple[str, str] | None = None
        self._set_label: str | None = None
        q = self.query_one
        self.w_count, self.w_set, self.w_gauge = (
            q("#rep-count", BigText),
            q("#set-label", Static),
            q("#gauge", AngleGauge),
        )
        self.w_angle, self.w_plot = q("#angle-big", BigText), q("#plot", AnglePlot)

    def on_resize(self, event) -> None:
        self.set_class(event.size.width < 92, "narrow")

    # ------------------------------------------------------------------ view
    def show(self, s: Session) -> None:
        narrow = self.has_class("narrow")
        self.w_count.text = f"{s.reps_in_set}" if narrow else f"{s.reps_in_set}/{s.setup.reps_per_set}"
        label = (
            f"of {s.setup.reps_per_set} · set {s.set_index}/{s.setup.sets}"
            if narrow
            else f"set {s.set_index} of {s.setup.sets}  ·  {len(s.reps)} in total"
        )
        if label != self._set_label:  # (an update re-lays the screen out: only on change)
            self._set_label = label
            self.w_set.update(label)
        self._show_phase(s)
        target = s.workout.target_range()
        supine = s.setup.posture == Posture.SUPINE
        span = (-60.0, 90.0) if supine else (-105.0, 15.0)
        gauge = self.w_gauge
        gauge.span, gauge.target = span, target
        gauge.base = 0.0 if supine else span[0]
        angle = None if s.angle is None else round(s.angle) + 0  # whole degrees (no redraw for noise); + 0: no -0
        gauge.angle = angle
        self.w_angle.text = "--" if angle is None else (f"{angle:+d}°" if angle else "0°")
        h = s.history
        t_end = float(h.t[-1]) if len(h.t) else None
        reps = [(r.start_s, r.end_s, r.index) for r in s.reps[-8:]]
        self.w_plot.set_data(h.t, h.e, t_end, reps, target, span)
        self._show_tempo(s)
        self.query_one("#ankle", AnkleIndicator).show(s.ankle.link, s.last_ankle(), s.ankle.learned)
        text, severity = s.guidance()
        if (text, severity) != self._cue_text:
            self._cue_text = (text, severity)
            cue = self.query_one("#cue", Static)
            cue.update(text)
            cue.set_class(severity == Severity.WARN, "warn")
            cue.set_class(severity == Severity.ERROR, "error")
        self.query_one(ContextLine).shown = s.context.shown
        self._show_status(s)

    def phase_key(self, s: Session) -> str:
        return phase_key(s.state, s.calibration.calibrated, s.phase, s.context.shown)

    def _show_phase(self, s: Session) -> None:
        key = self.phase_key(s)
        where = s.phase_where if key == "hold" else ""
        if (key, where) == self._phase_key:
            return
        self._phase_key = (key, where)
        word, cls, hint_supine, hint_seated = PHASES[key]
        hint = hint_supine if s.setup.posture == Posture.SUPINE else hint_seated
        if key == "hold" and where in ("top", "bottom"):
            hint = f"hold at the {where}"
        panel = self.query_one("#phase-panel")
        for _, c, *_ in PHASES.values():
            panel.set_class(c == cls, c)
        self.query_one("#phase-word", BigText).text = word
        self.query_one("#phase-hint", Static).update(hint)

    def _show_tempo(self, s: Session) -> None:
        key = (len(s.reps), s.set_index, s.state)
        if key == self._tempo_key:
            return
        self._tempo_key = key
        r = s.last_rep
        st = s.set_stats()
        plan = s.workout.plan
        far_hold = None if r is None else far_hold_s(r, s.setup.posture)

        def row(name: str, val: float | None, target: float) -> str:
            if val is None:
                return f"{name:<7}{'–':>5}{target:>6.1f}"
            return f"{name:<7}[{'green' if meets_tempo(val, target) else 'yellow'}]{val:5.1f}[/]{target:>6.1f}"

        lines = [
            f"{'s':<7}{'last':>5}{'goal':>6}",
            row("down", None if r is None else r.flex_down_s, plan.down_s),
            row("up", None if r is None else r.extend_up_s, plan.up_s),
            row("hold", far_hold, plan.hold_s),
            "",
        ]
        cad = st.get("cadence_per_min")
        lines.append(f"cadence {fmt(cad, '5.1f', '    –')}/min")
        cv = st.get("tempo_cv")
        if st.get("rep_count", 0) >= 2 and cv is not None:
            cons = max(0.0, 100.0 * (1 - cv))
            col = {None: "green", Severity.INFO: "yellow", Severity.WARN: "red"}[rhythm_grade(cv)]
            lines.append(f"consistency[{col}]{cons:4.0f}%[/]")
        else:
            lines.append("consistency   –")
        lines.append(f"range   {fmt(None if r is None else r.rom_deg, '5.0f', '    –')}°")
        if s.workout.best_rom:
            lines.append(f"best    {s.workout.best_rom:5.0f}°")
        self.query_one("#tempo", Static).update("\n".join(lines))

    def _show_status(self, s: Session) -> None:
        app = self.app
        src = getattr(app, "source", None)
        st = getattr(src, "status", None)
        parts = []
        dev = st.device if st else s.source_name
        parts.append(f"● {dev}")
        if st is not None and st.battery_pct is not None:
            parts.append(f"battery {st.battery_pct} %")
        rate = s.effective_rate_hz
        parts.append(f"{rate:.0f} Hz" if rate else "– Hz")
        loss = st.packet_loss_pct if st is not None and st.packet_loss_pct is not None else s.packet_loss_pct()
        parts.append(f"loss {loss:.1f} %" if loss is not None else "loss –")
        state = st.state if st is not None else s.source_state
        if state == LinkStatus.RECONNECTING:
            parts.append("[b reverse] reconnecting... [/]")
        elif state != LinkStatus.STREAMING:
            parts.append(state)
        if s.pipeline.stats.gaps:
            parts.append(f"gaps {s.pipeline.stats.gaps}")
        speed = getattr(src, "speed", None)
        if speed is not None and speed != 1:
            parts.append(f"×{speed:g}")
        if s.files.error:
            parts.append(f"[red]{s.files.error}[/]")
        elif s.files.folder is not None:  # where: on the summary screen and in the notice at the start
            parts.append("● rec")
        text = "  │  ".join(parts)
        if text != self._status_text:
            self._status_text = text
            self.query_one("#status", Static).update(text)


from .picker import DevicePickerScreen, UnavailableScreen  # noqa: E402  (the screens' one list)
from .summary_screens import SessionSummaryScreen, SetSummaryScreen  # noqa: E402

__all__ = [
    "CalibrationScreen",
    "DevicePickerScreen",
    "LiveScreen",
    "SessionSummaryScreen",
    "SetSummaryScreen",
    "SetupScreen",
    "UnavailableScreen",
]
