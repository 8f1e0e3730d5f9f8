"""Security headers on every response.

The Content-Security-Policy allows scripts and styles only from this origin: no inline
script, no inline style attributes, no third-party hosts (charts and libraries are served
by the app). Pages may not be framed. Responses carrying personal or health data are
never stored by shared caches or the browser's disk cache.
"""

from flask import Flask, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"


def register(app: Flask) -> None:
    """Add the headers to every response."""

    @app.after_request
    def _secure_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        # Only over HTTPS: gunicorn sets the scheme from a trusted proxy's X-Forwarded-Proto.
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        # Pages and API answers may hold health data: no caching, except static files,
        # which the field app's service worker caches itself.
        if not request.path.startswith("/static/") and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response
