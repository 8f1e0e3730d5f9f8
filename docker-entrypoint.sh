#!/bin/sh
# Apply migrations, then hand the process over to gunicorn.
set -e
flask db upgrade
exec gunicorn --bind "0.0.0.0:${PORT}" --workers "${WEB_CONCURRENCY}" \
  --access-logfile - --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" wsgi:app
