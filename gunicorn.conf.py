"""gunicorn reads this from its working directory: with LOG_FORMAT=json its own lines
(start, stop, worker restarts) are JSON objects like the app's. No access log: the app logs
each request itself, naming the route rather than the path (see peerkit/logs.py)."""

import os

if os.environ.get("LOG_FORMAT", "").lower() == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "peerkit.logs.JsonFormatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False}
        },
    }
