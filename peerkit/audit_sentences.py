"""The audit log read as sentences: "Sam Peer set up a phone (Pixel)".

One function per action, registered with `@says`. Audit events hold ids only
(peerkit.audit.record); names are looked up when the log is shown, in one query per kind of
object for the whole page (`Names`), so a renamed person reads under their current name.
`tests/test_audit_sentences.py` fails when an action recorded anywhere in the code has no
sentence here. Each sentence is one gettext call with named placeholders, so a language can
put the actor, the object and the count where its own word order wants them.
"""

from collections import defaultdict
from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
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

    _MODELS = {
        "user": User,
        "device": Device,
        "organisation": Organisation,
        "site": Site,
        "stock_batch": StockBatch,
        "drug_alert": DrugAlert,
        "product": Product,
        "referral_destination": ReferralDestination,
    }

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
                for row in db.session.scalars(select(model).where(model.id.in_(ids)))
            }
        owners = {d.user_id for d in self._rows.get("device", {}).values()} - {
            int(i) for i in self._rows.get("user", {})
        }
        if owners:
            self._rows.setdefault("user", {}).update(
                {str(u.id): u for u in db.session.scalars(select(User).where(User.id.in_(owners)))}
            )

    def get(self, kind: str, object_id):
        """The row of `kind` with that id, or None (an id from another area, say)."""
        return self._rows.get(kind, {}).get(str(object_id))

    def person(self, user_id, fallback: str | None = None) -> str:
        """A person's display name ("someone" when they cannot be found)."""
        user = self.get("user", user_id)
        if user:
            return user.display_name
        return _("someone") if fallback is None else fallback

    def actor(self, event: AuditEvent) -> str:
        """Who acted: a person, or the system (a command run on the server)."""
        return self.person(event.user_id, _("The system")) if event.user_id else _("The system")

    def phone(self, device_id) -> str:
        """ "Sam Peer's phone (Pixel)"."""
        device = self.get("device", device_id)
        if device is None:
            return _("a phone")
        if device.label:
            return _(
                "%(person)s's phone (%(label)s)",
                person=self.person(device.user_id),
                label=device.label,
            )
        return _("%(person)s's phone", person=self.person(device.user_id))

    def thing(self, event: AuditEvent, attribute: str = "name", fallback: str = "") -> str:
        """The event's object's name (or another attribute)."""
        row = self.get(event.object_type, event.object_id)
        return getattr(row, attribute) if row is not None else fallback


def describe(events: list[AuditEvent]) -> list[str]:
    """Each event as a sentence; an action nobody wrote a sentence for reads as its code."""
    names = Names(events)
    return [
        SENTENCES[e.action](names, e)
        if e.action in SENTENCES
        else f"{names.actor(e)}: {e.action} {e.object_type or ''} {e.object_id or ''}".strip()
        for e in events
    ]


def _uk_date(iso: str) -> str:
    """ "2027-01-31" as "31/01/2027" (a stored ISO date in the audit detail)."""
    return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}"


def _batch(names: Names, event: AuditEvent) -> str:
    batch = names.get("stock_batch", event.object_id)
    if batch is None:
        return _("a batch")
    return _("batch %(batch)s of %(product)s", batch=batch.batch_number, product=batch.product.name)


def _consents(count) -> str:
    return ngettext("%(num)s consent", "%(num)s consents", count or 0)


def _supplies(count) -> str:
    return ngettext("%(num)s supply", "%(num)s supplies", count or 0)


# ---- Accounts -------------------------------------------------------------------------


@says("login")
def _login(names, e):
    return _("%(actor)s signed in", actor=names.actor(e))


@says("logout")
def _logout(names, e):
    return _("%(actor)s signed out", actor=names.actor(e))


@says("user.password_set")
def _password_set(names, e):
    return _("%(actor)s set their password", actor=names.actor(e))


@says("user.create")
def _user_create(names, e):
    # The role is its stored code, as the filter above the log shows codes.
    return _(
        "%(actor)s added %(person)s (%(role)s)",
        actor=names.actor(e),
        person=names.person(e.object_id),
        role=e.detail.get("role", _("person")),
    )


