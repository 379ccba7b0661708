"""Output columns of the economy step: the wage columns of `regions` and the columns of its
own tables (remittances, fiscal, earnings, welfare), and the fiscal loss column's measure."""

from __future__ import annotations

import numpy as np

from migsim.core.labels import EDUCATION
from migsim.kernels import cellsums
from migsim.model.earnings import PERCENTILES
from migsim.runtime.state import cell_blocks
from migsim.steps.registry import Column

WELFARE_GROUPS = (
    "natives_developed",
    "earlier_migrants_developed",
    "natives_developing",
    "new_migrants",
    "earlier_migrants_developing",
)


def wage_columns() -> dict[str, Column]:
    classes = {
        f"wage_{skill}_{who}": Column(
            "PPP $/yr",
            f"wage per efficiency unit, {skill} skill, {who}s (mean of the cells by supply: "
            "natives and immigrants differ by their mix of education and experience)",
        )
        for skill in ("low", "high")
        for who in ("native", "immigrant")
    }
    groups = {
        f"wage_{group}_{who}": Column(
            "PPP $/yr",
            f"wage per efficiency unit, {group} education, {who}s (mean over experience by supply)",
        )
        for group in EDUCATION
        for who in ("native", "immigrant")
    }
    return classes | groups


TABLE_COLUMNS = {
    "remittances": {
        "year": Column("year", "calendar year"),
        "source": Column("", "region the remittances are sent from"),
        "destination": Column("", "region they are sent to"),
        "sent": Column("US$", "remittances sent this year, fees included"),
        "fees": Column("US$", "cost of sending them: sent less received"),
        "received": Column("US$", "remittances received after fees"),
    },
    "fiscal": {
        "year": Column("year", "calendar year"),
        "region": Column("", "region of residence"),
        "nativity": Column("", "native or immigrant"),
        "skill": Column("", "skill: low, high (tertiary)"),
        "age_band": Column("", "age band"),
        "people": Column("people", "residents in the group"),
        "earnings": Column("PPP $", "earnings of the group this year"),
        "taxes": Column("PPP $", "taxes the group paid on its earnings"),
        "public_spending": Column("PPP $", "age-related public spending on the group"),
        "net_contribution": Column("PPP $", "taxes less public spending"),
    },
    "earnings": {
        "year": Column("year", "calendar year"),
        "region": Column("", "region of residence"),
        "nativity": Column("", "native or immigrant"),
        "skill": Column("", "skill: low, high (tertiary)"),
        "people": Column(
            "people",
            "employed people in the group, estimated from the one agent in eight (by person "
            "id) whose earnings give the percentiles, scaled by eight: a sample, not the "
            "group's count (fiscal's people count every resident)",
        ),
        **{
            f"p{p}": Column("PPP $/yr", f"{p}th percentile of annual earnings") for p in PERCENTILES
        },
    },
    "welfare": {
        "year": Column("year", "calendar year"),
        "group": Column(
            "",
            "welfare group (Alonso 2015, Table 6.2; a migrant within their own region counts "
            "as a native)",
        ),
        "people": Column("people", "people in the group"),
        "private_income": Column(
            "PPP $", "private income (natives also get capital income, remittances received)"
        ),
        "public_income": Column("PPP $", "public spending the group receives"),
        "externality_cost": Column(
            "PPP $",
            "congestion and cohesion costs borne by the group, income equivalent "
            "(only when an externality is on)",
        ),
    },
}


def skilled_emigration_loss(sim, world, wages) -> np.ndarray | None:
    """Fiscal loss at origin from skilled emigration (Desai et al. 2009), (R,) PPP $: the
    income tax that tertiary emigrants aged 20-64 (start of year) would pay at home at the
    origin's tertiary wage and employment rate; None without the year's cells. wages: (R, 2
    classes, 2) class wages of the year."""
    cells = cell_blocks(sim.state) or sim.state.cells  # blocks: many regions
    if cells is None:
        return None
    if world.n_regions > cellsums.DENSE_CELLS_MAX_REGIONS:  # one pass, by origin
        working_high = cellsums.band_sums_of(cells, 2, 8)[:, :, 1, :]
    else:
        working_high = cells[:, :, 1, :, 2:8, :].sum(axis=(2, 3))  # (o, loc, status)
    abroad = (
        working_high.sum(axis=(1, 2))
        - np.diagonal(working_high).sum(axis=0)
        + np.diagonal(working_high)[4]
    )
    return abroad * world.employment_rate * wages[:, 1, 0] * world.tax_rate
