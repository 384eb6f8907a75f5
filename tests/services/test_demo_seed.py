"""`flask demo seed`: the demo contest a newcomer sees, created once."""
import pytest
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Area, Contest, Round, Unit, User, utcnow
from quizapp.services import contests, demo


def _counts():
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in (Area, Contest, Round, Unit, User)}


def test_seed_creates_the_demo_contest_with_four_weekly_rounds_and_practice(seeded, db_session, now):
    contest = db_session.scalar(select(Contest))
    assert contest.title == "Tìm hiểu cải cách hành chính năm 2026"
    views = contests.round_views(contest, now)
    weekly = [v for v in views if not v.round.is_practice]
    assert [v.round.name for v in weekly] == ["Tuần 1", "Tuần 2", "Tuần 3", "Tuần 4"]
    assert [v.state for v in weekly] == ["closed", "open", "upcoming", "upcoming"]
    practice = [v for v in views if v.round.is_practice]
    assert len(practice) == 1 and practice[0].round.attempts_allowed is None
    assert {t.code for t in contest.tracks} == {"officials", "citizens"}


def test_seed_uses_the_real_communes_of_the_province(seeded, db_session):
    from vietnam_provinces import ProvinceCode, Ward

    province = db_session.scalar(select(Area).where(Area.level == "province"))
    assert province.name == "Lào Cai" and province.code == "15"
    communes = db_session.scalars(select(Area).where(Area.parent_id == province.id)).all()
    expected = {f"{int(w.code):05d}": w.name for w in Ward.iter_all() if w.province_code == ProvinceCode(15)}
    assert {a.code: a.name for a in communes} == expected
    assert len(expected) > 90


def test_seed_is_idempotent(seeded, db_session, now, tmp_path):
    first = seeded  # seeded into this empty database as `flask demo seed` does, with tmp_path as the instance
    before = _counts()
    second = demo.seed_demo(now, tmp_path)
    assert _counts() == before
    assert second.created == []
    assert first.admin_password and second.admin_password is None
    assert demo.admin_password(tmp_path) == first.admin_password


def test_demo_admin_can_sign_in(client, seeded, tmp_path):
    resp = client.post("/dang-nhap", data={"identifier": "admin", "password": seeded.admin_password})
    assert resp.status_code == 302


def test_cli_seed_twice_creates_nothing_new(runner):
    out1 = runner.invoke(args=["demo", "seed"])
    assert out1.exit_code == 0, out1.output
    assert "Đã tạo" in out1.output and "Tài khoản quản trị: admin" in out1.output
    out2 = runner.invoke(args=["demo", "seed"])
    assert out2.exit_code == 0
    assert "không tạo thêm gì" in out2.output


# The pages are served at the real clock, so the demo is seeded at it, as `make run` does (at the fixed `now` its
# weeks are over once the calendar passes them).
@pytest.mark.parametrize("now", [utcnow()], ids=["real-clock"])
def test_home_page_lists_the_demo_contest_and_its_page_presents_it(client, seeded):
    home = client.get("/").get_data(as_text=True)
    assert "Tìm hiểu cải cách hành chính năm 2026" in home and "Đang diễn ra" in home
    assert "Ban Tổ chức đăng nhập" in home
    html = client.get("/cuoc-thi/cchc-2026").get_data(as_text=True)
    assert "Thể lệ cuộc thi" in html
    for label in ("Tuần 1", "Tuần 4", "Thi thử", "Đang mở", "Luôn mở"):
        assert label in html


def test_seed_gives_a_finished_week_with_a_few_hundred_contestants_and_published_results(seeded, db_session, now):
    from quizapp.models import Attempt, CountedEntry, Registration, ResultSet
    from quizapp.services import leaderboard

    contest = db_session.scalar(select(Contest))
    week1, week2 = sorted((r for r in contest.rounds if r.is_ranked), key=lambda r: r.number)[:2]
    assert db_session.scalar(select(func.count()).select_from(Registration)) >= 200
    [published] = db_session.scalars(select(ResultSet).where(ResultSet.round_id == week1.id)).all()
    assert published.status == "published" and published.ranked_count >= 200 and len(published.digest) == 64
    assert leaderboard.rebuild_round(week1.id) == 0  # the seeded boards are exactly what grading produced
    assert db_session.scalar(select(func.count()).select_from(Attempt).where(Attempt.status == "in_progress")) == 0
    areas = {r.name for r in leaderboard.area_table(contest, now, round_id=week1.id).rows if r.participants}
    units = [r for r in leaderboard.unit_table(contest, now, round_id=week1.id).rows if r.participants]
    assert len(areas) >= 5 and len(units) >= 10 and any(r.rank for r in units)
    live = leaderboard.board(contest, now, round_id=week2.id, track_code="citizens")
    assert live.total > 0 and not live.revealed
    assert db_session.scalar(select(func.count()).select_from(CountedEntry).where(
        CountedEntry.round_id == week1.id)) == published.summary["participants"]
