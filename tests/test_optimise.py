"""Siting optimisation: behaviour, errors, cancellation, scenarios and the command line."""

from __future__ import annotations

import itertools
import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS

from cityplanner.cli import main
from cityplanner.errors import Cancelled, OptimisationError
from cityplanner.optimise import LSCP, MCLP, PMedian, grid_candidates, propose_into_scenario
from cityplanner.optimise.pmedian import _SparseModel
from cityplanner.progress import Progress
from cityplanner.project import FacilityType, Layer, Project


def _instance(n=600, m=80, seed=0, size=4000.0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, size, (n, 2)), rng.integers(1, 50, n).astype(float), rng.uniform(0, size, (m, 2))


def test_mclp_exact_beats_or_equals_heuristic_and_stays_under_its_bound():
    demand, w, sites = _instance()
    exact = MCLP.from_points(demand, w, sites, 400.0, sites=6).solve()
    heur = MCLP.from_points(demand, w, sites, 400.0, sites=6).solve("heuristic")
    assert exact.optimal and exact.gap <= 1e-6
    assert heur.objective <= exact.objective + 1e-9 <= heur.bound + 1e-6
    assert len(exact.selected) == 6 and np.all(np.diff(exact.selected) > 0)
    # Marginal gains add up to the population the new sites cover.
    assert exact.marginal_gain.sum() == pytest.approx(
        exact.population_covered - exact.population_covered_before
    )


def _brute_force_pmedian(demand, w, sites, p):
    dist = np.sqrt(((demand[:, None, :] - sites[None, :, :]) ** 2).sum(axis=2))
    combos = list(itertools.combinations(range(len(sites)), p))
    costs = [float(w @ dist[:, list(c)].min(axis=1)) for c in combos]
    best = int(np.argmin(costs))
    return costs[best], list(combos[best])


def test_pmedian_exact_equals_brute_force_and_heuristic_brackets_it():
    demand, w, sites = _instance(n=150, m=12, seed=12)
    best, best_sites = _brute_force_pmedian(demand, w, sites, 3)
    exact = PMedian.from_points(demand, w, sites, sites=3).solve()
    assert exact.optimal and exact.objective == pytest.approx(best, rel=1e-9)
    assert exact.selected.tolist() == best_sites
    heur = PMedian.from_points(demand, w, sites, sites=3).solve("heuristic")
    assert heur.bound <= best * (1 + 1e-9) and heur.objective >= best * (1 - 1e-9)


def test_pmedian_level_model_keeps_the_optimum_under_sound_fixings():
    # Sites fixed in act like existing facilities (they cap distances); sites fixed out vanish.
    demand, w, sites = _instance(n=150, m=12, seed=14)
    best, best_sites = _brute_force_pmedian(demand, w, sites, 3)
    model = PMedian.from_points(demand, w, sites, sites=3)
    sparse_model = _SparseModel(model, *model._kept(np.full(150, 12)))
    fixed_in = np.zeros(12, dtype=bool)
    fixed_in[best_sites[0]] = True
    fixed_out = np.zeros(12, dtype=bool)
    fixed_out[[j for j in range(12) if j not in best_sites][:4]] = True
    out = sparse_model.level_milp(30.0, None, fixed_out=fixed_out, fixed_in=fixed_in)
    assert out.optimal and out.objective == pytest.approx(best, rel=1e-9)
    assert np.flatnonzero(out.x[:12] > 0.5).tolist() == best_sites
    relaxed = sparse_model.level_milp(30.0, None, relax=True)
    assert relaxed.objective <= best * (1 + 1e-9)


def test_mip_gap_lets_the_exact_solver_stop_early():
    demand, w, sites = _instance(n=2000, m=300, seed=15, size=8000.0)
    loose = MCLP.from_points(demand, w, sites, 400.0, sites=12).solve(mip_gap=0.05)
    assert loose.objective <= loose.bound * (1 + 1e-12) and loose.gap <= 0.05
    assert loose.optimal == (loose.gap <= 1e-6)
    tight = MCLP.from_points(demand, w, sites, 400.0, sites=12).solve()
    assert tight.optimal and tight.objective >= loose.objective - 1e-9
    assert tight.objective <= loose.bound * (1 + 1e-9)
    with pytest.raises(OptimisationError, match="optimality gap"):
        PMedian.from_points(demand, w, sites, sites=3).solve(mip_gap=1.5)


