"""Small dashboard widgets: big block text, the shin-angle gauge, the braille angle plot and the
foot sensor's ankle indicator.

Each widget holds only what it draws (reactive attributes or one ``set_data`` call); the app's
frame timer decides when data changes, so nothing here redraws per sample. They draw through
Textual's line API: the lines of a frame are built once, as a few styled segments each, and
handed out by ``render_line``. (Rendering them as Rich text cost ~5x more CPU at 12 fps.)
"""

from __future__ import annotations

import math

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from sensor.core.ankle_live import FootLink
from sensor.core.ankle_reps import AnkleRep

# --------------------------------------------------------------------------- block font
# 5 rows per glyph, '#' = a full block. Only what the dashboard writes: digits, ':', '/', '-',
# '+', '°' and the letters of DOWN, UP, HOLD, REST, PAUSED, SETUP, DONE, READY, SET, CALIBRATE.
_FONT_SRC = {
    "0": ["####", "#  #", "#  #", "#  #", "####"],
    "1": [" ## ", "  # ", "  # ", "  # ", " ###"],
    "2": ["####", "   #", "####", "#   ", "####"],
    "3": ["####", "   #", " ###", "   #", "####"],
    "4": ["#  #", "#  #", "####", "   #", "   #"],
    "5": ["####", "#   ", "####", "   #", "####"],
    "6": ["####", "#   ", "####", "#  #", "####"],
    "7": ["####", "   #", "  # ", " #  ", " #  "],
    "8": ["####", "#  #", "####", "#  #", "####"],
    "9": ["####", "#  #", "####", "   #", "####"],
    ":": [" ", "#", " ", "#", " "],
    "/": ["    #", "   # ", "  #  ", " #   ", "#    "],
    "-": ["    ", "    ", "####", "    ", "    "],
    "+": ["   ", " # ", "###", " # ", "   "],
    "°": ["###", "# #", "###", "   ", "   "],
    " ": ["  ", "  ", "  ", "  ", "  "],
    "A": [" ## ", "#  #", "####", "#  #", "#  #"],
    "B": ["### ", "#  #", "### ", "#  #", "### "],
    "C": [" ###", "#   ", "#   ", "#   ", " ###"],
    "D": ["### ", "#  #", "#  #", "#  #", "### "],
    "E": ["####", "#   ", "### ", "#   ", "####"],
    "H": ["#  #", "#  #", "####", "#  #", "#  #"],
    "I": ["###", " # ", " # ", " # ", "###"],
    "L": ["#   ", "#   ", "#   ", "#   ", "####"],
    "N": ["#   #", "##  #", "# # #", "#  ##", "#   #"],
    "O": [" ## ", "#  #", "#  #", "#  #", " ## "],
    "P": ["### ", "#  #", "### ", "#   ", "#   "],
    "R": ["### ", "#  #", "### ", "# # ", "#  #"],
    "S": [" ###", "#   ", " ## ", "   #", "### "],
    "T": ["#####", "  #  ", "  #  ", "  #  ", "  #  "],
    "U": ["#  #", "#  #", "#  #", "#  #", " ## "],
    "W": ["#   #", "#   #", "# # #", "# # #", " # # "],
    "Y": ["#   #", " # # ", "  #  ", "  #  ", "  #  "],
    "▲": ["   #   ", "  ###  ", " ##### ", "#######", "       "],
    "▼": ["       ", "#######", " ##### ", "  ###  ", "   #   "],
}
FONT = {k: [row.replace("#", "█") for row in v] for k, v in _FONT_SRC.items()}
FONT_HEIGHT = 5


def big_lines(text: str) -> list[str]:
    """``text`` in the block font: 5 strings of equal width (unknown characters are skipped)."""
    glyphs = [FONT[c] for c in text.upper() if c in FONT]
    if not glyphs:
        return [""] * FONT_HEIGHT
    return [" ".join(g[row] for g in glyphs) for row in range(FONT_HEIGHT)]


def big_width(text: str) -> int:
    return len(big_lines(text)[0])


