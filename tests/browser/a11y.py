"""axe-core in the browser tests: the accessibility rules a screen-reader user or a keyboard user depends on.

axe.min.js comes from the npm registry (`make axe`, run by `make test`) and its path is given in AXE_JS. Without it
the check skips with the reason (on CI it fails instead). It is evaluated in the page through the DevTools
protocol, so the app's Content-Security-Policy (scripts from 'self' only) stays as it is.
"""
from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest

BLOCKING = ("serious", "critical")


@cache
def _source() -> str | None:
    path = os.environ.get("AXE_JS") or ""
    candidates = [Path(path)] if path else sorted(Path(__file__).resolve().parents[2].glob(".cache/axe-core-*/axe.min.js"))
    for candidate in candidates:
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    return None


def serious_violations(page) -> list[str]:
    """axe's serious and critical violations on the page as it is now, one line each (rule, element, why)."""
    source = _source()
    if source is None:
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail("axe-core is missing on CI (make axe)", pytrace=False)
        pytest.skip("axe-core is not available (make axe needs npm)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(source)
    found = page.evaluate("""async (blocking) => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter(v => blocking.includes(v.impact))
        .flatMap(v => v.nodes.map(n => `${v.id} (${v.impact}): ${n.target.join(' ')}: ${n.failureSummary.split('\\n')[1] || ''}`))""",
                          list(BLOCKING))
    return [f"{page.url}: {line}" for line in found]
