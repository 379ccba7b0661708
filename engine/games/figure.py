"""The game as a figure (game.svg): the 2x2 payoff matrix with its pure Nash equilibria
marked, and each side's groups' positions (their % change when the side opens alone and
with reciprocity) as bars.

The SVG is written without a date and with fixed element ids, so rebuilding a game from the
same runs writes the same bytes; each equilibrium's cell carries the id `nash-X-Y` (X the
row side's action, Y the column side's) so a reader or a test can find what is marked.
"""

from __future__ import annotations

from pathlib import Path

from migsim.games.result import GameResult

FILE = "game.svg"
POSITION_GROUPS = ("scarce_labour", "abundant_labour", "capital", "taxpayers", "access")
ACTIONS = ("L", "D")


def write_figure(res: GameResult, out_dir: Path) -> Path:
    """Draw the matrix and the positions into out_dir/game.svg."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    path = Path(out_dir) / FILE
    with matplotlib.rc_context({"svg.hashsalt": "migsim-game", "svg.fonttype": "none"}):
        fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), width_ratios=(1.1, 1, 1))
        _matrix(axes[0], res, Rectangle)
        alone = {"A": "A_alone", "B": "B_alone"}
        for ax, side, name in ((axes[1], "A", res.region_a), (axes[2], "B", res.region_b)):
            _positions(ax, res, side, name, alone[side])
        fig.suptitle(
            f"Migration liberalisation game: {res.region_a} vs {res.region_b} "
            f"({res.payoff} payoff): {res.game_type}"
        )
        fig.tight_layout()
        fig.savefig(path, format="svg", metadata={"Date": None})
        plt.close(fig)
    return path


def _matrix(ax, res: GameResult, rectangle) -> None:
    """The payoff matrix, rows the first side's action; equilibria outlined and starred."""
    names = {"L": "liberalises", "D": "defects"}
    for i, a in enumerate(ACTIONS):
        for j, b in enumerate(ACTIONS):
            pa, pb = res.matrix[(a, b)]
            nash = (a, b) in res.equilibria
            cell = rectangle(
                (j, 1 - i),
                1,
                1,
                facecolor="#fde9a9" if nash else "white",
                edgecolor="#b8860b" if nash else "grey",
                linewidth=3 if nash else 1,
            )
            cell.set_gid(f"nash-{a}-{b}" if nash else f"cell-{a}-{b}")
            ax.add_patch(cell)
            star = "  * Nash" if nash else ""
            ax.text(j + 0.5, 1.5 - i + 0.12, f"{pa:+.3f}%", ha="center", color="#1f4e79")
            ax.text(j + 0.5, 1.5 - i - 0.12, f"{pb:+.3f}%{star}", ha="center", color="#7a1f1f")
    ax.set_xlim(0, 2)
    ax.set_ylim(0, 2)
    ax.set_xticks([0.5, 1.5], [f"{res.region_b} {names[b]}" for b in ACTIONS])
    ax.set_yticks([1.5, 0.5], [f"{res.region_a}\n{names[a]}" for a in ACTIONS])
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    ax.set_title(
        f"payoffs ({res.region_a} blue, {res.region_b} red), %; * = Nash equilibrium",
        fontsize=9,
        y=-0.12,
    )
    ax.set_frame_on(False)


def _positions(ax, res: GameResult, side: str, name: str, alone: str) -> None:
    """The side's groups' % change, opening alone and with reciprocity."""
    frame = res.payoffs

    def pct(group: str, scenario: str) -> float:
        rows = frame.filter(
            (frame["side"] == side) & (frame["scenario"] == scenario) & (frame["group"] == group)
        )
        return float(rows["pct"][0]) if rows.height else 0.0

    ys = range(len(POSITION_GROUPS))
    for offset, scenario, label, colour in (
        (-0.18, alone, "opens alone", "#88a0c0"),
        (0.18, "both", "reciprocity", "#2d5f8b"),
    ):
        values = [pct(g, scenario) for g in POSITION_GROUPS]
        ax.barh([y + offset for y in ys], values, height=0.34, color=colour, label=label)
    ax.axvline(0, color="grey", lw=0.8)
    for x in (-0.5, 0.5):
        ax.axvline(x, color="grey", lw=0.5, ls=":")
    ax.set_yticks(list(ys), [g.replace("_", " ") for g in POSITION_GROUPS])
    ax.invert_yaxis()
    ax.set_xlabel("% vs no liberalisation (dotted: ±0.5%, in favour / opposed)")
    ax.set_title(f"positions in {name}")
    ax.legend(fontsize=8, loc="best")
