"""Issue 16's last gap: the sync API answers the phone in the phone's language.

The phone's Accept-Language decides under /api/; what is stored (a held record's reasons)
stays English; every message the schemas can give has Welsh.
"""

import datetime as dt
import itertools

import pytest
from flask_babel import force_locale
from marshmallow import ValidationError

from peerkit.api.fastload import FastLoader
from peerkit.api.schemas import (
    RECORD_SCHEMAS,
    AlertReceiptSchema,
    EnrolRequestSchema,
    PullQuerySchema,
    PushRecordSchema,
    PushRequestSchema,
    PushSubscriptionSchema,
)
from peerkit.api_messages import translate
from peerkit.extensions import db
from peerkit.models import KitSupply, utcnow

from . import api_helpers as h

WELSH = {"Accept-Language": "cy"}
ENGLISH = {"Accept-Language": "en"}


def _push(client, token, records, headers):
    return client.post(
        "/api/v1/sync/push",
        json={"records": records},
        headers={**h.bearer(token), **headers},
    )


def test_the_phones_accept_language_decides_under_api_but_not_on_pages(app, client, auth):
    # The cookie (the switcher's choice) says English; the phone asks for Welsh.
    client.set_cookie("peerkit_language", "en")
    answer = client.get("/api/v1/sync/pull", headers=WELSH)
    assert answer.status_code == 401
    assert answer.json["error"]["message"] == (
        "Anfonwch docyn y ddyfais fel 'Authorization: Bearer <token>'."
    )
    assert answer.json["error"]["code"] == "not_authenticated"  # codes never change
    # Without the header, the order used for pages applies: the cookie's English.
    answer = client.get("/api/v1/sync/pull")
    assert answer.json["error"]["message"] == (
        "Send the device token as 'Authorization: Bearer <token>'."
    )
    # A page keeps the cookie before the browser's language.
    page = client.get("/login", headers=WELSH).get_data(as_text=True)
    assert '<html lang="en-GB">' in page


def test_the_phone_wins_over_a_welsh_account(client, make_user, two_areas):
    peer = make_user("peer", two_areas.north.peers)
    peer.locale = "cy"
    db.session.commit()
    bad = h.kit_supply(two_areas.north, quantity="two")
    result = _push(client, h.token_for(peer), [bad], ENGLISH).json["results"][0]
    assert result["errors"] == {"quantity": ["Not a valid integer."]}


def _rule_breakers(north):
    """One record for each kind of answer a person must read, with what it says in each
    language: {key: (record, English, Welsh)}."""
    full_postcode = h.kit_supply(north, area="M14 5AB")
    bad_number = h.kit_supply(north, quantity="two")
    unknown_batch = h.kit_supply(north, batch_id=999_999)
    return {
        "full_postcode": (
            full_postcode,
            {"area": ["Enter only the first half of the postcode (the district, e.g. M14)."]},
            {"area": ["Rhowch hanner cyntaf y cod post yn unig (yr ardal, e.e. M14)."]},
        ),
        "field_error": (
            bad_number,
            {"quantity": ["Not a valid integer."]},
            {"quantity": ["Nid yw'n gyfanrif dilys."]},
        ),
        "unknown_batch": (
            unknown_batch,
            {"batch_id": ["Unknown batch: sync the phone and choose it again."]},
            {"batch_id": ["Swp anhysbys: cysonwch y ffôn a'i ddewis eto."]},
        ),
    }