class LineWidget(Widget):
    """Builds all its lines at once when its data or size changes; ``render_line`` hands them out."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._version = 0
        self._built_key: tuple[object, ...] | None = None
        self._strips: list[Strip] = []

    def changed(self) -> None:
        self._version += 1
        self.refresh()

    def build(self, width: int, height: int, base: Style) -> list[list[Segment]]:
        raise NotImplementedError

    def render_line(self, y: int) -> Strip:
        w, h = self.content_size.width, self.content_size.height
        base = self.visual_style.rich_style  # cached by Textual until the styles change
        key = (self._version, w, h, base)
        if key != self._built_key:
            self._built_key = key
            self._strips = [Strip(segs).adjust_cell_length(w, base) for segs in self.build(w, h, base)]
        if 0 <= y < len(self._strips):
            return self._strips[y]
        return Strip.blank(w, base)


class BigText(LineWidget):
    """Text in a 5-row block font, readable from across the room, centred; falls back to plain
    text when the widget is too narrow for it."""

    DEFAULT_CSS = """
    BigText { height: 5; text-style: bold; }
    """

    text: reactive[str] = reactive("", layout=False)

    def __init__(self, text: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.set_reactive(BigText.text, text)

    def watch_text(self) -> None:
        self.changed()

    def build(self, width: int, height: int, base: Style) -> list[list[Segment]]:
        lines = big_lines(self.text)
        if len(lines[0]) > width:
            lines = [self.text]
        pad = max((width - len(lines[0])) // 2, 0)
        top = max((height - len(lines)) // 2, 0)
        return [[] for _ in range(top)] + [[Segment(" " * pad + line, base)] for line in lines]


# --------------------------------------------------------------------------- gauge
class AngleGauge(LineWidget):
    """A vertical shin-angle gauge: the scale in degrees, a bar from the reference angle to the
    current one, and the target range marked beside it."""

    DEFAULT_CSS = """
    AngleGauge { width: 1fr; height: 1fr; }
    """

    angle: reactive[float | None] = reactive(None)
    target: reactive[tuple[float, float] | None] = reactive(None)
    span: reactive[tuple[float, float]] = reactive((-60.0, 90.0))
    base: reactive[float] = reactive(0.0)  # where the bar starts (tabletop, or hanging)

    BAR = Style.parse("bold #38bdf8")
    BAND = Style.parse("bold #22c55e")
    BAND_HIT = Style.parse("bold #22c55e reverse")
    AXIS = Style.parse("#94a3b8")
    MARK = Style.parse("bold")

    def watch_angle(self) -> None:
        self.changed()

    def watch_target(self) -> None:
        self.changed()

    def watch_span(self) -> None:
        self.changed()

    def watch_base(self) -> None:
        self.changed()

    def build(self, width: int, height: int, base: Style) -> list[list[Segment]]:
        rows = max(height, 3)
        lo, hi = self.span
        step = (hi - lo) / rows
        centers = hi - (np.arange(rows) + 0.5) * step
        tick_rows = {
            int(np.clip(round((hi - tick) / step - 0.5), 0, rows - 1)): tick
            for tick in range(-180, 181, 30)
            if lo <= tick <= hi
        }
        bar_w = max(min(width - 10, 8), 2)
        a = self.angle
        cur_row = None if a is None else int(np.clip((hi - a) // step, 0, rows - 1))
        tgt = self.target
        axis, bar, band, hit, mark = (
            base + self.AXIS,
            base + self.BAR,
            base + self.BAND,
            base + self.BAND_HIT,
            base + self.MARK,
        )
        out = []
        for i, c in enumerate(centers.tolist()):
            top, bottom = c + step / 2, c - step / 2
            tick = tick_rows.get(i)
            label = "" if tick is None else (f"{tick:+d}" if tick else "0")
            segs = [Segment(f"{label:>4}" + ("┼" if tick == 0 else ("┤" if label else "│")), axis)]
            filled = a is not None and (min(a, self.base) <= c <= max(a, self.base) or i == cur_row)
            segs.append(Segment(("█" if filled else " ") * bar_w + " ", bar))
            in_band = tgt is not None and tgt[0] - step / 2 <= c <= tgt[1] + step / 2
            edge = tgt is not None and (bottom <= tgt[0] < top or bottom <= tgt[1] < top)
            segs.append(Segment("▐" if in_band else " ", hit if in_band and i == cur_row else band))
            if i == cur_row:
                segs.append(Segment(" ◀", mark))
            elif edge and width >= bar_w + 14:
                segs.append(Segment(" target", band))
            out.append(segs)
        return out


# --------------------------------------------------------------------------- braille plot
_DOT = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]], dtype=np.uint16)


def braille_cells(mask: np.ndarray) -> np.ndarray:
    """(4h, 2w) bool dot mask -> (h, w) braille dot bits (add 0x2800 for the character)."""
    h4, w2 = mask.shape
    m = mask.reshape(h4 // 4, 4, w2 // 2, 2)
    return (m * _DOT[None, :, None, :]).sum(axis=(1, 3)).astype(np.uint32)


class AnglePlot(LineWidget):
    """A scrolling plot of the last ``window_s`` seconds of shin angle, drawn in braille dots,
    with each counted rep's start and end marked and the target range as dotted lines."""

    DEFAULT_CSS = """
    AnglePlot { width: 1fr; height: 1fr; }
    """

    STYLES = {
        1: Style.parse("#22c55e"),
        2: Style.parse("#a16207"),
        3: Style.parse("bold #facc15"),
        4: Style.parse("bold #38bdf8"),
    }  # target, rep start, rep end, trace
    AXIS = Style.parse("#94a3b8")

    def __init__(self, window_s: float = 15.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.window_s = window_s
        self._t = np.empty(0)
        self._e = np.empty(0)
        self._t_end: float | None = None
        self._reps: list[tuple[float, float, int]] = []
        self._target: tuple[float, float] | None = None
        self.span: tuple[float, float] = (-60.0, 90.0)

    def set_data(
        self,
        t: np.ndarray,
        e: np.ndarray,
        t_end: float | None,
        reps: list[tuple[float, float, int]],
        target: tuple[float, float] | None,
        span: tuple[float, float],
    ) -> None:
        """Angles (t, e), right edge ``t_end``, reps as (start_s, end_s, index).

        The right edge moves in whole dot columns, so the plot is redrawn when it has scrolled
        by one dot, not on every frame.
        """
        if t_end is not None:
            dot_s = self.window_s / max(2 * (self.content_size.width - 5) - 1, 1)
            t_end = math.floor(t_end / dot_s) * dot_s
        if t_end == self._t_end and target == self._target and reps == self._reps and span == self.span:
            return
        self._t, self._e, self._t_end = t, e, t_end
        self._reps, self._target, self.span = list(reps), target, span
        self.changed()

    def grid(self, W: int, H: int) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
        """(H, W) braille bits, (H, W) style levels, and rep labels by column."""
        lo, hi = self.span
        pw, ph = 2 * W, 4 * H
        bits = np.zeros((H, W), dtype=np.uint32)
        level = np.zeros((H, W), dtype=np.int8)
        labels: dict[int, str] = {}
        t_end = self._t_end
        if t_end is None:
            return bits, level, labels
        t0 = t_end - self.window_s

        def px(t):
            return np.clip(np.round((np.asarray(t) - t0) / self.window_s * (pw - 1)).astype(int), 0, pw - 1)

        def py(e):
            return np.clip(np.round((hi - np.asarray(e)) / (hi - lo) * (ph - 1)).astype(int), 0, ph - 1)

        layers = []
        if self._target is not None:
            m = np.zeros((ph, pw), bool)
            for v in self._target:
                if lo <= v <= hi:
                    m[py(v), ::3] = True
            layers.append((1, m))
        starts, ends = np.zeros((ph, pw), bool), np.zeros((ph, pw), bool)
        for s_, e_, idx in self._reps:
            if e_ < t0 or s_ > t_end:
                continue
            if s_ >= t0:
                starts[::2, int(px(s_))] = True
            if e_ >= t0:
                x = int(px(e_))
                ends[:, x] = True
                labels[x // 2] = str(idx)
        layers += [(2, starts), (3, ends)]
        sel = self._t >= t0 - 0.5
        t, e = self._t[sel], self._e[sel]
        if len(t) > 1:
            x, y = px(t), py(e)
            # per dot column: the span of y over its samples and the sample before each, so the
            # trace stays connected however fast the shin moves
            ymin = np.full(pw, ph, int)
            ymax = np.full(pw, -1, int)
            np.minimum.at(ymin, x[1:], np.minimum(y[1:], y[:-1]))
            np.maximum.at(ymax, x[1:], np.maximum(y[1:], y[:-1]))
            rows = np.arange(ph)[:, None]
            layers.append((4, (rows >= ymin[None, :]) & (rows <= ymax[None, :])))
        for lvl, m in layers:
            cells = braille_cells(m)
            bits |= cells
            level[cells > 0] = lvl
        return bits, level, labels

    def build(self, width: int, height: int, base: Style) -> list[list[Segment]]:
        W, H = max(width - 5, 4), max(height - 1, 2)
        lo, hi = self.span
        bits, level, labels = self.grid(W, H)
        styles = {k: base + v for k, v in self.STYLES.items()}
        styles[0] = base
        axis = base + self.AXIS
        ticks = {}
        for tick in range(-180, 181, 30):
            if lo <= tick <= hi:
                ticks[int(round((hi - tick) / (hi - lo) * (4 * H - 1))) // 4] = f"{tick:+d}" if tick else "0"
        out = []
        for r in range(H):
            chars = [chr(0x2800 + b) for b in bits[r].tolist()]
            if r == 0:
                for col, lab in labels.items():
                    for k, ch in enumerate(lab):
                        if 0 <= col + 1 + k < W:
                            chars[col + 1 + k] = ch
            segs = [Segment(f"{ticks.get(r, ''):>4}" + ("┤" if r in ticks else "│"), axis)]
            lv = level[r]
            bounds = [0, *(np.flatnonzero(np.diff(lv)) + 1).tolist(), W]
            for a_, b_ in zip(bounds[:-1], bounds[1:]):
                segs.append(Segment("".join(chars[a_:b_]), styles[int(lv[a_])]))
            out.append(segs)
        label = f"-{self.window_s:.0f} s"
        out.append([Segment(f"    └{label}{'now':>{max(W - len(label), 3)}}", axis)])
        return out


# --------------------------------------------------------------------------- ankle
class AnkleIndicator(Static):
    """The foot sensor in two lines (issue 16): the last rep's ankle swing with ok / low, and the
    foot's link. Hidden when the session has no foot sensor, so a shin-only dashboard is as before.
    What counts as ok is the workout's (``ankle_ok``); this only shows it."""

    DEFAULT_CSS = """
    AnkleIndicator { height: 2; display: none; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self._key: tuple[object, ...] | None = None

    def show(self, link: str, last: tuple[int, AnkleRep] | None, learned: bool) -> None:
        """``link``: ``FootLink`` value; ``last``: (rep index, figures) of the latest rep with figures."""
        key = (link, last, learned)
        if key == self._key:
            return
        self._key = key
        self.display = link != FootLink.NONE
        self.update("\n".join(ankle_lines(link, last, learned)))


def ankle_lines(link: str, last: tuple[int, AnkleRep] | None, learned: bool) -> list[str]:
    """The indicator's text (Rich markup): at most 20 cells a line, the narrow dashboard's panel."""
    if last is not None and last[1].ankle_swing_deg is not None:
        a = last[1]
        verdict = "[green]ok[/]" if a.ankle_ok else "[yellow]low[/]"
        first = f"ankle {a.ankle_swing_deg:+5.0f}° {verdict}"
    elif learned or last is not None:
        first = "ankle     –"
    else:
        first = "ankle learning…"
    state = {FootLink.STREAMING: "[green]●[/] on", FootLink.LOST: "[b red]lost[/]"}.get(FootLink(link), "–")
    return [first, f"foot  {state}"]
