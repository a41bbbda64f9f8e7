"""API keys and staff passwords, stored as argon2 hashes only.

A key is ``<key id>.<secret>``: the id (public, 12 URL-safe characters) finds the
row, argon2 verifies the secret. Verifying takes tens of milliseconds by design,
so a process remembers the SHA-256 of each key it has verified, with the hash it
verified against: a later check of the same key costs one primary-key lookup
(which also sees a revocation) and a SHA-256.
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, bindparam, insert, select, update

from geo311.errors import InputError, NotFoundError
from geo311.service.records import ApiKeyInfo, check_text, utc_now
from geo311.service.store.models import ApiKey, StaffUser

__all__ = ["check_key", "check_password", "create_key", "create_user", "revoke_key"]

KEYS = ApiKey.__table__
USERS = StaffUser.__table__
HASHER = PasswordHasher()
SEPARATOR = "."
_MAX_CACHE = 10_000
_KEY_BY_ID = select(KEYS.c.key_id, KEYS.c.name, KEYS.c.staff, KEYS.c.secret_hash,
                    KEYS.c.revoked).where(KEYS.c.key_id == bindparam("key_id"))  # built once


def create_key(connection: Connection, name: str, staff: bool) -> tuple[str, str]:
    """Insert a new key named ``name``; return ``(key, key_id)``."""
    name = check_text(str(name or "").strip(), "name")
    if not name:
        raise InputError("an API key needs a name", field="name")
    key_id = secrets.token_urlsafe(9)
    secret = secrets.token_urlsafe(32)
    connection.execute(insert(KEYS), {"key_id": key_id, "name": name, "staff": bool(staff),
                                      "secret_hash": HASHER.hash(secret),
                                      "created": utc_now(), "revoked": None})
    return f"{key_id}{SEPARATOR}{secret}", key_id


def check_key(connection: Connection, key: str, cache: dict[bytes, str]) -> ApiKeyInfo | None:
    """The :class:`ApiKeyInfo` of a valid, unrevoked ``key``, else None (see module doc)."""
    key_id, sep, secret = str(key or "").strip().partition(SEPARATOR)
    if not sep or not key_id or not secret or "\x00" in key_id:
        return None
    row = connection.execute(_KEY_BY_ID, {"key_id": key_id}).first()
    if row is None or row.revoked is not None:
        return None
    digest = hashlib.sha256(key.strip().encode()).digest()
    if cache.get(digest) != row.secret_hash:
        try:
            HASHER.verify(row.secret_hash, secret)
        except (VerificationError, InvalidHashError):
            return None
        if len(cache) >= _MAX_CACHE:
            cache.clear()
        cache[digest] = row.secret_hash
    return ApiKeyInfo(row.key_id, row.name, bool(row.staff))


def revoke_key(connection: Connection, key_id: str) -> None:
    """Mark ``key_id`` revoked; NotFoundError if there is no such key."""
    done = None if "\x00" in str(key_id) else connection.execute(
        update(KEYS).where(KEYS.c.key_id == str(key_id)).values(revoked=utc_now()))
    if done is None or done.rowcount == 0:
        raise NotFoundError(f"no API key {key_id!r}", key_id=str(key_id))


def create_user(connection: Connection, username: str, password: str) -> None:
    """Insert the staff user ``username``; InputError on a blank name or password or an
    existing user."""
    username = check_text(str(username or "").strip(), "username")
    if not username or not password:
        raise InputError("a staff user needs a username and a password", field="username")
    if connection.execute(select(USERS.c.pk).where(USERS.c.username == username)).first():
        raise InputError(f"staff user {username!r} exists", field="username")
    connection.execute(insert(USERS), {"username": username,
                                       "password_hash": HASHER.hash(password),
                                       "created": utc_now(), "active": True})


def check_password(connection: Connection, username: str, password: str) -> bool:
    """Whether ``password`` is that of the active user ``username`` (rehashed when the
    argon2 parameters changed)."""
    username = str(username or "").strip()
    row = None if "\x00" in username else connection.execute(select(USERS).where(
        USERS.c.username == username)).first()
    if row is None or not row.active:
        HASHER.hash(str(password))  # about the same time either way
        return False
    try:
        HASHER.verify(row.password_hash, str(password))
    except (VerificationError, InvalidHashError):
        return False
    if HASHER.check_needs_rehash(row.password_hash):
        connection.execute(update(USERS).where(USERS.c.pk == row.pk)
                           .values(password_hash=HASHER.hash(str(password))))
    return True
