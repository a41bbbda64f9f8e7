"""Fixtures of the intake tests: the demo city and its intake rules, built once per module."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo311.city import City
from geo311.service.definitions import load_definitions
from geo311.service.intake import IntakeRules


@pytest.fixture(scope="module")
def city(demo_dir: Path) -> City:
    return City.open(demo_dir)


@pytest.fixture(scope="module")
def rules(city: City) -> IntakeRules:
    return IntakeRules(city, definitions=load_definitions(city.profile))