def test_results_are_deterministic():
    demand, w, sites = _instance(seed=3)
    a = MCLP.from_points(demand, w, sites, 350.0, sites=8).solve()
    b = MCLP.from_points(demand, w, sites, 350.0, sites=8).solve()
    assert a.selected.tolist() == b.selected.tolist()
    c = PMedian.from_points(demand[:200], w[:200], sites[:30], sites=4).solve("heuristic")
    d = PMedian.from_points(demand[:200], w[:200], sites[:30], sites=4).solve("heuristic")
    assert c.selected.tolist() == d.selected.tolist()


def test_existing_facilities_are_counted_before_and_after():
    demand, w, sites = _instance(seed=4)
    existing = sites[:5]
    res = MCLP.from_points(demand, w, sites[5:], 400.0, existing_xy=existing, sites=3).solve()
    alone = MCLP.from_points(demand, w, existing, 400.0, sites=5).solve()
    assert res.population_covered_before == pytest.approx(alone.population_covered)
    assert res.population_covered > res.population_covered_before


def test_budget_limits_total_cost():
    demand, w, sites = _instance(seed=5)
    costs = np.linspace(1.0, 3.0, len(sites))
    res = MCLP.from_points(demand, w, sites, 400.0, costs=costs, budget=10.0).solve()
    assert costs[res.selected].sum() <= 10.0 + 1e-9
    assert res.optimal


def test_lscp_with_costs_minimises_total_cost_against_brute_force():
    rng = np.random.default_rng(11)
    demand = rng.uniform(0, 2000, (40, 2))
    sites = rng.uniform(0, 2000, (10, 2))
    costs = rng.integers(1, 10, len(sites)).astype(float)
    weights = np.ones(len(demand))
    covers = np.hypot(*(demand[:, None, :] - sites[None, :, :]).transpose(2, 0, 1)) <= 900.0
    keep = covers.any(axis=1)  # demand nobody can reach is left to the target
    best = min(
        costs[list(chosen)].sum()
        for k in range(1, len(sites) + 1)
        for chosen in itertools.combinations(range(len(sites)), k)
        if covers[keep][:, list(chosen)].any(axis=1).all()
    )
    res = LSCP.from_points(demand[keep], weights[keep], sites, 900.0, costs=costs).solve()
    assert res.optimal and res.objective == pytest.approx(best)
    assert costs[res.selected].sum() == pytest.approx(best)


def test_mclp_lists_only_sites_that_add_coverage_and_says_so():
    # Two candidates reach people; the other three reach nobody, so p = 4 cannot all add coverage.
    demand = np.array([[0.0, 0.0], [1000.0, 0.0], [9000.0, 9000.0]])
    sites = np.array([[0.0, 50.0], [1000.0, 50.0], [5000.0, 0.0], [6000.0, 0.0], [7000.0, 0.0]])
    for solver in ("exact", "heuristic"):
        res = MCLP.from_points(demand, [10, 20, 5], sites, 300.0, sites=4).solve(solver)
        assert res.selected.tolist() == [0, 1] and res.objective == 30
        assert res.marginal_gain.tolist() == [10, 20]
        assert any("only 2 of the 4 sites asked for add coverage: every other" in n for n in res.notes)
    # A MILP may switch on sites the p limit leaves room for; they are dropped with no gain lost.
    model = MCLP.from_points(demand, [10, 20, 5], sites, 300.0, sites=4)
    res = model._finish(np.array([0, 1, 2, 4]), 30.0, 30.0, True, 0.0, "exact", [])
    assert res.selected.tolist() == [0, 1] and res.population_covered == 30
    full = MCLP.from_points(demand, [10, 20, 5], sites, 300.0, sites=2).solve()
    assert full.selected.tolist() == [0, 1] and not any("only" in n for n in full.notes)


