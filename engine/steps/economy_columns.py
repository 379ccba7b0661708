"""Output columns of the economy step: the wage columns of `regions` and the columns of its
own tables (remittances, fiscal, earnings, welfare)."""

from __future__ import annotations

from migsim.core.labels import EDUCATION
from migsim.model.earnings import PERCENTILES
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
            f"wage per efficiency unit, {skill} skill, {who}s (mean of the cells by supply)",
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
        "people": Column("people", "employed people in the group (agents' weights summed)"),
        **{
            f"p{p}": Column("PPP $/yr", f"{p}th percentile of annual earnings") for p in PERCENTILES
        },
    },
    "welfare": {
        "year": Column("year", "calendar year"),
        "group": Column("", "welfare group (Alonso 2015, Table 6.2)"),
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
