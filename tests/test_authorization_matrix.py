"""The authorisation matrix: every route, called as every kind of user.

Every endpoint in the app's URL map must have a rule below; a new route without one fails
`test_every_route_has_a_rule`. Each rule names who may use the route; the matrix test calls
it as anonymous, as each role of the "north" area, and as the same roles of the "south"
area (for routes about a north object, they must get 403 or 404, never the object).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from flask import url_for

from peerkit.devices import enrol_device
from peerkit.extensions import db
from peerkit.models import (
    DrugAlert,
    FieldReport,
    KitSupply,
    Organisation,
    ReferralDestination,
    Site,
    utcnow,
)
from peerkit.signing import make_device_token

from .conftest import AuthActions, csrf_token_from

ROLES = ("peer", "pharmacy", "coordinator", "commissioner", "admin", "carrier")
USERS = {
    "peer": "peer",
    "pharmacy": "pharmacist",
    "coordinator": "coordinator",
    "commissioner": "commissioner",
    "admin": "admin",
    "carrier": "carrier",
}


@dataclass
class Rule:
    """Who may call an endpoint, and how to call it."""

    allowed: tuple[str, ...]  # roles that may; "anyone" for public routes
    method: str = "GET"
    args: Callable = lambda area: {}  # URL arguments naming an object of `area`
    auth: str = "session"  # "session", "device" (Bearer) or "public"
    about_area: bool = False  # the route names an object of one area
    json: dict | Callable | None = None  # a callable gets the area, for its objects' ids
    extra: dict = field(default_factory=dict)  # more form fields to post


PUBLIC = Rule(allowed=ROLES, auth="public")
FIELD = ("peer", "pharmacy", "coordinator", "carrier")

RULES: dict[str, Rule] = {
    "auth.index": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": Rule(allowed=ROLES, method="POST"),
    "auth.accept_invitation": PUBLIC,
    # Anyone may switch language; it changes only the caller's own account or cookie.
    "auth.choose_language": Rule(
        allowed=ROLES, method="POST", auth="public", extra={"language": "cy"}
    ),
    "field.static": Rule(allowed=ROLES, auth="public", args=lambda a: {"filename": "css/app.css"}),
    "api.openapi_json": PUBLIC,
    "health.healthz": PUBLIC,  # ok / not ok and the reason, nothing more
    # The field app's shell is static and public; what it shows comes through the API.
    "field.app_shell": PUBLIC,
    "field.manifest": PUBLIC,
    "field.service_worker": PUBLIC,
    "field.enrol": Rule(allowed=FIELD),
    "api.enrol": Rule(allowed=FIELD, method="POST", json={"label": "matrix"}),
    "api.sync_push": Rule(allowed=FIELD, method="POST", auth="device", json={"records": []}),
    "api.sync_pull": Rule(allowed=FIELD, auth="device"),
    # Revokes the calling phone itself, so the matrix calls it last (see test_matrix).
    "api.sign_out": Rule(allowed=FIELD, method="POST", auth="device"),
    # Frontline intelligence (docs/ALERTS.md): a phone's notification answer and receipts.
    "api.push_subscription": Rule(
        allowed=FIELD, method="PUT", auth="device", json={"permission": "denied"}
    ),
    "api.alert_receipt": Rule(
        allowed=FIELD,
        method="POST",
        auth="device",
        about_area=True,
        json=lambda a: {"alert_id": a.alert_id, "event": "opened"},
    ),
    "coordination.field_reports": Rule(allowed=("coordinator",)),
    "coordination.dismiss_field_report": Rule(
        allowed=("coordinator",),
        method="POST",
        about_area=True,
        args=lambda a: {"report_id": a.field_report_id},
    ),
    "coordination.alert_detail": Rule(
        allowed=("coordinator",), about_area=True, args=lambda a: {"alert_id": a.alert_id}
    ),
    "coordination.referral_destinations": Rule(allowed=("coordinator",)),
    "coordination.retire_referral_destination": Rule(
        allowed=("coordinator",),
        method="POST",
        about_area=True,
        args=lambda a: {"destination_id": a.destination_id},
    ),
    "coordination.referrals_awaiting": Rule(allowed=("coordinator",)),
    "coordination.record_referral_outcome": Rule(
        allowed=("coordinator",),
        method="POST",
        about_area=True,
        args=lambda a: {"supply_id": a.referred_supply_id},
        extra={"outcome": "attended", "on": dt.date.today().isoformat()},
    ),
    "monitoring.alerts_overview": Rule(allowed=("commissioner",)),
    "monitoring.use_report_log": Rule(allowed=("commissioner",)),
    # Coordination: the coordinator's own service (admins: the overview only).
    "coordination.index": Rule(allowed=("coordinator", "admin")),
    "coordination.device_list": Rule(allowed=("coordinator",)),
    "coordination.revoke": Rule(
        allowed=("coordinator",),
        method="POST",
        about_area=True,
        args=lambda a: {"device_id": a.device_id},
    ),
    "coordination.alerts": Rule(allowed=("coordinator",)),
    "coordination.withdraw_alert": Rule(
        allowed=("coordinator",),
        method="POST",
        about_area=True,
        args=lambda a: {"alert_id": a.alert_id},
    ),
    "coordination.people": Rule(allowed=("coordinator",)),
    "coordination.new_person": Rule(allowed=("coordinator",)),
    "coordination.reinvite": Rule(
        allowed=("coordinator",),
        method="POST",
        about_area=True,
        args=lambda a: {"user_id": a.peer.id},
    ),
    "coordination.unlock": Rule(
        allowed=("coordinator",),
        method="POST",
        about_area=True,
        args=lambda a: {"user_id": a.peer.id},
    ),
    "coordination.reinvite_coordinator": Rule(
        allowed=("admin",),
        method="POST",
        about_area=True,
        args=lambda a: {"user_id": a.coordinator.id},
    ),
    "coordination.sign_off": Rule(
        allowed=("coordinator",), about_area=True, args=lambda a: {"user_id": a.peer.id}
    ),
    "coordination.audit_log": Rule(allowed=("coordinator",)),
    "coordination.cascade": Rule(allowed=("coordinator",)),
    "coordination.organisations": Rule(allowed=("admin",)),
    "coordination.held": Rule(allowed=("coordinator",)),
    "coordination.decide": Rule(
        allowed=("coordinator",),
        method="POST",
        about_area=True,
        args=lambda a: {"kind": "kit_supply", "record_id": a.held_supply_id},
    ),
    "coordination.withdraw_consent": Rule(allowed=("coordinator",)),
    # Privacy (docs/PRIVACY.md): the person's details come by POST only; periods are the area's.
    "coordination.subject_access_page": Rule(allowed=("coordinator",)),
    "coordination.privacy_notices_page": Rule(allowed=("coordinator",)),
    "coordination.retention_page": Rule(allowed=("coordinator", "admin")),
    "coordination.set_retention": Rule(
        allowed=("admin",), method="POST", extra={"supply_years": "7", "code_years": "2"}
    ),
    "coordination.recall_by_number": Rule(allowed=("coordinator", "admin")),
    # The product catalogue is the deployment's, not one area's: any admin manages it.
    "coordination.products": Rule(allowed=("admin",)),
    "coordination.retire_product": Rule(
        allowed=("admin",), method="POST", args=lambda a: {"product_id": a.product.id}
    ),
    "coordination.import_people": Rule(allowed=("coordinator",)),
    "coordination.import_template": Rule(allowed=("coordinator",)),
    "coordination.stock": Rule(allowed=("coordinator",)),
    "coordination.batch_detail": Rule(
        allowed=("coordinator",), about_area=True, args=lambda a: {"batch_id": a.batch.id}
    ),
    # People over time. About a peer, only their coordinator may (admins manage
    # coordinators: tests/test_people_over_time.py). Changes use a spare person and site,
    # so the actors above keep working.
    "coordination.accounts": Rule(allowed=("coordinator", "admin")),
    "coordination.edit_account": Rule(
        allowed=("coordinator",), about_area=True, args=lambda a: {"user_id": a.peer.id}
    ),
    "coordination.deactivate_account": Rule(
        allowed=("coordinator",),
        method="POST",
        about_area=True,
        args=lambda a: {"user_id": a.leaver.id},
    ),
    "coordination.reactivate_account": Rule(
        allowed=("coordinator",),
        method="POST",
        about_area=True,
        args=lambda a: {"user_id": a.leaver.id},
    ),
    "coordination.edit_organisation": Rule(
        allowed=("admin",), about_area=True, args=lambda a: {"organisation_id": a.peers.id}
    ),
    "coordination.edit_site": Rule(
        allowed=("admin",), about_area=True, args=lambda a: {"site_id": a.spare_site.id}
    ),
    "coordination.close_site": Rule(
        allowed=("admin",),
        method="POST",
        about_area=True,
        args=lambda a: {"site_id": a.spare_site.id},
    ),
    "coordination.reopen_site": Rule(
        allowed=("admin",),
        method="POST",
        about_area=True,
        args=lambda a: {"site_id": a.spare_site.id},
    ),
    # Commissioner monitoring: read-only, their own area (filters, not object ids).
    "monitoring.dashboard": Rule(allowed=("commissioner",)),
    "monitoring.distribution_log": Rule(allowed=("commissioner",)),
    "monitoring.stock": Rule(allowed=("commissioner",)),
    "monitoring.export_log": Rule(allowed=("commissioner",)),
    "monitoring.export_summary": Rule(allowed=("commissioner",)),
    "monitoring.board_report": Rule(allowed=("commissioner",)),
    "monitoring.set_coverage": Rule(allowed=("commissioner",), method="POST"),
    "monitoring.claims_overview": Rule(allowed=("commissioner",)),
    "monitoring.claims_statement": Rule(
        allowed=("commissioner",),
        about_area=True,
        args=lambda a: {"organisation_id": a.pharmacy.id},
    ),
    "monitoring.claims_csv": Rule(
        allowed=("commissioner",),
        about_area=True,
        args=lambda a: {"organisation_id": a.pharmacy.id},
    ),
}


def test_every_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(RULES))
    assert missing == [], f"routes without an authorisation rule: {missing}"
    stale = sorted(set(RULES) - endpoints)
    assert stale == [], f"rules for routes that no longer exist: {stale}"


def _denied(response, auth: str) -> bool:
    if auth == "device":  # 404: a phone asking about another area's object
        return response.status_code in (401, 403, 404)
    if response.status_code == 302:
        # Flask-Login sends the anonymous to sign in, with where they were going.
        return "/login?next=" in response.headers["Location"]
    return response.status_code in (401, 403, 404)


def _call(client, rule: Rule, url: str, headers=None, csrf=None, area=None):
    headers = dict(headers or {})
    if rule.method == "GET":
        response = client.get(url, headers=headers)
    else:
        if csrf:
            headers["X-CSRFToken"] = csrf
        body = rule.json(area) if callable(rule.json) else rule.json
        data = {"csrf_token": csrf, **rule.extra} if csrf and body is None else None
        response = client.open(url, method=rule.method, headers=headers, json=body, data=data)
    response.close()
    return response


@pytest.fixture
def actors(app, two_areas, make_user):
    """A signed-in client and a device token for every role of both areas."""
    result = {}
    for area_name in ("north", "south"):
        area = getattr(two_areas, area_name)
        shelter = Organisation(
            name=f"{area_name} shelter",
            kind="partner_agency",
            area_id=area.area.id,
            managed_by_id=area.service.id,
        )
        area.spare_site = Site(
            organisation=area.peers,
            name=f"{area_name} spare",
            site_type="outreach",
            postcode_district="M1",
        )
        db.session.add_all([shelter, area.spare_site])
        db.session.commit()
        area.carrier = make_user("carrier", shelter, username=f"{area_name}-carrier")
        area.leaver = make_user("peer", area.peers, username=f"{area_name}-leaver")
        for role in ROLES:
            user = getattr(area, USERS[role])
            client = app.test_client()
            AuthActions(client).login(user.username)
            # A device row even for roles that may not enrol: their token must not work.
            device = enrol_device(user, "matrix")
            token = make_device_token(device)
            if role == "peer":
                area.device_id = device.id  # the object routes about a phone name
            db.session.commit()
            result[(area_name, role)] = (client, token)
        alert = DrugAlert(
            organisation_id=area.service.id,
            area_description="x",
            substance="x",
            description="x",
            advice="x",
            grading="info",
            expires_at=utcnow() + dt.timedelta(days=1),
            created_by_id=area.coordinator.id,
        )
        db.session.add(alert)
        held = KitSupply(
            organisation_id=area.peers.id,
            user_id=area.peer.id,
            client_created_at=utcnow(),
            supplied_on=dt.date.today(),
            site_id=area.sites.peers.id,
            channel="peer",
            recipient_category="unknown",
            product_id=area.product.id,
            batch_id=area.batch.id,
            quantity=1,
            supply_type="first",
            training="declined",
            area="UNKNOWN",
            review_status="held",
            hold_reason="Test hold.",
        )
        db.session.add(held)
        destination = ReferralDestination(organisation_id=area.service.id, name="x", kind="housing")
        db.session.add(destination)
        db.session.flush()
        referred = KitSupply(
            organisation_id=area.peers.id,
            user_id=area.peer.id,
            client_created_at=utcnow(),
            supplied_on=dt.date.today(),
            site_id=area.sites.peers.id,
            channel="peer",
            recipient_category="unknown",
            product_id=area.product.id,
            batch_id=area.batch.id,
            quantity=1,
            supply_type="first",
            training="declined",
            area="UNKNOWN",
            referral_offered=True,
            referral_accepted=True,
            referral_destination_id=destination.id,
        )
        report = FieldReport(
            organisation_id=area.peers.id,
            user_id=area.peer.id,
            client_created_at=utcnow(),
            seen_on=dt.date.today(),
            area="M14",
            drug_described="x",
            more_than_one_dose=True,
        )
        db.session.add_all([referred, report])
        db.session.commit()
        area.alert_id = alert.id
        area.held_supply_id = held.id
        area.destination_id = destination.id
        area.referred_supply_id = referred.id
        area.field_report_id = report.id
    return result


def test_matrix(app, two_areas, actors):
    problems = []
    # Signing out comes last: it ends the actors' sessions and revokes their phones.
    for endpoint, rule in sorted(
        RULES.items(), key=lambda item: item[0] in ("auth.logout", "api.sign_out")
    ):
        with app.test_request_context():
            url = url_for(endpoint, **rule.args(two_areas.north))
        # Anonymous (with a CSRF token from the sign-in page, as a browser would have).
        anonymous = app.test_client()
        csrf = csrf_token_from(anonymous.get("/login")) if rule.method != "GET" else None
        response = _call(anonymous, rule, url, csrf=csrf, area=two_areas.north)
        if rule.auth != "public" and not _denied(response, rule.auth):
            problems.append(f"{endpoint}: anonymous got {response.status_code}")
        for (area_name, role), (actor, token) in actors.items():
            headers = {"Authorization": f"Bearer {token}"} if rule.auth == "device" else {}
            csrf = csrf_token_from(actor.get("/login")) if rule.method != "GET" else None
            response = _call(actor, rule, url, headers, csrf, area=two_areas.north)
            if rule.auth == "public":  # anyone may call it; it must simply not fail
                if response.status_code >= 500:
                    problems.append(f"{endpoint}: {area_name} {role} got {response.status_code}")
                continue
            may = role in rule.allowed and (area_name == "north" or not rule.about_area)
            if may and _denied(response, rule.auth):
                problems.append(f"{endpoint}: {area_name} {role} refused ({response.status_code})")
            if not may and not _denied(response, rule.auth):
                problems.append(f"{endpoint}: {area_name} {role} let in ({response.status_code})")
    assert problems == []
