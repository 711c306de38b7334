"""The Mini App over HTTP: the page's files and a small JSON API, every call proven by initData.

Mounted by the composition root under `/app` (see `mount_webapp`):

    GET  /app/                                            the page (index.html, app.css, app.js)
    GET  /app/api/roadmaps                                the catalog, each roadmap with the user's progress
    GET  /app/api/roadmaps/{roadmap_id}                   one roadmap: every step with its state and note
    PUT  /app/api/roadmaps/{roadmap_id}/steps/{step_id}/state   {"state": "done"} -> the roadmap as it is now
    POST /app/api/roadmaps/{roadmap_id}/steps/{step_id}/count-here   a step whose topic was done in
         another roadmap, done here on that day -> the roadmap as it is now (409 when it was not)

API calls carry `Authorization: tma <Telegram.WebApp.initData>`. The user comes from that and
nothing else, and the progress is that of the user's private chat with the bot (chat id == user id).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from i18n.catalogs import language, speaking, supported
from i18n.shared_views import counted_here
from progress import Marking, Progress, Source, StepState, countable_here
from roadmaps import Catalog, LiveCatalog, Roadmap, Step, live
from storage import DatabaseError
from webapp.access import PageHooks, ProgressAccess
from webapp.api_views import (
    database_down,
    no_longer_offered,
    no_state_words,
    no_such_roadmap,
    no_such_step,
    not_json,
    not_json_type,
    nothing_to_count,
    too_big_words,
    too_many_calls_words,
    unknown_state_words,
)
from webapp.browser_zone import browser_zone
from webapp.headers import CONTENT_SECURITY_POLICY, SECURITY_HEADERS, PageHeaders
from webapp.init_data import MAX_AGE, InitDataError, WebAppUser, verify_init_data
from webapp.limits import CALLS_PER_MINUTE, CallsPerPerson
from webapp.metrics import AUTH_FAILURES, CLIENT_GONE_LINE
from webapp.page_views import page_language, page_words
from webapp.payloads import Json, catalog_payload, roadmap_payload

log = logging.getLogger(__name__)

PATH = "/app"
STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_BODY = 1024  # bytes; a mark is `{"state": "working"}`
AUTH_SCHEME = "tma"
# How old initData may be for the page's words alone: they are the same for everyone of a language.
ANY_AGE = dt.timedelta(days=3650)
# nginx's "client closed request": what a request whose body never came whole is counted as. It
# is never sent (nobody is there to read it), and it is not a 500: nothing went wrong here.
CLIENT_GONE_STATUS = 499

__all__ = ["CONTENT_SECURITY_POLICY", "SECURITY_HEADERS"]

Clock = Callable[[], dt.datetime]
# An endpoint of the API, given the person initData names.
Endpoint = Callable[[Request, WebAppUser], Awaitable[Response]]
# What a mark from the page is.
FROM_PAGE = Marking(Source.PAGE)


class ApiError(Exception):
    """A request the API refuses, with the status and the message the page gets as JSON (and
    `more` fields beside it: why a 401, how long to wait after a 429)."""

    def __init__(self, status: int, message: str, **more: str | int) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.more = more


@dataclass(frozen=True, slots=True)
class PageRules:
    """What the operator decides about the API: how old initData may be (INIT_DATA_MAX_AGE) and
    how many calls one person may make a minute (WEBAPP_CALLS_PER_MINUTE)."""

    init_data_max_age: dt.timedelta = MAX_AGE
    calls_per_minute: int = CALLS_PER_MINUTE


def mount_webapp(
    catalog: Catalog | LiveCatalog,
    progress: ProgressAccess,
    bot_token: str,
    clock: Clock,
    rules: PageRules | None = None,
    hooks: PageHooks | None = None,
) -> Mount:
    """The Mini App mounted at `/app`, to add to the bot's web server's routes."""
    return Mount(PATH, app=build_webapp(catalog, progress, bot_token, clock, rules, hooks), name="webapp")


def build_webapp(
    catalog: Catalog | LiveCatalog,
    progress: ProgressAccess,
    bot_token: str,
    clock: Clock,
    rules: PageRules | None = None,
    hooks: PageHooks | None = None,
) -> Starlette:
    """The Mini App's ASGI app: the page at `/` and the API under `/api/`, to be mounted at `/app`;
    every call answered in the person's language."""
    api = PageApi(catalog, progress, bot_token, clock, rules or PageRules(), hooks or PageHooks())
    routes = [
        Route("/words", api.words, methods=["GET"]),
        Route("/roadmaps", api.signed(api.roadmaps), methods=["GET"]),
        Route("/roadmaps/{roadmap_id}", api.signed(api.roadmap), methods=["GET"]),
        Route("/roadmaps/{roadmap_id}/steps/{step_id}/state", api.signed(api.mark), methods=["PUT"]),
        Route("/roadmaps/{roadmap_id}/steps/{step_id}/count-here", api.signed(api.count_here), methods=["POST"]),
    ]
    json_errors = {
        ApiError: api_error,
        DatabaseError: database_error,
        HTTPException: json_http_error,
        ClientDisconnect: client_gone,
    }
    # Each part is an app of its own, which answers even an unexpected error with a 500 that
    # passes PageHeaders (its security headers, its count) like every other answer.
    files = app_of([Mount("/", app=StaticFiles(directory=STATIC_DIR, html=True))])
    api_app = app_of(routes, exception_handlers=json_errors)
    return app_of([Mount("/api", app=api_app), Mount("/", app=files)], middleware=[Middleware(PageHeaders)])


