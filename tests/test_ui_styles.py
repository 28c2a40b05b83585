"""Layer styles (ui.styles): graduated classes by natural breaks stay quick on large layers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ui.styles import JENKS_SAMPLE, LayerStyle, classify


def test_natural_breaks_on_a_large_layer_is_quick_and_repeatable(monkeypatch):
    import mapclassify

    values = pd.Series(np.random.default_rng(5).lognormal(3.0, 1.0, 50_000))
    style = LayerStyle(kind="graduated", field="v", method="natural_breaks", classes=5)
    # Fisher-Jenks is quadratic (hours for 50,000 values without numba): it must see the sample only.
    sizes = []
    real = mapclassify.FisherJenks
    monkeypatch.setattr(mapclassify, "FisherJenks", lambda y, k: sizes.append(len(y)) or real(y, k=k))
    first = classify(values, style)
    assert sizes == [JENKS_SAMPLE]
    again = classify(values, style)
    assert first.labels == again.labels and np.array_equal(first.class_index, again.class_index)
    assert len(first.colours) == len(first.labels) == 5
    assert first.class_index.min() == 0 and first.class_index.max() == 4
    assert (first.class_index >= 0).all()  # every value lands in a class
    assert first.class_index[int(values.idxmax())] == 4


@pytest.mark.parametrize("n", [50, JENKS_SAMPLE])
def test_natural_breaks_on_small_layers_use_every_value(n):
    import mapclassify

    values = np.random.default_rng(n).normal(100, 30, n)
    result = classify(pd.Series(values), LayerStyle(kind="graduated", method="natural_breaks", classes=4))
    bins = mapclassify.FisherJenks(values, k=4).bins
    expected = np.minimum(np.searchsorted(bins, values, side="left"), len(bins) - 1)
    assert np.array_equal(result.class_index, expected)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0, 10, 48, 120, 1500, 2000], ["0 – 20", "20 – 84", "84 – 1,155", "1,155 – 2,000"]),
        ([0.0, 0.25, 0.5, 0.75, 1.0], ["0.00 – 0.25", "0.25 – 0.50", "0.50 – 0.75", "0.75 – 1.00"]),
    ],
)
def test_graduated_labels_share_one_number_format(values, expected):
    style = LayerStyle(kind="graduated", method="quantiles", classes=4)
    # One format for every bound, with enough decimals to tell the bounds apart ("0 – 48.0" before).
    assert classify(pd.Series(values, dtype=float), style).labels == expected


def test_layers_dock_swatch_shows_a_graduated_palette(qtbot, tmp_path):
    from test_ui_support import new_window, sample_project_path

    win = new_window(qtbot, tmp_path, show=False)
    assert win.open_project(sample_project_path(tmp_path), ask=False)
    zones = win.doc.project.zones_layer

    def colours() -> set:
        image = win.layers_dock.item(zones).icon().pixmap(14, 14).toImage()
        return {image.pixelColor(x, 7).name() for x in range(14)}

    assert len(colours()) == 1
    graduated = LayerStyle(kind="graduated", field="population", palette="Blues", classes=5)
    win.doc.set_style(zones, graduated)
    assert len(colours()) == 4


@pytest.mark.parametrize(("method", "classifier"), [("quantiles", "Quantiles"), ("equal", "EqualInterval")])
def test_quantile_and_equal_classes_are_mapclassifys(method, classifier):
    """Computed with numpy (no mapclassify import on the UI thread), the same bins as mapclassify."""
    import mapclassify

    values = np.random.default_rng(7).lognormal(8.0, 1.0, 20_000)
    result = classify(pd.Series(values), LayerStyle(kind="graduated", method=method, classes=5))
    bins = getattr(mapclassify, classifier)(values, k=5).bins
    np.testing.assert_allclose([hi for _, hi in result.bounds], bins, rtol=1e-12)
    expected = np.minimum(np.searchsorted(bins, values, side="left"), len(bins) - 1)
    assert np.array_equal(result.class_index, expected)
