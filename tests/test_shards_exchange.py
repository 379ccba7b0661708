"""Bytes exchanged between the driver and its shards per year do not grow with the number
of people: every pass sends and returns per-cell or per-region arrays. Two parts vary, each
bounded by the regions: the year's moves (sparse keys, at most 2 R^3 of them) and the
income pass's cell counts of the peopled (origin, location) pairs (at most R^2 pairs of
2*2*B*S cells, the list of pairs sent with the pass). docs/memory.md, "The whole world at
1:1 on a Ray cluster, on paper", uses these counts."""

from __future__ import annotations

import pytest

import migsim
from migsim.core.labels import AGE_BANDS, STATUSES
from migsim.kernels.bundles import n_move_keys
from migsim.kernels.income import HIST_BINS, N_EXPERIENCE
from migsim.people.exchange import count_exchange
from migsim.runtime.assemble import start_simulation

SHARDS = 2
MOVES_PASS = "decide_and_supply"  # the decisions, with the labour supply (fused_supply)
CELLS_PASS = "incomes"  # the money sums, with the record's cells (fused_counts)


def exchange_of_a_year(size: int, world: str = "default") -> tuple[dict, dict, int]:
    cfg = migsim.compose(
        [f"world={world}", "progress=false", f"population.size={size}", f"shards.count={SHARDS}"]
    )
    sim = start_simulation(cfg)
    counter = count_exchange(sim)
    sim.step()
    return dict(counter.sent), dict(counter.received), sim.world.n_regions


@pytest.mark.slow
def test_bytes_per_year_do_not_grow_with_people():
    small_sent, small_back, R = exchange_of_a_year(1_000_000)
    large_sent, large_back, _ = exchange_of_a_year(10_000_000)
    pairs_small, pairs_large = small_sent.pop(CELLS_PASS), large_sent.pop(CELLS_PASS)
    assert small_sent == large_sent
    moves_small = small_back.pop(MOVES_PASS)
    moves_large = large_back.pop(MOVES_PASS)
    cells_small, cells_large = small_back.pop(CELLS_PASS), large_back.pop(CELLS_PASS)
    assert small_back == large_back
    # the moves: 16 bytes per distinct key (key and count) at most, per shard
    # and the labour supply returned with them: float64 units and earnings histogram by cell
    supply = 8 * (R * 3 * N_EXPERIENCE * 2 + R * 2 * 2 * HIST_BINS)
    bound = SHARDS * (16 * n_move_keys(R) + supply + 4096)
    assert moves_small <= bound and moves_large <= bound
    # the income pass: the pairs sent (8 bytes each, at most R^2, and the money levers),
    # the money sums and the peopled pairs' cells back (180 int64 cells a pair)
    per_pair = 2 * 2 * len(AGE_BANDS) * len(STATUSES)
    money = 8 * (R * 2 * 2 * len(AGE_BANDS) * 4 + R * R + 5 * 3 + R)
    assert max(pairs_small, pairs_large) <= SHARDS * (8 * R * R + 16_384)
    assert max(cells_small, cells_large) <= SHARDS * (8 * R * R * per_pair + money + 4096)
    total = sum(large_sent.values()) + sum(large_back.values()) + moves_large
    total += pairs_large + cells_large
    assert total < 2_000_000  # about 1 MB a year for 2 shards of the 12-region world


def test_the_counter_counts_every_pass_of_a_year():
    sent, back, _ = exchange_of_a_year(20_000, world="toy")
    # the record's cell counts come back with the income pass (Simulation.fused_counts)
    assert "cell_counts" not in sent
    for name in ("mortality_and_fertility", "births_and_ageing", "incomes"):
        assert sent[name] > 0 and back[name] > 0
