"""Street network speed: nearest-facility distance for every node of a 200,000-node street graph.

Builds an irregular synthetic street grid (``synthetic_city.street_grid``: jittered junctions,
missing links, diagonals, dead ends, bridges), checks the built graph against the generator's true
graph, then measures side by side in one run:

* :meth:`cityplanner.network.StreetNetwork.node_distances` (facility snapping + one scipy
  multi-source Dijkstra), best of three runs;
* networkx ``multi_source_dijkstra_path_length`` on the same graph, with the same attachment of
  each facility (a source node joined to both ends of its edge by snap + offset);

and prints both times, the speed-up and the largest absolute difference. Also times the graph
build and nearest-facility distances for 100,000 demand points::

    .venv/bin/python benchmarks/bench_network.py [--nodes 200000] [--facilities 200]
"""

from __future__ import annotations

import argparse
import math
import time

import networkx as nx
import numpy as np
from synthetic_city import Extent, demand_points, facility_points, street_grid

from cityplanner.network import StreetNetwork

SPACING_M = 100.0
# Dead-end tips add about 4 % nodes to the grid's junctions.
TIP_SHARE = 0.04


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=200_000, help="approximate street graph size")
    parser.add_argument("--facilities", type=int, default=200)
    parser.add_argument("--demand", type=int, default=100_000, help="demand points for nearest_distance")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()

    side = math.ceil(math.sqrt(args.nodes / (1 + TIP_SHARE)))
    extent = Extent.square((side - 1) * SPACING_M)
    t0 = time.perf_counter()
    grid = street_grid(extent, spacing_m=SPACING_M, seed=args.seed, n_diagonals=6, n_bridges=20)
    print(f"synthetic grid: {len(grid.lines):,} street lines, {time.perf_counter() - t0:.2f} s to generate")

    # The generator shares junction vertices exactly, so joining exact vertices only (merge_m=0)
    # must give its true graph; junctions whose four links are all missing are on no line.
    exact = StreetNetwork.from_lines(grid.lines, merge_m=0.0)
    true_nodes = len(np.unique(grid.edges))
    if (exact.n_nodes, exact.n_edges) != (true_nodes, len(grid.edges)):
        raise SystemExit(
            f"built graph ({exact.n_nodes:,} nodes, {exact.n_edges:,} edges) differs from the true graph "
            f"({true_nodes:,} nodes, {len(grid.edges):,} edges)"
        )
    print("graph from exact shared vertices matches the generator's true graph (node and edge counts)")

    t0 = time.perf_counter()
    net = StreetNetwork.from_lines(grid.lines)
    build_s = time.perf_counter() - t0
    print(
        f"StreetNetwork.from_lines (1 m merge, dead ends joined to streets within 1 m): {net.n_nodes:,} "
        f"nodes, {net.n_edges:,} edges, {net.n_components} component(s), {build_s:.2f} s"
    )

    facilities = facility_points(args.facilities, extent, seed=args.seed)
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        dist, _nearest = net.node_distances(facilities)
        runs.append(time.perf_counter() - t0)
    ours_s = min(runs)

    graph = nx.Graph()
    graph.add_weighted_edges_from(
        zip(net.edge_u.tolist(), net.edge_v.tolist(), net.edge_length_m.tolist(), strict=True)
    )
    snap = net.snap(facilities)
    sources = []
    for i in np.flatnonzero(~snap.too_far):
        e = snap.edge[i]
        to_u = snap.distance_m[i] + snap.offset_m[i]
        to_v = snap.distance_m[i] + net.edge_length_m[e] - snap.offset_m[i]
        graph.add_edge(("facility", i), int(net.edge_u[e]), weight=float(to_u))
        graph.add_edge(("facility", i), int(net.edge_v[e]), weight=float(to_v))
        sources.append(("facility", i))
    t0 = time.perf_counter()
    reference = nx.multi_source_dijkstra_path_length(graph, sources)
    nx_s = time.perf_counter() - t0
    expected = np.array([reference.get(n, np.inf) for n in range(net.n_nodes)])
    same_reach = np.array_equal(np.isfinite(expected), np.isfinite(dist))
    finite = np.isfinite(expected)
    max_diff = float(np.abs(dist[finite] - expected[finite]).max())

    print(f"nearest-facility distance for all {net.n_nodes:,} nodes from {args.facilities} facilities:")
    print(f"  cityplanner (snap + scipy multi-source Dijkstra): {ours_s:.3f} s best of 3")
    print(f"    runs: {', '.join(f'{r:.3f}' for r in runs)} s (the first also builds the edge index)")
    print(f"  networkx multi_source_dijkstra_path_length:       {nx_s:.3f} s")
    print(f"  speed-up: {nx_s / ours_s:.1f}x")
    print(f"  max abs difference: {max_diff:.3g} m; same nodes reachable: {same_reach}")

    demand_xy, _ = demand_points(args.demand, extent, seed=args.seed)
    t0 = time.perf_counter()
    to_demand, _ = net.nearest_distance(facilities, demand_xy)
    print(
        f"nearest_distance for {args.demand:,} demand points: {time.perf_counter() - t0:.3f} s "
        f"({int(np.isinf(to_demand).sum())} unreachable)"
    )


if __name__ == "__main__":
    main()
