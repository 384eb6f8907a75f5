"""Extensions are created unbound here and bound to the app in create_app."""
import copy

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


class AppLimiter(Limiter):
    """Flask-Limiter keeps the settings of the app it was bound to on itself, and keeps most of them when bound
    again (key prefix, headers, storage options). Here each init_app starts from the settings the limiter was
    made with, so every app of a process (tests, scripts) gets its own storage and switches from its own config.

    The limits the views declare (decorators, exemptions) are kept: they belong to the code, not to an app.
    """

    _DECLARED = frozenset({"limit_manager", "_marked_for_limiting", "_route_exemptions", "_blueprint_exemptions",
                           "_request_filters"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._unbound = {k: v for k, v in vars(self).items() if k not in self._DECLARED}

    def init_app(self, app) -> None:
        state = vars(self)
        for name in set(state) - self._DECLARED - {"_unbound"}:
            del state[name]
        state.update({k: copy.copy(v) if isinstance(v, (dict, list)) else v for k, v in self._unbound.items()})
        super().init_app(app)


limiter = AppLimiter(key_func=get_remote_address, default_limits=[])
