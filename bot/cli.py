"""The command line: `roadmap-bot run | try | nudge | db upgrade | roadmaps check [DIR] | roadmaps publish DIR |
stats | announce FILE`."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from telegram.error import InvalidToken, NetworkError

from bot.logs import configure_logging
from bot.settings import Settings
from progress.announcements import Audience
from roadmaps import BUILTIN_DIR, Catalog, RoadmapError, files_of, inspect_folders, inspect_roadmaps, load_catalog
from storage import Storage, create_engine, upgrade

log = logging.getLogger("bot")

NO_TOKEN = """\
TELEGRAM_BOT_TOKEN is not set, so the bot cannot talk to Telegram.
Get a token: open Telegram, message @BotFather, send /newbot and follow its questions;
it answers with a token like 123456789:AA... Then run

    TELEGRAM_BOT_TOKEN=<your token> roadmap-bot run

or put TELEGRAM_BOT_TOKEN=<your token> in a .env file in this directory."""


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run one command; the return value is the exit status."""
    args = parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        # The values are left out: a mistyped secret would otherwise be printed in clear.
        problems = "\n".join(f"  {'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in error.errors())
        print(f"roadmap-bot: invalid settings:\n{problems}", file=sys.stderr)
        return 2
    if args.command != "try":  # the terminal chat keeps its screen for the conversation
        configure_logging(settings.log_level, settings.log_format, secrets=settings.secrets())
    try:
        return int(args.handler(args, settings))
    except Exception:  # logged as configured (JSON too), secrets scrubbed, not a raw traceback
        log.exception("roadmap-bot %s stopped on an error", args.command)
        return 1


def parser() -> argparse.ArgumentParser:
    """The argument parser, one sub-command per operator task."""
    root = argparse.ArgumentParser(prog="roadmap-bot", description="A Telegram bot for learning roadmaps.")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the bot (applies database migrations first)")
    run.set_defaults(handler=run_bot)

    trial = commands.add_parser("try", help="chat with the bot in this terminal: no token, no network")
    trial.add_argument("--roadmaps", type=Path, default=BUILTIN_DIR, metavar="DIR", help="roadmap files to try")
    trial.add_argument(
        "--database",
        metavar="URL",
        help="the database to use (default: a scratch one, whatever DATABASE_URL or .env says)",
    )
    trial.set_defaults(handler=try_bot)

    nudge = commands.add_parser("nudge", help="one pass of the nudge scheduler, then exit")
    nudge.add_argument("--at", type=moment, help="act as if now were this ISO-8601 time (UTC if no offset)")
    nudge.add_argument("--dry-run", action="store_true", help="print who would get which nudge; send nothing")
    nudge.set_defaults(handler=nudge_once)

    db = commands.add_parser("db", help="database tasks").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply database migrations").set_defaults(handler=upgrade_database)

    content = commands.add_parser("roadmaps", help="roadmap content tasks").add_subparsers(
        dest="roadmaps_command", required=True
    )
    check = content.add_parser("check", help="validate roadmap files")
    check.add_argument(
        "directory", nargs="?", type=Path, help="default: what the bot serves (ROADMAPS_DIR and the built-in roadmaps)"
    )
    check.set_defaults(handler=check_content)
    publish = content.add_parser("publish", help="serve a folder's roadmaps from every instance on this database")
    publish.add_argument("directory", nargs="?", type=Path, help="the folder to publish (validated first)")
    publish.add_argument("--withdraw", action="store_true", help="go back to each instance's own folders")
    publish.set_defaults(handler=publish_content)

    stats = commands.add_parser("stats", help="the operator's figures: who learns, where they stop, what nudges do")
    stats.add_argument(
        "--since", type=moment, help="the period's start (ISO-8601, UTC); default 8 weeks before --until"
    )
    stats.add_argument("--until", type=moment, help="the period's end, not included (ISO-8601, UTC); default now")
    stats.add_argument("--roadmap", help="only this roadmap's funnel")
    stats.add_argument("--format", choices=("text", "json", "csv"), default="text")
    stats.add_argument("--chart", type=Path, metavar="FILE.png", help="also draw the chart into this file")
    stats.set_defaults(handler=show_stats)

    add_announce(commands)
    return root


def served_catalog(settings: Settings) -> Catalog | None:
    """The roadmaps the settings serve (the built-in ones and ROADMAPS_DIR's); None, with every
    problem logged (file and field, as `roadmaps check` prints them), if they do not validate."""
    inspection = inspect_folders(settings.roadmaps_dir, settings.roadmaps_builtin)
    if inspection.errors:
        problems = "\n".join(str(problem) for problem in inspection.errors)
        log.error("the roadmaps to serve do not validate (%d problem(s)):\n%s", len(inspection.errors), problems)
        return None
    return inspection.catalog


def catalog_to_send(args: argparse.Namespace, settings: Settings) -> Catalog | int:
    """The roadmaps a command that sends (`nudge`, `announce`) serves; or its exit status, said why:
    2 without a token (unless `--dry-run`), 1 when the roadmaps do not validate."""
    if not args.dry_run and not settings.token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    catalog = served_catalog(settings)
    return 1 if catalog is None else catalog


def add_announce(commands: Any) -> None:
    """`roadmap-bot announce FILE [--audience ...] [--roadmap ID] [--photo FILE_ID] [--dry-run]`."""
    announce = commands.add_parser("announce", help="send an announcement (HTML in FILE, - for stdin) to an audience")
    announce.add_argument("file", type=Path, metavar="FILE", help="the announcement's text, HTML as the bot writes it")
    announce.add_argument(
        "--audience",
        type=audience,
        default="everyone",
        help="everyone (default), active (seen in the last 28 days), roadmap:ID, language:CODE",
    )
    announce.add_argument("--roadmap", metavar="ID", help="a button under it that opens this roadmap")
    announce.add_argument(
        "--photo", metavar="FILE_ID", help="a picture Telegram has (its file_id), the text its caption"
    )
    announce.add_argument(
        "--at", type=moment, help="send it from then (ISO-8601, UTC if no offset): a running bot does"
    )
    announce.add_argument("--dry-run", action="store_true", help="say how many chats would get it; send nothing")
    announce.set_defaults(handler=announce_from_file)


def run_bot(args: argparse.Namespace, settings: Settings) -> int:
    """`roadmap-bot run`: migrations, then polling (or the webhook) until SIGINT/SIGTERM."""
    from bot.runner import serve  # Telegram's stack is imported only by the commands that need it

    if not settings.token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    catalog = served_catalog(settings)
    if catalog is None:
        return 1
    try:
        asyncio.run(serve(settings, catalog))
    except InvalidToken:
        log.error("Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather")
        return 1
    except NetworkError as error:
        log.error("cannot reach the Bot API at %s: %s", settings.telegram_api_url, error)
        return 1
    return 0


def try_bot(args: argparse.Namespace, settings: Settings) -> int:
    """`roadmap-bot try [--roadmaps DIR] [--database URL]`: the bot in this terminal, with the same
    handlers, on a scratch database unless `--database` names one (never DATABASE_URL: a `.env`
    beside it may name the production database)."""
    from bot.terminal import scratch_database, try_in_terminal

    try:
        catalog = load_catalog(args.roadmaps)
    except RoadmapError as error:
        print(error, file=sys.stderr)  # every problem, a line each
        return 1
    scratch = None
    if args.database:
        url, where = args.database, f"Database: {args.database} (as --database says)."
    else:
        url, scratch = scratch_database()
        where = f"Database: a scratch one at {scratch}, deleted at the end (--database URL to keep one)."
    print(where, flush=True)
    configure_logging("WARNING", "text", secrets=settings.secrets())
    return try_in_terminal(settings.model_copy(update={"database_url": url}), catalog, scratch)


def moment(text: str) -> dt.datetime:
    """An ISO-8601 time from the command line; without an offset it is UTC."""
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 time: {text!r}") from error
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


def audience(text: str) -> Audience:
    """An audience from the command line."""
    found = Audience.parse(text)
    if found is None:
        raise argparse.ArgumentTypeError(f"not an audience: {text!r} (everyone, active, roadmap:ID, language:CODE)")
    return found


def announce_from_file(args: argparse.Namespace, settings: Settings) -> int:
    """`roadmap-bot announce FILE`: queue an announcement, send it, print its progress."""
    from bot.shell_announce import ShellAnnouncement, announce_from_shell

    catalog = catalog_to_send(args, settings)
    if isinstance(catalog, int):
        return catalog
    text = (sys.stdin.read() if str(args.file) == "-" else args.file.read_text(encoding="utf-8")).strip()
    if not text:
        print("roadmap-bot announce: the file is empty: nothing to announce", file=sys.stderr)
        return 2
    asked = ShellAnnouncement(text, args.audience, args.roadmap, args.photo, args.dry_run, args.at)
    return asyncio.run(announce_from_shell(settings, catalog, asked, lambda line: print(line, flush=True)))


def nudge_once(args: argparse.Namespace, settings: Settings) -> int:
    """`roadmap-bot nudge [--at T] [--dry-run]`: exactly the pass the bot's job runs, once."""
    from bot.runner import dry_run_nudges, run_nudge_pass

    catalog = catalog_to_send(args, settings)
    if isinstance(catalog, int):
        return catalog
    now = args.at or dt.datetime.now(dt.UTC)
    if args.dry_run:
        for line in asyncio.run(dry_run_nudges(settings, catalog, now)):
            print(line)
        return 0
    try:
        print(f"nudge pass at {now.isoformat()}: {asyncio.run(run_nudge_pass(settings, catalog, now))}")
    except (InvalidToken, NetworkError) as error:
        log.error("cannot use the Bot API at %s: %s", settings.telegram_api_url, error)
        return 1
    return 0


def show_stats(args: argparse.Namespace, settings: Settings) -> int:
    """`roadmap-bot stats`: the figures of a period, as text, JSON or CSV (and the chart as a PNG)."""
    from bot.stats import figures_of_period

    catalog = served_catalog(settings)
    if catalog is None:
        return 1
    if args.roadmap is not None and catalog.get(args.roadmap) is None:
        print(f"roadmap-bot stats: there is no roadmap {args.roadmap!r}", file=sys.stderr)
        return 2
    print(asyncio.run(figures_of_period(settings, catalog, args)), end="")
    return 0


def upgrade_database(args: argparse.Namespace, settings: Settings) -> int:
    """`roadmap-bot db upgrade`: bring the database to the newest schema."""

    async def apply() -> str | None:
        engine = create_engine(settings.database_url)
        try:
            return await upgrade(engine)
        finally:
            await engine.dispose()

    print(f"database is at revision {asyncio.run(apply())}")
    return 0


def check_content(args: argparse.Namespace, settings: Settings) -> int:
    """`roadmap-bot roadmaps check [DIR]`: every error and warning with its file and field; 1 on any error."""
    if args.directory is None:
        inspection = inspect_folders(settings.roadmaps_dir, settings.roadmaps_builtin)
    else:
        inspection = inspect_roadmaps(args.directory)
    for warning in inspection.warnings:  # worth fixing, never fatal: on stdout, beside the verdict
        print(warning)
    warned = f"; {len(inspection.warnings)} warning(s)" if inspection.warnings else ""
    if inspection.errors:
        for error in inspection.errors:
            print(error, file=sys.stderr)
        print(f"{len(inspection.errors)} problem(s) found{warned}", file=sys.stderr)
        return 1
    catalog = inspection.catalog
    steps = sum(len(roadmap.steps) for roadmap in catalog)
    print(f"{len(catalog)} roadmaps, {steps} steps: all valid{warned}")
    for language, (given, total) in inspection.coverage.items():
        print(f"{language}: {given} of {total} texts translated ({given * 100 // total}%), the rest in English")
    return 0


def publish_content(args: argparse.Namespace, settings: Settings) -> int:
    """`roadmap-bot roadmaps publish DIR | --withdraw`: store a validated catalog in the database for
    every instance to serve (within PUBLICATION_POLL seconds), or withdraw it."""
    from bot.content import PUBLICATION_POLL

    if args.withdraw == (args.directory is not None):
        print("roadmap-bot roadmaps publish: give a folder to publish, or --withdraw", file=sys.stderr)
        return 2
    inspection = None
    if args.directory is not None:
        inspection = inspect_folders([args.directory], settings.roadmaps_builtin)
        if inspection.errors:
            for error in inspection.errors:
                print(error, file=sys.stderr)
            print(f"{len(inspection.errors)} problem(s) found; nothing was published", file=sys.stderr)
            return 1

    async def store() -> int:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
            catalogs, now = Storage(engine).catalogs, dt.datetime.now(dt.UTC)
            if inspection is None:
                return await catalogs.withdraw(now)
            files = files_of(args.directory)
            return await catalogs.publish(inspection.catalog.version, settings.roadmaps_builtin, files, now)
        finally:
            await engine.dispose()

    number = asyncio.run(store())
    within = f"every instance on this database serves it within {PUBLICATION_POLL} s"
    if inspection is None:
        print(f"publication {number}: withdrawn; {within.replace('serves it', 'serves its own folders')}")
    else:
        catalog = inspection.catalog
        print(f"publication {number}: catalog version {catalog.version}, {len(catalog)} roadmaps; {within}")
    return 0
