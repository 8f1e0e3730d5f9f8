#!/bin/sh
# Apply migrations, then hand the process over to gunicorn. No gunicorn access log: the app
# logs every request itself, with the route rather than the path (paths carry ids).
set -e
flask db upgrade
exec gunicorn --bind "0.0.0.0:${PORT}" --workers "${WEB_CONCURRENCY}" \
  --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" wsgi:app
