"""Named staff accounts: one credential per person, stored as an scrypt hash; sessions for the console.

Roles, each with everything the one before it may do:
  viewer    explain, batch, read conversations and the inbox, tag turns, propose corrections
  reviewer  also signs answers in the review queue (with the name and credential on the account)
  admin     also creates, deactivates and re-enables accounts

A secret is shown once, when it is made; only `scrypt(secret, salt)` is stored (hashlib's scrypt: standard
library, memory-hard). Signing in trades the secret for a session token (stored only as its SHA-256), sent as
`Authorization: Bearer <token>`. Deactivating an account deletes its sessions and every request checks the
account is active, so access ends at once, on every replica.

    python -m staff.accounts add --name ana --role reviewer --full-name "Dr Ana Ruiz" --credential "PhD, clinical psychologist"
    python -m staff.accounts list | deactivate --name ana | reactivate --name ana | new-secret --name ana
(`make staff-user NAME=... ROLE=...` runs `add`.) Every change is written to the audit log.
"""

from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import hmac
import re
import secrets
import sys
import time
from dataclasses import dataclass
from typing import Any, Dict, List

import sqlalchemy as sa

from staff import audit, db

ROLES = ("viewer", "reviewer", "admin")
SESSION_SECONDS = 12 * 3600
NAME = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")
# scrypt cost: 16 MiB and ~50 ms a try on one core; the login rate limit (staff/routes.py) bounds the tries.
SCRYPT_N, SCRYPT_R, SCRYPT_P, SALT_BYTES, KEY_BYTES = 2**14, 8, 1, 16, 32
SECRET_BYTES = 24


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message says why."""


@dataclass(frozen=True)
class StaffUser:
    id: int
    name: str
    full_name: str
    credential: str
    role: str
    active: bool

    def may(self, role: str) -> bool:
        """True when this account's role includes `role` (viewer < reviewer < admin)."""
        return self.active and ROLES.index(self.role) >= ROLES.index(role)

    def public(self) -> Dict[str, Any]:
        return {
            "name": self.name,
            "full_name": self.full_name,
            "credential": self.credential,
            "role": self.role,
            "active": self.active,
        }


def hash_secret(secret: str) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    key = hashlib.scrypt(secret.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=KEY_BYTES)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(key).decode()}"


