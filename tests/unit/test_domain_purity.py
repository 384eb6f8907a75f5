"""The domain package is pure Python: it imports without Flask or SQLAlchemy and needs no app."""
import pkgutil
import subprocess
import sys
from pathlib import Path

import quizapp.domain

ROOT = Path(__file__).resolve().parents[2]


def test_every_domain_module_imports_without_flask_or_sqlalchemy():
    modules = [m.name for m in pkgutil.walk_packages(quizapp.domain.__path__, "quizapp.domain.")]
    assert "quizapp.domain.ranking" in modules and "quizapp.domain.formats.gift" in modules
    code = (
        "import sys, importlib\n"
        "sys.modules['flask'] = None; sys.modules['sqlalchemy'] = None; sys.modules['flask_sqlalchemy'] = None\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
