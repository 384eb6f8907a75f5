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


BLUEPRINT_PACKAGES = ("admin", "api", "auth", "contest", "live", "personal", "public")


def test_views_read_and_write_through_the_services_only():
    """Views stay thin: no blueprint module queries or changes the database itself (rolling back after an error is
    the web layer's cleanup, not a read)."""
    import re

    touching = re.compile(r"db\.session\.(get|scalar|scalars|execute|query|add|add_all|delete|commit|flush)\b")
    offenders = [f"{path.relative_to(ROOT)}:{n}" for package in BLUEPRINT_PACKAGES
                 for path in sorted((ROOT / "quizapp" / package).glob("*.py"))
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if touching.search(line)]
    assert offenders == []
