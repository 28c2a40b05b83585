"""Layer styles: single colour, categorised and graduated, with ColorBrewer palettes.

A :class:`LayerStyle` is plain data (saved in the project as JSON); :func:`classify` turns it into
a class index per feature and a legend. Colours are ``#rrggbb`` strings so this module needs no Qt.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from dataclasses import field as dataclass_field

import jenkspy
import numpy as np
import pandas as pd

from cityplanner.kpi_status import status_style

# ColorBrewer 2.0 palettes (Cynthia Brewer, colorbrewer2.org), 9-class versions.
PALETTES: dict[str, list[str]] = {
    "YlOrRd": [
        "#ffffcc",
        "#ffeda0",
        "#fed976",
        "#feb24c",
        "#fd8d3c",
        "#fc4e2a",
        "#e31a1c",
        "#bd0026",
        "#800026",
    ],
    "Blues": [
        "#f7fbff",
        "#deebf7",
        "#c6dbef",
        "#9ecae1",
        "#6baed6",
        "#4292c6",
        "#2171b5",
        "#08519c",
        "#08306b",
    ],
    "Greens": [
        "#f7fcf5",
        "#e5f5e0",
        "#c7e9c0",
        "#a1d99b",
        "#74c476",
        "#41ab5d",
        "#238b45",
        "#006d2c",
        "#00441b",
    ],
    "Purples": [
        "#fcfbfd",
        "#efedf5",
        "#dadaeb",
        "#bcbddc",
        "#9e9ac8",
        "#807dba",
        "#6a51a3",
        "#54278f",
        "#3f007d",
    ],
    "RdYlGn": [
        "#d73027",
        "#f46d43",
        "#fdae61",
        "#fee08b",
        "#ffffbf",
        "#d9ef8b",
        "#a6d96a",
        "#66bd63",
        "#1a9850",
    ],
    "Spectral": [
        "#d53e4f",
        "#f46d43",
        "#fdae61",
        "#fee08b",
        "#ffffbf",
        "#e6f598",
        "#abdda4",
        "#66c2a5",
        "#3288bd",
    ],
    "Set2": ["#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3", "#a6d854", "#ffd92f", "#e5c494", "#b3b3b3"],
    "Paired": [
        "#a6cee3",
        "#1f78b4",
        "#b2df8a",
        "#33a02c",
        "#fb9a99",
        "#e31a1c",
        "#fdbf6f",
        "#ff7f00",
        "#cab2d6",
        "#6a3d9a",
        "#ffff99",
        "#b15928",
    ],
}
QUALITATIVE = ("Set2", "Paired")
METHODS = {"quantiles": "Quantiles", "natural_breaks": "Natural breaks (Jenks)", "equal": "Equal interval"}
# Categorised styles show at most this many categories; the rest share one "other" class.
MAX_CATEGORIES = 12
OTHER_COLOUR = "#bdbdbd"
# Natural breaks of larger layers are computed on this many quantiles of the values.
JENKS_SAMPLE = 1000

# Default colours for new layers, by role and geometry (a facility type's layer takes the type's).
_ROLE_COLOURS = {"zones": "#fdd49e", "roads": "#7f7f7f", "buildings": "#bcaaa4", "hazard": "#9ecae1"}
_CYCLE = ["#1f78b4", "#33a02c", "#e31a1c", "#ff7f00", "#6a3d9a", "#b15928", "#a6cee3", "#b2df8a"]

# Overlays of the map. Zone outlines: thin, dark and translucent, over every layer (the population
# surface hides the zone layer's own edges). The coverage wash (radius discs, service areas): a
# light tint with a clear edge, so that the streets and buildings under it stay readable.
ZONE_OUTLINE = "#3c3c3c"
ZONE_OUTLINE_ALPHA = 105
ZONE_OUTLINE_WIDTH = 0.7
COVERAGE_COLOUR = "#1e78c8"
COVERAGE_FILL_ALPHA = 26
COVERAGE_EDGE_ALPHA = 210


def priority_colours() -> dict[int, str]:
    """The priority tiers' colours {tier: colour}: the engine's one palette
    (:data:`cityplanner.report.figures.PRIORITY_COLOURS`), shared by the map, its legend and the
    report. Imported when first needed (the report module loads reportlab)."""
    from cityplanner.report.figures import PRIORITY_COLOURS

    return dict(PRIORITY_COLOURS)


@dataclass
class LayerStyle:
    """How a layer is drawn.

    ``kind`` is ``"single"``, ``"categorised"`` (one colour per value of ``field``) or
    ``"graduated"`` (``classes`` classes of numeric ``field`` by ``method``).
    """

    kind: str = "single"
    colour: str = "#1f78b4"
    field: str = ""
    palette: str = "YlOrRd"
    method: str = "quantiles"
    classes: int = 5
    visible: bool = True
    opacity: float = 0.8
    fill: bool = True
    line_width: float = 1.0
    point_size: float = 9.0
    # Categorised with fixed colours: [value, colour] pairs in legend order (a KPI status).
    categories: list = dataclass_field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> LayerStyle:
        data = json.loads(text)
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def default_style(
    name: str, role: str | None, index: int, colour: str | None = None, columns=()
) -> LayerStyle:
    """A readable first style for layer ``name`` with ``role``, added as the ``index``-th layer.

    ``colour``: the facility type's colour for a layer of existing facilities (so existing and
    placed facilities of a type share it). Outlines (boundaries, study areas) are drawn unfilled
    so they do not hide what lies beneath. A layer whose ``columns`` hold a KPI status (a batch's
    ``kpis.gpkg``) is coloured by status in the report's colours.
    """
    status = status_style(columns) if role is None else None
    if status is not None:
        field_name, categories = status
        return LayerStyle(
            kind="categorised", field=field_name, opacity=0.8,
            categories=[[value, colour] for value, _, colour in categories],
        )  # fmt: skip
    if role == "population_surface":
        # Where people live: density in quantile classes, cells without outlines.
        return LayerStyle(
            kind="graduated", field="density_km2", palette="YlOrRd", method="quantiles", classes=5,
            opacity=0.7, line_width=0.0,
        )  # fmt: skip
    colour = colour or _ROLE_COLOURS.get(role or "", _CYCLE[index % len(_CYCLE)])
    outline = any(word in name.lower() for word in ("boundary", "outline", "border", "extent"))
    opacity = 0.55 if role == "zones" else 0.8
    return LayerStyle(
        colour="#333333" if outline else colour,
        opacity=opacity,
        fill=not outline,
        line_width=2.0 if outline else 1.0,
    )


def palette_colours(name: str, n: int) -> list[str]:
    """``n`` colours from palette ``name``: evenly spread on sequential ramps, in order otherwise."""
    ramp = PALETTES.get(name, PALETTES["YlOrRd"])
    if n <= 0:
        return []
    if name in QUALITATIVE:
        return [ramp[i % len(ramp)] for i in range(n)]
    if n == 1:
        return [ramp[len(ramp) // 2]]
    positions = np.linspace(1, len(ramp) - 1, n) if n < len(ramp) else np.linspace(0, len(ramp) - 1, n)
    return [ramp[int(round(p))] for p in positions]


@dataclass
class Classification:
    """Result of :func:`classify`: ``class_index[i]`` is feature i's class (-1: no data).

    ``labels`` are English (``1,234 – 5,678``); a legend in another language writes graduated
    classes from ``bounds`` ((lower, upper) per class) with ``decimals``, and a categorised style's
    last class as "other" when ``other_count`` values share it.
    """

    class_index: np.ndarray
    colours: list[str]
    labels: list[str]
    bounds: list[tuple[float, float]] | None = None
    decimals: int = 0
    other_count: int = 0


def classify(values: pd.Series | None, style: LayerStyle) -> Classification:
    """Classify one field's ``values`` according to ``style`` (single colour when ``values`` is None)."""
    if style.kind == "single" or values is None:
        n = 0 if values is None else len(values)
        return Classification(np.zeros(n, dtype=np.int32), [style.colour], [""])
    if style.kind == "categorised":
        return _categorised(values, style)
    return _graduated(values, style)