def secret_matches(secret: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        want = base64.b64decode(key)
        got = hashlib.scrypt(
            secret.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(want)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


# Compared against when the name is unknown, so a wrong name costs as long as a wrong secret.
_DUMMY_HASH = hash_secret(secrets.token_urlsafe(SECRET_BYTES))


def _user(row: Any) -> StaffUser:
    m = row._mapping
    return StaffUser(m["id"], m["name"], m["full_name"], m["credential"], m["role"], bool(m["active"]))


def _clean(value: str, what: str, required: bool = True) -> str:
    value = " ".join(str(value or "").split())
    if (required and len(value) < 2) or len(value) > 120:
        raise AccountError(f"{what} must be 2 to 120 characters.")
    return value


def create(engine: sa.engine.Engine, name: str, role: str, full_name: str, credential: str, actor: str) -> str:
    """Create an account; returns its one-time secret."""
    name = str(name or "").strip().lower()
    if not NAME.match(name):
        raise AccountError("NAME: 2-64 characters, lowercase letters, digits, '.', '_' or '-', starting with a letter.")
    if role not in ROLES:
        raise AccountError(f"ROLE must be one of {', '.join(ROLES)}.")
    full_name = _clean(full_name or name, "The full name")
    credential = _clean(credential, "The credential", required=False)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    with engine.begin() as connection:
        if connection.execute(sa.select(db.users.c.id).where(db.users.c.name == name)).first():
            raise AccountError(f"An account named {name} already exists.")
        connection.execute(
            db.users.insert().values(
                name=name,
                full_name=full_name,
                credential=credential,
                role=role,
                secret_hash=hash_secret(secret),
                active=True,
                created_at=time.time(),
            )
        )
    audit.record(engine, actor, "account.create", f"account:{name}", detail={"role": role})
    return secret


def find(engine: sa.engine.Engine, name: str) -> StaffUser | None:
    with engine.connect() as connection:
        row = connection.execute(sa.select(db.users).where(db.users.c.name == name)).first()
    return _user(row) if row else None


def all_users(engine: sa.engine.Engine) -> List[StaffUser]:
    with engine.connect() as connection:
        return [_user(r) for r in connection.execute(sa.select(db.users).order_by(db.users.c.name))]


def any_users(engine: sa.engine.Engine) -> bool:
    with engine.connect() as connection:
        return connection.execute(sa.select(db.users.c.id).limit(1)).first() is not None


def set_active(engine: sa.engine.Engine, name: str, active: bool, actor: str) -> StaffUser:
    """Deactivate (its sessions end at once) or re-enable an account."""
    user = find(engine, name)
    if user is None:
        raise AccountError(f"No account named {name}.")
    with engine.begin() as connection:
        connection.execute(db.users.update().where(db.users.c.id == user.id).values(active=active))
        if not active:
            connection.execute(db.sessions.delete().where(db.sessions.c.user_id == user.id))
    audit.record(engine, actor, "account.reactivate" if active else "account.deactivate", f"account:{name}")
    return find(engine, name)  # type: ignore[return-value]


def new_secret(engine: sa.engine.Engine, name: str, actor: str) -> str:
    """A fresh one-time secret (the old one and every session stop working)."""
    user = find(engine, name)
    if user is None:
        raise AccountError(f"No account named {name}.")
    secret = secrets.token_urlsafe(SECRET_BYTES)
    with engine.begin() as connection:
        connection.execute(db.users.update().where(db.users.c.id == user.id).values(secret_hash=hash_secret(secret)))
        connection.execute(db.sessions.delete().where(db.sessions.c.user_id == user.id))
    audit.record(engine, actor, "account.new_secret", f"account:{name}")
    return secret


def check_secret(engine: sa.engine.Engine, name: str, secret: str) -> StaffUser | None:
    """The active account whose secret this is, or None (slow on purpose: scrypt; run it off the event loop)."""
    with engine.connect() as connection:
        row = connection.execute(sa.select(db.users).where(db.users.c.name == str(name).strip().lower())).first()
    stored = row._mapping["secret_hash"] if row else _DUMMY_HASH
    matches = secret_matches(secret, stored)
    if row is None or not matches or not row._mapping["active"]:
        return None
    return _user(row)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(engine: sa.engine.Engine, user: StaffUser) -> str:
    token = secrets.token_urlsafe(32)
    now = time.time()
    with engine.begin() as connection:
        connection.execute(db.sessions.delete().where(db.sessions.c.expires_at < now))
        connection.execute(
            db.sessions.insert().values(
                token_sha256=_token_hash(token), user_id=user.id, expires_at=now + SESSION_SECONDS
            )
        )
    return token


def end_session(engine: sa.engine.Engine, token: str) -> None:
    with engine.begin() as connection:
        connection.execute(db.sessions.delete().where(db.sessions.c.token_sha256 == _token_hash(token)))


def session_user(engine: sa.engine.Engine, token: str) -> StaffUser | None:
    """The active account a session token belongs to, or None (unknown, expired or deactivated)."""
    if not token or len(token) > 200:
        return None
    query = (
        sa.select(db.users)
        .join(db.sessions, db.sessions.c.user_id == db.users.c.id)
        .where(db.sessions.c.token_sha256 == _token_hash(token), db.sessions.c.expires_at > time.time())
        .where(db.users.c.active == sa.true())
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return _user(row) if row else None


def cli_actor() -> str:
    return f"terminal:{getpass.getuser()}"


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoints", default="endpoints.yml")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("add", help="create an account and print its one-time secret")
    p.add_argument("--name", required=True)
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--full-name", default="")
    p.add_argument("--credential", default="", help="for reviewers: shown in their signature, e.g. 'PhD, psychologist'")
    sub.add_parser("list", help="every account, its role and whether it is active")
    for command in ("deactivate", "reactivate", "new-secret"):
        sub.add_parser(command).add_argument("--name", required=True)
    args = parser.parse_args(argv)
    engine = db.engine_for(args.endpoints)
    try:
        if args.command == "add":
            secret = create(engine, args.name, args.role, args.full_name, args.credential, cli_actor())
            print(f"Created {args.role} account '{args.name.strip().lower()}'. Its secret, shown only this once:")
            print(f"\n    {secret}\n")
            print(
                "Give it to them in person or over a secure channel; they sign in at /staff with the name and secret."
            )
        elif args.command == "list":
            for user in all_users(engine):
                state = "active" if user.active else "DEACTIVATED"
                extra = f", {user.credential}" if user.credential else ""
                print(f"{user.name:20} {user.role:9} {state:12} {user.full_name}{extra}")
        elif args.command == "new-secret":
            print(
                f"New secret for {args.name}, shown only this once:\n\n    {new_secret(engine, args.name, cli_actor())}\n"
            )
        else:
            user = set_active(engine, args.name, args.command == "reactivate", cli_actor())
            print(f"{user.name}: {'active' if user.active else 'deactivated (signed out everywhere)'}")
        return 0
    except AccountError as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
