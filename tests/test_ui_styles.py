"""Layer styles (ui.styles): graduated classes; natural breaks right, and quick on large layers."""

from __future__ import annotations

import itertools

import jenkspy
import numpy as np
import pandas as pd
import pytest

from ui.styles import JENKS_SAMPLE, LayerStyle, classify


def _natural_breaks(values, classes: int):
    return classify(pd.Series(values), LayerStyle(kind="graduated", method="natural_breaks", classes=classes))


def _record_jenks_inputs(monkeypatch) -> list:
    """The values jenkspy is given by each classification (ui.styles calls jenkspy.jenks_breaks)."""
    seen = []
    real = jenkspy.jenks_breaks

    def recorded(values, n_classes):
        seen.append(np.array(values))
        return real(values, n_classes=n_classes)

    monkeypatch.setattr(jenkspy, "jenks_breaks", recorded)
    return seen


def test_natural_breaks_on_a_large_layer_is_quick_and_repeatable(monkeypatch):
    values = pd.Series(np.random.default_rng(5).lognormal(3.0, 1.0, 50_000))
    # Fisher-Jenks is quadratic (over 10 s for 50,000 values): it must see the sample only.
    seen = _record_jenks_inputs(monkeypatch)
    first = _natural_breaks(values, 5)
    assert [len(sample) for sample in seen] == [JENKS_SAMPLE]
    assert seen[0].min() == values.min() and seen[0].max() == values.max()
    again = _natural_breaks(values, 5)
    assert first.labels == again.labels and np.array_equal(first.class_index, again.class_index)
    assert len(first.colours) == len(first.labels) == 5
    assert first.class_index.min() == 0 and first.class_index.max() == 4
    assert (first.class_index >= 0).all()  # every value lands in a class
    assert first.class_index[int(values.idxmax())] == 4


@pytest.mark.parametrize("n", [50, JENKS_SAMPLE])
def test_natural_breaks_on_small_layers_use_every_value(monkeypatch, n):
    values = np.random.default_rng(n).normal(100, 30, n)
    seen = _record_jenks_inputs(monkeypatch)
    result = _natural_breaks(values, 4)
    assert len(seen) == 1 and np.array_equal(np.sort(seen[0]), np.sort(values))
    assert len(result.labels) == 4 and (result.class_index >= 0).all()


def test_natural_breaks_find_clusters():
    rng = np.random.default_rng(3)
    clusters = [rng.normal(centre, 1.0, 40) for centre in (10.0, 50.0, 90.0)]
    order = rng.permutation(120)
    values = np.concatenate(clusters)[order]
    result = _natural_breaks(values, 3)
    # Each class is one cluster, from its smallest value to its largest.
    assert [hi for _, hi in result.bounds] == [cluster.max() for cluster in clusters]
    assert result.bounds[0][0] == clusters[0].min()
    assert np.array_equal(result.class_index, np.repeat([0, 1, 2], 40)[order])


def _least_squares_upper_bounds(values: np.ndarray, classes: int) -> list[float]:
    """Brute force: the split of the sorted values into ``classes`` runs with the least sum of
    squared deviations from each run's mean; the runs' largest values. The best split must be unique."""
    ordered = np.sort(values)
    scored = []
    for cuts in itertools.combinations(range(1, len(ordered)), classes - 1):
        runs = np.split(ordered, cuts)
        deviations = sum(float(((run - run.mean()) ** 2).sum()) for run in runs)
        scored.append((deviations, [run[-1] for run in runs]))
    scored.sort(key=lambda pair: pair[0])
    assert scored[0][0] < scored[1][0] - 1e-9
    return scored[0][1]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("classes", [3, 4])
def test_natural_breaks_minimise_the_squared_deviations(seed, classes):
    rng = np.random.default_rng(seed)
    values = rng.lognormal(2.0, 0.8, 12) if seed % 2 else rng.uniform(0.0, 100.0, 12)
    result = _natural_breaks(values, classes)
    assert [hi for _, hi in result.bounds] == _least_squares_upper_bounds(values, classes)


def test_natural_breaks_of_heavily_tied_values():
    # The sample's quantiles are all 0 but the last: fewer distinct values than classes asked for.
    values = np.concatenate([np.zeros(49_998), [5.0, 9.0]])
    result = _natural_breaks(values, 5)
    assert result.bounds == [(0.0, 0.0), (0.0, 9.0)]
    assert (result.class_index[:49_998] == 0).all() and (result.class_index[49_998:] == 1).all()


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


def test_quantile_classes_hold_equal_shares():
    values = np.random.default_rng(7).lognormal(8.0, 1.0, 20_000)
    result = classify(pd.Series(values), LayerStyle(kind="graduated", method="quantiles", classes=5))
    assert np.array_equal(np.bincount(result.class_index), [4_000] * 5)
    assert result.bounds[0][0] == values.min() and result.bounds[-1][1] == values.max()
    # Each value within its class's bounds (a value on a bound belongs to the class below it).
    lower, upper = np.array(result.bounds).T
    assert (lower[result.class_index] <= values).all() and (values <= upper[result.class_index]).all()
    assert (values > lower[result.class_index])[result.class_index > 0].all()


def test_equal_interval_classes_have_equal_widths():
    values = np.random.default_rng(7).lognormal(8.0, 1.0, 20_000)
    result = classify(pd.Series(values), LayerStyle(kind="graduated", method="equal", classes=5))
    lower, upper = np.array(result.bounds).T
    np.testing.assert_allclose(upper - lower, (values.max() - values.min()) / 5, rtol=1e-9)
    assert lower[0] == values.min() and upper[-1] == values.max()
    assert (lower[result.class_index] <= values).all() and (values <= upper[result.class_index]).all()
    assert (values > lower[result.class_index])[result.class_index > 0].all()