def _categorised(values: pd.Series, style: LayerStyle) -> Classification:
    text = values.astype("string").fillna("(no value)")
    if style.categories:
        return _fixed_categories(text, style.categories)
    counts = text.value_counts()
    shown = list(counts.index[:MAX_CATEGORIES])
    codes = pd.Index(shown).get_indexer(text).astype(np.int32)
    labels = [str(v) for v in shown]
    colours = palette_colours(style.palette if style.palette in QUALITATIVE else "Paired", len(shown))
    other = 0
    if len(counts) > MAX_CATEGORIES:
        codes = np.where(codes < 0, len(shown), codes).astype(np.int32)
        other = len(counts) - MAX_CATEGORIES
        labels.append(f"other ({other} values)")
        colours.append(OTHER_COLOUR)
    return Classification(codes, colours, labels, other_count=other)


def _fixed_categories(text: pd.Series, categories: list) -> Classification:
    """Each value in its fixed colour; values outside ``categories`` share the "other" class."""
    shown = [str(value) for value, _ in categories]
    colours = [str(colour) for _, colour in categories]
    codes = pd.Index(shown).get_indexer(text).astype(np.int32)
    other = int(text[codes < 0].nunique())
    if other:
        codes = np.where(codes < 0, len(shown), codes).astype(np.int32)
        labels = [*shown, f"other ({other} values)"]
        return Classification(codes, [*colours, OTHER_COLOUR], labels, other_count=other)
    return Classification(codes, colours, shown)


