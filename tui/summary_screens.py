"""The screens after the work: a set's numbers with the rest timer, and the session summary.

Views of :class:`tui.session.Session` like the rest of :mod:`tui.screens`: they read the
workout's sets and reps and render them.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, ProgressBar, Static

from sensor.core.ankle_reps import ok_count
from sensor.core.coach import SAFETY_NOTE, far_hold_s
from sensor.core.types import LinkStatus, Posture

from .session import Session
from .storage import display_path
from .text import deg, fmt, plural
from .widgets import BigText


# =========================================================================== set summary
class SetSummaryScreen(Screen):
    """After a set: its numbers, the rest timer, and the way into the next set."""

    BINDINGS = [
        Binding("space", "app.toggle_set", "Start next set"),
        Binding("x", "app.export", "Export"),
        Binding("q", "app.quit_session", "Quit"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="set-summary"):
            yield Label("", id="set-title", classes="screen-title")
            yield Static("", id="set-numbers")
            yield Label("REST", id="rest-label")
            yield BigText("0:00", id="rest-clock")
            with Center():
                yield ProgressBar(total=100, show_eta=False, show_percentage=False, id="rest-progress")
            yield Static("", id="rest-cue", classes="hint")
            yield DataTable(id="set-reps", cursor_type="none", zebra_stripes=True)
        yield Static(SAFETY_NOTE, classes="safety")
        yield Footer()

    def on_mount(self) -> None:
        self._shown_set: tuple[int, int] | None = None
        self.query_one("#set-reps", DataTable).add_columns(
            "rep", "down s", "up s", "hold s", "range °", "bottom °", "top °", "cue"
        )

    def show(self, s: Session) -> None:
        done = s.workout.finished_sets()
        last = done[-1] if done else None
        if last is not None and self._shown_set != (last.index, len(last.reps)):
            self._shown_set = (last.index, len(last.reps))
            table = self.query_one("#set-reps", DataTable)
            table.clear()
            for r in last.reps:
                table.add_row(str(r.index), *_rep_cells(r, s.setup.posture), s.rep_notes.get(r.index, ""))
        if last is not None:
            st = last.summary()
            self.query_one("#set-title", Label).update(
                f"Set {last.index} of {s.setup.sets} done: {plural(st['rep_count'], 'rep')}"
            )
            self.query_one("#set-numbers", Static).update(_set_numbers(st) + foot_line(last.reps, s.workout.ankle))
        left = s.rest_left
        if left is not None:
            m, sec = divmod(int(round(left)), 60)
            self.query_one("#rest-clock", BigText).text = f"{m}:{sec:02d}"
            total = max(s.setup.rest_s, 1e-9)
            self.query_one("#rest-progress", ProgressBar).update(progress=round(100 * (1 - left / total)))
        text, _ = s.guidance()
        self.query_one("#rest-cue", Static).update(text + "  Space starts the next set now.")


def _rep_cells(r, posture) -> tuple[str, ...]:
    """One rep's timing and angle cells, the same in the set's and the session's tables:
    down s, up s, hold s, range, bottom, top."""
    return (
        f"{r.flex_down_s:.1f}",
        f"{r.extend_up_s:.1f}",
        f"{far_hold_s(r, posture):.1f}",
        deg(r.rom_deg),
        deg(r.bottom_deg),
        deg(r.top_deg),
    )


def foot_line(reps, ankle) -> str:
    """The foot's verdict for a summary line (issue 16): "foot pattern ok in N of M", or nothing
    when no rep has a foot sensor's figures, so a shin-only screen is unchanged."""
    n = ok_count(ankle.get(r.index) for r in reps)
    return "" if n is None else f"  ·  foot pattern ok in {n} of {len(reps)}"


def _set_numbers(st: dict) -> str:
    if not st.get("rep_count"):
        return "no reps"
    return (
        f"cadence {fmt(st.get('cadence_per_min'))}/min"
        f"  ·  range {deg(st['mean_rom_deg'])}° ± {deg(st['sd_rom_deg'])}°"
        f"  ·  down {st['mean_flex_down_s']:.1f} s  ·  up {st['mean_extend_up_s']:.1f} s"
        f"  ·  tempo variability {100 * st['tempo_cv']:.0f} %"
    )


# =========================================================================== session summary
class SessionSummaryScreen(Screen):
    """Per-set and per-rep tables, where the files are, export again."""

    BINDINGS = [
        Binding("x", "app.export", "Export"),
        Binding("escape", "app.back_to_dashboard", "Dashboard"),
        Binding("q", "app.quit_session", "Quit"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="session-summary"):
            yield Label("Session summary", id="summary-title", classes="screen-title")
            yield Static("", id="summary-line")
            yield DataTable(id="sets-table", cursor_type="row", zebra_stripes=True)
            yield DataTable(id="reps-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="saved-to", classes="hint")
        yield Static(SAFETY_NOTE, classes="safety")
        yield Footer()

    def on_mount(self) -> None:
        self._shown: tuple[object, ...] | None = None
        self.query_one("#sets-table", DataTable).add_columns(
            "set", "reps", "cadence /min", "range °", "down s", "up s", "hold s", "tempo var %"
        )
        self.query_one("#reps-table", DataTable).add_columns(
            "rep", "set", "start s", "down s", "up s", "hold s", "range °", "bottom °", "top °"
        )

    def show(self, s: Session) -> None:
        key = (len(s.reps), len(s.workout.sets), tuple(map(str, s.files.exported)), s.source_state)
        if key == self._shown:
            return
        self._shown = key
        sets = s.sets_done()
        self.query_one("#summary-line", Static).update(
            f"{plural(len(s.reps), 'rep')} in {plural(len(sets), 'set')} ({s.setup.sets} planned)"
            f"  ·  {s.setup.posture}, {s.setup.leg} leg"
            + (f"  ·  {plural(s.uncounted, 'rep')} not counted" if s.uncounted else "")
            + foot_line(s.reps, s.workout.ankle)
            + ("  ·  source ended" if s.source_state == LinkStatus.ENDED else "")
            + (f"  ·  sensor lost: {s.notice.text}" if s.source_state == LinkStatus.FAILED and s.notice else "")
        )
        st_table = self.query_one("#sets-table", DataTable)
        st_table.clear()
        for rec in sets:
            st = rec.summary()
            st_table.add_row(
                str(rec.index),
                str(st["rep_count"]),
                fmt(st.get("cadence_per_min")),
                deg(st["mean_rom_deg"]),
                f"{st['mean_flex_down_s']:.1f}",
                f"{st['mean_extend_up_s']:.1f}",
                f"{st['mean_hold_bottom_s' if s.setup.posture == Posture.SUPINE else 'mean_hold_top_s']:.1f}",
                f"{100 * st['tempo_cv']:.0f}",
            )
        rp = self.query_one("#reps-table", DataTable)
        rp.clear()
        for rec in sets:
            for r in rec.reps:
                rp.add_row(str(r.index), str(rec.index), f"{r.start_s:.1f}", *_rep_cells(r, s.setup.posture))
        folder = s.files.folder
        if folder is None:
            saved = s.files.error or "not saved (saving is off)"
        elif s.files.exported:
            saved = f"Saved to {display_path(folder)}: " + ", ".join(p.name for p in s.files.exported) + ", trace.csv"
        else:
            saved = (
                f"Recording to {display_path(folder)}; press x to export the rep log and summary now"
                " (also done on quit)."
            )
        self.query_one("#saved-to", Static).update(saved)