@says("user.invite")
def _user_invite(names, e):
    if e.detail.get("delivery") == "email":
        return _(
            "%(actor)s emailed a set-up link for %(person)s",
            actor=names.actor(e),
            person=names.person(e.object_id),
        )
    return _(
        "%(actor)s made a set-up link for %(person)s",
        actor=names.actor(e),
        person=names.person(e.object_id),
    )


@says("user.unlock")
def _user_unlock(names, e):
    return _(
        "%(actor)s let %(person)s sign in again",
        actor=names.actor(e),
        person=names.person(e.object_id),
    )


@says("user.rename")
def _user_rename(names, e):
    return _(
        "%(actor)s renamed a person: now %(person)s",
        actor=names.actor(e),
        person=names.person(e.object_id),
    )


@says("user.move")
def _user_move(names, e):
    target = names.get("organisation", e.detail.get("to_organisation_id"))
    if target:
        return _(
            "%(actor)s moved %(person)s to %(organisation)s",
            actor=names.actor(e),
            person=names.person(e.object_id),
            organisation=target.name,
        )
    return _("%(actor)s moved %(person)s", actor=names.actor(e), person=names.person(e.object_id))


@says("user.deactivate")
def _user_deactivate(names, e):
    return ngettext(
        "%(actor)s deactivated %(person)s (%(num)s phone locked out)",
        "%(actor)s deactivated %(person)s (%(num)s phones locked out)",
        e.detail.get("phones_revoked") or 0,
        actor=names.actor(e),
        person=names.person(e.object_id),
    )


@says("user.reactivate")
def _user_reactivate(names, e):
    return _(
        "%(actor)s reactivated %(person)s", actor=names.actor(e), person=names.person(e.object_id)
    )


@says("supplier.sign_off")
def _sign_off(names, e):
    due = e.detail.get("refresher_due", "")
    if len(due) == 10:
        return _(
            "%(actor)s signed off %(person)s to give out kits, refresher due %(due)s",
            actor=names.actor(e),
            person=names.person(e.object_id),
            due=_uk_date(due),
        )
    return _(
        "%(actor)s signed off %(person)s to give out kits",
        actor=names.actor(e),
        person=names.person(e.object_id),
    )


@says("people.import")
def _people_import(names, e):
    return ngettext(
        "%(actor)s imported %(num)s person",
        "%(actor)s imported %(num)s people",
        e.detail.get("people") or 0,
        actor=names.actor(e),
    )


# ---- Phones ---------------------------------------------------------------------------


@says("device.enrol")
def _device_enrol(names, e):
    device = names.get("device", e.object_id)
    if device and device.label:
        return _("%(actor)s set up a phone (%(label)s)", actor=names.actor(e), label=device.label)
    return _("%(actor)s set up a phone", actor=names.actor(e))


@says("device.replace")
def _device_replace(names, e):
    return _(
        "%(actor)s set the same browser up again, which replaced %(phone)s",
        actor=names.actor(e),
        phone=names.phone(e.object_id),
    )


@says("device.revoke")
def _device_revoke(names, e):
    device = names.get("device", e.object_id)
    if device and device.revoked_reason:
        return _(
            "%(actor)s locked out %(phone)s: %(reason)s",
            actor=names.actor(e),
            phone=names.phone(e.object_id),
            reason=device.revoked_reason,
        )
    return _("%(actor)s locked out %(phone)s", actor=names.actor(e), phone=names.phone(e.object_id))


@says("device.sign_out")
def _device_sign_out(names, e):
    return _(
        "%(actor)s signed out on %(phone)s, which locked it out",
        actor=names.actor(e),
        phone=names.phone(e.object_id),
    )


@says("device.records_after_lockout")
def _records_after_lockout(names, e):
    return ngettext(
        "%(phone)s sent %(num)s record after it was locked out (held for review)",
        "%(phone)s sent %(num)s records after it was locked out (held for review)",
        e.detail.get("held") or 0,
        phone=names.phone(e.object_id),
    )


@says("device.notifications")
def _device_notifications(names, e):
    # The answer is the browser's own permission code ("granted", "denied").
    return _(
        "%(actor)s answered %(answer)s to alerts on %(phone)s",
        actor=names.actor(e),
        answer=e.detail.get("permission", "?"),
        phone=names.phone(e.object_id),
    )


