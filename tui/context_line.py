"""The status area's line about counting: "In position: counting", "On your feet: counting paused".

A view of :class:`sensor.core.context_status.ContextStatus` (the session keeps one, fed with the
pipeline's events): the widget holds only the state it draws, a reactive, so it re-renders when
the state changes and never in between. Its tone is a CSS class (``glide.tcss``): green while
counting, amber while counting is paused or the posture looks wrong, muted while waiting for the
mounting. The wording lives in the core (``SCREEN``), next to the spoken lines, so the screen and
the voice never disagree.
"""

from __future__ import annotations

from textual.reactive import reactive
from textual.widget import Widget

from sensor.core.context_status import PAUSED, SCREEN
from sensor.core.types import ContextShown

MARK = {ContextShown.COUNTING: "●", ContextShown.LOOKS_SUPINE: "▲"}
TONES = ("-counting", "-paused", "-waiting", "-wrong")


def tone_of(shown: ContextShown) -> str:
    if shown == ContextShown.COUNTING:
        return "-counting"
    if shown in PAUSED:
        return "-paused"
    return "-wrong" if shown == ContextShown.LOOKS_SUPINE else "-waiting"


class ContextLine(Widget):
    """One calm line: what the activity context means for counting, or why there is none yet."""

    shown: reactive[ContextShown] = reactive(ContextShown.GET_INTO_POSITION, layout=False)

    def on_mount(self) -> None:
        self.watch_shown(self.shown)

    def watch_shown(self, shown: ContextShown) -> None:
        for tone in TONES:
            self.set_class(tone == tone_of(shown), tone)

    def render(self) -> str:
        return f"{MARK.get(self.shown, '○')} {SCREEN[self.shown]}"
