"""Remittance fees by corridor for a built world (`remittance_fees.csv`, read by
migsim.core.world_fees): Remittance Prices Worldwide's country corridors (sender ->
receiver) in the input's earliest year, the same year as regions.csv `remittance_fee`,
each corridor's quarters averaged, then averaged over the corridors joining two areas
weighted by the corridor's migrant stock (people born in the receiver living in the sender,
UN DESA, the latest year of the input up to the base year). Corridors without a stock are
averaged simply when no corridor of the pair has one (said in the `weights` column). Area
pairs without any priced corridor get no row: the world loader gives them the receiving
area's fee and counts them as assumed."""

from __future__ import annotations

from collections import defaultdict

FEES_HEADER = ["source", "destination", "fee", "corridors", "weights"]


def corridor_fee_rows(prices, area_of: dict, stock: dict) -> list[dict]:
    """Rows (source area, destination area, fee share, corridors, weights) sorted by pair.
    `prices`: the remittance_prices input (sender, receiver, year, cost_pct); `area_of`:
    iso3 -> area; `stock`: (origin iso3, destination iso3) -> migrants."""
    if prices is None or prices.height == 0:
        return []
    first = int(prices["year"].min())
    year = prices.filter(prices["year"] == first)
    quarters: dict[tuple, list[float]] = defaultdict(list)
    for sender, receiver, cost in zip(year["sender"], year["receiver"], year["cost_pct"]):
        if cost is not None and cost == cost:
            quarters[(sender, receiver)].append(float(cost) / 100.0)
    pairs: dict[tuple, list[tuple[float, float]]] = defaultdict(list)
    for (sender, receiver), costs in quarters.items():
        src, dst = area_of.get(sender), area_of.get(receiver)
        if src is None or dst is None or src == dst:
            continue
        weight = float(stock.get((receiver, sender), 0.0) or 0.0)
        pairs[(src, dst)].append((sum(costs) / len(costs), weight))
    rows = []
    for (src, dst), items in sorted(pairs.items()):
        total = sum(w for _, w in items)
        if total > 0:
            fee, how = sum(f * w for f, w in items) / total, "migrant stock"
        else:
            fee, how = sum(f for f, _ in items) / len(items), "simple mean"
        rows.append(
            {"source": src, "destination": dst, "fee": fee, "corridors": len(items), "weights": how}
        )
    return rows


def corridor_fee_csv(prices, area_of: dict, un_stock, base_year: int) -> str | None:
    """The text of remittance_fees.csv, or None without a prices input."""
    if prices is None:
        return None
    stock: dict[tuple, float] = {}
    if un_stock is not None:
        years = [y for y in un_stock["year"].unique().to_list() if y <= base_year]
        if years:
            at = un_stock.filter(un_stock["year"] == max(years))
            for o, d, v in zip(at["origin"], at["destination"], at["stock"]):
                stock[(o, d)] = float(v or 0.0)
    rows = corridor_fee_rows(prices, area_of, stock)
    lines = [",".join(FEES_HEADER)]
    for r in rows:
        lines.append(
            f"{r['source']},{r['destination']},{r['fee']:.4f},{r['corridors']},{r['weights']}"
        )
    return "\n".join(lines) + "\n"
