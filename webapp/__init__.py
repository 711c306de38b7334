"""The Mini App: the roadmap as a page inside Telegram, its small API and its static files."""

from webapp.api import PATH, PageRules, ProgressAccess, build_webapp, mount_webapp
from webapp.init_data import InitDataError, WebAppUser, verify_init_data

__all__ = [
    "PATH",
    "InitDataError",
    "PageRules",
    "ProgressAccess",
    "WebAppUser",
    "build_webapp",
    "mount_webapp",
    "verify_init_data",
]
