# syntax=docker/dockerfile:1
# One image for every UKM Python process. A Deployment picks the process with its arguments:
# `serve <service>` (the default runs the requests service), `migrate <service>`, `bot` (the
# Telegram bot), …
#
#   docker build -t ukm .                 production image (the last stage, `runtime`)
#   docker build -t ukm:dev --target dev  Tilt's image: the same plus a code watcher
#
# The code lives in /app and comes first on PYTHONPATH, so Tilt's live update (files synced
# into /app) takes effect on the next restart; the virtualenv holds the dependencies.
# No HEALTHCHECK: Kubernetes probes the ops port (/healthz, /readyz), the bot's process and Redis.

FROM python:3.11-slim-bookworm AS base
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app:/app/gen/python \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN groupadd --system --gid 10001 ukm \
    && useradd --system --uid 10001 --gid ukm --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin ukm
WORKDIR /app

# Dependencies and our packages into a virtualenv (every dependency ships wheels: no compiler).
FROM base AS builder
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml ./
COPY gen/python gen/python
COPY services services
COPY mesh mesh
COPY ukmctl ukmctl
COPY bot bot
RUN pip install --no-cache-dir ./gen/python .

# Tilt's dev image adds watchfiles, which restarts `ukm serve` when synced code changes.
FROM builder AS dev-tools
RUN pip install --no-cache-dir watchfiles==1.3.0

FROM base AS dev
COPY --from=dev-tools /opt/venv /opt/venv
# Owned by the app user so that live update can write the synced files.
COPY --chown=10001:10001 gen /app/gen
COPY --chown=10001:10001 services /app/services
COPY --chown=10001:10001 mesh /app/mesh
COPY --chown=10001:10001 ukmctl /app/ukmctl
COPY --chown=10001:10001 bot /app/bot
USER 10001:10001
ENTRYPOINT ["ukm"]
CMD ["serve", "requests"]

# Production: root-owned code, read-only at run time (readOnlyRootFilesystem), non-root user.
FROM base AS runtime
COPY --from=builder /opt/venv /opt/venv
COPY gen /app/gen
COPY services /app/services
COPY mesh /app/mesh
COPY ukmctl /app/ukmctl
COPY bot /app/bot
USER 10001:10001
ENTRYPOINT ["ukm"]
CMD ["serve", "requests"]
