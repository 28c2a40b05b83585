"""Street network: graph building, snapping and shortest paths, on hand-made graphs and HCMC data."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

from cityplanner.errors import AnalysisError
from cityplanner.network import StreetNetwork

UTM48N = "EPSG:32648"


def _roads(*lines) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[shapely.LineString(c) for c in lines], crs=UTM48N)


# -- hand-made graphs -------------------------------------------------------------------------------
def test_bridge_crossing_without_shared_vertex_stays_unconnected():
    net = StreetNetwork.from_lines(_roads([(-100, 0), (100, 0)], [(0, -100), (0, 100)]))
    assert net.n_nodes == 4
    assert net.n_components == 2
    dist, nearest = net.nearest_distance([(-100, 0)], [(0, 100)])
    assert np.isinf(dist[0]) and nearest[0] == -1


def test_crossing_with_shared_vertex_is_a_junction():
    net = StreetNetwork.from_lines(_roads([(-100, 0), (0, 0), (100, 0)], [(0, -100), (0, 0), (0, 100)]))
    assert net.n_nodes == 5
    assert net.n_components == 1
    dist, _ = net.nearest_distance([(100, 0)], [(0, 100)])
    assert dist[0] == pytest.approx(200.0)


def test_end_points_half_a_metre_apart_are_merged_but_not_farther():
    merged = StreetNetwork.from_lines(_roads([(0, 0), (100, 0)], [(100.5, 0), (200, 0)]))
    assert merged.n_nodes == 3
    assert merged.n_components == 1
    dist, _ = merged.nearest_distance([(0, 0)], [(200, 0)])
    # The edges keep their own geometry: 100 m + 99.5 m (the 0.5 m gap is closed, not walked).
    assert dist[0] == pytest.approx(199.5)
    apart = StreetNetwork.from_lines(_roads([(0, 0), (100, 0)], [(101.5, 0), (200, 0)]))
    assert apart.n_components == 2


def test_t_junction_without_shared_vertex_splits_the_street():
    # A side street ends on (0.5 m short of) the main street, which has no vertex there.
    for gap in (0.0, 0.5):
        net = StreetNetwork.from_lines(_roads([(0, 0), (1000, 0)], [(400, gap), (400, 300)]))
        assert (net.n_components, net.n_nodes, net.n_edges) == (1, 4, 3)
        assert shapely.get_coordinates(net.edges).reshape(-1, 4) == pytest.approx(net.edge_xy)
        dist, _ = net.nearest_distance([(0, 0)], [(400, 300)])
        assert dist[0] == pytest.approx(400 + 300 - gap)
    far = StreetNetwork.from_lines(_roads([(0, 0), (1000, 0)], [(400, 2), (400, 300)]))
    assert far.n_components == 2


def test_end_point_next_to_an_interior_vertex_joins_it():
    net = StreetNetwork.from_lines(_roads([(0, 0), (500, 0), (1000, 0)], [(500.3, 0.4), (500, 300)]))
    assert net.n_components == 1
    assert net.n_nodes == 4


def test_multilinestring_parts_are_split_and_duplicates_keep_the_shortest():
    roads = gpd.GeoDataFrame(
        geometry=[
            shapely.MultiLineString([[(0, 0), (100, 0)], [(100, 0), (100, 100)]]),
            shapely.LineString([(0, 0), (100, 0)]),
        ],
        crs=UTM48N,
    )
    net = StreetNetwork.from_lines(roads)
    assert net.n_nodes == 3
    assert net.n_edges == 2
    assert net.edge_length_m.sum() == pytest.approx(200.0)


def test_point_300_m_from_any_road_is_reported():
    net = StreetNetwork.from_lines(_roads([(0, 0), (1000, 0)]))
    snap = net.snap([(500, 10), (500, 300)], max_snap_m=250)
    assert snap.too_far.tolist() == [False, True]
    assert snap.distance_m == pytest.approx([10.0, 300.0])
    result = net.measure([(0, 0)], [(500, 10), (500, 300)])
    assert result.distance_m[0] == pytest.approx(510.0)
    assert np.isinf(result.distance_m[1])
    assert result.too_far.tolist() == [False, True]
    assert result.disconnected.tolist() == [False, False]


def test_snap_distances_and_offsets_are_added_at_both_ends():
    net = StreetNetwork.from_lines(_roads([(0, 0), (100, 0), (100, 100)]))
    # Source 5 m off the first street at x=20, target 7 m off the second at y=60.
    dist, nearest = net.nearest_distance([(20, -5)], [(107, 60)])
    assert dist[0] == pytest.approx(5 + 80 + 60 + 7)
    assert nearest[0] == 0


def test_source_and_target_on_the_same_edge_use_the_direct_stretch():
    net = StreetNetwork.from_lines(_roads([(0, 0), (1000, 0)]))
    dist, nearest = net.nearest_distance([(900, 3), (100, 4)], [(300, 5)])
    assert dist[0] == pytest.approx(4 + 200 + 5)
    assert nearest[0] == 1
    s, t, d = net.pairs_within([(900, 3), (100, 4)], [(300, 5)], 1000)
    assert sorted(zip(s.tolist(), d.round(6).tolist(), strict=True)) == [(0, 608.0), (1, 209.0)]
    assert t.tolist() == [0, 0]


def test_disconnected_target_is_reported_not_measured():
    net = StreetNetwork.from_lines(_roads([(0, 0), (100, 0)], [(0, 500), (100, 500)]))
    result = net.measure([(0, 0)], [(50, 10), (50, 510)])
    assert result.distance_m[0] == pytest.approx(60.0)
    assert np.isinf(result.distance_m[1]) and result.nearest[1] == -1
    assert result.disconnected.tolist() == [False, True]


def test_node_distances_from_a_point_between_nodes():
    net = StreetNetwork.from_lines(_roads([(0, 0), (100, 0), (200, 0)]))
    dist, nearest = net.node_distances([(30, 4)])
    order = np.argsort(net.nodes_xy[:, 0])
    assert dist[order] == pytest.approx([34.0, 74.0, 174.0])
    assert (nearest == 0).all()


def test_service_area_cuts_streets_at_the_remaining_distance():
    net = StreetNetwork.from_lines(_roads([(0, 0), (500, 0), (1000, 0)], [(500, 0), (500, 1000)]))
    area = net.service_area([(500, 0)], 100.0, buffer_m=10.0)
    # Three 100 m arms buffered by 10 m: inside the reach, not beyond it.
    assert area.contains(shapely.Point(405, 0)) and area.contains(shapely.Point(500, 95))
    assert not area.intersects(shapely.Point(385, 0)) and not area.intersects(shapely.Point(500, 115))
    assert area.area == pytest.approx(300 * 20 + np.pi * 100, rel=0.05)


def test_geographic_or_lineless_layers_are_refused():
    lines = _roads([(0, 0), (1, 1)]).set_crs("EPSG:4326", allow_override=True)
    with pytest.raises(AnalysisError, match="geographic"):
        StreetNetwork.from_lines(lines, source="'roads.gpkg'")
    points = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs=UTM48N)
    with pytest.raises(AnalysisError, match="no line geometries"):
        StreetNetwork.from_lines(points)


# -- HCMC: equal to networkx on the same graph -------------------------------------------------------
@pytest.fixture(scope="module")
def hcmc(hcmc_gpkg):
    def read(layer):
        return gpd.read_file(hcmc_gpkg, layer=layer).to_crs(UTM48N)

    layers = ("roads_detail", "roads_main", "bus_stops", "poi_medical", "wards_pop2021")
    return {name: read(name) for name in layers}


def _nx_graph(net: StreetNetwork) -> nx.Graph:
    graph = nx.Graph()
    graph.add_nodes_from(range(net.n_nodes))
    graph.add_weighted_edges_from(
        zip(net.edge_u.tolist(), net.edge_v.tolist(), net.edge_length_m.tolist(), strict=True)
    )
    return graph


def _nx_with_points(net: StreetNetwork, xy_sets: dict[str, np.ndarray], max_snap_m: float) -> nx.Graph:
    """networkx graph with each point inserted as a node: edges split at the projections."""
    graph = _nx_graph(net)
    on_edge: dict[int, list[tuple[float, object]]] = {}
    for name, xy in xy_sets.items():
        snap = net.snap(xy, max_snap_m)
        for i in np.flatnonzero(~snap.too_far):
            stop = (name, int(i), "on street")
            on_edge.setdefault(int(snap.edge[i]), []).append((float(snap.offset_m[i]), stop))
            graph.add_edge((name, int(i)), stop, weight=float(snap.distance_m[i]))
    for e, stops in on_edge.items():
        u, v, length = int(net.edge_u[e]), int(net.edge_v[e]), float(net.edge_length_m[e])
        graph.remove_edge(u, v)
        chain = [(0.0, u), *sorted(stops, key=lambda s: s[0]), (length, v)]
        for (a, p), (b, q) in zip(chain[:-1], chain[1:], strict=True):
            graph.add_edge(p, q, weight=b - a)
    return graph


@pytest.mark.shared_data
def test_hcmc_graph_is_exact_to_the_road_geometry(hcmc):
    roads = hcmc["roads_detail"]
    net = StreetNetwork.from_lines(roads)
    assert net.n_nodes > 10_057
    # Edges are the roads' own segments; dropping duplicates can only shorten the total.
    total = roads.length.sum()
    assert total * 0.99 < net.edge_length_m.sum() <= total + 1e-6
    components = nx.number_connected_components(_nx_graph(net))
    assert components == net.n_components


@pytest.mark.shared_data
@pytest.mark.parametrize("layer", ["roads_detail", "roads_main"])
def test_hcmc_node_distances_equal_networkx(hcmc, layer):
    net = StreetNetwork.from_lines(hcmc[layer])
    rng = np.random.default_rng(5)
    # Sources at the first vertex of random edges sit exactly on their node.
    source_edges = rng.choice(net.n_edges, 40, replace=False)
    source_nodes = net.edge_u[source_edges]
    dist, nearest = net.node_distances(net.edge_xy[source_edges, :2])
    expected = nx.multi_source_dijkstra_path_length(_nx_graph(net), set(source_nodes.tolist()))
    reached = np.array(sorted(expected))
    assert np.isfinite(dist).sum() == len(reached)
    assert dist[reached] == pytest.approx(np.array([expected[n] for n in reached]), abs=1e-6)
    # The nearest source is one at that distance.
    assert (nearest[reached] >= 0).all()


@pytest.mark.shared_data
def test_hcmc_point_distances_equal_networkx_with_split_edges(hcmc):
    net = StreetNetwork.from_lines(hcmc["roads_detail"])
    stops = hcmc["bus_stops"].get_coordinates().to_numpy()
    wards = hcmc["wards_pop2021"].geometry
    targets = np.vstack([
        shapely.get_coordinates(shapely.point_on_surface(wards.to_numpy())),
        hcmc["poi_medical"].get_coordinates().to_numpy(),
        stops[:20] + 3.0,  # on the same edges as sources
    ])
    result = net.measure(stops, targets, max_snap_m=250)
    graph = _nx_with_points(net, {"source": stops, "target": targets}, 250)
    sources = [("source", i) for i in np.flatnonzero(~result.sources.too_far)]
    expected = nx.multi_source_dijkstra_path_length(graph, sources)
    want = np.array([expected.get(("target", i), np.inf) for i in range(len(targets))])
    assert np.isfinite(result.distance_m).sum() > 0.9 * len(targets)
    assert np.array_equal(np.isinf(want), np.isinf(result.distance_m))
    finite = np.isfinite(want)
    assert result.distance_m[finite] == pytest.approx(want[finite], abs=1e-6)


@pytest.mark.shared_data
def test_hcmc_pairs_within_agree_with_nearest_distance(hcmc):
    net = StreetNetwork.from_lines(hcmc["roads_detail"])
    clinics = hcmc["poi_medical"].get_coordinates().to_numpy()
    wards = shapely.get_coordinates(shapely.point_on_surface(hcmc["wards_pop2021"].geometry.to_numpy()))
    s, t, d = net.pairs_within(clinics, wards, 1500.0)
    assert (d <= 1500.0).all()
    for j in range(len(clinics)):
        alone, _ = net.nearest_distance(clinics[j : j + 1], wards)
        mine = s == j
        assert sorted(t[mine].tolist()) == np.flatnonzero(alone <= 1500.0).tolist()
        assert d[mine] == pytest.approx(alone[t[mine]], abs=1e-6)
    # The nearest clinic distance per ward is the minimum over its pairs.
    nearest, _ = net.nearest_distance(clinics, wards)
    best = np.full(len(wards), np.inf)
    np.minimum.at(best, t, d)
    close = nearest <= 1500.0
    assert best[close] == pytest.approx(nearest[close], abs=1e-6)