def _graduated(values: pd.Series, style: LayerStyle) -> Classification:
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64")
    valid = np.isfinite(numbers)
    class_index = np.full(len(numbers), -1, dtype=np.int32)
    distinct = np.unique(numbers[valid])
    if distinct.size == 0:
        return Classification(class_index, [], [])
    k = int(max(1, min(style.classes, distinct.size)))
    if k == 1:
        bins = np.array([distinct[-1]])
    elif style.method == "natural_breaks":
        # Fisher-Jenks is quadratic in the values (jenkspy's C code: 20 ms for 1,000 values and 9
        # classes, 0.13 s for 5,000): above JENKS_SAMPLE values it runs on that many evenly spaced
        # quantiles (deterministic, unlike a random sample).
        sample = numbers[valid]
        if sample.size > JENKS_SAMPLE:
            sample = np.quantile(sample, np.linspace(0.0, 1.0, JENKS_SAMPLE))
        # The quantiles of heavily tied values can hold fewer distinct values than the layer (never
        # fewer than 2: the minimum and the maximum), and jenkspy refuses more classes than that.
        k = min(k, np.unique(sample).size)
        # k + 1 bounds, the minimum first: the bins are the k classes' upper bounds.
        bins = jenkspy.jenks_breaks(sample, n_classes=k)[1:]
    elif style.method == "equal":
        # k classes of equal width from the minimum to the maximum; the bins are their upper bounds.
        bins = np.linspace(distinct[0], distinct[-1], k + 1)[1:]
    else:
        # The k-quantiles of the values (linear interpolation), the last one the maximum.
        bins = np.quantile(numbers[valid], np.linspace(1.0 / k, 1.0, k))
    bins = np.unique(np.asarray(bins, dtype="float64"))
    class_index[valid] = np.minimum(np.searchsorted(bins, numbers[valid], side="left"), len(bins) - 1)
    lower = np.concatenate([[distinct[0]], bins[:-1]])
    decimals = _label_decimals(np.concatenate([lower[:1], bins]))
    bounds = [(float(lo), float(hi)) for lo, hi in zip(lower, bins, strict=True)]
    labels = [f"{lo:,.{decimals}f} – {hi:,.{decimals}f}" for lo, hi in bounds]
    return Classification(
        class_index, palette_colours(style.palette, len(bins)), labels, bounds=bounds, decimals=decimals
    )


def _label_decimals(bounds: np.ndarray) -> int:
    """One number of decimals for every class bound: enough to tell the closest two apart (0-3)."""
    if np.all(bounds == np.round(bounds)):
        return 0
    steps = np.diff(np.unique(bounds))
    step = float(steps.min()) if len(steps) else float(abs(bounds[0]) or 1.0)
    return int(np.clip(1 - np.floor(np.log10(step)), 0, 3))
