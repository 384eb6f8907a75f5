"""Property tests of the pure domain rules: text folding, Vietnamese order, identity numbers, ranking and counting,
item statistics. Each states an invariant the named-case tests only sample."""
from __future__ import annotations

import math
import random
import unicodedata
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from quizapp.domain import collation, identity, item_stats, ranking
from quizapp.domain.counting import COUNTING_RULES, Entry, pick_entry
from quizapp.domain.errors import DomainError
from quizapp.domain.text import fold_accents, has_words, normalize_text, search_words
from tests.strategies import COMBINING_MARKS, VIETNAMESE_LETTERS, messy_text

# Vietnamese as typed: letters precomposed or with separate combining marks, digits, spaces, some punctuation.
vietnamese = st.text(VIETNAMESE_LETTERS + COMBINING_MARKS + "0123456789  .,-'", max_size=30)
vietnamese_word = st.text(VIETNAMESE_LETTERS, min_size=1, max_size=8)
name = st.lists(vietnamese_word, min_size=1, max_size=5).map(" ".join)
any_text = st.one_of(messy_text, st.text(max_size=40))

# ---------------------------------------------------------------- text


@given(any_text)
def test_normalize_text_is_idempotent_and_clean(value):
    once = normalize_text(value)
    assert normalize_text(once) == once
    assert once == once.strip() and "  " not in once
    assert unicodedata.is_normalized("NFC", once)
    assert not any(unicodedata.category(ch) == "Cc" for ch in once)


@given(vietnamese)
def test_folding_vietnamese_gives_ascii(value):
    folded = fold_accents(value)
    assert folded.isascii(), folded
    assert folded == folded.lower() and fold_accents(folded) == folded


@given(any_text)
def test_folding_never_raises_and_settles(value):
    folded = fold_accents(value)
    assert fold_accents(fold_accents(folded)) == fold_accents(folded)


@given(name)
def test_a_name_is_found_typed_without_accents_in_any_case(full_name):
    typed = fold_accents(full_name)
    assert has_words(typed, full_name)
    assert has_words(typed.upper(), "Cuộc thi", full_name)
    assert has_words(unicodedata.normalize("NFD", full_name), full_name)
    assert search_words(full_name) == search_words(typed)


# ---------------------------------------------------------------- Vietnamese order


@given(st.lists(st.one_of(name, vietnamese, any_text), max_size=12), st.randoms())
# Found by this test: a name with "²" or "①" (isdigit() but not a decimal digit) made int() raise, and with it
# every page that lists areas or units in Vietnamese order.
@example(["Phòng họp 10m²", "Tổ ①", "²"], random.Random(0))
def test_collation_key_is_a_total_order_and_sorting_ignores_input_order(names, rnd):
    keys = [collation.key(n) for n in names]
    for a, ka in zip(names, keys):
        for b, kb in zip(names, keys):
            assert sum((ka < kb, ka == kb, ka > kb)) == 1
            assert (ka == kb) == (a == b)  # the text itself settles every remaining tie
    shuffled = names[:]
    rnd.shuffle(shuffled)
    assert collation.sort(shuffled) == collation.sort(names) == sorted(names, key=collation.key)


@given(name, name)
def test_case_never_changes_the_order_of_two_names(a, b):
    def order(x, y):
        kx, ky = collation.key(x)[:2], collation.key(y)[:2]  # letters and tones; the raw text only breaks ties
        return (kx > ky) - (kx < ky)

    assert order(a, b) == order(a.upper(), b) == order(a, b.lower()) == order(a.title(), b.upper())


# ---------------------------------------------------------------- identity numbers

birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))
genders = st.sampled_from(identity.GENDERS)
separators = st.sampled_from(["", " ", ".", "-", "  "])


@st.composite
def valid_cccd(draw, born: date, gender: str) -> str:
    province = draw(st.sampled_from(sorted(identity.PROVINCE_CODES)))
    century = identity.CENTURY_DIGITS[born.year // 100 * 100] + (gender == "nu")
    return f"{province}{century}{born.year % 100:02d}{draw(st.integers(0, 999_999)):06d}"


@given(any_text)
def test_identity_parsing_only_ever_refuses_in_vietnamese(raw):
    for parse in (identity.normalize_cccd, identity.normalize_phone, identity.normalize_name):
        try:
            parse(raw)
        except DomainError as e:
            assert e.message and not e.message.isascii()


@given(any_text, st.one_of(st.none(), st.dates()), st.one_of(genders, any_text), any_text, any_text)
def test_check_identity_never_raises(full_name, born, gender, cccd, phone):
    person, problems = identity.check_identity(full_name, born, gender, cccd, phone, date(2026, 11, 18))
    assert (person is None) == bool(problems)
    assert all(p.message for p in problems)


@given(born=birth_dates, gender=genders, data=st.data())
def test_a_generated_cccd_is_accepted_however_it_is_written(born, gender, data):
    cccd = data.draw(valid_cccd(born, gender))
    identity.validate_cccd(cccd, born, gender)
    sep = data.draw(separators)
    written = sep.join([cccd[:3], cccd[3:6], cccd[6:]])
    if data.draw(st.booleans()):
        written = written.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})  # full-width digits
    assert identity.normalize_cccd(written) == cccd


