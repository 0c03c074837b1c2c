"""Session reports: a picture a clinician can look at, as PNG or self-contained HTML, and a
terminal plot for a quick look.

The figure: the shin angle over time with the phases shaded and the reps numbered, per-rep
range of motion and tempo bars, the set summaries and the safety note. matplotlib is an optional
extra (``pip install 'nerveglide[report]'``); the terminal plot needs nothing.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np

from sensor.core.coach import SAFETY_NOTE

from .history import SessionData

PHASE_COLOURS = {"flex_down": "#4c78a8", "extend_up": "#f58518", "hold": "#bab0ac"}


NO_ANGLE = (
    "no shin angle to plot: glide could not learn how the sensor is mounted (no clear knee movement in this recording)"
)


class ReportUnavailable(Exception):
    pass


def phase_spans(rep) -> list[tuple[str, float, float]]:
    """(phase, t0, t1) for one rep, in time order."""
    if rep.posture == "supine":
        up0 = rep.end_s - rep.extend_up_s
        return [("flex_down", rep.start_s, rep.bottom_s), ("hold", rep.bottom_s, up0), ("extend_up", up0, rep.end_s)]
    down0 = rep.end_s - rep.flex_down_s
    return [("extend_up", rep.start_s, rep.top_s), ("hold", rep.top_s, down0), ("flex_down", down0, rep.end_s)]


def _figure(data: SessionData):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ReportUnavailable("reports as images need matplotlib: pip install 'nerveglide[report]'") from None
    reps = data.reps
    fig = plt.figure(figsize=(12, 8.5), dpi=100)
    gs = fig.add_gridspec(
        3, 2, height_ratios=[2.2, 1.2, 0.55], hspace=0.45, wspace=0.25, left=0.07, right=0.97, top=0.95, bottom=0.03
    )
    ax = fig.add_subplot(gs[0, :])
    if len(data.t):
        ax.plot(data.t, data.elev, color="black", lw=1.0, label="shin angle")
    for r in reps:
        for phase, a, b in phase_spans(r):
            if b > a:
                ax.axvspan(a, b, color=PHASE_COLOURS[phase], alpha=0.25 if phase != "hold" else 0.35, lw=0)
        ax.annotate(
            str(r.index),
            (r.top_s, r.top_deg),
            textcoords="offset points",
            xytext=(0, 6),
            ha="center",
            fontsize=8,
            fontweight="bold",
        )
    handles = [plt.Rectangle((0, 0), 1, 1, color=c, alpha=0.4) for c in PHASE_COLOURS.values()]
    # the legend sits above the plot, never over the data: the last reps are where a session ends
    ax.legend(
        handles,
        ["flex-down", "extend-up", "hold"],
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncol=3,
        fontsize=8,
        frameon=False,
    )
    ax.set_xlabel("time (s)")
    ax.set_ylabel("shin elevation (deg)")
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_title(f"{data.name}: {len(reps)} reps ({data.posture})", loc="left")
    ax.grid(alpha=0.3)
    if len(data.t):
        lo, hi = float(np.min(data.elev)), float(np.max(data.elev))
        ax.set_ylim(lo - 0.05 * (hi - lo + 1), hi + 0.15 * (hi - lo + 1))  # room for the rep numbers
    else:
        ax.text(0.5, 0.5, NO_ANGLE, transform=ax.transAxes, ha="center", va="center", fontsize=10, wrap=True)
        ax.set_xticks([])
        ax.set_yticks([])

    idx = np.array([r.index for r in reps]) if reps else np.array([])
    ax2 = fig.add_subplot(gs[1, 0])
    ax2.bar(idx, [r.rom_deg for r in reps], color=[_ankle_colour(data, r.index) for r in reps] or "#54a24b")
    title = "range of motion per rep (deg)"
    if data.ankle:  # the foot sensor's verdict as the bar's colour (issue 16)
        title += ": foot pattern ok (green) / not (orange)"
    ax2.set_title(title, fontsize=10, loc="left")
    ax2.set_xlabel("rep")
    ax2.grid(alpha=0.3, axis="y")
    ax3 = fig.add_subplot(gs[1, 1])
    down = np.array([r.flex_down_s for r in reps])
    hold = np.array([r.hold_bottom_s if r.posture == "supine" else r.hold_top_s for r in reps])
    up = np.array([r.extend_up_s for r in reps])
    # stacked in the order the phases happen: supine down-hold-up, seated up-hold-down
    order = [("flex_down", down, "flex-down"), ("hold", hold, "hold"), ("extend_up", up, "extend-up")]
    if data.posture != "supine":
        order.reverse()
    base = np.zeros(len(reps))
    for key, vals, label in order:
        ax3.bar(idx, vals, bottom=base, color=PHASE_COLOURS[key], label=label)
        base = base + vals
    ax3.set_title("tempo per rep (s)", fontsize=10, loc="left")
    ax3.set_xlabel("rep")
    if reps:
        ax3.legend(fontsize=7, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=3, frameon=False)
    else:
        for empty in (ax2, ax3):
            empty.text(0.5, 0.5, "no reps", transform=empty.transAxes, ha="center", va="center", color="grey")
            empty.set_xticks([])
            empty.set_yticks([])
    ax3.grid(alpha=0.3, axis="y")

    axt = fig.add_subplot(gs[2, :])
    axt.axis("off")
    lines = [set_line(s) for s in data.summary.get("sets") or []] or ["no completed sets"]
    axt.text(0.0, 1.0, "\n".join(lines), va="top", family="monospace", fontsize=9)
    axt.text(0.0, 0.05, "Safety: " + SAFETY_NOTE, va="bottom", fontsize=9, color="#b22222", wrap=True)
    return fig, plt


def _ankle_colour(data: SessionData, index: int) -> str:
    a = data.ankle.get(index)
    if a is None or a.ankle_ok is None:
        return "#54a24b" if not data.ankle else "#bab0ac"
    return "#54a24b" if a.ankle_ok else "#f58518"


def ankle_cells(data: SessionData, index: int) -> tuple[str, str]:
    """(swing, ok) of one rep as the report prints them: "-" without foot data."""
    a = data.ankle.get(index)
    if a is None or a.ankle_swing_deg is None:
        return "-", "-"
    return f"{a.ankle_swing_deg:+.0f}", "yes" if a.ankle_ok else "no"


def set_line(s: dict) -> str:
    rom = s.get("mean_rom_deg")
    ok = s.get("ankle_ok_count")
    return (
        f"set {s.get('set', '?')}: {s.get('rep_count', 0)} reps"
        + (f", range {rom:.0f} ± {s.get('sd_rom_deg', 0):.0f} deg" if rom is not None else "")
        + (f", down {s['mean_flex_down_s']:.1f} s, up {s['mean_extend_up_s']:.1f} s" if "mean_flex_down_s" in s else "")
        + (f", cadence {s['cadence_per_min']:.1f}/min" if s.get("cadence_per_min") else "")
        + (f", foot pattern ok in {ok} of {s.get('rep_count', 0)}" if ok is not None else "")
    )


def write_png(data: SessionData, out: Path) -> Path:
    fig, plt = _figure(data)
    fig.savefig(out, format="png")  # the caller may hand a temporary name without the suffix
    plt.close(fig)
    return out


def write_html(data: SessionData, out: Path) -> Path:
    fig, plt = _figure(data)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    img = base64.b64encode(buf.getvalue()).decode()
    rows = "".join(
        f"<tr><td>{r.index}</td><td>{r.start_s:.1f}</td><td>{r.end_s:.1f}</td><td>{r.flex_down_s:.1f}</td>"
        f"<td>{r.extend_up_s:.1f}</td><td>{r.rom_deg:.0f}</td><td>{r.bottom_deg:.0f}</td><td>{r.top_deg:.0f}</td>"
        + "".join(f"<td>{c}</td>" for c in ankle_cells(data, r.index))
        + "</tr>"
        for r in data.reps
    )
    sets = "".join(f"<li>{html.escape(set_line(s))}</li>" for s in data.summary.get("sets") or [])
    doc = f"""<!doctype html><html><head><meta charset="utf-8"><title>glide report: {html.escape(data.name)}</title>
