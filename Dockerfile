# syntax=docker/dockerfile:1
# Build stage: install the pinned dependencies and the bot into a virtual environment.
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml constraints.txt README.md ./
COPY bot ./bot
RUN /opt/venv/bin/pip install -c constraints.txt .

# Run stage: just Python, the venv, the content; a non-root user; the database on a volume.
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    CONTENT_DIR=/app/content \
    DATABASE_PATH=/data/crampbot.sqlite3 \
    CACHE_DIR=/data/cache
# A font with Chinese glyphs for the diary's chart and PDF (matplotlib's own DejaVu Sans has
# Latin and Cyrillic only; bot/diary/fonts.py picks the fallback).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --home-dir /app bot \
    && mkdir -p /data && chown bot /data
COPY --from=build /opt/venv /opt/venv
COPY content /app/content
WORKDIR /app
USER bot
VOLUME ["/data"]
# Webhook mode listens here when WEBHOOK_URL is set; polling needs no port.
EXPOSE 8443
CMD ["python", "-m", "bot", "run"]
