# Production image: gunicorn behind your load balancer, PostgreSQL via DATABASE_URL.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    FLASK_APP=wsgi WEB_CONCURRENCY=4 PORT=8000

WORKDIR /app
COPY pyproject.toml README.md wsgi.py gunicorn.conf.py docker-entrypoint.sh ./
COPY peerkit ./peerkit
COPY migrations ./migrations
COPY templates ./templates
COPY pwa ./pwa
# Editable, so the package finds templates/, pwa/ and migrations/ beside it in /app.
# The Welsh catalogue is compiled here: the app runs as a user who cannot write /app.
RUN pip install -e . && pybabel compile -d peerkit/translations

RUN useradd --system --uid 10001 --home-dir /app peerkit \
    && mkdir -p /app/instance && chown peerkit /app/instance
USER peerkit

EXPOSE 8000
# Healthy while the database answers and its schema is at the migrations' head (/healthz
# answers 503 otherwise). The slim image has no curl: Python's urllib fails on a non-2xx.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]
# Migrate, then serve. Several app containers may start at once: Alembic's upgrade is
# transactional on PostgreSQL, and a second runner finds the revision already applied.
ENTRYPOINT ["./docker-entrypoint.sh"]
