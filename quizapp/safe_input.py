"""Bad input stops at the edge, in one place, with a 400 and a Vietnamese message (issue 12, item 3).

- integers: path ids are bounded by the `int` converter (an over-large id is simply not a page: 404); query and
  form integers read with `type=int`, and every integer in a JSON body, must fit a 32-bit column;
- text: NUL and the other control characters no text needs (all of C0 but tab, CR and LF, and DEL) are refused
  in the path, the query string, form fields and JSON strings; PostgreSQL refuses NUL in text outright;
- JSON bodies are parsed strictly (StrictJSONProvider): no NaN/Infinity, no float overflow (1e400), no deep
  nesting (at most MAX_JSON_DEPTH levels), and their integers and strings obey the rules above;
- `next=` after signing in is followed only to a same-site path without control characters or backslashes.
Lengths against the columns are checked on the models (quizapp.models.lengths).
"""
from __future__ import annotations

import json
import math
import re
from urllib.parse import unquote, urlsplit

from flask import Request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter, ValidationError

from quizapp.domain.errors import DomainError

INT_MAX = 2**31 - 1  # the Integer columns (ids, counts) of PostgreSQL and of every client we serve
INT_MIN = -(2**31)
MAX_JSON_DEPTH = 32
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
UNSAFE_IN_PATH = re.compile(r"[\x00-\x1f\x7f\\]")


class BadInput(DomainError):
    """Input no page or API call accepts: 400 with a message naming the field."""

    code = "bad_input"

    def __init__(self, message: str, field: str = "", code: str | None = None):
        super().__init__(message, code)
        self.field = field


def _fmt(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def bounded_int(raw, field: str = "", low: int = INT_MIN, high: int = INT_MAX) -> int:
    """int(raw), refusing what does not fit a 32-bit column (a plain ValueError for what is not a number)."""
    value = int(raw)
    if not low <= value <= high:
        name = f"«{field}»" if field else "Số"
        raise BadInput(f"{name}: giá trị {str(raw)[:20]} nằm ngoài giới hạn cho phép "
                       f"(từ {_fmt(low)} đến {_fmt(high)}).", field, "number_out_of_range")
    return value


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that only matches ids a column can hold: /bai-thi/9223372036854775808 is a 404, not a 500."""

    def __init__(self, map, fixed_digits=0, min=0, max=INT_MAX, signed=False):  # noqa: A002  (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str):
        if len(value) > 12:  # do not even parse a 5,000-digit id
            raise ValidationError()
        return super().to_python(value)


class BoundedArgs(ImmutableMultiDict):
    """Query and form values: `get(name, type=int)` refuses over-large numbers (400) instead of passing them on."""

    def get(self, key, default=None, type=None):  # noqa: A002  (werkzeug's signature)
        if type is int:
            try:
                raw = self[key]
            except KeyError:
                return default
            try:
                return bounded_int(raw.strip(), key)
            except ValueError:
                return default  # not a number at all: as werkzeug does, the default
        return super().get(key, default, type)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number too large")
    return value


def _check_json(value, path: str = "") -> None:
    """Depth, integer range and control characters of a parsed body (iteratively: depth is bounded anyway)."""
    stack = [(value, path, 1)]
    while stack:
        item, where, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise BadInput("Dữ liệu JSON lồng nhau quá sâu.", where, "invalid_json")
        if isinstance(item, dict):
            for k, v in item.items():
                check_text(k, where)
                stack.append((v, k, depth + 1))
        elif isinstance(item, list):
            stack.extend((v, where, depth + 1) for v in item)
        elif isinstance(item, str):
            check_text(item, where)
        elif isinstance(item, int) and not isinstance(item, bool):
            bounded_int(item, where)


class StrictJSONProvider(DefaultJSONProvider):
    """Standard JSON only: Python's parser also takes NaN, Infinity and 1e400 (as inf), and dies of
    RecursionError on deep nesting; those are all a 400 here."""

    def loads(self, s, **kw):
        if isinstance(s, bytes | bytearray):
            s = s.decode("utf-8")  # UnicodeDecodeError is a ValueError: a 400 too
        try:
            return json.loads(s, parse_constant=_refuse_constant, parse_float=_finite_float, **kw)
        except RecursionError:
            raise ValueError("nested too deeply") from None


class QuizRequest(Request):
    parameter_storage_class = BoundedArgs

    def on_json_loading_failed(self, e):
        raise BadInput("Dữ liệu JSON không hợp lệ (chỉ chấp nhận JSON chuẩn, không có NaN, Infinity hay số "
                       "vượt giới hạn).", code="invalid_json")


def check_text(value: str, field: str = "") -> None:
    if CONTROL.search(value):
        name = f"«{field}»" if field else "Dữ liệu gửi lên"
        raise BadInput(f"{name} chứa ký tự điều khiển không hợp lệ (ví dụ ký tự NUL).", field, "control_character")


def check_request(request: Request) -> None:
    """before_request: path, query, form and JSON body, once for every route."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str):
            check_text(value, name)
    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            check_text(name)
            check_text(value, name)
    if request.is_json and request.content_length != 0 and request.method not in ("GET", "HEAD"):
        _check_json(request.get_json(silent=False))  # parsed strictly (a 400 if not), then cached for the view


def safe_next(target: str | None) -> str | None:
    """A same-site path to go on to after signing in, or None: no scheme or host, no '//' or '\\',
    no control characters (a CR/LF would split the Location header)."""
    if not target or not target.startswith("/") or target.startswith("//") or UNSAFE_IN_PATH.search(unquote(target)):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