@pytest.mark.parametrize("language", ["cy", "en"])
def test_a_push_answers_in_the_phones_language_and_stores_english(
    client, make_user, two_areas, language
):
    north = two_areas.north
    # A recalled batch, out of date on the day of supply, handed out by someone with no
    # sign-off: three reasons to hold one supply.
    north.batch.recalled_at = utcnow()
    north.batch.expiry_date = h.TODAY - dt.timedelta(days=1)
    untrained = make_user("peer", north.peers, signed_off=False)
    db.session.commit()
    token = h.token_for(untrained)
    headers = WELSH if language == "cy" else ENGLISH
    breakers = _rule_breakers(north)
    held = h.kit_supply(north)
    stored, other = h.use_report(), h.use_report()
    answers = _push(client, token, [stored, other], headers).json["results"]
    assert [a["status"] for a in answers] == ["stored", "stored"]
    changed = {**other, "data": {**other["data"], "doses": 3}}
    records = [b[0] for b in breakers.values()] + [held, stored, changed]
    results = _push(client, token, records, headers).json["results"]

    for (_record, english, welsh), result in zip(breakers.values(), results, strict=False):
        assert result["status"] == "invalid"
        assert result["errors"] == (welsh if language == "cy" else english)

    held_result, duplicate, conflict = results[len(breakers) :]
    expired = f"{north.batch.expiry_date:%d/%m/%Y}"
    batch = north.batch.batch_number
    english_reasons = (
        f"Batch {batch} is recalled. Batch {batch} expired on {expired}. "
        "No supplier sign-off yet: a coordinator signs off the training first."
    )
    # What is stored is the coordinator's record: English, whatever the phone speaks.
    assert db.session.get(KitSupply, held["id"]).hold_reason == english_reasons
    assert held_result["status"] == "held"
    assert duplicate["status"] == "duplicate"
    assert conflict["status"] == "conflict"
    if language == "en":
        assert held_result["message"] == (
            "Kept, and held for your coordinator to review: " + english_reasons
        )
        assert held_result["warnings"][0].startswith(f"Batch {batch} is recalled: swap")
        assert duplicate["message"] == "Already stored; nothing changed."
        assert conflict["message"].startswith("A different record was already stored")
        return
    assert held_result["message"] == (
        "Wedi'i gadw, a'i ddal i'ch cydlynydd ei adolygu: "
        f"Mae swp {batch} wedi'i alw'n ôl. Aeth swp {batch} allan o ddyddiad ar {expired}. "
        "Dim ardystiad cyflenwi eto: mae cydlynydd yn ardystio'r hyfforddiant yn gyntaf."
    )
    assert held_result["warnings"] == [
        f"Mae swp {batch} wedi'i alw'n ôl: cyfnewidiwch y pecyn hwn am un o swp arall, "
        "a dychwelwch y rhai a alwyd yn ôl.",
        f"Aeth swp {batch} allan o ddyddiad ar {expired}: cyfnewidiwch y pecyn hwn am un "
        "sydd mewn dyddiad.",
    ]
    assert duplicate["message"] == "Wedi'i gadw eisoes; dim wedi newid."
    assert conflict["message"].startswith("Cafodd cofnod gwahanol ei gadw eisoes")


def test_the_supplier_reason_in_a_pull_follows_the_phone(client, make_user, two_areas):
    untrained = make_user("peer", two_areas.north.peers, signed_off=False)
    token = h.token_for(untrained)
    pulled = client.get("/api/v1/sync/pull", headers={**h.bearer(token), **WELSH}).json
    assert pulled["snapshot"]["supplier"]["reason"] == (
        "Dim ardystiad cyflenwi eto: mae cydlynydd yn ardystio'r hyfforddiant yn gyntaf."
    )


# Values of every shape a phone could send wrongly; each is tried in every field.
BAD_VALUES = [
    None,
    "",
    "x" * 1001,
    "nope",
    "Hostel",
    "M14 5AB",
    123_456_789,
    -5,
    2.5,
    True,
    [],
    ["nope"],
    {},
    {"a": 1},
    "2999-01-01",
    "2014-01-01",
    "2999-01-01T00:00:00Z",
    "2014-01-01T00:00:00Z",
    "2026-01-01T00:00:00",
    "00000000-0000-0000-0000-000000000000",
    "https://",
]
NOW = h.NOW.isoformat()
TODAY = h.TODAY.isoformat()
SUPPLY = {
    "client_created_at": NOW,
    "supplied_on": TODAY,
    "site_id": 1,
    "recipient_category": "person_at_risk",
    "batch_id": 1,
    "supply_type": "first",
    "training": "given",
    "area": "M14",
    "referral_offered": True,
    "referral_accepted": False,
}
# Records whose fields are each right, but that break a rule across fields.
SCHEMA_RULES = [
    ("training_session", {"client_created_at": NOW, "session_date": TODAY, "mode": "group",
     "kind": "overdose_awareness", "topics": []}),
    ("training_session", {"client_created_at": NOW, "session_date": TODAY, "mode": "group",
     "kind": "overdose_awareness", "topics": [], "attendees_family": 1, "kits_taken": 11}),
    ("consent", {**h.consent()["data"], "consent_to_record": False, "consent_to_recognise": True}),
    ("consent", {**h.consent()["data"], "consent_to_record": False}),
    ("consent", {**h.consent()["data"], "consent_to_recognise": False}),
    ("kit_supply", {**SUPPLY, "supply_type": "repeat"}),
    ("kit_supply", {**SUPPLY,
     "repeat_reason": "lost"}),
    ("kit_supply", {**SUPPLY,
     "referral_offered": False, "referral_accepted": True}),
    ("kit_supply", {**SUPPLY,
     "referral_destination_id": 3}),
    ("kit_supply", {**SUPPLY,
     "recipient_code": "rc_abcdef123456"}),
]  # fmt: skip
OTHER_SCHEMAS = [
    PushRecordSchema,
    PushRequestSchema,
    PullQuerySchema,
    EnrolRequestSchema,
    PushSubscriptionSchema,
    AlertReceiptSchema,
]


