"""What handlers work with, put in the Application's bot_data once at build time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from telegram.ext import Application, CallbackContext, ContextTypes

from roadmaps import Catalog
from storage import Storage

_KEY = "services"

Context = ContextTypes.DEFAULT_TYPE


def utc_now() -> dt.datetime:
    """The current time, UTC-aware."""
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class Services:
    """The catalog, the storage and the clock (injectable, so tests never sleep)."""

    catalog: Catalog
    storage: Storage
    clock: Callable[[], dt.datetime] = field(default=utc_now)


def install(application: Application, services: Services) -> None:  # type: ignore[type-arg]
    """Make the services reachable from every handler of this application."""
    application.bot_data[_KEY] = services


def services_of(context: CallbackContext) -> Services:  # type: ignore[type-arg]
    """The services of the application a handler runs in."""
    return context.bot_data[_KEY]  # type: ignore[no-any-return]


def services_of_application(application: Application) -> Services:  # type: ignore[type-arg]
    """The services installed in an application."""
    return application.bot_data[_KEY]  # type: ignore[no-any-return]
