"""A contestant who registers as a spreadsheet formula: every results file shows the name as text.

The public CSV is frozen at publication with its SHA-256 on the public page: a new publication freezes the
neutralised bytes, while a file published earlier is still served byte for byte.
"""
import csv
import hashlib
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from quizapp.extensions import db
from quizapp.models import ResultSet, utcnow
from quizapp.services import results
from tests.factories import register_contestant
from tests.results_factories import make_world

HYPERLINK = '=HYPERLINK("http://evil.example","Click")'


@pytest.fixture
def evil(app):
    """A closed round whose winner registered with a formula for a name."""
    with app.app_context():
        world = make_world(utcnow() - timedelta(days=8))
        bad = register_contestant(world.contest, utcnow(), n=3, full_name=HYPERLINK)
        good = register_contestant(world.contest, utcnow(), n=4, full_name="Trần Văn Nam")
        world.attempt(bad, 0, 5, seconds=120)
        world.attempt(good, 5, 3, seconds=100)
        name = bad.user.full_name
        assert name.startswith("=")  # names are capitalised on the way in, but the formula survives
        later = utcnow()
        draft = results.compute(world.round.id, later)
        published = results.publish(results.approve(draft.id, later).id, later)
        return {"round": world.round.id, "name": name, "digest": published.digest, "result": published.id}


def _csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _formulas(data: bytes) -> list[str]:
    wb = load_workbook(io.BytesIO(data))
    return [c.coordinate for ws in wb.worksheets for r in ws.iter_rows() for c in r if c.data_type == "f"]


def test_the_public_files_show_the_name_as_text_and_the_digest_still_matches(client, evil):
    csv_file = client.get(f"/ket-qua/dot/{evil['round']}/tai-ve.csv")
    assert hashlib.sha256(csv_file.data).hexdigest() == evil["digest"]
    names = [row[2] for row in _csv(csv_file.data)[1:]]
    assert "'" + evil["name"] in names
    assert not any(n.startswith("=") for n in names)
    xlsx = client.get(f"/ket-qua/dot/{evil['round']}/tai-ve.xlsx")
    assert xlsx.status_code == 200 and _formulas(xlsx.data) == []
    ws = load_workbook(io.BytesIO(xlsx.data)).active
    assert evil["name"] in [ws.cell(r, 3).value for r in range(2, ws.max_row + 1)]


def test_the_organisers_files_show_the_name_as_text(app, evil):
    with app.app_context():
        data, _ = results.export(evil["round"], "csv")
        assert "'" + evil["name"] in [row[2] for row in _csv(data)[1:]]
        data, _ = results.export(evil["round"], "xlsx")
        assert _formulas(data) == []


def test_a_file_published_before_the_fix_keeps_its_frozen_bytes(app, client, evil):
    old = "\ufeffHạng,Họ và tên\r\n1,{}\r\n".format(evil["name"]).encode("utf-8")
    with app.app_context():
        result = db.session.get(ResultSet, evil["result"])
        result.public_csv, result.digest = old, hashlib.sha256(old).hexdigest()
        db.session.commit()
    assert client.get(f"/ket-qua/dot/{evil['round']}/tai-ve.csv").data == old
