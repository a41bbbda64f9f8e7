"""The OpenAPI 3 document of ``/api/v1``, written as data.

Every rule of the ``api`` blueprint has its path here (a test checks it), with the
schema of each parameter and of each answer, so that a generator (schemathesis) can
call every endpoint and check what comes back.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["openapi_document"]

_ERRORS = {"type": "array", "minItems": 1, "items": {
    "type": "object", "required": ["code", "description"],
    "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}}}

_NUMBER_OR_NULL = {"type": ["number", "null"]}
_TEXT_OR_NULL = {"type": ["string", "null"]}

_FEATURE = {"type": ["object", "null"], "required": ["id", "name"],
            "properties": {"id": {"type": "string"}, "name": {"type": "string"}}}

_LOCATION = {"type": "object",
             "required": ["lon", "lat", "in_jurisdiction", "jurisdiction", "agency",
                          "nearest_agency", "districts", "boundary_distance_m",
                          "near_boundary", "alternatives"],
             "properties": {
                 "lon": {"type": "number"}, "lat": {"type": "number"},
                 "in_jurisdiction": {"type": "boolean"},
                 "jurisdiction": {"type": "object"},
                 "agency": {"type": ["object", "null"]},
                 "nearest_agency": {"type": ["object", "null"]},
                 "districts": {"type": "object", "additionalProperties": _FEATURE},
                 "boundary_distance_m": {"type": "number"},
                 "near_boundary": {"type": "boolean"},
                 "alternatives": {"type": "array", "items": {"type": "object"}}}}

_VALIDATION = {"type": "object",
               "required": ["input", "status", "match_type", "address", "lon", "lat",
                            "confidence", "suggestions", "understood", "review_reasons",
                            "notes", "location", "redirect", "postal_city"],
               "properties": {
                   "input": {"type": "string"}, "status": {"type": "string"},
                   "match_type": {"type": "string"}, "address": _TEXT_OR_NULL,
                   "lon": _NUMBER_OR_NULL, "lat": _NUMBER_OR_NULL,
                   "confidence": {"type": "number"},
                   "suggestions": {"type": "array", "items": {"type": "object"}},
                   "understood": {"type": "object"},
                   "review_reasons": {"type": "array", "items": {"type": "string"}},
                   "notes": {"type": "array", "items": {"type": "string"}},
                   "location": {"oneOf": [{"type": "null"}, _LOCATION]},
                   "redirect": {"type": ["object", "null"]},
                   "postal_city": {"type": ["object", "null"]},
                   "possible_duplicates": {"type": "array", "items": {
                       "type": "object", "required": ["service_request_id", "distance_m"],
                       "properties": {"service_request_id": {"type": "string"},
                                      "distance_m": {"type": "number"}}}}}}

_PUBLIC_REQUEST = {"type": "object", "required": ["service_request_id", "status"],
                   "properties": {"service_request_id": {"type": "string"},
                                  "status": {"type": "string"},
                                  "email": False, "phone": False, "first_name": False,
                                  "last_name": False, "device_id": False,
                                  "account_id": False}}

_PRIVATE_REQUEST = {"type": "object", "required": ["service_request_id", "status"],
                    "properties": {"service_request_id": {"type": "string"},
                                   "status": {"type": "string"}}}


def _ok(schema: dict, description: str = "the answer") -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}}}


def _query(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema}


_LON = _query("lon", {"type": "number", "minimum": -180, "maximum": 180}, "longitude (WGS 84)",
              True)
_LAT = _query("lat", {"type": "number", "minimum": -90, "maximum": 90}, "latitude (WGS 84)",
              True)
_DISTRICT = _query("district", {"type": "array", "items": {"type": "string",
                                                           "pattern": "^[^:]+:.+$"}},
                   "KEY:ID of a district feature (repeatable; all must hold)")
_DISTRICT["style"], _DISTRICT["explode"] = "form", True
_DATE = {"type": "string", "format": "date"}
_FILTERS = [
    {**_query("type", {"type": "array", "items": {"type": "string"}},
              "request types (repeatable)"), "style": "form", "explode": True},
    _query("start", _DATE, "created at or after (ISO 8601 date or datetime)"),
    _query("end", _DATE, "created before (ISO 8601 date or datetime)"),
    _query("status", {"type": "string", "maxLength": 40}, "status (open or closed)"),
    _DISTRICT,
]
_REQUEST_ID = {"name": "request_id", "in": "path", "required": True,
               "schema": {"type": "string", "minLength": 1, "maxLength": 100},
               "description": "service_request_id"}
_STAFF = [{"ApiKey": []}]
_LONLAT = {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "number"},
           "description": "[lon, lat]"}

_BAD = _error("bad input")
_COMMON = {"400": _BAD, "503": _error("no request store")}
_STAFF_ERRORS = {"401": _error("no API key"), "403": _error("not a staff key"),
                 "404": _error("no such request"), **_COMMON}


def _body(properties: dict, required: list[str]) -> dict:
    schema = {"type": "object", "properties": properties, "required": required}
    return {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": schema},
                                          "application/json": {"schema": schema}}}


_PATHS: dict[str, Any] = {
    "/validate": {"get": {
        "summary": "Validate an address", "operationId": "validate",
        "parameters": [
            _query("address", {"type": "string", "minLength": 1, "maxLength": 500},
                   "free-text address", True),
            _query("zip", {"type": "string", "maxLength": 20}, "ZIP code"),
            _query("city", {"type": "string", "maxLength": 100}, "postal city"),
            _query("service_code", {"type": "string", "maxLength": 100},
                   "service, for possible duplicates"),
        ],
        "responses": {"200": _ok(_VALIDATION), **_COMMON}}},
    "/locate": {"get": {
        "summary": "Who serves a point", "operationId": "locate",
        "parameters": [_LON, _LAT], "responses": {"200": _ok(_LOCATION), "400": _BAD}}},
    "/reverse": {"get": {
        "summary": "Nearest reference address", "operationId": "reverse",
        "parameters": [_LON, _LAT],
        "responses": {"200": _ok({"type": "object",
                                  "required": ["lon", "lat", "address", "distance_m",
                                               "location"],
                                  "properties": {"address": _TEXT_OR_NULL,
                                                 "distance_m": _NUMBER_OR_NULL,
                                                 "location": _LOCATION}}),
                      "400": _BAD}}},
    "/districts": {"get": {
        "summary": "District layers and features", "operationId": "districts",
        "parameters": [_query("key", {"type": "string", "maxLength": 100}, "one layer"),
                       _query("geometry", {"type": "boolean"}, "add GeoJSON geometries")],
        "responses": {"200": _ok({"type": "object", "required": ["layers"], "properties": {
            "layers": {"type": "array", "items": {
                "type": "object", "required": ["key", "label", "features"],
                "properties": {"key": {"type": "string"}, "label": {"type": "string"},
                               "features": {"type": "array", "items": {
                                   "type": "object", "required": ["id", "name"]}}}}}}}),
            "400": _BAD, "404": _error("no such layer")}}},
    "/nearby": {"get": {
        "summary": "Open requests near a point", "operationId": "nearby",
        "parameters": [_LON, _LAT,
                       _query("service_code", {"type": "string", "maxLength": 100}, "service"),
                       _query("radius_m", {"type": "number", "minimum": 0, "maximum": 5000},
                              "radius in metres (default 50)"),
                       _query("limit", {"type": "integer", "minimum": 1, "maximum": 100},
                              "at most this many (default 20)")],
        "responses": {"200": _ok({"type": "object", "required": ["requests"], "properties": {
            "requests": {"type": "array", "items": {
                **_PUBLIC_REQUEST, "required": ["service_request_id", "status", "distance_m"],
                "properties": {**_PUBLIC_REQUEST["properties"],
                               "distance_m": {"type": "number"}}}}}}),
            **_COMMON}}},
    "/hotspots": {"get": {
        "summary": "Hot spots of the stored requests", "operationId": "hotspots",
        "parameters": [*_FILTERS,
                       _query("by", {"type": "string", "maxLength": 100},
                              "hex, grid or a district key (default hex)"),
                       _query("method", {"type": "string", "enum": [
                           "counts", "gistar", "optimized", "lisa", "emerging"]},
                              "analysis (default counts)"),
                       _query("top", {"type": "integer", "minimum": 1, "maximum": 100},
                              "cells listed, busiest first (default 10)")],
        "responses": {"200": _ok({"type": "object",
                                  "required": ["by", "method", "cells", "top", "filter"]}),
                      **_COMMON}}},
    "/reallocation": {"get": {
        "summary": "Crew reallocation over the stored requests", "operationId": "reallocation",
        "parameters": [_query("department", {"type": "string", "minLength": 1,
                                             "maxLength": 200}, "department", True),
                       *_FILTERS,
                       _query("by", {"type": "string", "maxLength": 100},
                              "district key of the staffing (default ward)"),
                       _query("weight", {"type": "string", "enum": ["requests", "backlog"]},
                              "demand measure"),
                       _query("crews", {"type": "integer", "minimum": 0, "maximum": 100000},
                              "crews to share (default: current)")],
        "responses": {"200": _ok({"type": "object"}), **_COMMON}}},
    "/staff/login": {"post": {
        "summary": "Staff login (a session cookie)", "operationId": "staffLogin",
        "requestBody": _body({"username": {"type": "string", "minLength": 1, "maxLength": 200},
                              "password": {"type": "string", "minLength": 1,
                                           "maxLength": 1000}}, ["username", "password"]),
        "responses": {"200": _ok({"type": "object", "required": ["username"]}),
                      "400": _BAD, "403": _error("unknown user or wrong password"),
                      "415": _error("body neither form nor JSON"),
                      "429": _error("too many login attempts from this address"),
                      "503": _error("no request store")}}},
    "/staff/logout": {"post": {
        "summary": "End the staff session", "operationId": "staffLogout",
        "responses": {"200": _ok({"type": "object"})}}},
    "/staff/requests": {"get": {
        "summary": "Stored requests with contact details", "operationId": "staffList",
        "security": _STAFF,
        "parameters": [
            {**_query("service_code", {"type": "array", "items": {"type": "string"}},
                      "services (repeatable)"), "style": "form", "explode": True},
            {**_query("status", {"type": "array", "items": {"type": "string"}},
                      "statuses (repeatable)"), "style": "form", "explode": True},
            _query("start", _DATE, "requested at or after"),
            _query("end", _DATE, "requested before"), _DISTRICT,
            _query("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "page size"),
            _query("offset", {"type": "integer", "minimum": 0}, "rows to skip")],
        "responses": {"200": _ok({"type": "object", "required": ["requests"], "properties": {
            "requests": {"type": "array", "items": _PRIVATE_REQUEST}}}), **_STAFF_ERRORS}}},
    "/staff/requests/{request_id}": {"get": {
        "summary": "One stored request with contact details", "operationId": "staffGet",
        "security": _STAFF, "parameters": [_REQUEST_ID],
        "responses": {"200": _ok({**_PRIVATE_REQUEST,
                                  "required": ["service_request_id", "status", "history",
                                               "notes"]}), **_STAFF_ERRORS}}},
    "/staff/requests/{request_id}/status": {"post": {
        "summary": "Change a request's status", "operationId": "staffStatus",
        "security": _STAFF, "parameters": [_REQUEST_ID],
        "requestBody": _body({"status": {"type": "string", "enum": ["open", "closed"]},
                              "note": {"type": "string", "maxLength": 4000}}, ["status"]),
        "responses": {"200": _ok(_PRIVATE_REQUEST), **_STAFF_ERRORS,
                      "415": _error("body neither form nor JSON")}}},
    "/staff/requests/{request_id}/assign": {"post": {
        "summary": "Assign a request", "operationId": "staffAssign",
        "security": _STAFF, "parameters": [_REQUEST_ID],
        "requestBody": _body({"assignee": {"type": "string", "maxLength": 200}}, []),
        "responses": {"200": _ok(_PRIVATE_REQUEST), **_STAFF_ERRORS,
                      "415": _error("body neither form nor JSON")}}},
    "/staff/requests/{request_id}/duplicate": {"post": {
        "summary": "Link a request to the one it repeats", "operationId": "staffDuplicate",
        "security": _STAFF, "parameters": [_REQUEST_ID],
        "requestBody": _body({"duplicate_of": {"type": "string", "minLength": 1,
                                               "maxLength": 100}}, ["duplicate_of"]),
        "responses": {"200": _ok(_PRIVATE_REQUEST), **_STAFF_ERRORS,
                      "415": _error("body neither form nor JSON")}}},
    "/staff/requests/{request_id}/notes": {"post": {
        "summary": "Add a note to a request", "operationId": "staffNote",
        "security": _STAFF, "parameters": [_REQUEST_ID],
        "requestBody": _body({"note": {"type": "string", "minLength": 1, "maxLength": 4000},
                              "public": {"type": "boolean"}}, ["note"]),
        "responses": {"201": _ok({"type": "array", "items": {"type": "object"}}),
                      **_STAFF_ERRORS, "415": _error("body neither form nor JSON")}}},
    "/staff/requests/{request_id}/location": {"post": {
        "summary": "Confirm or move a request's place: it joins the address reference",
        "operationId": "staffLocation", "security": _STAFF, "parameters": [_REQUEST_ID],
        "requestBody": _body({"lon": {"type": ["number", "string"]},
                              "lat": {"type": ["number", "string"]},
                              "address": {"type": "string", "maxLength": 500},
                              "said": {"type": "string", "maxLength": 500}}, []),
        "responses": {"200": _ok({"type": "object", "required": ["request", "learned"],
                                  "properties": {"request": _PRIVATE_REQUEST,
                                                 "learned": {"type": "array",
                                                             "items": {"type": "object"}}}}),
                      **_STAFF_ERRORS, "415": _error("body neither form nor JSON"),
                      "503": _error("no store or no address reference")}}},
    "/routes": {"post": {
        "summary": "Crew routes through the stored open requests", "operationId": "routes",
        "security": _STAFF,
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["depots"], "properties": {
                "types": {"type": "array", "items": {"type": "string"}},
                "districts": {"type": "object",
                              "additionalProperties": {"type": "array",
                                                       "items": {"type": "string"}}},
                "depots": {"type": "array", "minItems": 1, "maxItems": 50, "items": _LONLAT},
                "crews": {"oneOf": [
                    {"type": "integer", "minimum": 1, "maximum": 50},
                    {"type": "array", "minItems": 1, "maxItems": 50, "items": {
                        "type": "object", "required": ["depot"], "properties": {
                            "id": {"type": "string", "minLength": 1, "maxLength": 100},
                            "depot": _LONLAT, "position": _LONLAT,
                            "skills": {"type": "array", "items": {"type": "string"}}}}}]},
                "date": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
                "start": {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$"},
                "shift_hours": {"type": "number", "minimum": 0.25, "maximum": 24},
                "break_minutes": {"type": "number", "minimum": 0, "maximum": 1440,
                                  "description": "each crew's break (shorter than the shift)"},
                "break_after": {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$",
                                "description": "when breaks may start (default mid-shift)"},
                "done": {"type": "array", "items": {"type": "string"}},
                "time_limit": {"type": "number", "minimum": 0.1, "maximum": 30,
                               "description": "solver seconds (capped by the server)"},
                "seed": {"type": "integer", "minimum": 0, "maximum": 2147483647}}}}}},
        "responses": {"200": _ok({"type": "object", "required": [
            "model", "solver", "seconds", "routes", "dropped", "notes", "geojson"],
            "properties": {"routes": {"type": "array", "items": {"type": "object"}},
                           "dropped": {"type": "array", "items": {"type": "object"}},
                           "geojson": {"type": "object", "required": ["type", "features"]}}}),
                      "400": _BAD, "401": _error("no API key"),
                      "403": _error("not a staff key"),
                      "415": _error("body neither form nor JSON"),
                      "503": _error("no request store")}}},
    "/openapi.json": {"get": {
        "summary": "This document", "operationId": "openapi",
        "responses": {"200": _ok({"type": "object", "required": ["openapi", "paths"]})}}},
}

_DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "geo311 API", "version": "1",
             "description": "Locate, validate and analyze 311 requests; staff actions. "
                            "Errors are Open311-style lists of {code, description}."},
    "servers": [{"url": "/api/v1"}],
    "paths": _PATHS,
    "components": {
        "schemas": {"Errors": _ERRORS},
        "securitySchemes": {"ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
    },
}


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``/api/v1`` (a fresh copy)."""
    return copy.deepcopy(_DOCUMENT)
