"""The phone's recipient code (pwa/js/recipient-code.js, run in Chromium) equals the
server's port (peerkit/recipient_codes.py) on the shared vectors that
tests/test_subject_access.py checks the port against."""

import json
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

VECTORS = json.loads((Path(__file__).parents[1] / "recipient_code_vectors.json").read_text())


def test_the_phone_makes_the_codes_the_server_makes(live_server, launch_phone):
    page = launch_phone().new_page()
    page.goto(live_server + "/app")
    made = page.evaluate(
        """async (vectors) => {
        const rc = await import("/static/js/recipient-code.js");
        const out = [];
        for (const v of vectors) out.push([
          await rc.recipientCode(v.salt, v.initials, v.date_of_birth, v.sex),
          await rc.legacyRecipientCode(v.salt, v.initials, v.date_of_birth, v.sex)]);
        return out;
    }""",
        VECTORS,
    )
    assert made == [[v["code"], v["legacy_code"]] for v in VECTORS]
