"""`flask contestants import` and `flask review scan` from the command line."""
from datetime import date

from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import AuditLog, DuplicateCandidate, Registration
from tests.factories import make_contest, register_contestant

HEADER = "Họ và tên,Ngày sinh,Giới tính,Số CCCD,Số điện thoại,Email,Mã xã/phường,Mã đơn vị,Đối tượng"


def _contest(app, now):
    with app.app_context():
        contest = make_contest(now, slug="dong-lenh")
        reg = register_contestant(contest, now, n=1, full_name="Nguyễn Văn Đức", birth_date=date(1990, 5, 17))
        return contest.slug, reg.area.code


def test_contestants_import_dry_run_then_for_real(app, runner, now, tmp_path):
    slug, area = _contest(app, now)
    path = tmp_path / "danh-sach.csv"
    path.write_text(f"{HEADER}\nNguyen Van Duc,17/05/1990,Nam,001090000404,0912000404,,{area},,\n", encoding="utf-8")
    dry = runner.invoke(args=["contestants", "import", slug, str(path), "--dry-run"])
    assert dry.exit_code == 0 and "hàng 2: Nguyen Van Duc" in dry.output and "Có thể nhập 1 người" in dry.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 1
    done = runner.invoke(args=["contestants", "import", slug, str(path)])
    assert done.exit_code == 0 and "Đã nhập 1 người" in done.output
    with app.app_context():
        log = db.session.scalar(select(AuditLog).where(AuditLog.action == "entry.import"))
        assert log.actor_name.startswith("Dòng lệnh") and log.actor_id is None
    scan = runner.invoke(args=["review", "scan", slug])
    assert scan.exit_code == 0 and "1 cặp nghi trùng người mới" in scan.output
    again = runner.invoke(args=["review", "scan", slug])
    assert "0 cặp nghi trùng người mới" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DuplicateCandidate)) == 1


def test_a_list_with_errors_exits_non_zero_and_writes_nothing(app, runner, now, tmp_path):
    slug, area = _contest(app, now)
    path = tmp_path / "loi.csv"
    path.write_text(f"{HEADER}\nTrần Văn Lỗi,32/01/1990,Nam,001090000405,0912000405,,{area},,\n", encoding="utf-8")
    result = runner.invoke(args=["contestants", "import", slug, str(path)])
    assert result.exit_code == 1 and "LỖI hàng 2" in result.output and "Ngày sinh" in result.output
    assert runner.invoke(args=["review", "scan", "khong-co"]).exit_code != 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 1
