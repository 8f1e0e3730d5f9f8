# Production image: gunicorn behind your load balancer, PostgreSQL via DATABASE_URL.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    FLASK_APP=wsgi WEB_CONCURRENCY=4 PORT=8000

# The locked versions (every transitive one, hash-checked), then PeerKit itself as a wheel:
# the wheel carries templates/, pwa/ and migrations/, so the source is not kept in the image.
COPY requirements.txt /tmp/build/
RUN pip install --require-hashes -r /tmp/build/requirements.txt
COPY pyproject.toml README.md /tmp/build/
COPY peerkit /tmp/build/peerkit
COPY migrations /tmp/build/migrations
COPY templates /tmp/build/templates
COPY pwa /tmp/build/pwa
# The Welsh catalogue is compiled into the wheel: the app runs as a user who cannot write
# site-packages.
RUN pybabel compile -d /tmp/build/peerkit/translations \
    && pip install --no-deps /tmp/build && rm -rf /tmp/build

WORKDIR /app
COPY wsgi.py gunicorn.conf.py docker-entrypoint.sh ./
RUN useradd --system --uid 10001 --home-dir /app peerkit
USER peerkit

EXPOSE 8000
# Healthy while the database answers and its schema is at the migrations' head (/healthz
# answers 503 otherwise). The slim image has no curl: Python's urllib fails on a non-2xx.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]
# Migrate, then serve. Several app containers may start at once: Alembic's upgrade is
# transactional on PostgreSQL, and a second runner finds the revision already applied.
ENTRYPOINT ["./docker-entrypoint.sh"]
