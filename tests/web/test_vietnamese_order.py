"""Lists a contestant picks from come in Vietnamese alphabetical order: the communes and wards of the
registration form, and the units."""
import re

from quizapp.extensions import db
from quizapp.models import Area, Contest, Unit, utcnow
from tests.journey import make_journey_contest


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [text for value, text in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select) if value != "0"]


def test_the_registration_form_lists_communes_and_units_in_vietnamese_order(app, client):
    with app.app_context():
        journey = make_journey_contest(utcnow())
        contest = db.session.get(Contest, journey.contest_id)
        root = db.session.get(Area, contest.area_root_id)
        for i, name in enumerate(["Phường Yên Bái", "Phường Âu Lâu", "Xã Đông Cuông", "Xã Dương Quỳ", "Phường An Bình"]):
            db.session.add(Area(contest_id=contest.id, code=f"x{i}", name=name, level="commune", parent=root))
        for i, name in enumerate(["UBND Phường Âu Lâu", "Ủy ban MTTQ", "Sở Y tế", "Ban Dân tộc"]):
            db.session.add(Unit(contest_id=contest.id, code=f"u{i}", name=name))
        db.session.commit()
        slug = journey.slug
    html = client.get(f"/cuoc-thi/{slug}/dang-ky").get_data(as_text=True)
    areas = _options(html, "area_id")
    assert areas == ["Phường An Bình", "Phường Âu Lâu", "Phường Cam Đường", "Phường Yên Bái", "Xã Bát Xát",
                     "Xã Dương Quỳ", "Xã Đông Cuông", "Xã Mường Hum"]
    units = _options(html, "unit_id")
    assert units.index("Ban Dân tộc") < units.index("Sở Nội vụ") < units.index("Sở Y tế") < units.index("UBND Phường Âu Lâu") < units.index("Ủy ban MTTQ")