# ---- Records and review ---------------------------------------------------------------

_RECORD_KINDS = {
    "kit_supply": _l("kit supply"),
    "training_session": _l("training session"),
    "naloxone_use_report": _l("use report"),
    "consent": _l("consent"),
    "stock_movement": _l("stock movement"),
    "field_report": _l("report of a bad batch"),
}


def _record_kind(event: AuditEvent) -> str:
    return str(_RECORD_KINDS.get(event.object_type, _l("record")))


@says("record.accept")
def _record_accept(names, e):
    return _(
        "%(actor)s accepted a held %(record)s: it counts from now on",
        actor=names.actor(e),
        record=_record_kind(e),
    )


@says("record.reject")
def _record_reject(names, e):
    return _(
        "%(actor)s rejected a held %(record)s: kept, never counted",
        actor=names.actor(e),
        record=_record_kind(e),
    )


@says("consent.withdraw")
def _consent_withdraw(names, e):
    return ngettext(
        "%(actor)s recorded a withdrawal of consent (the code was erased from %(num)s supply)",
        "%(actor)s recorded a withdrawal of consent (the code was erased from %(num)s supplies)",
        e.detail.get("supplies_erased") or 0,
        actor=names.actor(e),
    )


@says("referral.outcome")
def _referral_outcome(names, e):
    return _(
        "%(actor)s recorded a referral's outcome: %(outcome)s",
        actor=names.actor(e),
        outcome=e.detail.get("outcome", "?"),
    )


@says("referral_destination.create")
def _referral_destination_create(names, e):
    return _(
        "%(actor)s added a place to refer people to: %(place)s",
        actor=names.actor(e),
        place=names.thing(e),
    )


@says("referral_destination.retire")
def _referral_destination_retire(names, e):
    return _(
        "%(actor)s stopped offering referrals to %(place)s",
        actor=names.actor(e),
        place=names.thing(e),
    )


@says("field_report.dismiss")
def _field_report_dismiss(names, e):
    return _("%(actor)s dismissed a report of a bad batch", actor=names.actor(e))


# ---- Alerts ---------------------------------------------------------------------------


@says("drug_alert.create")
def _drug_alert_create(names, e):
    # One whole sentence per grading: the adjective's place and form differ by language.
    values = {
        "num": e.detail.get("phones") or 0,
        "actor": names.actor(e),
        "substance": names.thing(e, "substance", _("a substance")),
    }
    grading = e.detail.get("grading")
    if grading == "red":
        return ngettext(
            "%(actor)s sent a red drug alert about %(substance)s to %(num)s phone",
            "%(actor)s sent a red drug alert about %(substance)s to %(num)s phones",
            **values,
        )
    if grading == "amber":
        return ngettext(
            "%(actor)s sent an amber drug alert about %(substance)s to %(num)s phone",
            "%(actor)s sent an amber drug alert about %(substance)s to %(num)s phones",
            **values,
        )
    if grading == "info":
        return ngettext(
            "%(actor)s sent an information drug alert about %(substance)s to %(num)s phone",
            "%(actor)s sent an information drug alert about %(substance)s to %(num)s phones",
            **values,
        )
    return ngettext(
        "%(actor)s sent a drug alert about %(substance)s to %(num)s phone",
        "%(actor)s sent a drug alert about %(substance)s to %(num)s phones",
        **values,
    )


@says("drug_alert.withdraw")
def _drug_alert_withdraw(names, e):
    return _(
        "%(actor)s withdrew the drug alert about %(substance)s",
        actor=names.actor(e),
        substance=names.thing(e, "substance", _("a substance")),
    )


# ---- Stock ----------------------------------------------------------------------------