def app_of(routes: Sequence[BaseRoute], **options: Any) -> Starlette:
    """A Starlette app that never redirects to add or drop a trailing slash: such a redirect is
    built from the request's Host header and scheme, which a client chooses (and behind a proxy
    is plain http)."""
    app = Starlette(routes=routes, **options)
    app.router.redirect_slashes = False
    return app


class PageApi:
    """The API's endpoints: every one finds its user in initData first, then reads or marks."""

    def __init__(
        self,
        catalog: Catalog | LiveCatalog,
        progress: ProgressAccess,
        bot_token: str,
        clock: Clock,
        rules: PageRules,
        hooks: PageHooks,
    ) -> None:
        self.live, self.progress, self.bot_token, self.clock = live(catalog), progress, bot_token, clock
        self.rules, self.calls, self.hooks = rules, CallsPerPerson(rules.calls_per_minute), hooks

    @property
    def content(self) -> Catalog:
        """The catalog in English, with its translations: the one this call started with."""
        return self.live.current

    @property
    def catalog(self) -> Catalog:
        """The roadmaps in the language being spoken."""
        return self.content.in_language(language())

    def signed(self, endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
        """An endpoint for the person initData names, answered in their language."""

        async def answer(request: Request) -> Response:
            user = self.user_of(request)
            with speaking(await self.language_for(user)), self.live.pinned():
                return await endpoint(request, user)

        return answer

    async def language_for(self, user: WebAppUser) -> str:
        """The person's language: the one their chat chose, else their Telegram app's."""
        stored = await self.hooks.language_of(user.id) if self.hooks.language_of else None
        return stored.language if stored and stored.chosen and stored.language else supported(user.language_code)

    async def words(self, request: Request) -> Response:
        """The page's own words, its language and direction: the person's (initData signed), or, for
        a page opened outside Telegram, the language `?lang=` names. The words are no secret."""
        if request.headers.get("authorization"):
            spoken = await self.language_for(self.user_of(request, counted=False))
        else:
            spoken = supported(request.query_params.get("lang"))
        with speaking(spoken):
            return JSONResponse({**page_language(), "words": page_words()})

    async def roadmaps(self, request: Request, user: WebAppUser) -> Response:
        """Every roadmap with the user's progress line."""
        progresses = await self.progress.progress_of_chat(user.id)
        return JSONResponse(catalog_payload(self.catalog, {p.roadmap_id: p for p in progresses}))

    async def roadmap(self, request: Request, user: WebAppUser) -> Response:
        """One roadmap with every step, its state and the user's note on it."""
        found = await self.roadmap_named(request, user)
        progress = await self.progress.progress_of(user.id, found.id)
        return JSONResponse(await self.page_of(user.id, found, progress))

    async def mark(self, request: Request, user: WebAppUser) -> Response:
        """Set a step's state through the call a tap makes; answer with the roadmap as it is now."""
        found = await self.roadmap_named(request, user)
        step = self.step_named(request, found)
        state = await state_in(request)
        if self.hooks.zone_seen is not None and (zone := browser_zone(request)):
            await self.hooks.zone_seen(user.id, zone, self.clock())
        changed = await self.progress.set_step_state(user.id, found.id, step, state, self.clock(), by=FROM_PAGE)
        self.hooks.changed(user.id, changed)
        return JSONResponse(await self.page_of(user.id, found, changed.after))

    async def count_here(self, request: Request, user: WebAppUser) -> Response:
        """✅ Count it here, as the chat's card has it: a step whose topic was done in another
        roadmap is marked done here on the day it was done there; 409 when it no longer is."""
        found = await self.roadmap_named(request, user)
        step = self.step_named(request, found)
        counted = await self.progress.count_here(user.id, self.content, found, step, self.clock(), Source.PAGE)
        if counted.changed is None or counted.elsewhere is None:
            raise ApiError(409, nothing_to_count())
        self.hooks.changed(user.id, counted.changed)
        payload = self.payload(found, counted.changed.after, counted.others)
        return JSONResponse({**payload, "counted": counted_here(counted.elsewhere)})

    async def page_of(self, chat_id: int, roadmap: Roadmap, progress: Progress) -> Json:
        """The roadmap as the page shows it, with the topics done in the chat's other roadmaps."""
        others = await self.progress.other_roadmaps(chat_id, self.content, progress, roadmap.steps)
        return self.payload(roadmap, progress, others)

    def payload(self, roadmap: Roadmap, progress: Progress, others: list[Progress]) -> Json:
        """The roadmap's JSON, each step with where its topic was done in one of `others`."""
        return roadmap_payload(roadmap, progress, countable_here(self.catalog, [*others, progress], roadmap))

    def user_of(self, request: Request, *, counted: bool = True) -> WebAppUser:
        """The Telegram user whose initData signs this request, if they have calls left this
        minute; 401 for anything less (with its reason), 429 past their calls. A call that is not
        `counted` (the page's words: no secret) takes initData of any age and any number of calls."""
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        now = self.clock()
        try:
            if not scheme:
                raise InitDataError("missing", f"send Telegram.WebApp.initData as 'Authorization: {AUTH_SCHEME} …'")
            if scheme.lower() != AUTH_SCHEME:
                raise InitDataError("malformed", f"the Authorization scheme must be {AUTH_SCHEME}")
            max_age = self.rules.init_data_max_age if counted else ANY_AGE
            user = verify_init_data(credentials.strip(), self.bot_token, now, max_age)
        except InitDataError as error:
            AUTH_FAILURES.labels(error.reason).inc()
            raise ApiError(401, str(error), reason=error.reason) from error
        if self.hooks.heard is not None:
            self.hooks.heard(user.id, now)
        wait = self.calls.wait_for(user.id, now) if counted else 0
        if wait > 0:
            seconds = math.ceil(wait)
            raise ApiError(429, too_many_calls_words(seconds), retry_after=seconds)
        return user

    async def roadmap_named(self, request: Request, user: WebAppUser) -> Roadmap:
        """The roadmap the path names; 404 when the catalog has none by that id (saying it is no longer
        offered when the person has progress on it: a roadmap removed, its progress kept)."""
        roadmap_id = request.path_params["roadmap_id"]
        found = self.catalog.get(roadmap_id)
        if found is None:
            kept = await self.progress.progress_of(user.id, roadmap_id)
            raise ApiError(404, no_longer_offered() if kept.marks or kept.notes else no_such_roadmap())
        return found

    @staticmethod
    def step_named(request: Request, roadmap: Roadmap) -> Step:
        """The step of the roadmap the path names; 404 when it has none by that id."""
        step = roadmap.step(request.path_params["step_id"])
        if step is None:
            raise ApiError(404, no_such_step())
        return step


async def state_in(request: Request) -> StepState:
    """The state a mark asks for: a JSON object `{"state": "done" | "working" | "skipped" | "todo"}`."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise ApiError(415, not_json_type())
    body = await body_of(request)
    try:
        data: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(400, not_json()) from error
    choices = ", ".join(state.value for state in StepState)
    if not isinstance(data, dict) or not isinstance(data.get("state"), str):
        raise ApiError(422, no_state_words(choices))
    try:
        return StepState(data["state"])
    except ValueError as error:
        raise ApiError(422, unknown_state_words(choices)) from error


async def body_of(request: Request) -> bytes:
    """The request body, refused with 413 past MAX_BODY bytes (without reading further)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise ApiError(413, too_big_words(MAX_BODY))
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise ApiError(413, too_big_words(MAX_BODY))
    return body


async def api_error(request: Request, error: Exception) -> Response:
    """A refused request as JSON; 401s say how to authenticate, 429s when to come back."""
    assert isinstance(error, ApiError)
    headers = {"WWW-Authenticate": AUTH_SCHEME} if error.status == 401 else {}
    if "retry_after" in error.more:
        headers["Retry-After"] = str(error.more["retry_after"])
    return JSONResponse({"error": error.message, **error.more}, status_code=error.status, headers=headers or None)


async def database_error(request: Request, error: Exception) -> Response:
    """The database did not answer: 503, so the page can say to try again."""
    log.warning("mini app: database error: %s", error)
    return JSONResponse({"error": database_down()}, status_code=503)


async def client_gone(request: Request, error: Exception) -> Response:
    """The request's body never came whole: the client hung up, or was too slow and the server
    closed it. Nothing was read or changed; counted as 499, logged as news, not as an error."""
    log.info(CLIENT_GONE_LINE, request.method)
    return Response(status_code=CLIENT_GONE_STATUS)


async def json_http_error(request: Request, error: Exception) -> Response:
    """Starlette's own 404 and 405 under /api/, as JSON like every other API answer."""
    assert isinstance(error, HTTPException)
    return JSONResponse({"error": error.detail}, status_code=error.status_code, headers=error.headers)
