"""Walking street network: graph from road lines, point snapping and multi-source shortest paths.

The graph is exact to the geometry: every vertex of every road line is a node and every pair of
consecutive vertices is an edge weighted by its length in metres. Lines meet where they share a
vertex (exact coordinates), where their end points lie within ``merge_m`` of each other, and where
a street's dead end lies within ``merge_m`` of another street (a T-junction drawn without a shared
vertex: that street is split there). Lines that cross without a shared vertex (bridges, tunnels) stay
unconnected.

Demand and facility points are attached to the nearest point of the nearest edge: a point at
offset ``t`` along edge ``(u, v)`` of length ``L``, ``s`` metres off the street, is ``s + t`` from
``u`` and ``s + L - t`` from ``v``. All facilities are handled in one scipy Dijkstra run through
one virtual node per facility (outgoing edges only, so no path passes through another facility).

The nearest edge is found exactly with a k-d tree over the midpoints of short pieces of the edges
(at most ``_PIECE_M`` long): an edge none of whose pieces is among a point's ``k`` nearest is at
least the ``k``-th midpoint distance minus half a piece away, so when the best edge among the
candidates is closer than that, it is the nearest of all; the few points where this does not
hold are asked again with more neighbours, and the last ones with the geometric index. Ties go to
the lowest edge index. Snaps of the same points are kept (:meth:`StreetNetwork.snap`), so the KPIs
of one project snap its demand once.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS
from scipy import sparse
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from ._grid import boxes_holding, ranges
from ._threads import engine_threads
from .errors import AnalysisError
from .progress import Progress, report

DEFAULT_WALK_SPEED_KMH = 4.8
DEFAULT_MAX_SNAP_M = 250.0
DEFAULT_MERGE_M = 1.0
DEFAULT_SERVICE_BUFFER_M = 35.0
# Sources per Dijkstra batch when listing all source-target pairs within a limit; a batch runs on
# the nodes within the limit (plus this margin) of its sources (see StreetNetwork._limited_runs).
_PAIR_BATCH_SOURCES = 32
_PAIR_REGION_MARGIN_M = 100.0
# Snapping index: edges are cut into pieces whose midpoints go in a k-d tree; a piece is at most
# twice the median edge length, within these bounds (a tight bound on the half piece matters more
# than the number of pieces).
_PIECE_M = (5.0, 35.0)
# Nearest piece midpoints asked for, pass by pass, until the nearest edge is certain.
_SNAP_NEIGHBOURS = (6, 16, 64, 256)
# Points snapped per block, blocks on all cores (keeps the work arrays in cache).
_SNAP_BLOCK = 32_768
# Snaps of this many distinct point sets are kept per network (least recently used dropped), and
# as many sets of pairs within a limit, unless one holds more than _PAIR_CACHE_MAX pairs.
_SNAP_CACHE_SIZE = 4
_PAIR_CACHE_MAX = 4_000_000


@dataclass
class Snap:
    """Where points attach to the network.

    Attributes
    ----------
    edge : numpy.ndarray
        Index of the nearest edge per point (int64).
    offset_m : numpy.ndarray
        Distance from the edge's first node ``u`` to the attachment point, along the edge.
    distance_m : numpy.ndarray
        Straight distance from the point to the attachment point (the snap distance).
    xy : numpy.ndarray
        (n, 2) attachment points on the edges.
    too_far : numpy.ndarray
        True where ``distance_m`` exceeds the maximum snap distance; such points are left out of
        network measures (their distances are ``inf``).
    """

    edge: np.ndarray
    offset_m: np.ndarray
    distance_m: np.ndarray
    xy: np.ndarray
    too_far: np.ndarray


@dataclass
class NetworkDistances:
    """Network distance from each target to its nearest source, with the reasons for ``inf``.

    Attributes
    ----------
    distance_m : numpy.ndarray
        Metres along the network including both snap distances; ``inf`` when unreachable.
    nearest : numpy.ndarray
        Index (into the sources) of the nearest source; -1 when unreachable.
    targets : Snap
        How the targets attached (``targets.too_far`` marks targets beyond the maximum snap).
    sources : Snap
        How the sources attached (``sources.too_far`` marks sources left out).
    """

    distance_m: np.ndarray
    nearest: np.ndarray
    targets: Snap
    sources: Snap

    @property
    def too_far(self) -> np.ndarray:
        """Targets farther than the maximum snap distance from every street."""
        return self.targets.too_far

    @property
    def disconnected(self) -> np.ndarray:
        """Targets on the network but on a component without any source."""
        return ~self.targets.too_far & ~np.isfinite(self.distance_m)


class StreetNetwork:
    """An undirected walking graph built from road centre lines in a metric CRS.

    Use :meth:`from_lines` to build one. Attributes are read-only arrays.

    Attributes
    ----------
    nodes_xy : numpy.ndarray
        (n_nodes, 2) node coordinates (merged end points sit at their members' mean).
    edge_u, edge_v : numpy.ndarray
        Node indices of each edge (int64); the edge runs from ``edge_xy[:, :2]`` (at ``u``) to
        ``edge_xy[:, 2:]`` (at ``v``).
    edge_xy : numpy.ndarray
        (n_edges, 4) segment coordinates ``x0, y0, x1, y1`` taken from the source geometry.
    edge_length_m : numpy.ndarray
        Segment lengths in metres.
    graph : scipy.sparse.csr_array
        Symmetric (n_nodes, n_nodes) adjacency with edge lengths as weights.
    component : numpy.ndarray
        Connected component label per node.
    walk_speed_kmh : float
        Walking speed used for travel times.
    source : str
        How messages name the road layer (file and layer).
    edge_lines : numpy.ndarray, optional
        The edges as two-point LineStrings when already built (saves rebuilding them).
    """

    def __init__(
        self,
        nodes_xy: np.ndarray,
        edge_u: np.ndarray,
        edge_v: np.ndarray,
        edge_xy: np.ndarray,
        walk_speed_kmh: float = DEFAULT_WALK_SPEED_KMH,
        source: str = "the road layer",
        edge_lines: np.ndarray | None = None,
    ) -> None:
        if not walk_speed_kmh > 0:
            raise AnalysisError(f"The walking speed must be positive (got {walk_speed_kmh} km/h).")
        self.source = source
        self.nodes_xy = nodes_xy
        self.edge_u = edge_u
        self.edge_v = edge_v
        self.edge_xy = edge_xy
        self.edge_length_m = np.hypot(edge_xy[:, 2] - edge_xy[:, 0], edge_xy[:, 3] - edge_xy[:, 1])
        self.walk_speed_kmh = float(walk_speed_kmh)
        n = len(nodes_xy)
        rows = np.concatenate([edge_u, edge_v])
        cols = np.concatenate([edge_v, edge_u])
        weights = np.concatenate([self.edge_length_m, self.edge_length_m])
        self.graph = sparse.csr_array((weights, (rows, cols)), shape=(n, n))
        self.graph.sort_indices()
        self.n_components, self.component = connected_components(self.graph, directed=False)
        self._edge_lines = edge_lines
        self._tree: shapely.STRtree | None = None
        self._piece_index: _PieceIndex | None = None
        self._by_x: tuple[np.ndarray, np.ndarray] | None = None
        self._snaps: list[tuple[np.ndarray, _Attachment]] = []
        self._pair_caches: list[tuple[tuple[float, float], _PairCache]] = []
        self._node_caches: list[tuple[tuple[float, float], np.ndarray, np.ndarray, np.ndarray]] = []
        self._snaps_lock = threading.Lock()

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def from_lines(
        cls,
        gdf,
        merge_m: float = DEFAULT_MERGE_M,
        walk_speed_kmh: float = DEFAULT_WALK_SPEED_KMH,
        progress: Progress | None = None,
        source: str | None = None,
    ) -> StreetNetwork:
        """Build the walking graph from a road line layer.

        Parameters
        ----------
        gdf : geopandas.GeoDataFrame or GeoSeries or array of shapely geometries
            Road centre lines (LineString / MultiLineString; other geometry types are ignored) in
            a metric CRS.
        merge_m : float
            Line end points closer than this to another end point, a vertex or a street are
            joined to it (closes digitising gaps at junctions); 0 joins exact vertices only.
        walk_speed_kmh : float
            Walking speed for travel times.
        progress : Progress, optional
            Progress sink.
        source : str, optional
            Name of the file or layer, used in error messages.

        Returns
        -------
        StreetNetwork

        Raises
        ------
        AnalysisError
            If the layer is in a geographic CRS or holds no usable line.
        """
        name = source or "the road layer"
        crs = getattr(gdf, "crs", None)
        if crs is not None and CRS.from_user_input(crs).is_geographic:
            raise AnalysisError(
                f"{name} is in geographic coordinates (degrees); reproject it to a metric CRS first."
            )
        geoms = np.asarray(getattr(gdf, "geometry", gdf))
        report(progress, 0.0, "Splitting road lines")
        parts = shapely.get_parts(geoms)
        lines = parts[(shapely.get_type_id(parts) == 1) & ~shapely.is_empty(parts)]
        if len(lines) == 0:
            raise AnalysisError(f"{name} contains no line geometries to build a street network from.")
        coords, line_of = shapely.get_coordinates(lines, return_index=True)

        report(progress, 0.3, "Finding junctions")
        # Shared vertices by exact coordinates: a complex key sorts by x then y.
        vertex_xy, vertex_of = np.unique(coords[:, 0] + 1j * coords[:, 1], return_inverse=True)
        vertex_xy = np.column_stack([vertex_xy.real, vertex_xy.imag])
        first = np.flatnonzero(np.r_[True, line_of[1:] != line_of[:-1]])
        last = np.r_[first[1:] - 1, len(coords) - 1]
        end_vertices = np.unique(vertex_of[np.r_[first, last]])
        step = np.flatnonzero(line_of[1:] == line_of[:-1])
        seg_a, seg_b = vertex_of[step], vertex_of[step + 1]
        seg = np.column_stack([coords[step], coords[step + 1]])
        joins, splits = _ends_on_streets(vertex_xy, end_vertices, seg_a, seg_b, seg, merge_m)
        node_of_vertex = _merge_vertices(vertex_xy, end_vertices, joins, merge_m)
        counts = np.bincount(node_of_vertex)
        nodes_xy = np.column_stack(
            [
                np.bincount(node_of_vertex, weights=vertex_xy[:, 0]) / counts,
                np.bincount(node_of_vertex, weights=vertex_xy[:, 1]) / counts,
            ]
        )

        report(progress, 0.6, "Building edges")
        split_segment, split_vertex, split_xy, split_frac = splits
        u, v, seg = _split_segments(
            node_of_vertex[seg_a],
            node_of_vertex[seg_b],
            seg,
            (split_segment, node_of_vertex[split_vertex], split_xy, split_frac),
        )
        keep = u != v
        u, v, seg = u[keep], v[keep], seg[keep]
        if len(u) == 0:
            raise AnalysisError(
                f"The lines of {name} are all shorter than the {merge_m:g} m junction merge distance."
            )
        # Parallel duplicates between the same two nodes: keep the shortest.
        length = np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1])
        pair_key = np.minimum(u, v) * len(nodes_xy) + np.maximum(u, v)
        order = np.lexsort((length, pair_key))
        unique_first = order[_run_starts(pair_key[order])]
        unique_first.sort()
        u, v, seg = u[unique_first], v[unique_first], seg[unique_first]
        report(progress, 0.9, "Finding connected parts")
        net = cls(nodes_xy, u, v, seg, walk_speed_kmh, name)
        report(progress, 1.0, "Street network ready")
        return net

    # -- basic facts ----------------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        return int(len(self.nodes_xy))

    @property
    def n_edges(self) -> int:
        return int(len(self.edge_u))

    @property
    def edges(self) -> np.ndarray:
        """Edges as an array of two-point shapely LineStrings."""
        if self._edge_lines is None:
            self._edge_lines = shapely.linestrings(self.edge_xy.reshape(-1, 2, 2))
        return self._edge_lines

    # -- snapping -------------------------------------------------------------------------------
    def snap(self, xy, max_snap_m: float = DEFAULT_MAX_SNAP_M) -> Snap:
        """Attach points to the nearest point of the nearest edge.

        The attachment of a set of points is kept (for the last few sets, compared by value), so
        snapping the same demand points again (every KPI of a project does) costs a comparison.
        The arrays of the returned :class:`Snap` are read-only.

        Parameters
        ----------
        xy : array_like
            (n, 2) point coordinates in the network's CRS.
        max_snap_m : float
            Points farther than this from every edge are marked ``too_far``.

        Returns
        -------
        Snap
        """
        return self._attachment(_as_xy(xy)).snap(max_snap_m)

    def _attachment(self, xy: np.ndarray) -> _Attachment:
        """Nearest edge, offset, distance and point per point, from the cache when the same.

        A set that extends a kept one (facilities with a placement added at the end) reuses the
        kept attachments of its first points.
        """
        head: _Attachment | None = None
        with self._snaps_lock:
            for i, (seen, found) in enumerate(self._snaps):
                if seen.shape == xy.shape and np.array_equal(seen, xy):
                    self._snaps.insert(0, self._snaps.pop(i))
                    return found
            for seen, found in self._snaps:
                if 0 < len(seen) < len(xy) and (head is None or len(seen) > len(head.edge)):
                    if np.array_equal(seen, xy[: len(seen)]):
                        head = found
        skip = 0 if head is None else len(head.edge)
        tail = xy[skip:]
        edge = self._nearest_edges(tail)
        x0, y0 = self.edge_xy[edge, 0], self.edge_xy[edge, 1]
        dx, dy = self.edge_xy[edge, 2] - x0, self.edge_xy[edge, 3] - y0
        frac = np.clip(((tail[:, 0] - x0) * dx + (tail[:, 1] - y0) * dy) / (dx * dx + dy * dy), 0.0, 1.0)
        on_edge = np.column_stack([x0 + frac * dx, y0 + frac * dy])
        found = _Attachment(
            edge=edge,
            offset_m=frac * self.edge_length_m[edge],
            distance_m=np.hypot(tail[:, 0] - on_edge[:, 0], tail[:, 1] - on_edge[:, 1]),
            xy=on_edge,
        )
        if head is not None:
            found = _Attachment(
                *(np.concatenate([a, b]) for a, b in zip(head.arrays(), found.arrays(), strict=True))
            )
        for array in found.arrays():
            array.flags.writeable = False
        with self._snaps_lock:
            self._snaps.insert(0, (xy.copy(), found))
            del self._snaps[_SNAP_CACHE_SIZE:]
        return found

    def _nearest_edges(self, xy: np.ndarray) -> np.ndarray:
        """Index of the nearest edge per point (exact; ties to the lowest index)."""
        edge = np.zeros(len(xy), dtype=np.int64)
        if len(xy) == 0:
            return edge
        index = self._pieces()
        # Points in grid order (neighbouring queries walk the same branches of the tree), in
        # blocks shared among the cores.
        order = _grid_order(xy, 4.0 * index.half)
        blocks = [order[start : start + _SNAP_BLOCK] for start in range(0, len(order), _SNAP_BLOCK)]
        workers = min(len(blocks), engine_threads())
        if workers > 1:
            with ThreadPoolExecutor(workers) as pool:
                found = list(pool.map(lambda block: index.nearest(self.edge_xy, xy[block]), blocks))
        else:
            found = [index.nearest(self.edge_xy, xy[block]) for block in blocks]
        left = []
        for block, (block_edge, sure) in zip(blocks, found, strict=True):
            edge[block] = block_edge
            left.append(block[~sure])
        left = np.concatenate(left)
        if len(left):
            edge[left] = self._nearest_edges_by_geometry(xy[left])
        return edge

    def _pieces(self) -> _PieceIndex:
        if self._piece_index is None:
            self._piece_index = _PieceIndex.build(self.edge_xy, self.edge_length_m)
        return self._piece_index

    def _nearest_edges_by_geometry(self, xy: np.ndarray) -> np.ndarray:
        """Nearest edges of a few points, from the edges' STRtree (points far from every street)."""
        if self._tree is None:
            self._tree = shapely.STRtree(self.edges)
        points = shapely.points(xy)
        first = self._tree.query_nearest(points, all_matches=False)
        upper = _segment_distance(xy[first[0]], self.edge_xy[first[1]])
        best = np.full(len(xy), np.inf)
        np.minimum.at(best, first[0], upper)
        # Every edge within that distance (and a hair more): the nearest is among them.
        point_i, edge_i = self._tree.query(points, predicate="dwithin", distance=best * (1 + 1e-9) + 1e-9)
        return _lowest_nearest(point_i, edge_i, _segment_distance(xy[point_i], self.edge_xy[edge_i]), len(xy))

    # -- shortest paths -------------------------------------------------------------------------
    def _with_sources(
        self, snap: Snap, which: np.ndarray, region: np.ndarray | None = None
    ) -> tuple[sparse.csr_array, np.ndarray]:
        """The graph plus one virtual node per chosen source with edges to its edge's two ends.

        Virtual rows only have outgoing edges, so no path runs through a source to another.
        With ``region`` (sorted node indices holding both ends of every chosen source's edge),
        the graph is the part on those nodes, numbered in their order. Returns the augmented
        graph and the virtual node indices.
        """
        e = snap.edge[which]
        to_u = snap.distance_m[which] + snap.offset_m[which]
        to_v = snap.distance_m[which] + self.edge_length_m[e] - snap.offset_m[which]
        ends = np.column_stack([self.edge_u[e], self.edge_v[e]]).ravel()
        if region is None:
            base = self.graph
        else:
            base = self.graph[region][:, region]
            base.sort_indices()
            ends = np.searchsorted(region, ends)
        n = base.shape[0]
        k = len(which)
        indptr = np.concatenate([base.indptr, base.indptr[-1] + 2 * np.arange(1, k + 1)])
        indices = np.concatenate([base.indices, ends])
        data = np.concatenate([base.data, np.column_stack([to_u, to_v]).ravel()])
        graph = sparse.csr_array((data, indices, indptr), shape=(n + k, n + k))
        return graph, n + np.arange(k)

    def node_distances(
        self, sources_xy, max_snap_m: float = DEFAULT_MAX_SNAP_M
    ) -> tuple[np.ndarray, np.ndarray]:
        """Network distance from every node to its nearest source (one Dijkstra for all sources).

        Parameters
        ----------
        sources_xy : array_like
            (k, 2) source points (facilities); those beyond ``max_snap_m`` are left out.
        max_snap_m : float
            Maximum snap distance for sources.

        Returns
        -------
        distance_m : numpy.ndarray
            Per node, metres to the nearest source including its snap distance; ``inf`` if none
            is reachable.
        nearest : numpy.ndarray
            Per node, index of the nearest source (-1 if none).
        """
        return self._node_distances(self.snap(sources_xy, max_snap_m))

    def check_reach(
        self, sources: Snap, targets: Snap, max_snap_m: float, targets_name: str = "the zones"
    ) -> None:
        """Raise when no target can reach any source along the network, saying why.

        Parameters
        ----------
        sources, targets : Snap
            How the facilities and the demand points attach (from :meth:`snap`).
        max_snap_m : float
            The maximum snap distance used, for the message.
        targets_name : str
            How messages name the demand layer.

        Raises
        ------
        AnalysisError
            Every facility or every demand point is beyond ``max_snap_m`` from the streets, or no
            demand point is on a part of the network that holds a facility.
        """
        if sources.too_far.all():
            raise AnalysisError(
                f"Every facility is more than {max_snap_m:g} m from the streets of {self.source}, "
                "so walking distances cannot be measured."
            )
        if targets.too_far.all():
            raise AnalysisError(
                f"Every zone of {targets_name} is more than {max_snap_m:g} m from the streets of "
                f"{self.source}; check that the road layer covers the zones."
            )
        if self.cut_off(sources, targets).all():
            raise AnalysisError(
                f"No zone of {targets_name} is on a part of the streets of {self.source} that leads "
                "to a facility."
            )

    def cut_off(self, sources: Snap, targets: Snap) -> np.ndarray:
        """Targets that no source can reach whatever the distance, as a (n,) bool array.

        A target is cut off when it is beyond the maximum snap distance from the streets or lies on
        a part of the network (connected component) that holds no source.
        """
        has_source = np.zeros(self.n_components, dtype=bool)
        has_source[self.component[self.edge_u[sources.edge[~sources.too_far]]]] = True
        return targets.too_far | ~has_source[self.component[self.edge_u[targets.edge]]]

    def _nodes_by_x(self) -> tuple[np.ndarray, np.ndarray]:
        """Node indices sorted by x, and their x (to cut bands of nodes quickly)."""
        if self._by_x is None:
            order = np.argsort(self.nodes_xy[:, 0], kind="stable")
            self._by_x = (order, self.nodes_xy[order, 0])
        return self._by_x

    def _limited_runs(self, src: Snap, chosen: np.ndarray, limit_m: float) -> tuple[np.ndarray, np.ndarray]:
        """Dijkstra from sources ``chosen`` up to ``limit_m``, on the nodes around them.

        The runs use the nodes within ``limit_m`` (and a margin) of the sources' attachment
        points. That is exact when no node of that region's rim (a node with an edge leaving the
        region) is reached within the limit: a path within the limit that left the region would
        have to reach the rim first. Otherwise the batch is run on the whole graph.

        Returns
        -------
        dist : numpy.ndarray
            (len(chosen), len(region)) metres from each source to each node of the region
            (``inf`` beyond the limit).
        region : numpy.ndarray
            The nodes of the columns, in increasing order.
        """
        margin = limit_m + _PAIR_REGION_MARGIN_M
        xy = src.xy[chosen]
        low, high = xy.min(axis=0) - margin, xy.max(axis=0) + margin
        by_x, sorted_x = self._nodes_by_x()
        band = by_x[np.searchsorted(sorted_x, low[0]) : np.searchsorted(sorted_x, high[0], side="right")]
        band_y = self.nodes_xy[band, 1]
        e = src.edge[chosen]
        inside = np.zeros(self.n_nodes, dtype=bool)
        inside[band[(band_y >= low[1]) & (band_y <= high[1])]] = True
        inside[self.edge_u[e]] = True
        inside[self.edge_v[e]] = True
        region = np.flatnonzero(inside)
        if len(region) < self.n_nodes:
            # The rim: nodes of the region with a neighbour outside it.
            graph = self.graph
            degree = graph.indptr[region + 1] - graph.indptr[region]
            outside = ~inside[graph.indices[ranges(graph.indptr[region], degree)]]
            rim = np.repeat(np.arange(len(region)), degree)[outside]
            graph, virtual = self._with_sources(src, chosen, region)
            dist = dijkstra(graph, directed=True, indices=virtual, limit=limit_m)[:, : len(region)]
            if not (dist[:, rim] <= limit_m).any():
                return dist, region
        graph, virtual = self._with_sources(src, chosen)
        dist = dijkstra(graph, directed=True, indices=virtual, limit=limit_m)[:, : self.n_nodes]
        return dist, np.arange(self.n_nodes)

    def _node_distances(
        self, src: Snap, limit_m: float = np.inf, first: int = 0
    ) -> tuple[np.ndarray, np.ndarray]:
        """Distance from every node to its nearest source ``first:`` (one Dijkstra for all).

        Nodes farther than ``limit_m`` get ``inf``; ``nearest`` indexes all of ``src``.
        """
        usable = first + np.flatnonzero(~src.too_far[first:])
        if len(usable) == 0:
            return np.full(self.n_nodes, np.inf), np.full(self.n_nodes, -1, dtype=np.int64)
        graph, virtual = self._with_sources(src, usable)
        dist, _, origin = dijkstra(
            graph, directed=True, indices=virtual, min_only=True, return_predecessors=True, limit=limit_m
        )
        dist, origin = dist[: self.n_nodes], origin[: self.n_nodes]
        nearest = np.where(origin >= 0, usable[np.maximum(origin - self.n_nodes, 0)], -1)
        return dist, nearest

    def _limited_node_distances(
        self, sources_xy: np.ndarray, src: Snap, limit_m: float, max_snap_m: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`_node_distances` up to ``limit_m``, kept for the last few source sets.

        Sources that extend a kept set (a placement added at the end) only run a Dijkstra from
        the new ones: the distance to the nearest of all sources is the smaller of the two, and
        with the limit that run stays near the new sources.
        """
        key = (float(limit_m), float(max_snap_m))
        head = None
        with self._snaps_lock:
            for i, (k, seen, dist, nearest) in enumerate(self._node_caches):
                if (
                    k != key
                    or len(seen) > len(sources_xy)
                    or not np.array_equal(seen, sources_xy[: len(seen)])
                ):
                    continue
                if len(seen) == len(sources_xy):
                    self._node_caches.insert(0, self._node_caches.pop(i))
                    return dist, nearest
                if head is None or len(seen) > len(head[0]):
                    head = (seen, dist, nearest)
        if head is None:
            dist, nearest = self._node_distances(src, limit_m)
        else:
            seen, old_dist, old_nearest = head
            new_dist, new_nearest = self._node_distances(src, limit_m, first=len(seen))
            better = new_dist < old_dist
            dist = np.where(better, new_dist, old_dist)
            nearest = np.where(better, new_nearest, old_nearest)
        dist.flags.writeable = False
        nearest.flags.writeable = False
        with self._snaps_lock:
            self._node_caches.insert(0, (key, sources_xy.copy(), dist, nearest))
            del self._node_caches[_SNAP_CACHE_SIZE:]
        return dist, nearest

    def measure(
        self, sources_xy, targets_xy, max_snap_m: float = DEFAULT_MAX_SNAP_M, limit_m: float | None = None
    ) -> NetworkDistances:
        """Network distance from each target to its nearest source, with unreachable reasons.

        Parameters
        ----------
        sources_xy, targets_xy : array_like
            (k, 2) facilities and (n, 2) demand points.
        max_snap_m : float
            Maximum snap distance for both.
        limit_m : float, optional
            Only distances up to this matter (a coverage radius): a target farther than that
            from every source gets ``inf`` and nearest -1, and counts in
            :attr:`NetworkDistances.disconnected` (``too_far`` is unchanged). The walk stays
            within the limit and, for sources that extend the last ones measured with this
            limit (a placement), only the new sources are walked from.

        Returns
        -------
        NetworkDistances
        """
        sources_xy = _as_xy(sources_xy)
        src = self.snap(sources_xy, max_snap_m)
        tgt = self.snap(targets_xy, max_snap_m)
        if limit_m is None:
            node_dist, node_nearest = self._node_distances(src)
        else:
            node_dist, node_nearest = self._limited_node_distances(sources_xy, src, limit_m, max_snap_m)
        e, t = tgt.edge, tgt.offset_m
        via_u = node_dist[self.edge_u[e]] + t
        via_v = node_dist[self.edge_v[e]] + self.edge_length_m[e] - t
        use_v = via_v < via_u
        along = np.where(use_v, via_v, via_u)
        nearest = np.where(use_v, node_nearest[self.edge_v[e]], node_nearest[self.edge_u[e]])
        # A source on the target's own edge may be reached directly along the edge.
        tgt_i, src_i = _same_edge_pairs(src, tgt)
        if len(tgt_i):
            direct = np.abs(tgt.offset_m[tgt_i] - src.offset_m[src_i]) + src.distance_m[src_i]
            order = np.lexsort((direct, tgt_i))
            best = order[_run_starts(tgt_i[order])]
            better = direct[best] < along[tgt_i[best]]
            along[tgt_i[best][better]] = direct[best][better]
            nearest[tgt_i[best][better]] = src_i[best][better]
        distance = along + tgt.distance_m
        unreachable = tgt.too_far | ~np.isfinite(distance)
        if limit_m is not None:
            unreachable |= distance > limit_m
        distance[unreachable] = np.inf
        nearest[unreachable] = -1
        return NetworkDistances(distance_m=distance, nearest=nearest, targets=tgt, sources=src)

    def nearest_distance(
        self, sources_xy, targets_xy, max_snap_m: float = DEFAULT_MAX_SNAP_M, limit_m: float | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Network distance (snap distances included) from each target to its nearest source.

        ``limit_m`` as in :meth:`measure`: beyond it a target's distance is ``inf``.

        Returns
        -------
        distance_m : numpy.ndarray
            ``inf`` where the target is beyond ``max_snap_m`` or on a part of the network with
            no source.
        nearest_idx : numpy.ndarray
            Index of the nearest source, -1 where unreachable.
        """
        result = self.measure(sources_xy, targets_xy, max_snap_m, limit_m)
        return result.distance_m, result.nearest

    def pairs_within(
        self,
        sources_xy,
        targets_xy,
        limit_m: float,
        max_snap_m: float = DEFAULT_MAX_SNAP_M,
        progress: Progress | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every (source, target) pair whose network distance is at most ``limit_m``.

        Dijkstra runs for a batch of neighbouring sources at a time with ``limit=limit_m``, on
        the part of the graph around them. A source's pairs depend on that source only, so they
        are kept per set of targets, limit and maximum snap: asked again with one source more
        (a placement), only the new source is measured.

        Returns
        -------
        source_idx, target_idx, distance_m : numpy.ndarray
            One entry per pair within the limit (snap distances included), ordered by source
            then target.
        """
        src_xy = _as_xy(sources_xy)
        targets = self._attachment(_as_xy(targets_xy))
        key = (float(limit_m), float(max_snap_m))
        with self._snaps_lock:
            cache = next((c for k, c in self._pair_caches if k == key and c.targets is targets), None)
            if cache is None:
                cache = _PairCache.empty(targets)
                self._pair_caches.insert(0, (key, cache))
                del self._pair_caches[_SNAP_CACHE_SIZE:]
        keys = src_xy[:, 0] + 1j * src_xy[:, 1]
        with self._snaps_lock:
            _, known = cache.find(keys)
        if not known.all():
            new_keys, first = np.unique(keys[~known], return_index=True)
            new_xy = src_xy[~known][first]
            if cache.by_node is None:
                cache.by_node = self._targets_by_node(targets.snap(max_snap_m))
            s, g, d = self._pairs_of(
                new_xy, targets.snap(max_snap_m), cache.by_node, limit_m, max_snap_m, progress
            )
            with self._snaps_lock:
                _, still = cache.find(new_keys)
                if not still.any():
                    cache.add(new_keys, s, g, d)
                if len(cache.target) > _PAIR_CACHE_MAX:
                    # Too many to keep (an optimiser's candidate sites): answer, then forget.
                    self._pair_caches = [(k, c) for k, c in self._pair_caches if c is not cache]
        report(progress, 1.0, "Network distances measured")
        with self._snaps_lock:
            position, known = cache.find(keys)
            return cache.pairs(position)

    def _targets_by_node(self, tgt: Snap) -> tuple[np.ndarray, ...]:
        """The usable targets, their edge's ends, offsets and snaps, and the targets by end node.

        A target is within a limit only when one of its edge's ends is, so a run measures only
        the targets listed at the nodes it reached: ``by_node[at_node[k]:at_node[k + 1]]`` are
        the entries at node ``k`` (an entry ``j`` is target ``j`` via ``u``, ``j + n`` via ``v``).
        """
        usable_tgt = np.flatnonzero(~tgt.too_far)
        e = tgt.edge[usable_tgt]
        u, v = self.edge_u[e], self.edge_v[e]
        t = tgt.offset_m[usable_tgt]
        rest = self.edge_length_m[e] - t
        snap_t = tgt.distance_m[usable_tgt]
        at_node, by_node = _group_by_node(np.concatenate([u, v]), self.n_nodes)
        return usable_tgt, u, v, t, rest, snap_t, at_node, by_node

    def _pairs_of(
        self,
        sources_xy: np.ndarray,
        tgt: Snap,
        targets_index: tuple[np.ndarray, ...],
        limit_m: float,
        max_snap_m: float,
        progress: Progress | None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`pairs_within` measured (no cache), ordered by source then target.

        ``targets_index`` is :meth:`_targets_by_node` of ``tgt``.
        """
        src = self.snap(sources_xy, max_snap_m)
        usable_src = np.flatnonzero(~src.too_far)
        usable_tgt, u, v, t, rest, snap_t, at_node, by_node = targets_index
        n_targets = len(usable_tgt)
        found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        if len(usable_src) and n_targets:
            # Sources in batches of neighbours, each run on the part of the graph around them.
            ordered = usable_src[_z_order(src.xy[usable_src], max(limit_m, 1.0))]
            local = np.full(self.n_nodes, -1, dtype=np.int64)
            for start in range(0, len(ordered), _PAIR_BATCH_SOURCES):
                report(progress, start / len(ordered), "Measuring network distances")
                chosen = ordered[start : start + _PAIR_BATCH_SOURCES]
                dist, region = self._limited_runs(src, chosen, limit_m)
                local[region] = np.arange(len(region))
                row, node = np.nonzero(dist <= limit_m)
                node = region[node]
                count = at_node[node + 1] - at_node[node]
                row = np.repeat(row, count)
                position = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
                entry = by_node[np.repeat(at_node[node], count) + position]
                # A target listed under u, or under v when u was not reached: each pair once.
                via_v = entry >= n_targets
                j = np.where(via_v, entry - n_targets, entry)
                to_u = _lookup(dist, row, local[u[j]])
                once = ~via_v | ~(to_u <= limit_m)
                row, j, to_u = row[once], j[once], to_u[once]
                to_v = _lookup(dist, row, local[v[j]])
                to_target = np.minimum(to_u + t[j], to_v + rest[j]) + snap_t[j]
                keep = to_target <= limit_m
                found.append((chosen[row[keep]], usable_tgt[j[keep]], to_target[keep]))
                local[region] = -1
            tgt_i, src_i = _same_edge_pairs(src, tgt)
            direct = np.abs(tgt.offset_m[tgt_i] - src.offset_m[src_i]) + src.distance_m[src_i]
            direct += tgt.distance_m[tgt_i]
            ok = direct <= limit_m
            found.append((src_i[ok], tgt_i[ok], direct[ok]))
        if not found:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        s = np.concatenate([f[0] for f in found])
        g = np.concatenate([f[1] for f in found])
        d = np.concatenate([f[2] for f in found])
        # A same-edge pair appears twice (around and direct): keep the shorter.
        order = np.lexsort((d, g, s))
        first = order[_run_starts(s[order] * len(tgt.edge) + g[order])]
        return s[first], g[first], d[first]

    # -- service areas --------------------------------------------------------------------------
    def service_area(
        self,
        sources_xy,
        distance_m: float,
        buffer_m: float = DEFAULT_SERVICE_BUFFER_M,
        max_snap_m: float = DEFAULT_MAX_SNAP_M,
    ):
        """The area within ``distance_m`` walking of any source.

        Parameters
        ----------
        sources_xy : array_like
            (k, 2) source points.
        distance_m : float
            Network distance limit (snap distance included).
        buffer_m : float
            Half width of the band drawn around the reachable street pieces; a street's
            frontage (homes along it) counts as served.
        max_snap_m : float
            Sources farther than this from every street are left out.

        Returns
        -------
        shapely.Geometry
            (Multi)polygon of the buffered reachable street pieces (empty if none).
        """
        src = self.snap(sources_xy, max_snap_m)
        node_dist, _ = self._node_distances(src)
        length = self.edge_length_m
        reach_u = np.clip(distance_m - node_dist[self.edge_u], 0.0, None)
        reach_v = np.clip(distance_m - node_dist[self.edge_v], 0.0, None)
        whole = reach_u + reach_v >= length
        # Pieces as (edge, start offset, end offset) along the edge from u.
        starts = [np.zeros(int(whole.sum())), np.zeros(0), np.zeros(0)]
        ends = [length[whole], np.zeros(0), np.zeros(0)]
        edges = [np.flatnonzero(whole)]
        part_u = ~whole & (reach_u > 0)
        part_v = ~whole & (reach_v > 0)
        edges += [np.flatnonzero(part_u), np.flatnonzero(part_v)]
        starts[1], ends[1] = np.zeros(int(part_u.sum())), reach_u[part_u]
        starts[2], ends[2] = length[part_v] - reach_v[part_v], length[part_v]
        usable = np.flatnonzero(~src.too_far & (src.distance_m <= distance_m))
        radius = distance_m - src.distance_m[usable]
        edges.append(src.edge[usable])
        starts.append(np.clip(src.offset_m[usable] - radius, 0.0, None))
        ends.append(np.minimum(src.offset_m[usable] + radius, length[src.edge[usable]]))
        edge = np.concatenate(edges)
        if len(edge) == 0:
            return shapely.Polygon()
        a, b = np.concatenate(starts), np.concatenate(ends)
        frac_a, frac_b = a / length[edge], b / length[edge]
        x0, y0 = self.edge_xy[edge, 0], self.edge_xy[edge, 1]
        dx, dy = self.edge_xy[edge, 2] - x0, self.edge_xy[edge, 3] - y0
        pieces = shapely.linestrings(
            np.stack(
                [
                    np.column_stack([x0 + frac_a * dx, y0 + frac_a * dy]),
                    np.column_stack([x0 + frac_b * dx, y0 + frac_b * dy]),
                ],
                axis=1,
            )
        )
        # Buffering pieces one by one and cascading the union is far faster than buffering the
        # whole multilinestring at once.
        return shapely.union_all(shapely.buffer(pieces, buffer_m, quad_segs=4))


def _as_xy(xy) -> np.ndarray:
    arr = np.asarray(xy, dtype=float)
    if arr.size == 0:
        return np.zeros((0, 2))
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise AnalysisError(f"Point coordinates must be an (n, 2) array (got shape {arr.shape}).")
    return arr


def _ends_on_streets(
    vertex_xy: np.ndarray,
    end_vertices: np.ndarray,
    seg_a: np.ndarray,
    seg_b: np.ndarray,
    seg: np.ndarray,
    merge_m: float,
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Dead ends lying within ``merge_m`` of another street (T-junctions drawn without a vertex).

    Only line ends that no other segment touches are considered. Each joins its nearest street:
    at that street's vertex when one is within ``merge_m`` (returned as a vertex pair to merge),
    else at the foot of the perpendicular, where the street's segment is split. Crossing
    interiors are never joined (bridges).

    Returns
    -------
    joins : numpy.ndarray
        (j, 2) vertex pairs to merge.
    splits : tuple
        ``(segment, end vertex, (k, 2) split point, fraction along the segment)``.
    """
    no_splits = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 2)), np.zeros(0))
    real = np.flatnonzero(seg_a != seg_b)
    degree = np.bincount(np.r_[seg_a[real], seg_b[real]], minlength=len(vertex_xy))
    dead_ends = end_vertices[degree[end_vertices] == 1]
    if merge_m <= 0 or len(dead_ends) == 0:
        return np.zeros((0, 2), np.int64), no_splits
    end_i, hit = boxes_holding(vertex_xy[dead_ends], seg[real], merge_m)
    end, s = dead_ends[end_i], real[hit]
    apart = (seg_a[s] != end) & (seg_b[s] != end)
    end, s = end[apart], s[apart]
    p = vertex_xy[end]
    start, stop = seg[s, :2], seg[s, 2:]
    d = stop - start
    frac = np.clip(np.einsum("ij,ij->i", p - start, d) / np.einsum("ij,ij->i", d, d), 0.0, 1.0)
    foot = start + frac[:, None] * d
    gap = np.hypot(*(p - foot).T)
    near = gap <= merge_m
    end, s, frac, foot, p, gap = end[near], s[near], frac[near], foot[near], p[near], gap[near]
    # The nearest street per end; equally near ones go to the lowest segment index.
    nearest = np.lexsort((s, gap, end))
    nearest = nearest[_run_starts(end[nearest])]
    end, s, frac, foot, p = end[nearest], s[nearest], frac[nearest], foot[nearest], p[nearest]
    to_a, to_b = np.hypot(*(p - seg[s, :2]).T), np.hypot(*(p - seg[s, 2:]).T)
    at_vertex = (np.minimum(to_a, to_b) <= merge_m) | (frac <= 0.0) | (frac >= 1.0)
    joins = [np.column_stack([end[at_vertex], np.where(to_a <= to_b, seg_a[s], seg_b[s])[at_vertex]])]
    end, s, frac, foot = end[~at_vertex], s[~at_vertex], frac[~at_vertex], foot[~at_vertex]
    # Ends meeting a street at the very same point are one junction.
    order = np.lexsort((frac, s))
    same = (s[order][1:] == s[order][:-1]) & (frac[order][1:] == frac[order][:-1])
    joins.append(np.column_stack([end[order][1:][same], end[order][:-1][same]]))
    return np.vstack(joins).astype(np.int64), (s, end, foot, frac)


def _merge_vertices(
    vertex_xy: np.ndarray, end_vertices: np.ndarray, joins: np.ndarray, merge_m: float
) -> np.ndarray:
    """Node label per vertex after joining line ends within ``merge_m`` and the given pairs.

    Joining is transitive (a chain of ends each within ``merge_m`` of the next becomes one node).
    """
    pairs = [joins]
    if merge_m > 0 and len(end_vertices) > 1:
        near = cKDTree(vertex_xy[end_vertices]).query_pairs(merge_m, output_type="ndarray")
        pairs.append(end_vertices[near])
    pairs = np.vstack(pairs)
    n = len(vertex_xy)
    link = sparse.coo_array((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return connected_components(link, directed=False)[1]


def _split_segments(
    u: np.ndarray, v: np.ndarray, seg: np.ndarray, splits: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut segments at the given points: ``splits = (segment, node, (k, 2) point, fraction)``.

    Returns ``u, v, seg`` of the resulting segments.
    """
    s, node, point, frac = splits
    if len(s) == 0:
        return u, v, seg
    order = np.lexsort((frac, s))
    s, node, point = s[order], node[order], point[order]
    first = np.r_[True, s[1:] != s[:-1]]
    last = np.r_[s[1:] != s[:-1], True]
    before_node = np.where(first, u[s], np.roll(node, 1))
    before_xy = np.where(first[:, None], seg[s, :2], np.roll(point, 1, axis=0))
    untouched = np.ones(len(u), dtype=bool)
    untouched[s] = False
    return (
        np.concatenate([u[untouched], before_node, node[last]]),
        np.concatenate([v[untouched], node, v[s[last]]]),
        np.vstack(
            [
                seg[untouched],
                np.column_stack([before_xy, point]),
                np.column_stack([point[last], seg[s[last], 2:]]),
            ]
        ),
    )


def _run_starts(sorted_keys: np.ndarray) -> np.ndarray:
    """True at the first element of each run of equal (non-negative integer) keys."""
    return np.diff(sorted_keys, prepend=-1) != 0


def _same_edge_pairs(src: Snap, tgt: Snap) -> tuple[np.ndarray, np.ndarray]:
    """(target index, source index) for every usable target and source sharing an edge."""
    usable_src = np.flatnonzero(~src.too_far)
    usable_tgt = np.flatnonzero(~tgt.too_far)
    by_edge = usable_src[np.argsort(src.edge[usable_src], kind="stable")]
    # Sources per edge and where each edge's run starts in by_edge (a counting sort).
    per_edge = np.bincount(
        src.edge[usable_src], minlength=int(max(src.edge.max(initial=0), tgt.edge.max(initial=0))) + 1
    )
    run_start = np.cumsum(per_edge) - per_edge
    lo = run_start[tgt.edge[usable_tgt]]
    count = per_edge[tgt.edge[usable_tgt]]
    tgt_i = np.repeat(usable_tgt, count)
    position = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count) + np.repeat(lo, count)
    return tgt_i, by_edge[position]


@dataclass
class _Attachment:
    """Where a set of points attaches (a :class:`Snap` without the maximum snap distance)."""

    edge: np.ndarray
    offset_m: np.ndarray
    distance_m: np.ndarray
    xy: np.ndarray

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return self.edge, self.offset_m, self.distance_m, self.xy

    def snap(self, max_snap_m: float) -> Snap:
        return Snap(self.edge, self.offset_m, self.distance_m, self.xy, self.distance_m > max_snap_m)


@dataclass
class _PairCache:
    """Pairs within a limit of each source measured so far, for one set of targets.

    ``keys`` are the sources' coordinates (``x + 1j * y``, sorted); the pairs of ``keys[i]`` are
    ``target[start[i]:start[i + 1]]`` at ``distance[...]``, by target index. ``targets`` keeps
    the targets' attachment alive (the cache is found by its identity).
    """

    targets: _Attachment
    keys: np.ndarray
    start: np.ndarray
    target: np.ndarray
    distance: np.ndarray
    by_node: tuple[np.ndarray, ...] | None = None

    @classmethod
    def empty(cls, targets: _Attachment) -> _PairCache:
        none = np.zeros(0, dtype=np.int64)
        return cls(targets, np.zeros(0, dtype=complex), np.zeros(1, dtype=np.int64), none, np.zeros(0))

    def find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Position of each key among the cached ones, and whether it is there."""
        position = np.searchsorted(self.keys, keys)
        known = position < len(self.keys)
        known[known] = self.keys[position[known]] == keys[known]
        return position, known

    def add(self, keys: np.ndarray, source: np.ndarray, target: np.ndarray, distance: np.ndarray) -> None:
        """Add the pairs of new sources ``keys`` (pairs by ``source`` index into ``keys``, sorted)."""
        count = np.bincount(source, minlength=len(keys))
        old_count = np.diff(self.start)
        all_keys = np.concatenate([self.keys, keys])
        order = np.argsort(all_keys, kind="stable")
        counts = np.concatenate([old_count, count])[order]
        begin = np.concatenate([self.start[:-1], len(self.target) + np.cumsum(count) - count])[order]
        take = ranges(begin, counts)
        merged_target = np.concatenate([self.target, target])
        merged_distance = np.concatenate([self.distance, distance])
        self.keys = all_keys[order]
        self.start = np.concatenate([[0], np.cumsum(counts)])
        self.target = merged_target[take]
        self.distance = merged_distance[take]

    def pairs(self, position: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(source, target, distance) for sources at cached ``position`` (source = row)."""
        begin, count = self.start[position], np.diff(self.start)[position]
        take = ranges(begin, count)
        return np.repeat(np.arange(len(position)), count), self.target[take], self.distance[take]


@dataclass
class _PieceIndex:
    """Edges cut into short pieces: their midpoints in a k-d tree.

    ``half`` is the longest half piece: a point ``r`` from a piece's midpoint is at least
    ``r - half`` from the piece. ``segments`` holds each edge as ``x0, y0, dx, dy, 1 / length²``.
    """

    tree: cKDTree
    edge: np.ndarray
    half: float
    segments: np.ndarray

    @classmethod
    def build(cls, edge_xy: np.ndarray, length: np.ndarray) -> _PieceIndex:
        low, high = _PIECE_M
        piece = float(np.clip(2.0 * np.median(length), low, high)) if len(length) else high
        count = np.maximum(np.ceil(length / piece), 1).astype(np.int64)
        edge = np.repeat(np.arange(len(length)), count)
        step = np.arange(len(edge)) - np.repeat(np.cumsum(count) - count, count)
        frac = (step + 0.5) / count[edge]
        x0, y0 = edge_xy[edge, 0], edge_xy[edge, 1]
        mid = np.column_stack([x0 + frac * (edge_xy[edge, 2] - x0), y0 + frac * (edge_xy[edge, 3] - y0)])
        half = float(np.max(length / (2 * count))) if len(length) else 0.0
        dx, dy = edge_xy[:, 2] - edge_xy[:, 0], edge_xy[:, 3] - edge_xy[:, 1]
        with np.errstate(divide="ignore"):
            inverse = np.where(length > 0, 1.0 / (dx * dx + dy * dy), 0.0)
        segments = np.column_stack([edge_xy[:, 0], edge_xy[:, 1], dx, dy, inverse])
        return cls(cKDTree(mid, balanced_tree=False), edge, half, segments)

    def nearest(self, edge_xy: np.ndarray, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest edge per point, and whether it is certain (else left to the geometric index).

        Pass by pass with more neighbours (:data:`_SNAP_NEIGHBOURS`): the nearest edge among the
        pieces of a point's ``k`` nearest midpoints is certain when it is nearer than any other
        edge can be, the ``k``-th midpoint distance minus ``half`` (with a margin for rounding).
        Candidates are ranked by squared distance; ties go to the lowest edge index.
        """
        edge = np.zeros(len(xy), dtype=np.int64)
        sure = np.zeros(len(xy), dtype=bool)
        todo = np.arange(len(xy))
        for k in _SNAP_NEIGHBOURS:
            k = min(k, len(self.edge))
            points = xy[todo]
            reach, piece = self.tree.query(points, k=k)
            reach, piece = reach.reshape(len(points), k), piece.reshape(len(points), k)
            candidate = self.edge[piece]
            seg = self.segments[candidate]
            px, py = points[:, 0, None] - seg[..., 0], points[:, 1, None] - seg[..., 1]
            frac = np.clip((px * seg[..., 2] + py * seg[..., 3]) * seg[..., 4], 0.0, 1.0)
            ex, ey = px - frac * seg[..., 2], py - frac * seg[..., 3]
            squared = ex * ex + ey * ey
            best = squared.min(axis=1)
            tied = np.where(squared == best[:, None], candidate, np.iinfo(np.int64).max)
            edge[todo] = tied.min(axis=1)
            bound = reach[:, -1] - self.half
            certain = (k == len(self.edge)) | ((bound > 0) & (best * (1 + 1e-9) + 1e-9 < bound * bound))
            sure[todo[certain]] = True
            todo = todo[~certain]
            if len(todo) == 0:
                break
        return edge, sure


def _segment_distance(xy: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """Distance from points to segments ``x0, y0, x1, y1`` (broadcast), as :meth:`snap` measures it."""
    x0, y0 = seg[..., 0], seg[..., 1]
    dx, dy = seg[..., 2] - x0, seg[..., 3] - y0
    px, py = xy[..., 0] - x0, xy[..., 1] - y0
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.clip((px * dx + py * dy) / (dx * dx + dy * dy), 0.0, 1.0)
    frac = np.where(np.isfinite(frac), frac, 0.0)
    return np.hypot(px - frac * dx, py - frac * dy)


def _lowest_nearest(point_i: np.ndarray, edge_i: np.ndarray, distance: np.ndarray, n: int) -> np.ndarray:
    """Per point, the lowest edge index among its (point, edge) pairs at the smallest distance."""
    order = np.lexsort((edge_i, distance, point_i))
    first = order[_run_starts(point_i[order])]
    edge = np.zeros(n, dtype=np.int64)
    edge[point_i[first]] = edge_i[first]
    return edge


def _grid_order(xy: np.ndarray, cell_m: float) -> np.ndarray:
    """Point indices ordered by grid cell (rows of ``cell_m`` cells), for cache-friendly queries."""
    if len(xy) < 2:
        return np.arange(len(xy))
    lower = xy.min(axis=0)
    cell = np.floor((xy - lower) / cell_m).astype(np.int64)
    key = cell[:, 1] * (int(cell[:, 0].max()) + 1) + cell[:, 0]
    return np.argsort(key, kind="stable")


def _group_by_node(node: np.ndarray, n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Entries grouped by node: entries of node ``k`` are ``by_node[at_node[k]:at_node[k + 1]]``."""
    by_node = np.argsort(node, kind="stable")
    at_node = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(node, minlength=n_nodes), out=at_node[1:])
    return at_node, by_node


def _lookup(dist: np.ndarray, row: np.ndarray, column: np.ndarray) -> np.ndarray:
    """``dist[row, column]``, ``inf`` where the column is -1 (a node outside the region)."""
    out = np.full(len(row), np.inf)
    known = column >= 0
    out[known] = dist[row[known], column[known]]
    return out


def _z_order(xy: np.ndarray, cell_m: float) -> np.ndarray:
    """Point indices along a Z (Morton) curve over ``cell_m`` cells: runs of it are compact."""
    if len(xy) < 2:
        return np.arange(len(xy))
    cell = np.floor((xy - xy.min(axis=0)) / cell_m).astype(np.uint64)
    cell = np.minimum(cell, np.uint64(0xFFFF))
    key = np.zeros(len(xy), dtype=np.uint64)
    for bit in range(16):
        one = np.uint64(1 << bit)
        key |= ((cell[:, 0] & one) << np.uint64(bit)) | ((cell[:, 1] & one) << np.uint64(bit + 1))
    return np.argsort(key, kind="stable")
