"""`pip install .` (not editable) serves the app: the wheel carries templates/, pwa/ and
migrations/, which the repository keeps at its top level.

The wheel is built from this checkout and installed with `--no-deps` into a fresh virtual
environment in a temporary folder outside the checkout. Its dependencies come from this
project's own environment through a `.pth` line (a venv made from a venv's Python would see
the base interpreter's packages with `--system-site-packages`, not ours); `.pth` files inside
that folder are not run, so the checkout's editable install stays out of the way. Then
gunicorn serves the installed package as a real process on 127.0.0.1.
"""

import os
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest
import requests

from peerkit import PROJECT_ROOT, sealing

pytestmark = [pytest.mark.packaging, pytest.mark.real_clock]
TIMEOUT = 15  # seconds: the machine is shared; this checks what is served, not how fast


def _run(*args, cwd, env=None) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{args[:4]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_serving(server: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + 60  # the first request imports the whole app
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stderr.read()
        try:
            requests.get(url, timeout=TIMEOUT)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    raise AssertionError(f"nothing served at {url} within 60 s")


def test_the_wheel_installed_outside_the_checkout_serves_pages_worker_and_modules(tmp_path):
    # Build the wheel (hatchling is a test dependency, so no download).
    dist = tmp_path / "dist"
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "--no-build-isolation",
        "--wheel-dir",
        str(dist),
        str(PROJECT_ROOT),
        cwd=tmp_path,
    )
    (wheel,) = dist.glob("peerkit-*.whl")

    # A fresh environment that holds the wheel and nothing else of PeerKit.
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", str(venv), cwd=tmp_path)
    python = venv / "bin" / "python"
    _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        str(python),
        "install",
        "--quiet",
        "--no-deps",
        str(wheel),
        cwd=tmp_path,
    )
    site_packages = Path(
        _run(
            str(python),
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            cwd=tmp_path,
        ).strip()
    )
    (site_packages / "project-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FLASK_", "PEERKIT_"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'peerkit.db'}",
        SECRET_KEY="packaging-test-key",
        FIELD_SEALING_KEYS=sealing.new_key(),
        SESSION_COOKIE_SECURE="0",
        PYTHONPATH="",
    )
    where = _run(
        str(python),
        "-c",
        "import peerkit; print(peerkit.__file__, peerkit.INSTALLED)",
        cwd=tmp_path,
        env=env,
    )
    assert where.split() == [str(site_packages / "peerkit" / "__init__.py"), "True"]

    # The migrations come from the wheel too.
    _run(str(python), "-m", "flask", "--app", "peerkit", "db", "upgrade", cwd=tmp_path, env=env)

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(python),
            "-m",
            "gunicorn",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "peerkit:create_app()",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_serving(server, f"{base}/healthz")
        # 200 only when the schema is at the migrations' head.
        assert requests.get(f"{base}/healthz", timeout=TIMEOUT).status_code == 200

        login = requests.get(f"{base}/login", timeout=TIMEOUT)
        assert login.status_code == 200 and 'name="password"' in login.text

        worker = requests.get(f"{base}/sw.js", timeout=TIMEOUT)
        assert worker.status_code == 200
        assert "javascript" in worker.headers["Content-Type"]
        assert "addEventListener" in worker.text

        module = requests.get(f"{base}/static/js/sync.js", timeout=TIMEOUT)
        assert module.status_code == 200
        assert module.content == (PROJECT_ROOT / "pwa" / "js" / "sync.js").read_bytes()

        shell = requests.get(f"{base}/app", timeout=TIMEOUT)
        assert shell.status_code == 200 and "<html" in shell.text
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stderr.close()