def test_lscp_partial_target_and_heuristic_bound():
    demand, w, sites = _instance(seed=6)
    part = LSCP.from_points(demand, w, sites, 600.0, target=0.8).solve()
    assert part.percent_covered >= 80.0 - 1e-9
    heur = LSCP.from_points(demand, w, sites, 600.0, target=0.8).solve("heuristic")
    assert heur.bound <= part.objective <= heur.objective


def test_lscp_reports_uncoverable_demand():
    demand = np.array([[0.0, 0.0], [100.0, 0.0], [5000.0, 5000.0]])
    with pytest.raises(OptimisationError, match=r"1 demand points \(rows 2\)"):
        LSCP.from_points(demand, [10, 10, 5], np.array([[50.0, 0.0]]), 300.0)
    ok = LSCP.from_points(demand, [10, 10, 5], np.array([[50.0, 0.0]]), 300.0, target=0.8).solve()
    assert ok.selected.tolist() == [0] and ok.uncoverable.tolist() == [2]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda d, w, s: MCLP.from_points(d, w, s, 300.0, sites=len(s) + 1), "Cannot choose"),
        (lambda d, w, s: MCLP.from_points(d, w, s, 0.0, sites=2), "positive"),
        (lambda d, w, s: MCLP.from_points(d, w, s, -5.0, sites=2), "positive"),
        (lambda d, w, s: MCLP.from_points(d, np.zeros(len(w)), s, 300.0, sites=2), "sums to zero"),
        (lambda d, w, s: MCLP.from_points(d, w, s + 1e6, 300.0, sites=2), "No candidate site"),
        (lambda d, w, s: MCLP.from_points(d, w, s[:0], 300.0, sites=1), "no candidate"),
        (lambda d, w, s: PMedian.from_points(d, w, s, sites=0), "at least 1"),
        (lambda d, w, s: PMedian.from_points(d, -w, s, sites=2), "non-negative"),
        (lambda d, w, s: LSCP.from_points(d, w, s, 300.0, target=1.5), "target"),
    ],
)
def test_nonsense_inputs_give_clear_errors(build, message):
    demand, w, sites = _instance(n=50, m=10)
    with pytest.raises(OptimisationError, match=message):
        build(demand, w, sites)


def test_cancel_stops_the_solve():
    demand, w, sites = _instance(seed=7)
    progress = Progress()
    progress.cancel()
    with pytest.raises(Cancelled):
        MCLP.from_points(demand, w, sites, 400.0, sites=5).solve(progress=progress)


def test_progress_is_reported():
    demand, w, sites = _instance(seed=8)
    seen = []
    PMedian.from_points(demand[:200], w[:200], sites[:30], sites=4).solve(
        progress=Progress(lambda f, m: seen.append(f))
    )
    assert seen and all(0.0 <= f <= 1.0 for f in seen)


def _project() -> Project:
    crs = CRS.from_epsg(32648)
    rng = np.random.default_rng(1)
    boxes = [shapely.box(i * 400, j * 400, (i + 1) * 400, (j + 1) * 400) for i in range(5) for j in range(5)]
    zones = gpd.GeoDataFrame({"pop": rng.integers(100, 1000, 25).astype(float)}, geometry=boxes, crs=crs)
    existing = gpd.GeoDataFrame(geometry=[shapely.Point(200, 200)], crs=crs)
    project = Project(crs=crs, zones_layer="zones", population_field="pop")
    project.add_layer(Layer("zones", zones, role="zones"))
    project.add_layer(Layer("clinics", existing, role="clinic"))
    project.facility_types["clinic"] = FacilityType("clinic", radius_m=500.0, layer="clinics")
    return project


