"""The lists the public results page shows, picked out of a published version's frozen summary."""
from quizapp.public.results_view import results_page_lists


def test_collective_winners_keep_their_block_and_order():
    summary = {"units": [
        {"block": "Sở, ngành", "rows": [{"name": "Sở Nội vụ", "prize": "first"}, {"name": "Sở Y tế", "prize": None}]},
        {"block": None, "rows": [{"name": "UBND xã A", "prize": "second"}]},
    ]}
    lists = results_page_lists(summary)
    assert [(block, row["name"]) for block, row in lists.collective] == [("Sở, ngành", "Sở Nội vụ"), (None, "UBND xã A")]


def test_areas_split_into_those_with_participants_and_the_absent_ones():
    summary = {"areas": [{"name": "Xã A", "participants": 3}, {"name": "Xã B", "participants": 0},
                         {"name": "Phường C", "participants": 1}]}
    lists = results_page_lists(summary)
    assert [a["name"] for a in lists.active_areas] == ["Xã A", "Phường C"]
    assert lists.absent_areas == ["Xã B"]


def test_nothing_published_gives_empty_lists():
    lists = results_page_lists(None)
    assert (lists.collective, lists.active_areas, lists.absent_areas) == ([], [], [])
