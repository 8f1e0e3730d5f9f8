# Production image: gunicorn behind your load balancer, PostgreSQL via DATABASE_URL.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    FLASK_APP=wsgi WEB_CONCURRENCY=4 PORT=8000

WORKDIR /app
COPY pyproject.toml README.md wsgi.py docker-entrypoint.sh ./
COPY peerkit ./peerkit
COPY migrations ./migrations
COPY templates ./templates
COPY pwa ./pwa
# Editable, so the package finds templates/, pwa/ and migrations/ beside it in /app.
RUN pip install -e .

RUN useradd --system --uid 10001 --home-dir /app peerkit \
    && mkdir -p /app/instance && chown peerkit /app/instance
USER peerkit

EXPOSE 8000
# Migrate, then serve. Several app containers may start at once: Alembic's upgrade is
# transactional on PostgreSQL, and a second runner finds the revision already applied.
ENTRYPOINT ["./docker-entrypoint.sh"]
