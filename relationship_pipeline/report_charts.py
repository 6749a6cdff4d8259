"""The report's charts as PNG bytes, from plain frames (matplotlib, headless; squarify for the treemap).

Each function takes the rows it draws and returns the PNG, or None when there is nothing to
draw; colours follow seed 001's 1–5 scale from red (1, no relationship) to green (5).
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display: the charts are files

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import squarify  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

# seed 001's scale: 1–2 no relationship / just introduced, 3 professional, 4–5 strong
SCORE_COLOURS = {1: "#c0392b", 2: "#e67e22", 3: "#f1c40f", 4: "#7dbb5b", 5: "#1e8449"}
SCORE_LABELS = {1: "1 none", 2: "2 introduced / quiet", 3: "3 professional", 4: "4 strong", 5: "5 strongest"}
DPI = 110


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _short(name: str, width: int) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def treemap(accounts: pd.DataFrame) -> bytes | None:
    """Accounts sized by ARR and coloured by relationship score (seed 004's tree map).

    ``accounts``: name, arr, relationship_score; accounts without ARR are left out (the caption says how many).
    """
    a = accounts[accounts["arr"].fillna(0) > 0].sort_values("arr", ascending=False)
    if a.empty:
        return None
    fig, ax = plt.subplots(figsize=(12, 6.5))
    sizes = squarify.normalize_sizes(a["arr"].to_numpy(dtype=float), 1200, 650)
    rects = squarify.squarify(sizes, 0, 0, 1200, 650)
    colours = [SCORE_COLOURS.get(int(s), "#bbbbbb") for s in a["relationship_score"]]
    total = a["arr"].sum()
    # one collection for every rectangle: a large company's 20,000 accounts draw in a second
    corners = [
        [(r["x"], r["y"]), (r["x"] + r["dx"], r["y"]), (r["x"] + r["dx"], r["y"] + r["dy"]), (r["x"], r["y"] + r["dy"])]
        for r in rects
    ]
    edge = 1.0 if len(rects) <= 500 else 0.2  # thin borders where the rectangles are many and small
    ax.add_collection(PolyCollection(corners, facecolors=colours, edgecolors="white", linewidths=edge))
    for rect, row in zip(rects, a.itertuples()):
        # label only where it fits: about 9 units (≈ 7.5 px) per character at 8 pt
        chars = int((rect["dx"] - 8) / 9)
        if rect["dy"] >= 34 and chars >= 6:
            ink = "white" if int(row.relationship_score) in (1, 5) else "black"
            text = f"{_short(row.name, chars)}\n{row.arr / 1000:,.0f}k · {int(row.relationship_score)}"
            ax.text(rect["x"] + 4, rect["y"] + rect["dy"] - 4, text, va="top", ha="left", fontsize=8, color=ink)
    ax.set_xlim(0, 1200)
    ax.set_ylim(0, 650)  # y up: a label at a rectangle's top edge, its text hanging down
    ax.axis("off")
    left = len(accounts) - len(a)
    ax.set_title(
        f"Accounts by ARR (total {total / 1e6:,.1f} M), coloured by relationship score 1–5"
        + (f" — {left} without ARR left out" if left else ""),
        fontsize=11,
        loc="left",
    )
    ax.legend(
        handles=[Patch(color=c, label=SCORE_LABELS[k]) for k, c in SCORE_COLOURS.items()],
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=5,
        frameon=False,
        fontsize=9,
    )
    return _png(fig)


def score_vs_nrr(points: pd.DataFrame, score_label: str, rho: float | None, month: str) -> bytes | None:
    """Each account's score against its NRR over the next 12 months, with a fitted line and ρ.

    ``points``: score, nrr (NaN rows dropped).
    """
    p = points.dropna(subset=["score", "nrr"])
    if len(p) < 2:
        return None
    fig, ax = plt.subplots(figsize=(7.5, 5))
    ax.scatter(p["score"], p["nrr"], s=28, color="#2e86c1", alpha=0.8, edgecolor="white", linewidth=0.5)
    if p["score"].nunique() > 1:
        slope, intercept = np.polyfit(p["score"], p["nrr"], 1)
        xs = np.linspace(p["score"].min(), p["score"].max(), 50)
        ax.plot(xs, slope * xs + intercept, color="#c0392b", linewidth=1.5, label="least-squares trend")
        ax.legend(loc="upper left", frameon=False, fontsize=9)
    ax.axhline(1.0, color="#888888", linewidth=0.8, linestyle="--")
    ax.set_xlabel(score_label)
    ax.set_ylabel(f"NRR, {month} → 12 months later")
    rho_text = f"Spearman ρ = {rho:+.2f}" if rho is not None and not np.isnan(rho) else "ρ not computed"
    ax.set_title(f"Score against NRR ({rho_text}, n = {len(p)})", fontsize=11, loc="left")
    ax.grid(alpha=0.3)
    return _png(fig)


def nrr_by_quintile(lift: pd.DataFrame, score_label: str) -> bytes | None:
    """Portfolio NRR per score quintile (1 = lowest-scored fifth), with the accounts in each."""
    q = lift.sort_values("quintile")
    if q.empty:
        return None
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    bars = ax.bar([f"Q{int(k)}" for k in q["quintile"]], q["portfolio_nrr"], color="#2e86c1")
    for bar, n, v in zip(bars, q["accounts"], q["portfolio_nrr"]):
        ax.text(bar.get_x() + bar.get_width() / 2, v, f"{v:.2f}\n(n={int(n)})", ha="center", va="bottom", fontsize=9)
    ax.axhline(1.0, color="#888888", linewidth=0.8, linestyle="--")
    ax.set_ylim(0, max(1.2, float(q["portfolio_nrr"].max()) * 1.25))
    ax.set_ylabel("portfolio NRR (Σ ARR 12 months later ÷ Σ ARR)")
    ax.set_title(f"NRR by {score_label} quintile (Q1 lowest)", fontsize=11, loc="left")
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def movers(trends: pd.DataFrame, top: int = 5) -> bytes | None:
    """The biggest risers and fallers of the depth score over 30, 60 and 90 days (seed 004).

    ``trends``: name, depth_change_30d, depth_change_60d, depth_change_90d.
    """
    windows = [c for c in ("depth_change_30d", "depth_change_60d", "depth_change_90d") if trends[c].notna().any()]
    if not windows:
        return None
    fig, axes = plt.subplots(1, len(windows), figsize=(5.2 * len(windows), 4.8), squeeze=False)
    for ax, col in zip(axes[0], windows):
        t = trends.dropna(subset=[col])
        t = t[t[col] != 0]
        picked = pd.concat([t.nlargest(top, col), t.nsmallest(top, col)]).drop_duplicates("name")
        picked = picked.sort_values(col)
        colours = ["#1e8449" if v > 0 else "#c0392b" for v in picked[col]]
        ax.barh([_short(n, 22) for n in picked["name"]], picked[col], color=colours)
        ax.axvline(0, color="#444444", linewidth=0.8)
        ax.set_title(f"{col[-3:-1]} days", fontsize=11)
        ax.set_xlabel("change in depth score (points)")
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(axis="x", alpha=0.3)
        if picked.empty:
            ax.text(0.5, 0.5, "no change", ha="center", va="center", transform=ax.transAxes)
    fig.suptitle("Biggest movers of relationship depth", x=0.01, ha="left", fontsize=12)
    fig.tight_layout()
    return _png(fig)
