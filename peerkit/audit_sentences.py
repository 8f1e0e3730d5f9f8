"""The audit log read as sentences: "Sam Peer set up a phone (Pixel)".

One function per action, registered with `@says`. Audit events hold ids only
(peerkit.audit.record); names are looked up when the log is shown, in one query per kind of
object for the whole page (`Names`), so a renamed person reads under their current name.
`tests/test_audit_sentences.py` fails when an action recorded anywhere in the code has no
sentence here.
"""
from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import select

from .extensions import db
from .models import (
    AuditEvent,
    Device,
    DrugAlert,
    Organisation,
    Product,
    ReferralDestination,
    Site,
    StockBatch,
    User,
)
from .vocab import STOCK_MOVEMENT_KINDS

SENTENCES: dict[str, Callable[["Names", AuditEvent], str]] = {}


def says(action: str):
    """Register the function that turns an `action` event into a sentence."""
    def register(function):
        SENTENCES[action] = function
        return function
    return register


class Names:
    """Current names of every person, phone, place and batch a page of events mentions."""

    _MODELS = {"user": User, "device": Device, "organisation": Organisation, "site": Site,
               "stock_batch": StockBatch, "drug_alert": DrugAlert, "product": Product,
               "referral_destination": ReferralDestination}

    def __init__(self, events: list[AuditEvent]):
        wanted: dict[str, set] = defaultdict(set)
        for event in events:
            if event.user_id:
                wanted["user"].add(event.user_id)
            if event.object_type in self._MODELS and event.object_id:
                wanted[event.object_type].add(event.object_id)
        self._rows: dict[str, dict] = {}
        for kind, ids in wanted.items():
            model = self._MODELS[kind]
            if model.id.type.python_type is int:
                ids = {int(i) for i in ids if str(i).isdigit()}
            self._rows[kind] = {
                str(row.id): row
                for row in db.session.scalars(select(model).where(model.id.in_(ids)))}
        owners = {d.user_id for d in self._rows.get("device", {}).values()} - {
            int(i) for i in self._rows.get("user", {})}
        if owners:
            self._rows.setdefault("user", {}).update(
                {str(u.id): u for u in db.session.scalars(select(User).where(User.id.in_(owners)))})

    def get(self, kind: str, object_id):
        """The row of `kind` with that id, or None (an id from another area, say)."""
        return self._rows.get(kind, {}).get(str(object_id))

    def person(self, user_id, fallback: str = "someone") -> str:
        """A person's display name."""
        user = self.get("user", user_id)
        return user.display_name if user else fallback

    def actor(self, event: AuditEvent) -> str:
        """Who acted: a person, or the system (a command run on the server)."""
        return self.person(event.user_id, "The system") if event.user_id else "The system"

    def phone(self, device_id) -> str:
        """"Sam Peer's phone (Pixel)"."""
        device = self.get("device", device_id)
        if device is None:
            return "a phone"
        label = f" ({device.label})" if device.label else ""
        return f"{self.person(device.user_id)}'s phone{label}"

    def thing(self, event: AuditEvent, attribute: str = "name", fallback: str = "") -> str:
        """The event's object's name (or another attribute)."""
        row = self.get(event.object_type, event.object_id)
        return getattr(row, attribute) if row is not None else fallback


def describe(events: list[AuditEvent]) -> list[str]:
    """Each event as a sentence; an action nobody wrote a sentence for reads as its code."""
    names = Names(events)
    return [SENTENCES[e.action](names, e) if e.action in SENTENCES
            else f"{names.actor(e)}: {e.action} {e.object_type or ''} {e.object_id or ''}".strip()
            for e in events]


def _n(count, one: str, many: str | None = None) -> str:
    count = count or 0
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _batch(names: Names, event: AuditEvent) -> str:
    batch = names.get("stock_batch", event.object_id)
    return f"batch {batch.batch_number} of {batch.product.name}" if batch else "a batch"


# ---- Accounts -------------------------------------------------------------------------

@says("login")
def _login(names, e):
    return f"{names.actor(e)} signed in"


@says("logout")
def _logout(names, e):
    return f"{names.actor(e)} signed out"


@says("user.password_set")
def _password_set(names, e):
    return f"{names.actor(e)} set their password"


@says("user.create")
def _user_create(names, e):
    return f"{names.actor(e)} added {names.person(e.object_id)} ({e.detail.get('role', 'person')})"


@says("user.invite")
def _user_invite(names, e):
    how = "emailed" if e.detail.get("delivery") == "email" else "made"
    return f"{names.actor(e)} {how} a set-up link for {names.person(e.object_id)}"


@says("user.unlock")
def _user_unlock(names, e):
    return f"{names.actor(e)} let {names.person(e.object_id)} sign in again"


@says("user.rename")
def _user_rename(names, e):
    return f"{names.actor(e)} renamed a person: now {names.person(e.object_id)}"


