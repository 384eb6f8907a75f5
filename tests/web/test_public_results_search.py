"""'Tìm tên của tôi' on the public results page: accent-free whole words, only what the public list shows."""
from datetime import date, timedelta

import pytest

from quizapp.models import utcnow
from quizapp.services import results
from tests.factories import register_contestant
from tests.results_factories import make_world


@pytest.fixture
def published(app):
    with app.app_context():
        world = make_world(utcnow() - timedelta(days=8))
        hoa = register_contestant(world.contest, utcnow(), n=3, full_name="Nguyễn Thị Hoà",
                                  birth_date=date(1991, 4, 2), gender="nu")
        hanh = register_contestant(world.contest, utcnow(), n=4, full_name="Trần Văn Hành")
        world.attempt(hoa, 0, 5, seconds=120)
        world.attempt(hanh, 5, 3, seconds=100)
        later = utcnow()
        draft = results.compute(world.round.id, later)
        results.publish(results.approve(draft.id, later).id, later)
        return {"round": world.round.id, "cccd": hoa.user.cccd, "phone": hoa.user.phone}


def test_a_name_typed_without_accents_is_found(client, published):
    html = client.get(f"/ket-qua/dot/{published['round']}?ten=nguyen+thi+hoa").get_data(as_text=True)
    found = html[html.index('class="found"'):]
    assert "Nguyễn Thị Hoà" in found[:found.index("</ul>")]
    assert "hạng 1" in found[:found.index("</ul>")]
    assert published["cccd"] not in html and published["phone"] not in html


def test_a_part_of_a_word_is_not_a_match_and_nobody_found_says_so(client, published):
    html = client.get(f"/ket-qua/dot/{published['round']}?ten=han").get_data(as_text=True)
    assert "Không tìm thấy ai tên “han”" in html
    html = client.get(f"/ket-qua/dot/{published['round']}?ten=hanh").get_data(as_text=True)
    assert "Trần Văn Hành" in html and 'class="found"' in html


def test_before_any_search_the_box_is_there_and_the_long_sections_are_folded(client, published):
    html = client.get(f"/ket-qua/dot/{published['round']}").get_data(as_text=True)
    assert 'name="ten"' in html and 'class="found"' not in html
    assert html.count('<details class="card fold">') >= 3 and "<details class=\"card fold\" open" not in html
    assert 'class="table-scroll" tabindex="0" role="region"' in html
