"""The engine's thread count honours CITYPLANNER_THREADS and OMP_NUM_THREADS (set by Dask workers)."""

from __future__ import annotations

import os

from cityplanner._threads import engine_threads


def test_cityplanner_threads_wins(monkeypatch):
    monkeypatch.setenv("CITYPLANNER_THREADS", "3")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert engine_threads() == 3


def test_omp_num_threads_as_a_dask_nanny_sets_it(monkeypatch):
    monkeypatch.delenv("CITYPLANNER_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert engine_threads() == 1


def test_default_is_the_cores_this_process_may_use(monkeypatch):
    monkeypatch.delenv("CITYPLANNER_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert engine_threads() == expected


def test_junk_values_are_ignored(monkeypatch):
    monkeypatch.setenv("CITYPLANNER_THREADS", "many")
    monkeypatch.setenv("OMP_NUM_THREADS", "0")
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert engine_threads() == expected
