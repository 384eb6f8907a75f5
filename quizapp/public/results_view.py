"""What the public results page lists, worked out before the template renders it (the template only shows).

The figures come frozen in a published version's summary (services/results.py); this picks out of it the
lists the page shows: the collective prize winners, the areas with and without participants.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ResultsPageLists:
    collective: list[tuple[str | None, dict]]  # (block, unit row) for every unit with a collective prize
    active_areas: list[dict]  # areas with at least one participant, in the summary's order
    absent_areas: list[str]  # names of the areas nobody took part from


def results_page_lists(summary: dict | None) -> ResultsPageLists:
    summary = summary or {}
    collective = [(block.get("block"), row) for block in summary.get("units", [])
                  for row in block.get("rows", []) if row.get("prize")]
    areas = summary.get("areas", [])
    return ResultsPageLists(collective=collective, active_areas=[a for a in areas if a.get("participants")],
                            absent_areas=[a.get("name") for a in areas if not a.get("participants")])
