"""In-memory state: user sessions, authorization codes and pending logins.

One process holds it all, behind one lock: run the devidp as a single process (threads
are fine; under gunicorn use one gthread worker).  A restart forgets sessions -- their
refresh tokens then answer "Session not active", as after a Keycloak restart without
persistent sessions -- while access tokens stay valid when the keys are kept in a file.
"""

from __future__ import annotations

import enum
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace


@dataclass
class ClientSession:
    """A client's part in a user session (Keycloak's AuthenticatedClientSession)."""

    client_id: str
    scope: str  # the scope parameter the client asked for, re-applied on refresh
    acr: str
    nonce: str | None = None
    refresh_jti: str | None = None  # the latest refresh token issued: the one usable when the realm revokes on use
    current_refresh_jti: str | None = None  # the one last presented (Keycloak's currentRefreshToken)
    refresh_use_count: int = 0  # how often current_refresh_jti was used


@dataclass
class UserSession:
    """A login.  Only the store changes it; treat instances as read-only elsewhere."""

    id: str
    user_id: str
    started: float
    last_refresh: float
    auth_time: int
    browser: bool
    clients: dict[str, ClientSession] = field(default_factory=dict)
    cookie: str | None = None  # the KEYCLOAK_IDENTITY value of a browser login


@dataclass(frozen=True)
class AuthorizationRequest:
    """An /auth request waiting for the user to log in (Keycloak's authentication session)."""

    tab_id: str
    client_id: str
    redirect_uri: str
    response_mode: str
    scope: str
    state: str | None
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    created: float


@dataclass(frozen=True)
class AuthorizationCode:
    code: str
    client_id: str
    session_id: str
    redirect_uri: str
    code_challenge: str | None
    code_challenge_method: str | None
    issued: float
    used: bool = False


