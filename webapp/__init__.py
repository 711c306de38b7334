"""The Mini App: the roadmap as a page inside Telegram, its small API and its static files."""

from webapp.access import PageHooks, ProgressAccess
from webapp.api import PATH, PageRules, build_webapp, mount_webapp
from webapp.init_data import InitDataError, WebAppUser, verify_init_data

__all__ = [
    "PATH",
    "InitDataError",
    "PageHooks",
    "PageRules",
    "ProgressAccess",
    "WebAppUser",
    "build_webapp",
    "mount_webapp",
    "verify_init_data",
]
