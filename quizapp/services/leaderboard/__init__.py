"""Leaderboards: the boards, tables and standings read from the aggregates in leaderboard_store.

Reading a board never sorts a whole round: for each number of correct answers, from the highest, rows come
from index range scans already in ranking order (predictions at or above the actual value upwards, those
below it downwards, then entries without a prediction) and are merged with the domain's own sort key.
What does grow with a round is counting (entries per level, the prediction answer) and the participation
tables' GROUP BY: those are public, the same for everyone, and kept a few seconds per process (`shared`).
A contestant's own place is computed on each request and never kept.
"""
from quizapp.services.leaderboard.boards import Board, BoardRow, board, distribution, ranked_entries
from quizapp.services.leaderboard.common import (
    MAX_LIMIT,
    MAX_OFFSET,
    hides_perfect_count,
    prediction_actual,
    ranked_round,
    revealed,
)
from quizapp.services.leaderboard.standing import Place, Standing, standing
from quizapp.services.leaderboard.tables import Table, TableRow, area_table, group_areas, unit_table
from quizapp.services.leaderboard_store import rebuild_round, refresh_entry, shared

__all__ = [
    "MAX_LIMIT", "MAX_OFFSET", "Board", "BoardRow", "Place", "Standing", "Table", "TableRow", "area_table", "board",
    "distribution", "group_areas", "hides_perfect_count", "prediction_actual", "ranked_entries", "ranked_round",
    "rebuild_round", "refresh_entry", "revealed", "shared", "standing", "unit_table",
]
