"""Bytes exchanged between the driver and its shards per year do not grow with the number
of people: every pass sends and returns per-cell or per-region arrays. The one part that
varies is the year's moves (sparse keys, at most 2 R^3 of them), bounded by the regions.
docs/memory.md, "The whole world at 1:1 on a Ray cluster, on paper", uses these counts."""

from __future__ import annotations

import pytest

import migsim
from migsim.kernels.bundles import n_move_keys
from migsim.kernels.income import HIST_BINS, N_EXPERIENCE
from migsim.people.exchange import count_exchange
from migsim.runtime.assemble import start_simulation

SHARDS = 2
MOVES_PASS = "decide_and_supply"  # the decisions, with the labour supply (fused_supply)


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
    assert small_sent == large_sent
    moves_small = small_back.pop(MOVES_PASS)
    moves_large = large_back.pop(MOVES_PASS)
    assert small_back == large_back
    # the moves: 16 bytes per distinct key (key and count) at most, per shard
    # and the labour supply returned with them: float64 units and earnings histogram by cell
    supply = 8 * (R * 3 * N_EXPERIENCE * 2 + R * 2 * 2 * HIST_BINS)
    bound = SHARDS * (16 * n_move_keys(R) + supply + 4096)
    assert moves_small <= bound and moves_large <= bound
    total = sum(large_sent.values()) + sum(large_back.values()) + moves_large
    assert total < 2_000_000  # about 1 MB a year for 2 shards of the 12-region world


def test_the_counter_counts_every_pass_of_a_year():
    sent, back, _ = exchange_of_a_year(20_000, world="toy")
    # the record's cell counts come back with the income pass (Simulation.fused_counts)
    assert "cell_counts" not in sent
    for name in ("mortality_and_fertility", "births_and_ageing", "incomes"):
        assert sent[name] > 0 and back[name] > 0