@given(born=birth_dates, gender=genders, data=st.data())
def test_a_generated_cccd_with_the_other_gender_is_refused(born, gender, data):
    cccd = data.draw(valid_cccd(born, gender))
    with pytest.raises(DomainError):
        identity.validate_cccd(cccd, born, "nu" if gender == "nam" else "nam")


@given(born=st.dates(max_value=date(2008, 11, 18), min_value=date(1900, 1, 1)), gender=genders, full_name=name,
       data=st.data())
def test_an_adult_with_a_generated_identity_is_accepted(born, gender, full_name, data):
    cccd = data.draw(valid_cccd(born, gender))
    phone = data.draw(st.from_regex(r"0[35789][0-9]{8}", fullmatch=True))
    person, problems = identity.check_identity(full_name, born, gender, cccd, phone, date(2026, 11, 18))
    assert problems == [] and person.cccd == cccd and person.phone == phone


@given(st.one_of(any_text, st.from_regex(r"(\+84|0084|84|0)[ .\-]?[35789][0-9]{2}[ .\-]?[0-9]{3}[ .\-]?[0-9]{3}",
                                         fullmatch=True)))
def test_phone_normalisation_is_idempotent(raw):
    try:
        once = identity.normalize_phone(raw)
    except DomainError:
        return
    assert identity.normalize_phone(once) == once
    assert len(once) == 10 and once.isdigit()


@given(name)
def test_name_normalisation_is_idempotent(raw):
    once = identity.normalize_name(raw)
    assert identity.normalize_name(once) == once
    assert identity.name_key(once) == identity.name_key(raw)


# ---------------------------------------------------------------- counting and ranking

START = datetime(2026, 11, 18, 1, 0, tzinfo=UTC)


@st.composite
def entries(draw, max_size=25) -> list[Entry]:
    out = []
    for attempt_id in draw(st.lists(st.integers(1, 10_000), unique=True, max_size=max_size)):
        total = draw(st.integers(1, 10))
        out.append(Entry(attempt_id=attempt_id, contestant_id=draw(st.integers(1, 6)),
                         correct=draw(st.integers(0, total)), total=total,
                         duration_ms=draw(st.integers(0, 5)) * 1000,
                         submitted_at=START + timedelta(minutes=draw(st.integers(0, 5))),
                         prediction=draw(st.one_of(st.none(), st.integers(0, 30))),
                         disqualified=draw(st.integers(0, 5)) == 0))
    return out


@given(entries(), st.one_of(st.none(), st.integers(0, 30)), st.randoms())
def test_ranks_are_a_permutation_in_the_order_of_the_tie_breaks(all_entries, actual, rnd):
    ranked = ranking.rank_entries(all_entries, actual)
    kept = [e for e in all_entries if not e.disqualified]
    assert [r.rank for r in ranked] == list(range(1, len(kept) + 1))
    assert sorted(r.entry.attempt_id for r in ranked) == sorted(e.attempt_id for e in kept)
    for higher, lower in zip(ranked, ranked[1:]):
        # More correct first; then closer prediction (none = last), shorter time, earlier, lower attempt id.
        assert higher.entry.correct >= lower.entry.correct
        if higher.entry.correct == lower.entry.correct and actual is not None and lower.prediction_error is not None:
            assert higher.prediction_error is not None and higher.prediction_error <= lower.prediction_error
        assert ranking.rank_key(higher.entry, actual) < ranking.rank_key(lower.entry, actual)
    shuffled = all_entries[:]
    rnd.shuffle(shuffled)
    assert ranking.rank_entries(shuffled, actual) == ranked


@given(entries(), st.sampled_from(COUNTING_RULES), st.sampled_from([None, *ranking.PREDICTION_MODES]))
def test_a_round_ranks_each_contestant_once_by_the_attempt_that_counts(all_entries, rule, mode):
    ranked = ranking.rank_round(all_entries, rule, mode)
    contestants = [r.entry.contestant_id for r in ranked]
    assert len(contestants) == len(set(contestants))
    for r in ranked:
        mine = [e for e in all_entries if e.contestant_id == r.entry.contestant_id]
        assert r.entry == pick_entry(mine, rule)


