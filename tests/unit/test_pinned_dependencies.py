"""constraints.txt pins the whole dependency tree at the versions the suite runs with, so a fresh clone
(`make test`, `make run`) installs exactly what CI tested."""
from __future__ import annotations

import re
from importlib import metadata

from quizapp import ROOT

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(\S+)")


def _pins(name: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        match = PIN.match(line.strip())
        if match:
            pins[re.sub(r"[-_.]+", "-", match[1]).lower()] = match[2]
    return pins


def test_every_requirement_is_pinned_at_the_same_version_in_the_constraints():
    constraints = _pins("constraints.txt")
    for name in ("requirements.txt", "requirements-dev.txt"):
        wanted = _pins(name)
        assert wanted, name
        differ = {pkg: (version, constraints.get(pkg)) for pkg, version in wanted.items()
                  if constraints.get(pkg) != version}
        assert not differ, f"{name} and constraints.txt differ (run `make constraints`): {differ}"


def test_the_suite_runs_with_the_pinned_versions():
    installed = {}
    for dist in metadata.distributions():
        installed[re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()] = dist.version
    differ = {pkg: (version, installed.get(pkg)) for pkg, version in _pins("constraints.txt").items()
              if installed.get(pkg) != version}
    assert not differ, f"installed versions differ from constraints.txt (make venv): {differ}"
