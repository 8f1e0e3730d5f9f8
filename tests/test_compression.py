"""Responses leave compressed and cacheable (issue 17, point 9)."""

import gzip

import brotli

from peerkit.field.views import SHELL_FILES


def test_every_text_shell_file_leaves_compressed_and_cacheable(client):
    for url in SHELL_FILES:
        if url.endswith(".png") or url.endswith(".svg"):  # images: already small or packed
            continue
        plain = client.get(url, headers={"Accept-Encoding": "identity"})
        packed = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert plain.status_code == packed.status_code == 200, url
        assert packed.headers.get("Content-Encoding") == "br", url
        assert "Accept-Encoding" in packed.headers["Vary"], url
        assert brotli.decompress(packed.data) == plain.data, url
        assert len(packed.data) < len(plain.data), url
        plain.close()
        packed.close()
        # Cacheable: revalidated by ETag (the worker keeps the offline copy); a second
        # visit costs a 304 and no body.
        assert "no-cache" in packed.headers["Cache-Control"], url
        if url != "/sw.js":
            again = client.get(
                url,
                headers={
                    "Accept-Encoding": "gzip, deflate, br",
                    "If-None-Match": packed.headers["ETag"],
                },
            )
            assert again.status_code == 304, url


def test_gzip_for_a_browser_without_brotli(client):
    response = client.get("/static/js/app.js", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert b"requestSync" in gzip.decompress(response.data)


def test_desk_pages_are_not_compressed_breach(client):
    """A page with a CSRF token beside reflected input stays uncompressed (BREACH)."""
    response = client.get("/login", headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in response.headers
    assert b"csrf" in response.data.lower()