def test_grid_candidates_lie_inside_the_zones():
    zones = _project().zones
    grid = grid_candidates(zones, 100.0)
    assert len(grid) == 19 * 19  # grid points on the outer boundary are not inside
    assert np.all(shapely.contains_xy(shapely.union_all(zones.geometry.values), grid[:, 0], grid[:, 1]))
    with pytest.raises(OptimisationError, match="grid spacing"):
        grid_candidates(zones, 0)


def test_propose_into_scenario_adds_optimiser_placements():
    from cityplanner.optimise import optimise_project

    project = _project()
    grid = grid_candidates(project.zones, 200.0)
    result = optimise_project(project, "clinic", "mclp", grid, sites=3)
    assert result.population_covered_before > 0
    scenario = propose_into_scenario(project, "clinic", result, grid, "Three clinics")
    placed = scenario.placements_of("clinic")
    assert [p.source for p in placed] == ["optimiser"] * 3
    assert sorted((p.x, p.y) for p in placed) == sorted(map(tuple, grid[result.selected]))
    # In greedy order, numbered from the site that adds the most.
    gain_of = dict(zip(result.selected.tolist(), result.marginal_gain.tolist(), strict=True))
    assert [p.marginal_gain for p in placed] == pytest.approx([gain_of[i] for i in result.greedy_order])
    assert [p.marginal_gain for p in placed] == sorted((p.marginal_gain for p in placed), reverse=True)
    assert [p.name.rsplit(" ", 1)[1] for p in placed] == ["1", "2", "3"]
    assert len(project.facilities("clinic", "Three clinics")) == 4
    with pytest.raises(OptimisationError, match="baseline"):
        propose_into_scenario(project, "clinic", result, grid, project.baseline.name)


@pytest.mark.shared_data
def test_cli_json_on_hcmc(hcmc_gpkg, capsys):
    src = str(hcmc_gpkg)
    rc = main(
        [
            "optimise",
            "--zones",
            f"{src}:wards_pop2021",
            "--population",
            "Pop_2021",
            "--candidates",
            f"{src}:poi_commercial",
            "--model",
            "mclp",
            "--sites",
            "5",
            "--radius",
            "400",
            "--json",
        ]
    )
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    for key in (
        "model",
        "selected",
        "objective",
        "population_covered",
        "percent_covered",
        "optimal",
        "gap",
        "seconds",
    ):
        assert key in out
    assert out["model"] == "mclp" and out["optimal"] is True and len(out["selected"]) == 5
    assert out["selected"] == sorted(out["selected"])


@pytest.mark.shared_data
def test_cli_error_is_one_sentence(hcmc_gpkg, capsys):
    src = str(hcmc_gpkg)
    rc = main(
        [
            "optimise",
            "--zones",
            f"{src}:wards_pop2021",
            "--population",
            "Pop_2021",
            "--candidates",
            f"{src}:poi_medical",
            "--model",
            "mclp",
            "--sites",
            "500",
            "--radius",
            "400",
        ]
    )
    assert rc == 2
    err = capsys.readouterr().err
    assert "Cannot choose 500 sites" in err and "Traceback" not in err


