"""The fuzz corpus (issue 15, item 3): every hostile input and damaged project, through the CLI.

:mod:`fuzz_corpus` builds the corpus (each class of issues 15 and 16, also those handled before)
and runs every input through ``info``, ``new`` and ``coverage`` and every project through
``show``, ``kpis`` and ``report``, each command in a child process of a warmed worker with an
address-space limit of 2 GB and a 30 s alarm. The property: exit status 0 or 2; at most one line
on stderr, naming the file; no traceback; no file changed outside the output folder; under 30 s
and 2 GB. ``benchmarks/bench_fuzz.py`` prints the corpus's size and the worst time and memory.
"""

from __future__ import annotations

import collections
import os
import shutil

import fuzz_corpus as fuzz
import pytest

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "fork"), reason="the corpus runner forks (POSIX)"),
    pytest.mark.timeout(900),
]

# Classes of hostile input the corpus must hold (case id prefixes), from issues 15 and 16.
CLASSES = [
    "input/truncated_gpkg", "input/random_", "input/zero_bytes_", "input/no_crs", "input/swapped_axes",
    "input/metres_declared_degrees", "input/coordinates_1e300", "input/bit_flips_", "input/empty_",
    "input/population_", "input/zip_bomb", "input/encrypted_zip", "input/truncated_shapefile",
    "input/gpkg_attribute_table", "input/cpg_", "input/dbf_without_read_permission", "input/name_over_255",
    "input/geoparquet_geo_", "input/link_to_dev_zero_csv", "input/shapefile_dbf_link_to_dev_zero",
    "input/fifo_csv", "input/sparse_3gb", "input/csv_field_of_20mb", "input/gpkg_recursive_view",
    "project/setting", "project/styles_", "project/tier_", "project/zone_index",
    "project/placement_null_geometry", "project/placement_unknown_type", "project/colour_javascript",
    "project/radius_negative", "project/radius_absurd", "project/recursive_view", "project/bit_flips_",
    "project/truncated", "project/template_in_scenario_name", "project/formula_in_zone_text",
    "project/html_breakers_in_labels", "input/template_and_formula_text",
]  # fmt: skip


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    cases = fuzz.build_corpus(root)
    workers = max(1, min(2, os.cpu_count() or 1))
    results = fuzz.run_corpus(root, cases, workers=workers)
    yield cases, results
    for path in root.rglob("*"):  # unreadable files and folders of the permission cases
        if not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(root, ignore_errors=True)


def test_the_corpus_holds_every_class_and_at_least_150_cases(corpus):
    cases, _ = corpus
    assert len(cases) >= 150
    ids = [case.id for case in cases]
    assert len(set(ids)) == len(ids)
    missing = [prefix for prefix in CLASSES if not any(i.startswith(prefix) for i in ids)]
    assert not missing, missing
    kinds = collections.Counter(case.kind for case in cases)
    assert kinds["input"] >= 100 and kinds["project"] >= 50, kinds


def test_every_command_of_every_case_holds_the_property(corpus):
    cases, results = corpus
    by_id = {case.id: case for case in cases}
    assert len(results) == sum(len(case.commands()) for case in cases)
    broken = []
    for result in results:
        found = fuzz.problems(by_id[result.case], result)
        if found:
            said = result.stderr.strip().splitlines()[-1:] or [""]
            broken.append(f"{result.case} {result.command}: {'; '.join(found)} | {said[0][:300]}")
    assert not broken, "\n".join(broken)


def test_hostile_inputs_are_refused_and_damaged_projects_refused_or_opened_with_a_warning(corpus):
    """Not only no crash: the classes that must be refused are, and damage left out is said."""
    cases, results = corpus
    by_key = {(r.case, r.command): r for r in results}
    must_refuse = [
        "input/fifo_csv", "input/link_to_dev_zero_csv", "input/cpg_nul",
        "input/geoparquet_geo_not_json", "input/name_over_255_bytes", "input/sparse_3gb_csv",
        "input/gpkg_recursive_view_as_layer", "input/dbf_without_read_permission",
        "project/recursive_view_as_cp_priority", "project/fifo", "project/crs_geographic",
    ]  # fmt: skip
    for case in must_refuse:
        for command in (
            ("info", "new", "coverage") if case.startswith("input/") else ("show", "kpis", "report")
        ):
            result = by_key[(case, command)]
            assert result.returncode == 2 and result.stderr.startswith("cityplanner: error: "), (
                case,
                command,
            )
    warned = [
        "project/tier_7", "project/placement_null_geometry", "project/colour_javascript",
        "project/radius_absurd", "project/styles_a_number", "project/recursive_view_extra_layer",
    ]  # fmt: skip
    for case in warned:
        for command in ("show", "kpis", "report"):
            result = by_key[(case, command)]
            assert result.returncode == 0, (case, command, result.stderr)
            assert result.stderr.startswith("cityplanner: warning: ") and "opened without" in result.stderr