# A stock action is "stock.<kind>" for every movement kind: each gets its own sentence,
# whole, so that a language words each movement its own way.
_STOCK_SENTENCES = {
    "received": lambda n, **v: ngettext(
        "%(actor)s booked in %(num)s kit of %(batch)s",
        "%(actor)s booked in %(num)s kits of %(batch)s",
        n,
        **v,
    ),
    "transferred": lambda n, **v: ngettext(
        "%(actor)s handed out %(num)s kit of %(batch)s",
        "%(actor)s handed out %(num)s kits of %(batch)s",
        n,
        **v,
    ),
    "issued": lambda n, **v: ngettext(
        "%(actor)s issued %(num)s kit of %(batch)s",
        "%(actor)s issued %(num)s kits of %(batch)s",
        n,
        **v,
    ),
    "expired": lambda n, **v: ngettext(
        "%(actor)s wrote off as out of date %(num)s kit of %(batch)s",
        "%(actor)s wrote off as out of date %(num)s kits of %(batch)s",
        n,
        **v,
    ),
    "destroyed": lambda n, **v: ngettext(
        "%(actor)s wrote off as destroyed %(num)s kit of %(batch)s",
        "%(actor)s wrote off as destroyed %(num)s kits of %(batch)s",
        n,
        **v,
    ),
    "returned": lambda n, **v: ngettext(
        "%(actor)s took back %(num)s kit of %(batch)s",
        "%(actor)s took back %(num)s kits of %(batch)s",
        n,
        **v,
    ),
    "recalled": lambda n, **v: ngettext(
        "%(actor)s took back as recalled %(num)s kit of %(batch)s",
        "%(actor)s took back as recalled %(num)s kits of %(batch)s",
        n,
        **v,
    ),
    "damaged": lambda n, **v: ngettext(
        "%(actor)s wrote off as damaged %(num)s kit of %(batch)s",
        "%(actor)s wrote off as damaged %(num)s kits of %(batch)s",
        n,
        **v,
    ),
    "lost": lambda n, **v: ngettext(
        "%(actor)s wrote off as lost %(num)s kit of %(batch)s",
        "%(actor)s wrote off as lost %(num)s kits of %(batch)s",
        n,
        **v,
    ),
    "stolen": lambda n, **v: ngettext(
        "%(actor)s wrote off as stolen %(num)s kit of %(batch)s",
        "%(actor)s wrote off as stolen %(num)s kits of %(batch)s",
        n,
        **v,
    ),
}


def _stock_sentence(kind: str):
    def sentence(names, e):
        return _STOCK_SENTENCES[kind](
            e.detail.get("quantity") or 0, actor=names.actor(e), batch=_batch(names, e)
        )

    return sentence


for _kind in STOCK_MOVEMENT_KINDS:
    says(f"stock.{_kind}")(_stock_sentence(_kind))


@says("stock.recall")
def _stock_recall(names, e):
    return _("%(actor)s recalled %(batch)s", actor=names.actor(e), batch=_batch(names, e))


@says("product.add")
def _product_add(names, e):
    return _(
        "%(actor)s added %(product)s to the catalogue",
        actor=names.actor(e),
        product=names.thing(e, fallback=_("a product")),
    )


@says("product.retire")
def _product_retire(names, e):
    return _(
        "%(actor)s retired %(product)s from the catalogue",
        actor=names.actor(e),
        product=names.thing(e, fallback=_("a product")),
    )


# ---- Organisations and sites ----------------------------------------------------------


@says("organisation.create")
def _organisation_create(names, e):
    return _(
        "%(actor)s added the organisation %(organisation)s",
        actor=names.actor(e),
        organisation=names.thing(e),
    )


@says("organisation.rename")
def _organisation_rename(names, e):
    return _(
        "%(actor)s renamed an organisation: now %(organisation)s",
        actor=names.actor(e),
        organisation=names.thing(e),
    )


@says("site.create")
def _site_create(names, e):
    return _("%(actor)s added the site %(site)s", actor=names.actor(e), site=names.thing(e))


@says("site.rename")
def _site_rename(names, e):
    return _("%(actor)s renamed a site: now %(site)s", actor=names.actor(e), site=names.thing(e))


@says("site.close")
def _site_close(names, e):
    return _("%(actor)s closed the site %(site)s", actor=names.actor(e), site=names.thing(e))


@says("site.reopen")
def _site_reopen(names, e):
    return _("%(actor)s reopened the site %(site)s", actor=names.actor(e), site=names.thing(e))


# ---- Monitoring -----------------------------------------------------------------------


@says("export.summary_csv")
def _export_summary_csv(names, e):
    return ngettext(
        "%(actor)s downloaded the summary CSV (%(num)s record)",
        "%(actor)s downloaded the summary CSV (%(num)s records)",
        e.detail.get("records") or 0,
        actor=names.actor(e),
    )