@given(entries(), st.sampled_from(COUNTING_RULES))
def test_the_attempt_that_counts_follows_the_rule(all_entries, rule):
    mine = [e for e in all_entries if e.contestant_id == 1]
    picked = pick_entry(mine, rule)
    valid = [e for e in mine if not e.disqualified]
    if picked is None:
        assert not valid or (rule == "earliest_perfect" and not any(e.perfect for e in valid))
        return
    assert picked in valid
    if rule == "best":
        assert picked.correct == max(e.correct for e in valid)
    elif rule == "first":
        assert picked.submitted_at == min(e.submitted_at for e in valid)
    elif rule == "last":
        assert picked.submitted_at == max(e.submitted_at for e in valid)
    else:
        assert picked.perfect and picked.submitted_at == min(e.submitted_at for e in valid if e.perfect)


@given(st.lists(st.builds(ranking.ContestTotal, contestant_id=st.integers(1, 10**6), correct=st.integers(0, 50),
                          duration_ms=st.integers(0, 10**7),
                          last_submitted_at=st.datetimes(timezones=st.just(UTC))),
                unique_by=lambda t: t.contestant_id, max_size=20), st.randoms())
def test_contest_ranks_are_a_permutation_in_the_order_of_the_totals(totals, rnd):
    ranked = ranking.rank_contest(totals)
    assert [r.rank for r in ranked] == list(range(1, len(totals) + 1))
    assert all(ranking.contest_rank_key(a.total) < ranking.contest_rank_key(b.total) for a, b in zip(ranked, ranked[1:]))
    rnd.shuffle(totals)
    assert ranking.rank_contest(totals) == ranked


# ---------------------------------------------------------------- item statistics

OPTION_KEYS = ("a", "b", "c", "d")


@st.composite
def rounds(draw):
    """Responses of a round: each attempt meets some of the questions once, choosing an option or nothing."""
    questions = [f"q{i}" for i in range(draw(st.integers(1, 5)))]
    options = {q: [item_stats.ItemOption(k, k == draw(st.sampled_from(OPTION_KEYS))) for k in OPTION_KEYS]
               for q in questions}
    responses = []
    for attempt in range(draw(st.integers(1, 40))):
        for q in draw(st.lists(st.sampled_from(questions), unique=True, min_size=1)):
            responses.append(item_stats.Response(attempt, q, draw(st.sampled_from((*OPTION_KEYS, None)))))
    return responses, options


def _figures(summary) -> list:
    """The numbers an organiser reads, rounded past float noise (sums in another order differ in the last bits)."""
    def r(x):
        return None if x is None else round(x, 9)

    return [(s.question, s.shown, s.answered, s.right, r(s.facility), r(s.discrimination), r(s.point_biserial),
             r(s.blank_share), s.flags, s.suspect,
             [(o.key, o.count, r(o.share), r(o.upper_share), r(o.lower_share)) for o in s.options])
            for s in summary.stats]


@given(rounds(), st.randoms())
def test_item_statistics_stay_in_range_and_ignore_input_order(round_, rnd):
    responses, options = round_
    summary = item_stats.compute(responses, options, min_shown=5)
    for s in summary.stats:
        assert 0 <= s.facility <= 1
        assert s.discrimination is None or -1 <= s.discrimination <= 1
        assert s.point_biserial is None or -1 - 1e-9 <= s.point_biserial <= 1 + 1e-9
        assert math.isclose(sum(o.share for o in s.options), 1 - s.blank_share, abs_tol=1e-9)
        for group in ("upper_share", "lower_share"):
            assert sum(getattr(o, group) for o in s.options) <= 1 + 1e-9
    shuffled = responses[:]
    rnd.shuffle(shuffled)
    assert _figures(item_stats.compute(shuffled, options, min_shown=5)) == _figures(summary)


def test_item_statistics_of_random_rounds_are_reproducible():
    """A seeded big round (the property test keeps rounds small): the same figures from any response order."""
    rnd = random.Random(12)
    options = {q: [item_stats.ItemOption(k, k == "a") for k in OPTION_KEYS] for q in ("q1", "q2")}
    responses = [item_stats.Response(a, q, rnd.choice((*OPTION_KEYS, None))) for a in range(300) for q in options]
    before = _figures(item_stats.compute(responses, options))
    rnd.shuffle(responses)
    assert _figures(item_stats.compute(responses, options)) == before
