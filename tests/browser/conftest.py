"""Chromium for the field-app tests: Debian's binary, phone emulation, screenshots.

Browser tests run against SQLite only (the server is the same code on both databases;
the database tests cover PostgreSQL) to keep `make test` quick.
"""

import datetime as dt
from pathlib import Path

import pytest

from peerkit.extensions import db
from peerkit.models import StockMovement, new_uuid, utcnow

CHROMIUM = "/usr/bin/chromium"
# As root, on a closed network: without the networking flags Chromium keeps trying to
# reach Google's hosts and is refused.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """pytest-playwright launches Debian's Chromium with these arguments."""
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def phone(playwright):
    """Pixel 7 emulation settings, for new contexts."""
    settings = dict(playwright.devices["Pixel 7"])
    settings.pop("default_browser_type", None)
    return settings


@pytest.fixture
def launch_phone(browser_type, phone, tmp_path):
    """Start (or restart) a phone browser with a persistent profile: what a closed and
    reopened browser keeps, it keeps."""
    profile = tmp_path / "profile"
    contexts = []

    def launch(offline=False):
        context = browser_type.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS, offline=offline, **phone
        )
        contexts.append(context)
        return context

    yield launch
    for context in contexts:
        try:
            context.close()
        except Exception:  # already closed by the test
            pass


def shot(page, name: str) -> None:
    """Keep a screenshot of what a person sees, for looking at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"field-{name}.png"), full_page=True)


@pytest.fixture
def kits_for(app):
    """Factory: hand `quantity` kits of `area`'s batch to `user` (a coordinator's transfer)."""

    def give(area, user, quantity=10):
        db.session.add(
            StockMovement(
                id=new_uuid(),
                organisation_id=area.service.id,
                user_id=area.coordinator.id,
                client_created_at=utcnow(),
                kind="transferred",
                moved_on=dt.date.today() - dt.timedelta(days=1),
                batch_id=area.batch.id,
                quantity=quantity,
                from_site_id=area.sites.service.id,
                to_user_id=user.id,
            )
        )
        db.session.commit()

    return give


AXE = Path(__file__).parent / "vendor" / "axe-4.10.3.min.js"  # pinned; see vendor/


def serious_accessibility_problems(page) -> list[str]:
    """Run axe-core on the page; return its serious and critical violations.

    Loaded with page.evaluate (the debugger), since the app's CSP rightly refuses an
    injected inline script."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate(
        "axe.run(document).then(r => r.violations.map(v => "
        "({id: v.id, impact: v.impact, nodes: v.nodes.length, "
        "target: v.nodes[0] && v.nodes[0].target.join(' ')})))"
    )
    return [
        f"{v['id']} ({v['impact']}, {v['nodes']} nodes, e.g. {v['target']})"
        for v in result
        if v["impact"] in ("serious", "critical")
    ]