<style>body{{font-family:sans-serif;max-width:1200px;margin:2em auto}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 8px;text-align:right}}
.safety{{color:#b22222;font-weight:bold}}</style></head><body>
<h1>Nerve glide session: {html.escape(data.name)}</h1>
<p class="safety">{html.escape(SAFETY_NOTE)}</p>
<img alt="shin angle, phases and reps" src="data:image/png;base64,{img}" style="width:100%">
<h2>Sets</h2><ul>{sets or "<li>no completed sets</li>"}</ul>
<h2>Reps</h2><table><tr><th>rep</th><th>start s</th><th>end s</th><th>down s</th><th>up s</th><th>ROM°</th>
<th>bottom°</th><th>top°</th><th>ankle swing°</th><th>foot ok</th></tr>{rows}</table>
</body></html>"""
    out.write_text(doc)
    return out


# ------------------------------------------------------------------ terminal
_BRAILLE = 0x2800
_DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))  # (row, col) -> bit


def text_plot(
    t: np.ndarray,
    y: np.ndarray,
    width: int = 100,
    height: int = 16,
    marks: list[float] | None = None,
    y_range: tuple[float, float] | None = None,
) -> list[str]:
    """A braille line plot (2x4 dots per character) with an axis on the left."""
    if len(t) == 0:
        return ["(no data)"]
    lo, hi = y_range or (float(np.min(y)), float(np.max(y)))
    if hi - lo < 1e-9:
        hi = lo + 1.0
    W, H = width * 2, height * 4
    xs = np.clip(((t - t[0]) / max(t[-1] - t[0], 1e-9) * (W - 1)).astype(int), 0, W - 1)
    ys = np.clip(((hi - y) / (hi - lo) * (H - 1)).astype(int), 0, H - 1)
    grid = np.zeros((height, width), dtype=np.int64)
    # draw a continuous line: every column gets the span between neighbouring samples
    order = np.argsort(xs, kind="stable")
    xs, ys = xs[order], ys[order]
    for x0, y0, y1 in zip(xs[:-1], ys[:-1], ys[1:]):
        for yy in range(min(y0, y1), max(y0, y1) + 1):
            grid[yy // 4, x0 // 2] |= _DOTS[yy % 4][x0 % 2]
    grid[ys[-1] // 4, xs[-1] // 2] |= _DOTS[ys[-1] % 4][xs[-1] % 2]
    rows = ["".join(chr(_BRAILLE + c) for c in row) for row in grid]
    labels = [f"{int(round(hi)):6d}° ┤"] + [" " * 7 + " │"] * (height - 2) + [f"{int(round(lo)):6d}° ┤"]
    out = [lab + row for lab, row in zip(labels, rows)]
    axis = [" "] * width
    for k, m in enumerate(marks or [], start=1):
        c = int((m - t[0]) / max(t[-1] - t[0], 1e-9) * (width - 1))
        s = str(k)
        c = min(max(c - len(s) // 2, 0), width - len(s))  # centred on the rep end, inside the plot
        # a label is drawn only with a blank on each side, so "10" and "11" never run together
        if all(ch == " " for ch in axis[max(c - 1, 0) : c + len(s) + 1]):
            axis[c : c + len(s)] = list(s)
    out.append(" " * 8 + "└" + "─" * width)
    # the legend goes in the left gutter, so no line is wider than the plot (no wrapping)
    out.append(" rep end " + "".join(axis))
    t0, t1 = f"{int(round(t[0]))} s", f"{int(round(t[-1]))} s"
    out.append(" " * 9 + t0 + " " * max(width - len(t0) - len(t1), 1) + t1)
    return out