@says("export.log_csv")
def _export_log_csv(names, e):
    return ngettext(
        "%(actor)s downloaded the distribution log CSV (%(num)s row)",
        "%(actor)s downloaded the distribution log CSV (%(num)s rows)",
        e.detail.get("rows") or 0,
        actor=names.actor(e),
    )


@says("export.board_report")
def _export_board_report(names, e):
    return ngettext(
        "%(actor)s opened the board report (%(num)s record)",
        "%(actor)s opened the board report (%(num)s records)",
        e.detail.get("records") or 0,
        actor=names.actor(e),
    )


@says("export.claims_statement")
def _export_claims_statement(names, e):
    return ngettext(
        "%(actor)s opened the claims statement of %(pharmacy)s for %(month)s (%(num)s kit)",
        "%(actor)s opened the claims statement of %(pharmacy)s for %(month)s (%(num)s kits)",
        e.detail.get("kits") or 0,
        actor=names.actor(e),
        pharmacy=names.thing(e),
        month=e.detail.get("month", "?"),
    )


@says("export.claims_csv")
def _export_claims_csv(names, e):
    return ngettext(
        "%(actor)s downloaded the claims CSV of %(pharmacy)s for %(month)s (%(num)s kit)",
        "%(actor)s downloaded the claims CSV of %(pharmacy)s for %(month)s (%(num)s kits)",
        e.detail.get("kits") or 0,
        actor=names.actor(e),
        pharmacy=names.thing(e),
        month=e.detail.get("month", "?"),
    )


@says("coverage_estimate.set")
def _coverage_estimate_set(names, e):
    return _(
        "%(actor)s set the estimate of opiate users for %(year)s to %(estimate)s",
        actor=names.actor(e),
        year=e.detail.get("year", "?"),
        estimate=e.detail.get("estimated_opiate_users", "?"),
    )


# ---- Privacy --------------------------------------------------------------------------


@says("privacy_notice.publish")
def _privacy_notice_publish(names, e):
    since = e.detail.get("in_force_from", "")
    if len(since) == 10:
        return _(
            "%(actor)s published privacy notice version %(version)s, in force from %(since)s",
            actor=names.actor(e),
            version=e.detail.get("version", "?"),
            since=_uk_date(since),
        )
    return _(
        "%(actor)s published privacy notice version %(version)s",
        actor=names.actor(e),
        version=e.detail.get("version", "?"),
    )


@says("retention.apply")
def _retention_apply(names, e):
    return ngettext(
        "%(actor)s applied retention in %(area)s: %(num)s recipient code erased",
        "%(actor)s applied retention in %(area)s: %(num)s recipient codes erased",
        e.detail.get("codes_erased") or 0,
        actor=names.actor(e),
        area=names.thing(e, fallback=_("an area")),
    )


@says("retention.set_periods")
def _retention_set_periods(names, e):
    return _(
        "%(actor)s set retention in %(area)s to %(supply_years)s years for supplies and "
        "%(code_years)s years for recipient codes",
        actor=names.actor(e),
        area=names.thing(e, fallback=_("an area")),
        supply_years=e.detail.get("supply_years", "?"),
        code_years=e.detail.get("code_years", "?"),
    )


@says("subject_access.look_up")
def _subject_access_look_up(names, e):
    return _(
        "%(actor)s looked up a person's records: %(consents)s, %(supplies)s",
        actor=names.actor(e),
        consents=_consents(e.detail.get("consents")),
        supplies=_supplies(e.detail.get("supplies")),
    )


@says("subject_access.export")
def _subject_access_export(names, e):
    return _(
        "%(actor)s downloaded a person's records: %(consents)s, %(supplies)s",
        actor=names.actor(e),
        consents=_consents(e.detail.get("consents")),
        supplies=_supplies(e.detail.get("supplies")),
    )


@says("subject_access.erase")
def _subject_access_erase(names, e):
    return _(
        "%(actor)s erased a person's recipient code: %(consents)s withdrawn, %(supplies)s cleared",
        actor=names.actor(e),
        consents=_consents(e.detail.get("consents_withdrawn")),
        supplies=_supplies(e.detail.get("supplies_erased")),
    )
