# The bot in a slim image, as a non-root user. `roadmap-bot run` applies database migrations
# first, then polls, or serves the webhook on $PORT when WEBHOOK_URL is set.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY i18n ./i18n
COPY progress ./progress
COPY storage ./storage
COPY roadmaps ./roadmaps
COPY webapp ./webapp
RUN pip install . \
    && useradd --create-home --uid 10001 bot \
    && mkdir /data /roadmaps \
    && chown bot /data

USER bot
# SQLite by default, on a volume; set DATABASE_URL=postgresql+asyncpg://... to use PostgreSQL.
ENV DATABASE_URL=sqlite+aiosqlite:////data/roadmap-bot.sqlite3 \
    PORT=8080
VOLUME /data
# The operator's own roadmaps: mount a folder here (read-only is enough) and set ROADMAPS_DIR=/roadmaps;
# SIGHUP (docker kill --signal=HUP) serves its new content without a restart.
EXPOSE 8080
STOPSIGNAL SIGTERM
CMD ["roadmap-bot", "run"]
