"""geo311's own JSON API, mounted at ``/api/v1``: one library call per view."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from geo311.errors import InputError
from geo311.tables import parse_number

__all__ = ["blueprint"]

blueprint = Blueprint("api", __name__)


def _city():
    return current_app.extensions["geo311"]["city"]


def _text_arg(name: str, *, required: bool = False, max_len: int = 500) -> str | None:
    """A query argument as text (an empty one counts as absent)."""
    value = request.args.get(name, "")
    if value == "":
        if required:
            raise InputError(f"{name} is required", field=name)
        return None
    if len(value) > max_len:
        raise InputError(f"{name} is longer than {max_len} characters", field=name)
    return value


def _number_arg(name: str, *, required: bool = True) -> float | None:
    """A query argument as a plain decimal number."""
    text = _text_arg(name, required=required, max_len=64)
    if text is None:
        return None
    number = parse_number(text)
    if number != number:
        raise InputError(f"{name} must be a plain decimal number", field=name)
    return number


@blueprint.get("/validate")
def validate():
    """Validate one address: ``address`` (required), ``zip``, ``city``."""
    answer = _city().validator.validate(_text_arg("address", required=True),
                                        zip=_text_arg("zip", max_len=20),
                                        city=_text_arg("city", max_len=100))
    return jsonify(answer)


@blueprint.get("/locate")
def locate():
    """Who serves a point: ``lon``, ``lat``."""
    return jsonify(_city().locator.locate(_number_arg("lon"), _number_arg("lat")))


@blueprint.get("/reverse")
def reverse():
    """The nearest reference address to a point: ``lon``, ``lat``."""
    return jsonify(_city().validator.reverse(_number_arg("lon"), _number_arg("lat")))