@pytest.mark.shared_data
def test_cli_more_sites_than_useful_candidates_on_hcmc(hcmc_gpkg, capsys):
    # 45 clinics, 200 m, each ward's people at its point: fewer than 30 reach anyone. This used to
    # end in an IndexError traceback.
    src = str(hcmc_gpkg)
    args = ["optimise", "--zones", f"{src}:wards_pop2021", "--population", "Pop_2021", "--demand", "point"]
    args += ["--candidates", f"{src}:poi_medical", "--model", "mclp", "--sites", "30", "--radius", "200"]
    assert main([*args, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["optimal"] is True and 0 < len(out["selected"]) < 30
    assert all(gain > 0 for gain in out["marginal_gain"])
    assert any(f"only {len(out['selected'])} of the 30 sites" in note for note in out["notes"])


@pytest.mark.parametrize("mode", ["euclidean", "network"])
def test_cli_project_form_writes_the_proposal_into_a_scenario(sample_dir, tmp_path, capsys, mode):
    import shutil

    from cityplanner.network import StreetNetwork
    from cityplanner.optimise._core import points_xy
    from cityplanner.store import load_project
    from cityplanner.surface import project_surface

    path = tmp_path / "plan.cityplan"
    shutil.copy(sample_dir / "hai_chau.cityplan", path)
    before = load_project(path)
    args = ["optimise", str(path), "--type", "ev_charger", "--model", "mclp", "--sites", "3"]
    args += ["--radius", "400", "--grid", "150", "--mode", mode, "--into-scenario", "Chargers", "--json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["optimal"] is True and out["selected"] == sorted(out["selected"])
    after = load_project(path)
    placed = after.scenario("Chargers").placements_of("ev_charger")
    grid = grid_candidates(before.zones, 150.0)
    assert sorted((p.x, p.y) for p in placed) == sorted(map(tuple, grid[out["selected"]]))
    assert {p.source for p in placed} == {"optimiser"}
    # The same objective from a dense demand x site matrix of the distances used (straight or streets),
    # demand being the project's population surface (the pieces of cells the KPIs count).
    surface = project_surface(before)
    demand = surface.xy
    existing = points_xy(before.facilities("ev_charger").geometry.values)
    sites = np.vstack([grid, existing])
    if mode == "network":
        network = StreetNetwork.from_lines(before.layer_with_role("roads").gdf)
        cost = np.full((len(demand), len(sites)), np.inf)
        site_i, demand_i, dist = network.pairs_within(sites, demand, np.inf)
        cost[demand_i, site_i] = dist
    else:
        cost = np.sqrt(((demand[:, None, :] - sites[None, :, :]) ** 2).sum(axis=2))
    is_existing = np.r_[np.zeros(len(grid), dtype=bool), np.ones(len(existing), dtype=bool)]
    dense = MCLP.from_cost_matrix(
        cost, surface.population, radius_m=400.0, sites=3, existing=is_existing
    ).solve()
    assert out["objective"] == pytest.approx(dense.objective, rel=1e-9)
    # Run again into the same scenario: its chargers now count as existing, so coverage only grows.
    assert main(args) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["population_covered_before"] == pytest.approx(out["population_covered"])


def test_cli_budget_with_a_cost_field_and_with_the_types_unit_cost(sample_dir, tmp_path, capsys):
    import shutil

    from cityplanner.optimise._core import points_xy
    from cityplanner.store import load_project
    from cityplanner.surface import project_surface

    path = tmp_path / "plan.cityplan"
    shutil.copy(sample_dir / "hai_chau.cityplan", path)
    project = load_project(path)
    unit_cost = project.facility_type("ev_charger").unit_cost
    grid = grid_candidates(project.zones, 200.0)
    # Candidates with their own costs: the cheap half costs a tenth of the rest.
    costs = np.where(np.arange(len(grid)) % 2 == 0, 1_000.0, 10_000.0)
    cand = gpd.GeoDataFrame({"cost": costs}, geometry=gpd.points_from_xy(*grid.T), crs=project.crs)
    cand_path = tmp_path / "sites.gpkg"
    cand.to_file(cand_path)
    common = ["optimise", str(path), "--type", "ev_charger", "--model", "mclp", "--radius", "300"]
    common += ["--mode", "euclidean"]
    assert main([*common, "--candidates", str(cand_path), "--cost-field", "cost", "--budget", "12000",
                 "--into-scenario", "Costed", "--json"]) == 0  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert costs[out["selected"]].sum() <= 12_000
    surface = project_surface(project)
    reference = MCLP.from_points(
        surface.xy, surface.population, grid, 300.0,
        points_xy(project.facilities("ev_charger").geometry.values), costs=costs, budget=12_000.0,
    ).solve()  # fmt: skip
    assert out["objective"] == pytest.approx(reference.objective, rel=1e-9)
    # Without a cost field, the budget buys whole chargers at the type's unit cost.
    assert main([*common, "--grid", "200", "--budget", str(2.5 * unit_cost),
                 "--into-scenario", "Two chargers", "--json"]) == 0  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert len(out["selected"]) == 2
    assert main([*common, "--grid", "200", "--sites", "2", "--into-scenario", "Sites", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["objective"] == pytest.approx(out["objective"])


@pytest.mark.parametrize(
    ("extra", "messages"),
    [
        (["--model", "pmedian", "--sites", "2", "--budget", "5"], ["--budget goes with --model mclp"]),
        (["--model", "mclp", "--radius", "300"], ["needs the number of new sites or a budget"]),
        (["--model", "mclp", "--radius", "300", "--budget", "5"], ["add --cost-field FIELD"]),
        (
            ["--model", "mclp", "--radius", "300", "--budget", "5", "--cost-field", "no"],
            ["no cost field 'no'"],
        ),
        (
            ["--model", "lscp", "--radius", "300", "--sites", "3"],
            ["--sites goes with --model mclp or pmedian"],
        ),
        (["--model", "mclp", "--radius", "300", "--sites", "2", "--time-limit", "-3"], ["--time-limit must"]),
        (["--model", "mclp", "--radius", "300", "--sites", "2", "--grid", "200"], ["--grid needs a project"]),
        (["--model", "mclp", "--radius", "300", "--sites", "999"], ["it has only", "bus_stops"]),
    ],
)
def test_cli_file_form_option_errors(sample_dir, capsys, extra, messages):
    zones = str(sample_dir / "hai_chau.gpkg")
    argv = ["optimise", "--zones", f"{zones}:zones", "--population", "population",
            "--candidates", f"{zones}:bus_stops", *extra]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert all(m in err for m in messages) and err.count("\n") == 1 and "Traceback" not in err


def test_optimise_project_lscp_with_a_number_of_sites_is_a_clear_error():
    from cityplanner.optimise import optimise_project

    project = _project()
    grid = grid_candidates(project.zones, 200.0)
    # It used to end in "TypeError: LSCP.__init__() got an unexpected keyword argument 'sites'".
    with pytest.raises(OptimisationError, match="lscp.*fewest sites"):
        optimise_project(project, "clinic", "lscp", grid, sites=3)


def test_cli_candidates_network_without_a_project_says_so(sample_dir, capsys):
    zones = str(sample_dir / "hai_chau.gpkg")
    argv = ["optimise", "--zones", f"{zones}:zones", "--population", "population",
            "--candidates", "network", "--model", "mclp", "--sites", "2", "--radius", "300"]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    # It used to say "File 'network' does not exist."
    assert "--candidates network needs a project" in err and err.count("\n") == 1


def test_cli_project_form_lscp_with_sites_is_a_clear_error(sample_dir, tmp_path, capsys):
    import shutil

    path = tmp_path / "plan.cityplan"
    shutil.copy(sample_dir / "hai_chau.cityplan", path)
    before = path.read_bytes()
    argv = ["optimise", str(path), "--type", "clinic", "--model", "lscp", "--sites", "3",
            "--grid", "250", "--into-scenario", "X"]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--sites goes with --model mclp or pmedian" in err and err.count("\n") == 1
    assert path.read_bytes() == before


def test_cli_project_form_measures_as_the_kpis_do(sample_dir, tmp_path, capsys):
    """With roads in the project and no --mode, proposals are measured along the streets."""
    import shutil

    path = tmp_path / "plan.cityplan"
    shutil.copy(sample_dir / "hai_chau.cityplan", path)
    args = ["optimise", str(path), "--type", "bus_stop", "--model", "mclp", "--sites", "2", "--grid", "200"]
    objectives = {}
    for mode in (None, "network", "euclidean"):
        extra = ["--mode", mode] if mode else []
        assert main([*args, *extra, "--into-scenario", f"Stops {mode}", "--json"]) == 0
        objectives[mode] = json.loads(capsys.readouterr().out)["population_covered"]
    assert objectives[None] == pytest.approx(objectives["network"])
    assert objectives["network"] < objectives["euclidean"]