class CodeProblem(enum.Enum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    REPLAYED = "replayed"


class SessionStore:
    """Thread-safe store; every public method takes the lock."""

    def __init__(
        self,
        idle_timeout: int,
        max_lifespan: int,
        code_lifespan: int,
        login_lifespan: int = 1800,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.idle_timeout = idle_timeout
        self.max_lifespan = max_lifespan
        self.code_lifespan = code_lifespan
        self.login_lifespan = login_lifespan
        self._clock = clock
        self._lock = threading.RLock()
        self._sessions: dict[str, UserSession] = {}
        self._cookies: dict[str, str] = {}
        self._codes: dict[str, AuthorizationCode] = {}
        self._requests: dict[str, AuthorizationRequest] = {}
        self._last_prune = 0.0

    # -- user sessions ----------------------------------------------------------------

    def create_session(self, user_id: str, *, browser: bool) -> UserSession:
        now = self._clock()
        # Keycloak 26 session ids are 24 url-safe characters; any opaque value would do.
        session = UserSession(
            id=secrets.token_urlsafe(18),
            user_id=user_id,
            started=now,
            last_refresh=now,
            auth_time=int(now),
            browser=browser,
        )
        if browser:
            session.cookie = secrets.token_urlsafe(32)
        with self._lock:
            self._prune()
            self._sessions[session.id] = session
            if session.cookie:
                self._cookies[session.cookie] = session.id
        return session

    def session(self, session_id: str | None) -> UserSession | None:
        """The session if it is still alive (idle and maximum lifespans are enforced)."""
        if not session_id:
            return None
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if self._expired(session):
                self._remove(session)
                return None
            return session

    def session_for_cookie(self, cookie: str | None) -> UserSession | None:
        with self._lock:
            return self.session(self._cookies.get(cookie or ""))

    def refresh_expires_at(self, session: UserSession) -> int:
        return int(min(session.last_refresh + self.idle_timeout, session.started + self.max_lifespan))

    def attach_client(self, session_id: str, client: ClientSession) -> None:
        with self._lock:
            session = self._sessions.get(session_id)
            if session is not None:
                session.clients[client.client_id] = client

    def touch(self, session_id: str) -> None:
        with self._lock:
            session = self._sessions.get(session_id)
            if session is not None:
                session.last_refresh = self._clock()

    def use_refresh_token(
        self,
        session_id: str,
        client_id: str,
        presented_jti: str | None,
        new_jti: str,
        revoke_on_use: bool,
        max_reuse: int = 0,
    ) -> bool:
        """Record ``new_jti`` as the client's latest refresh token; False if the presented
        one may not be used (see :meth:`refresh_token_problem`)."""
        problem = self.refresh_token_problem(session_id, client_id, presented_jti, new_jti, revoke_on_use, max_reuse)
        return problem is None

    def refresh_token_problem(
        self,
        session_id: str,
        client_id: str,
        presented_jti: str | None,
        new_jti: str,
        revoke_on_use: bool,
        max_reuse: int = 0,
    ) -> str | None:
        """Use the presented refresh token (None: tokens from a login) and record ``new_jti``;
        or say, in Keycloak's words, why the presented one is refused.

        Without ``revoke_on_use`` (the realm's revokeRefreshToken) any unexpired refresh
        token of a live session is accepted, as in Keycloak.  With it, a token may be used
        ``max_reuse`` + 1 times (refreshTokenMaxReuse), and only the latest one issued or
        the one being reused: anything older is stale.  Keycloak tells old from new by the
        second they were issued in; here the order of issue decides, so two refreshes in
        the same second are told apart too.  The caller ends the client's part in the
        session on a refusal, as Keycloak does (a replayed token means it was stolen).
        """
        with self._lock:
            session = self._sessions.get(session_id)
            client = session.clients.get(client_id) if session else None
            if client is None:
                return "Session doesn't have required client"
            if revoke_on_use and presented_jti is not None:
                if presented_jti == client.current_refresh_jti:
                    if client.refresh_use_count > max_reuse:
                        return "Maximum allowed refresh token reuse exceeded"
                elif client.refresh_jti is not None and presented_jti != client.refresh_jti:
                    return "Stale token"
                else:
                    client.current_refresh_jti = presented_jti
                    client.refresh_use_count = 0
                client.refresh_use_count += 1
            client.refresh_jti = new_jti
            return None

    def detach_client(self, session_id: str, client_id: str) -> None:
        with self._lock:
            session = self._sessions.get(session_id)
            if session is not None:
                session.clients.pop(client_id, None)

    def end_session(self, session_id: str | None) -> UserSession | None:
        with self._lock:
            session = self._sessions.get(session_id or "")
            if session is not None:
                self._remove(session)
            return session

    def end_session_for_cookie(self, cookie: str | None) -> UserSession | None:
        with self._lock:
            return self.end_session(self._cookies.get(cookie or ""))

    # -- authorization codes ------------------------------------------------------------

    def issue_code(self, request: AuthorizationRequest, session_id: str) -> str:
        code = AuthorizationCode(
            code=f"{secrets.token_urlsafe(32)}.{session_id}.{request.client_id}",
            client_id=request.client_id,
            session_id=session_id,
            redirect_uri=request.redirect_uri,
            code_challenge=request.code_challenge,
            code_challenge_method=request.code_challenge_method,
            issued=self._clock(),
        )
        with self._lock:
            self._prune()
            self._codes[code.code] = code
        return code.code

    def redeem_code(self, code: str) -> AuthorizationCode | CodeProblem:
        """The code, now spent; or why it cannot be used.

        A second use of a code ends the client's part in the session that the first use
        created, so tokens obtained with a stolen code stop refreshing (RFC 6749 4.1.2).
        """
        with self._lock:
            record = self._codes.get(code)
            if record is None:
                return CodeProblem.UNKNOWN
            if record.used:
                self.detach_client(record.session_id, record.client_id)
                return CodeProblem.REPLAYED
            if self._clock() > record.issued + self.code_lifespan:
                del self._codes[code]
                return CodeProblem.EXPIRED
            self._codes[code] = replace(record, used=True)
            return record

    # -- pending logins -------------------------------------------------------------------

    def park_request(self, request: AuthorizationRequest) -> None:
        with self._lock:
            self._prune()
            self._requests[request.tab_id] = request

    def pending_request(self, tab_id: str | None) -> AuthorizationRequest | None:
        with self._lock:
            request = self._requests.get(tab_id or "")
            if request is None or self._clock() > request.created + self.login_lifespan:
                return None
            return request

    def drop_request(self, tab_id: str) -> None:
        with self._lock:
            self._requests.pop(tab_id, None)

    # -- housekeeping -----------------------------------------------------------------------

    def _expired(self, session: UserSession) -> bool:
        now = self._clock()
        return now > session.last_refresh + self.idle_timeout or now > session.started + self.max_lifespan

    def _remove(self, session: UserSession) -> None:
        self._sessions.pop(session.id, None)
        if session.cookie:
            self._cookies.pop(session.cookie, None)

    def _prune(self) -> None:
        # Called with the lock held, at most once a second: drop what can no longer be used.
        now = self._clock()
        if now - self._last_prune < 1:
            return
        self._last_prune = now
        for session in [s for s in self._sessions.values() if self._expired(s)]:
            self._remove(session)
        # Spent codes are kept longer than fresh ones so that a late replay is still recognised.
        for code in [
            c for c, r in self._codes.items() if now > r.issued + (self.idle_timeout if r.used else self.code_lifespan)
        ]:
            del self._codes[code]
        for tab in [t for t, r in self._requests.items() if now > r.created + self.login_lifespan]:
            del self._requests[tab]
