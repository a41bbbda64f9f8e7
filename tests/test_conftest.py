"""The suite's own rules: when a missing component fails instead of skipping."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import on_ci


@pytest.mark.parametrize("value", ["true", "True", "1", "yes", "TRUE", "github-actions"])
def test_any_truthy_ci_value_means_ci(value):
    assert on_ci(value)


@pytest.mark.parametrize("value", [None, "", "0", "false", "False", "no", " "])
def test_an_unset_or_false_ci_value_is_a_local_run(value):
    assert not on_ci(value)


def test_a_local_run_without_shared_data_names_the_tests_that_did_not_run(pytester,
                                                                          monkeypatch):
    pytester.makeconftest((Path(__file__).parent / "conftest.py").read_text())
    pytester.makepyfile(test_data="""
        def test_needs_data(shared_data):
            pass

        def test_plain():
            pass
    """)
    monkeypatch.setenv("GEO311_SHARED", str(pytester.path / "nonexistent"))
    monkeypatch.delenv("CI", raising=False)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*1 real-data tests did not run*"])
    monkeypatch.setenv("CI", "1")  # on CI the same skip is a failure
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1, errors=1)


def test_the_postgresql_store_skips_locally_and_fails_on_ci_without_a_server(pytester,
                                                                            monkeypatch):
    pytester.makeconftest((Path(__file__).parent / "conftest.py").read_text())
    pytester.makepyfile(test_store="""
        def test_store(store_url):
            assert store_url.startswith("sqlite")
    """)
    monkeypatch.delenv("GEO311_TEST_PG", raising=False)
    monkeypatch.delenv("CI", raising=False)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, skipped=1)
    monkeypatch.setenv("CI", "true")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1, errors=1)