@says("user.move")
def _user_move(names, e):
    target = names.get("organisation", e.detail.get("to_organisation_id"))
    where = f" to {target.name}" if target else ""
    return f"{names.actor(e)} moved {names.person(e.object_id)}{where}"


@says("user.deactivate")
def _user_deactivate(names, e):
    return (f"{names.actor(e)} deactivated {names.person(e.object_id)} "
            f"({_n(e.detail.get('phones_revoked'), 'phone')} locked out)")


@says("user.reactivate")
def _user_reactivate(names, e):
    return f"{names.actor(e)} reactivated {names.person(e.object_id)}"


@says("supplier.sign_off")
def _sign_off(names, e):
    due = e.detail.get("refresher_due", "")
    due = f", refresher due {due[8:10]}/{due[5:7]}/{due[:4]}" if len(due) == 10 else ""
    return f"{names.actor(e)} signed off {names.person(e.object_id)} to give out kits{due}"


@says("people.import")
def _people_import(names, e):
    return f"{names.actor(e)} imported {_n(e.detail.get('people'), 'person', 'people')}"


# ---- Phones ---------------------------------------------------------------------------

@says("device.enrol")
def _device_enrol(names, e):
    device = names.get("device", e.object_id)
    label = f" ({device.label})" if device and device.label else ""
    return f"{names.actor(e)} set up a phone{label}"


@says("device.replace")
def _device_replace(names, e):
    return (f"{names.actor(e)} set the same browser up again, which replaced "
            f"{names.phone(e.object_id)}")


@says("device.revoke")
def _device_revoke(names, e):
    device = names.get("device", e.object_id)
    reason = f": {device.revoked_reason}" if device and device.revoked_reason else ""
    return f"{names.actor(e)} locked out {names.phone(e.object_id)}{reason}"


@says("device.sign_out")
def _device_sign_out(names, e):
    return f"{names.actor(e)} signed out on {names.phone(e.object_id)}, which locked it out"


@says("device.records_after_lockout")
def _records_after_lockout(names, e):
    return (f"{names.phone(e.object_id)} sent {_n(e.detail.get('held'), 'record')} after it "
            "was locked out (held for review)")


@says("device.notifications")
def _device_notifications(names, e):
    return (f"{names.actor(e)} answered {e.detail.get('permission', '?')} to alerts on "
            f"{names.phone(e.object_id)}")


# ---- Records and review ---------------------------------------------------------------

_RECORD_KINDS = {"kit_supply": "kit supply", "training_session": "training session",
                 "naloxone_use_report": "use report", "consent": "consent",
                 "stock_movement": "stock movement", "field_report": "report of a bad batch"}


@says("record.accept")
def _record_accept(names, e):
    return (f"{names.actor(e)} accepted a held {_RECORD_KINDS.get(e.object_type, 'record')}: "
            "it counts from now on")


@says("record.reject")
def _record_reject(names, e):
    return (f"{names.actor(e)} rejected a held {_RECORD_KINDS.get(e.object_type, 'record')}: "
            "kept, never counted")


@says("consent.withdraw")
def _consent_withdraw(names, e):
    return (f"{names.actor(e)} recorded a withdrawal of consent (the code was erased from "
            f"{_n(e.detail.get('supplies_erased'), 'supply', 'supplies')})")


@says("referral.outcome")
def _referral_outcome(names, e):
    return f"{names.actor(e)} recorded a referral's outcome: {e.detail.get('outcome', '?')}"


@says("referral_destination.create")
def _referral_destination_create(names, e):
    return f"{names.actor(e)} added a place to refer people to: {names.thing(e)}"


@says("referral_destination.retire")
def _referral_destination_retire(names, e):
    return f"{names.actor(e)} stopped offering referrals to {names.thing(e)}"


@says("field_report.dismiss")
def _field_report_dismiss(names, e):
    return f"{names.actor(e)} dismissed a report of a bad batch"


# ---- Alerts ---------------------------------------------------------------------------

@says("drug_alert.create")
def _drug_alert_create(names, e):
    grading = {"red": "a red", "amber": "an amber", "info": "an information"}.get(
        e.detail.get("grading"), "a")
    return (f"{names.actor(e)} sent {grading} drug alert about "
            f"{names.thing(e, 'substance', 'a substance')} "
            f"to {_n(e.detail.get('phones'), 'phone')}")


@says("drug_alert.withdraw")
def _drug_alert_withdraw(names, e):
    return (f"{names.actor(e)} withdrew the drug alert about "
            f"{names.thing(e, 'substance', 'a substance')}")


# ---- Stock ----------------------------------------------------------------------------

def _stock_sentence(verb: str):
    def sentence(names, e):
        return (f"{names.actor(e)} {verb} {_n(e.detail.get('quantity'), 'kit')} "
                f"of {_batch(names, e)}")
    return sentence


