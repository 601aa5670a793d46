"""Server-side web sessions: the browser holds only a random id; the tokens,
the PKCE verifier of a login under way and the CSRF token stay here.

The table stores the SHA-256 of the id, not the id, so a copy of the database
opens no one's session. A session is created when a login starts (holding the
``state``, nonce and PKCE verifier), and on a successful callback its id is
replaced (no session fixation) and the tokens are stored.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from servicekit.db import Database, UTCDateTime, declarative_base
from sqlalchemy import String, Text, delete, select
from sqlalchemy.orm import Mapped, mapped_column

Base = declarative_base()


class WebSessionRecord(Base):  # type: ignore[valid-type,misc]  # a base made at runtime, as servicekit's
    __tablename__ = "web_sessions"

    id_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # A login under way (authorization request not yet answered).
    login_state: Mapped[str | None] = mapped_column(String(64), nullable=True)
    login_nonce: Mapped[str | None] = mapped_column(String(64), nullable=True)
    code_verifier: Mapped[str | None] = mapped_column(String(128), nullable=True)
    return_to: Mapped[str | None] = mapped_column(Text, nullable=True)
    # A signed-in user.
    username: Mapped[str | None] = mapped_column(String(255), nullable=True)
    access_token: Mapped[str | None] = mapped_column(Text, nullable=True)
    access_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    refresh_token: Mapped[str | None] = mapped_column(Text, nullable=True)
    id_token: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


@dataclass
class WebSession:
    """One browser's session as the views see it; ``id`` is the cookie's value."""

    id: str
    csrf_token: str
    expires_at: datetime
    locale: str | None = None
    login_state: str | None = None
    login_nonce: str | None = None
    code_verifier: str | None = None
    return_to: str | None = None
    username: str | None = None
    access_token: str | None = None
    access_expires_at: datetime | None = None
    refresh_token: str | None = None
    id_token: str | None = None

    @property
    def signed_in(self) -> bool:
        return self.access_token is not None


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    access_expires_at: datetime
    refresh_token: str | None
    id_token: str | None


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii", "replace")).hexdigest()


_FIELDS = (
    "csrf_token", "locale", "login_state", "login_nonce", "code_verifier", "return_to",
    "username", "access_token", "access_expires_at", "refresh_token", "id_token",
)  # fmt: skip


class SessionStore:
    def __init__(
        self, database: Database, *, lifetime: timedelta, login_window: timedelta = timedelta(minutes=15)
    ) -> None:
        self.database = database
        self.lifetime = lifetime
        # A session that never signs in (an abandoned or scripted login) is gone soon.
        self.login_window = login_window

    def create_schema(self) -> None:
        """The gateway's migrations (gateway.store), where nobody ran them yet."""
        from ..store import ensure_migrated

        ensure_migrated(self.database)

    def start(self, *, locale: str | None = None) -> WebSession:
        now = datetime.now(UTC)
        session = WebSession(
            id=secrets.token_urlsafe(32),
            csrf_token=secrets.token_urlsafe(32),
            expires_at=now + self.login_window,
            locale=locale,
        )
        record = WebSessionRecord(id_sha256=_digest(session.id), created_at=now, expires_at=session.expires_at)
        self._copy_into(record, session)
        with self.database.transaction() as db:
            db.add(record)
        return session

    def load(self, session_id: str | None) -> WebSession | None:
        if not session_id:
            return None
        with self.database.transaction() as db:
            record = db.get(WebSessionRecord, _digest(session_id))
            if record is None:
                return None
            expires_at = record.expires_at
            assert expires_at is not None
            if expires_at <= datetime.now(UTC):
                db.delete(record)
                return None
            values = {name: getattr(record, name) for name in _FIELDS}
        return WebSession(id=session_id, expires_at=expires_at, **values)

    def save(self, session: WebSession) -> None:
        with self.database.transaction() as db:
            record = db.get(WebSessionRecord, _digest(session.id))
            if record is not None:
                self._copy_into(record, session)

    def sign_in(self, session: WebSession, username: str, tokens: TokenSet) -> WebSession:
        """The login succeeded: a new id (the old one may have been planted), the tokens, a fresh CSRF token."""
        self.end(session.id)
        now = datetime.now(UTC)
        signed_in = WebSession(
            id=secrets.token_urlsafe(32),
            csrf_token=secrets.token_urlsafe(32),
            expires_at=now + self.lifetime,
            locale=session.locale,
            username=username,
        )
        self._apply(signed_in, tokens)
        with self.database.transaction() as db:
            record = WebSessionRecord(id_sha256=_digest(signed_in.id), created_at=now, expires_at=signed_in.expires_at)
            self._copy_into(record, signed_in)
            db.add(record)
        return signed_in

    def refresh(self, session: WebSession, exchange: Callable[[str], TokenSet]) -> bool:
        """Renew the session's expired access token, one request at a time per session.

        Refresh tokens are single-use (the realm revokes each on use), so two requests of
        one browser refreshing together would spend the same token twice, and the identity
        provider would end the login. The session's row is the lock, shared by every
        worker and replica: the first request refreshes while holding it; the others
        wait, find the new tokens, and use them. ``exchange`` may raise (the login ended);
        nothing is written then. False if the session is gone or has no refresh token."""
        with self.database.transaction() as db:
            record = db.scalars(
                select(WebSessionRecord).where(WebSessionRecord.id_sha256 == _digest(session.id)).with_for_update()
            ).first()
            if record is None:
                return False
            expires_at = record.access_expires_at
            if record.access_token != session.access_token and expires_at and expires_at > datetime.now(UTC):
                pass  # another request refreshed while this one waited: take its tokens
            elif not record.refresh_token:
                return False
            else:
                current = WebSession(id=session.id, csrf_token=record.csrf_token, expires_at=session.expires_at)
                current.refresh_token, current.id_token = record.refresh_token, record.id_token
                self._apply(current, exchange(record.refresh_token))
                for name in ("access_token", "access_expires_at", "refresh_token", "id_token"):
                    setattr(record, name, getattr(current, name))
            for name in ("access_token", "refresh_token", "id_token"):
                setattr(session, name, getattr(record, name))
            session.access_expires_at = record.access_expires_at
        return True

    def end(self, session_id: str) -> None:
        with self.database.transaction() as db:
            db.execute(delete(WebSessionRecord).where(WebSessionRecord.id_sha256 == _digest(session_id)))

    def purge_expired(self) -> int:
        with self.database.transaction() as db:
            expired = db.scalars(
                select(WebSessionRecord.id_sha256).where(WebSessionRecord.expires_at <= datetime.now(UTC))
            ).all()
            if expired:
                db.execute(delete(WebSessionRecord).where(WebSessionRecord.id_sha256.in_(expired)))
            return len(expired)

    @staticmethod
    def _apply(session: WebSession, tokens: TokenSet) -> None:
        session.access_token = tokens.access_token
        session.access_expires_at = tokens.access_expires_at
        session.refresh_token = tokens.refresh_token or session.refresh_token
        session.id_token = tokens.id_token or session.id_token
        session.login_state = session.login_nonce = session.code_verifier = None

    @staticmethod
    def _copy_into(record: WebSessionRecord | None, session: WebSession) -> None:
        if record is None:
            return
        for name in _FIELDS:
            setattr(record, name, getattr(session, name))
