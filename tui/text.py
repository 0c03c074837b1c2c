"""Small helpers the dashboard's views share: counts in proper English, numbers without "-0",
and the typed way from a screen to the app."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from textual.screen import Screen

    from .app import GlideApp

__all__ = ["deg", "fmt", "glide_app", "plural"]


def glide_app(screen: Screen) -> GlideApp:
    """The running :class:`tui.app.GlideApp` (Textual types ``screen.app`` as any App)."""
    return cast("GlideApp", screen.app)


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 rep``, ``2 reps``: a count with its noun in proper English."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def fmt(x: float | None, spec: str = ".1f", none: str = "–") -> str:
    """``x`` formatted, ``none`` when unknown; never a negative zero ("-0", "-0.0")."""
    if x is None:
        return none
    text = format(x, spec)
    return format(0.0, spec) if float(text) == 0 else text


def deg(x: float) -> str:
    """Whole degrees for tables: ``-0.4`` is ``0``, not ``-0``."""
    return fmt(x, ".0f")