# A stock action is "stock.<kind>" for every movement kind: each gets its own verb.
_STOCK_VERBS = {"received": "booked in", "transferred": "handed out", "issued": "issued",
                "expired": "wrote off as out of date", "destroyed": "wrote off as destroyed",
                "returned": "took back", "recalled": "took back as recalled",
                "damaged": "wrote off as damaged", "lost": "wrote off as lost",
                "stolen": "wrote off as stolen"}
for _kind in STOCK_MOVEMENT_KINDS:
    says(f"stock.{_kind}")(_stock_sentence(_STOCK_VERBS[_kind]))


@says("stock.recall")
def _stock_recall(names, e):
    return f"{names.actor(e)} recalled {_batch(names, e)}"


@says("product.add")
def _product_add(names, e):
    return f"{names.actor(e)} added {names.thing(e, fallback='a product')} to the catalogue"


@says("product.retire")
def _product_retire(names, e):
    return f"{names.actor(e)} retired {names.thing(e, fallback='a product')} from the catalogue"


# ---- Organisations and sites ----------------------------------------------------------

@says("organisation.create")
def _organisation_create(names, e):
    return f"{names.actor(e)} added the organisation {names.thing(e)}"


@says("organisation.rename")
def _organisation_rename(names, e):
    return f"{names.actor(e)} renamed an organisation: now {names.thing(e)}"


@says("site.create")
def _site_create(names, e):
    return f"{names.actor(e)} added the site {names.thing(e)}"


@says("site.rename")
def _site_rename(names, e):
    return f"{names.actor(e)} renamed a site: now {names.thing(e)}"


@says("site.close")
def _site_close(names, e):
    return f"{names.actor(e)} closed the site {names.thing(e)}"


@says("site.reopen")
def _site_reopen(names, e):
    return f"{names.actor(e)} reopened the site {names.thing(e)}"


# ---- Monitoring -----------------------------------------------------------------------

@says("export.summary_csv")
def _export_summary_csv(names, e):
    return f"{names.actor(e)} downloaded the summary CSV ({_n(e.detail.get('records'), 'record')})"


@says("export.log_csv")
def _export_log_csv(names, e):
    return (f"{names.actor(e)} downloaded the distribution log CSV "
            f"({_n(e.detail.get('rows'), 'row')})")


@says("export.board_report")
def _export_board_report(names, e):
    return f"{names.actor(e)} opened the board report ({_n(e.detail.get('records'), 'record')})"


@says("export.claims_statement")
def _export_claims_statement(names, e):
    return (f"{names.actor(e)} opened the claims statement of {names.thing(e)} for "
            f"{e.detail.get('month', '?')} ({_n(e.detail.get('kits'), 'kit')})")


@says("export.claims_csv")
def _export_claims_csv(names, e):
    return (f"{names.actor(e)} downloaded the claims CSV of {names.thing(e)} for "
            f"{e.detail.get('month', '?')} ({_n(e.detail.get('kits'), 'kit')})")


@says("coverage_estimate.set")
def _coverage_estimate_set(names, e):
    return (f"{names.actor(e)} set the estimate of opiate users for {e.detail.get('year', '?')} "
            f"to {e.detail.get('estimated_opiate_users', '?')}")


# ---- Privacy --------------------------------------------------------------------------

@says("privacy_notice.publish")
def _privacy_notice_publish(names, e):
    since = e.detail.get("in_force_from", "")
    since = f", in force from {since[8:10]}/{since[5:7]}/{since[:4]}" if len(since) == 10 else ""
    return (f"{names.actor(e)} published privacy notice version "
            f"{e.detail.get('version', '?')}{since}")


@says("retention.apply")
def _retention_apply(names, e):
    return (f"{names.actor(e)} applied retention in {names.thing(e, fallback='an area')}: "
            f"{_n(e.detail.get('codes_erased'), 'recipient code')} erased")


@says("retention.set_periods")
def _retention_set_periods(names, e):
    return (f"{names.actor(e)} set retention in {names.thing(e, fallback='an area')} to "
            f"{e.detail.get('supply_years', '?')} years for supplies and "
            f"{e.detail.get('code_years', '?')} years for recipient codes")


@says("subject_access.look_up")
def _subject_access_look_up(names, e):
    return (f"{names.actor(e)} looked up a person's records: "
            f"{_n(e.detail.get('consents'), 'consent')}, "
            f"{_n(e.detail.get('supplies'), 'supply', 'supplies')}")


@says("subject_access.export")
def _subject_access_export(names, e):
    return (f"{names.actor(e)} downloaded a person's records: "
            f"{_n(e.detail.get('consents'), 'consent')}, "
            f"{_n(e.detail.get('supplies'), 'supply', 'supplies')}")


@says("subject_access.erase")
def _subject_access_erase(names, e):
    return (f"{names.actor(e)} erased a person's recipient code: "
            f"{_n(e.detail.get('consents_withdrawn'), 'consent')} withdrawn, "
            f"{_n(e.detail.get('supplies_erased'), 'supply', 'supplies')} cleared")