def _messages(errors):
    """Every message in a marshmallow error dict, however nested."""
    if isinstance(errors, dict):
        return set().union(*(_messages(v) for v in errors.values())) if errors else set()
    if isinstance(errors, list):
        return set().union(*(_messages(v) for v in errors)) if errors else set()
    return {errors}


def _refusals(schema, record) -> set[str]:
    """The messages loading `record` gives, by the fast path and by the schema alike."""
    try:
        FastLoader(schema).load(record)
    except ValidationError as error:
        fast = _messages(error.normalized_messages())
    else:
        fast = set()
    try:
        schema.load(record)
    except ValidationError as error:
        assert _messages(error.normalized_messages()) == fast
    return fast


def _every_refusal() -> set[str]:
    found = set()
    schemas = [schema() for schema in itertools.chain(RECORD_SCHEMAS.values(), OTHER_SCHEMAS)]
    for schema in schemas:
        found |= _refusals(schema, {})
        found |= _refusals(schema, {"not_a_field": 1})
        for name, value in itertools.product(schema.load_fields, BAD_VALUES):
            found |= _refusals(schema, {name: value})
    for kind, record in SCHEMA_RULES:
        found |= _refusals(RECORD_SCHEMAS[kind](), record)
    found |= _refusals(PushRequestSchema(), {"records": [{}] * 501})
    found |= _refusals(PushRecordSchema(), {"kind": "consent", "id": h.new_id()})
    found |= _refusals(PushRecordSchema(), {"kind": "consent", "id": h.new_id(), "data": {},
                                             "sealed": {}})  # fmt: skip
    found |= _refusals(
        PushSubscriptionSchema(), {"permission": "granted", "endpoint": "https://push.example"}
    )
    return found


def test_every_message_the_schemas_can_give_has_welsh(app):
    found = _every_refusal()
    # The generator reaches the kinds of message there are (not only "missing").
    for expected in (
        "Unknown field.",
        "Not a valid integer.",
        "Longer than maximum length 500.",
        "This date is in the future: check the phone's date.",
        "Enter a postcode district such as M14, or UNKNOWN.",
        "Say why a repeat supply was needed.",
        "Send both keys: p256dh and auth.",
    ):
        assert expected in found
    assert any(m.startswith("Must be one of: ") for m in found)
    assert any(m.startswith("Must be greater than or equal to ") for m in found)
    # (The locale is forced: Flask-Babel keeps the first one it chose on the app context.)
    with app.test_request_context("/api/v1/sync/push"), force_locale("cy_GB"):
        untranslated = sorted(m for m in found if translate(m) == m)
    assert untranslated == []
    with app.test_request_context("/api/v1/sync/push"), force_locale("en_GB"):
        assert [m for m in found if translate(m) != m] == []


def test_translate_fills_a_template_and_leaves_unknown_text_alone(app):
    with app.test_request_context("/api/v1/sync/push", headers=WELSH):
        assert (
            translate("Must be one of: first, repeat.") == "Rhaid iddo fod yn un o: first, repeat."
        )
        assert translate("Recorded at Ty Hafan, which is closed.") == (
            "Wedi'i gofnodi yn Ty Hafan, sydd ar gau."
        )
        # A vocabulary label inside a reason is translated with it.
        assert translate(
            "Nyxoid is licensed from age 14; the recipient is in the band Under 18."
        ).endswith("yn y band Dan 18.")
        assert translate("What a person typed.") == "What a person typed."
