"""The field app's Welsh: a complete catalogue, extracted the way the app translates, and the
account's language reaching the phone (docs/TRANSLATING.md, "The field app")."""

import json
import re

from sqlalchemy import select

from peerkit import i18n_field
from peerkit.extensions import db
from peerkit.field.views import SHELL_FILES
from peerkit.models import User

from . import api_helpers as h
from .conftest import csrf_token_from

PLACEHOLDER = re.compile(r"\{[\w-]+\}")


def _catalogue() -> dict[str, str]:
    return json.loads(i18n_field.CATALOGUE.read_text(encoding="utf-8"))


def test_every_message_the_field_app_shows_has_welsh_with_its_placeholders():
    catalogue = _catalogue()
    ids = i18n_field.field_message_ids()
    missing = sorted(i for i in ids if not catalogue.get(i, "").strip())
    assert not missing, f"no Welsh in pwa/i18n/cy.json (run `make messages`, translate): {missing}"
    lost = {
        i: catalogue[i]
        for i in ids
        if sorted(PLACEHOLDER.findall(i)) != sorted(PLACEHOLDER.findall(catalogue[i]))
    }
    assert not lost, f"a translation lost or changed a {{placeholder}}: {lost}"
    stale = sorted(set(catalogue) - ids)
    assert not stale, f"ids no longer used (run `make messages`): {stale}"


def test_extraction_reads_markup_as_the_walk_does():
    html = """<html><head><title>Not walked</title></head><body>
      <h1>Set up this <span data-device>phone</span></h1>
      <p class="hint">Last sent:
         <span id="last-sync">never</span></p>
      <label><input type="checkbox"> Offered</label>
      <nav aria-label="Record"><a href="#x">Go</a></nav>
      <select data-empty="Not asked"></select>
      <p><strong id="n">0</strong> <span id="label">records waiting</span></p>
      <div data-i18n-skip><label>Cymraeg</label></div>
      <p><em>unnamed</em> child</p>
      <script>t("not markup")</script>
    </body></html>"""
    assert i18n_field.markup_ids(html) == {
        "Set up this {device}",
        "phone",
        "Last sent: {last-sync}",
        "never",
        "Offered",
        "Record",
        "Go",
        "Not asked",
        "records waiting",
        "unnamed",
    }


def test_extraction_reads_each_t_call_literal():
    source = 'a(t("Sending {n} of {m}…", { n, m })); x.t("no"); at("no"); t("say \\"hi\\"")'
    assert i18n_field.script_ids(source) == {"Sending {n} of {m}…", 'say "hi"'}


def test_vocabulary_labels_the_snapshot_sends_are_in_the_field_catalogue():
    catalogue = _catalogue()
    assert catalogue["Person at risk"] and catalogue["Nasal spray"]
    assert i18n_field.vocabulary_ids() <= set(catalogue)


def test_catalogue_and_i18n_module_are_precached():
    assert SHELL_FILES["/static/i18n/cy.json"] == "i18n/cy.json"
    assert SHELL_FILES["/static/js/i18n.js"] == "js/i18n.js"


def test_enrolment_and_pull_carry_the_accounts_language(client, auth, two_areas):
    peer = db.session.scalar(select(User).where(User.username == "north-peer"))
    peer.locale = "cy"
    db.session.commit()
    auth.login("north-peer")
    token = csrf_token_from(client.get("/login"))
    enrolled = client.post(
        "/api/v1/devices", json={"label": "Ffôn Sam"}, headers={"X-CSRFToken": token}
    )
    assert enrolled.status_code == 201
    assert enrolled.json["user"]["locale"] == "cy"
    pull = client.get("/api/v1/sync/pull", headers=h.bearer(enrolled.json["token"]))
    assert pull.json["snapshot"]["user"]["locale"] == "cy"
