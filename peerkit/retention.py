"""Retention: erase what is kept longer than its period, keep every count.

Run daily by `flask peerkit apply-retention` (docs/OPERATIONS.md). Per commissioning area,
with the periods on the area's row (`Organisation.retention_supply_years`, default 7, and
`retention_code_years`, default 2):

- a supply older than the supply period loses its recipient code and its free text (the
  coordinator's review note); so do consents and use reports of that age (their notes),
  and field reports of that age lose what the person typed (drug, appearance, symptoms)
  and their notes: the report, its district, week and triage outcome stay;
- a recipient code whose last supply (or, with no supply, its consent) is older than the
  code period is erased from every consent and supply of the area that carries it.

Only codes and notes are emptied: no row is deleted and no counted field changes, so every
figure and daily summary stays as it was (tests/test_retention.py rebuilds them to prove
it). Running it twice changes nothing the second time. Each area's run is audited with
counts only.
"""

import datetime as dt

from sqlalchemy import func, select, union_all, update

from . import audit
from .clock import uk_today
from .consents import erase_codes
from .extensions import db
from .models import Consent, FieldReport, KitSupply, NaloxoneUseReport, Organisation
from .sync_feed import change_marks

# The longest period an admin may set, and the shortest (a code must outlive a repeat visit).
MAX_YEARS = 50
MIN_YEARS = 1


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


# What a field report's person typed; the columns are NOT NULL, so emptied to "".
FIELD_REPORT_TEXT = ("drug_described", "appearance", "unusual_symptoms")


def _erase_notes(
    model,
    date_column,
    organisation_ids,
    before: dt.date,
    with_code: bool = False,
    typed_text: tuple[str, ...] = (),
) -> int:
    """Empty the free text (and, for supplies, the code) of `model` rows dated before
    `before`; number the changed rows for phones. Returns how many changed."""
    has_something = model.review_note.is_not(None)
    values = {"review_note": None}
    if with_code:
        has_something = has_something | model.recipient_code.is_not(None)
        values["recipient_code"] = None
    for name in typed_text:
        has_something = has_something | (getattr(model, name) != "")
        values[name] = ""
    ids = db.session.scalars(
        select(model.id).where(
            model.organisation_id.in_(organisation_ids), date_column < before, has_something
        )
    ).all()
    for record_id, marks in zip(ids, change_marks(db.session, len(ids)), strict=True):
        db.session.execute(update(model).where(model.id == record_id).values(**marks, **values))
    return len(ids)


def _stale_codes(organisation_ids, before: dt.date) -> list[str]:
    """Codes of the area whose last supply (or consent, with no supply) is before `before`."""
    dated = union_all(
        select(KitSupply.recipient_code.label("code"), KitSupply.supplied_on.label("on")).where(
            KitSupply.organisation_id.in_(organisation_ids), KitSupply.recipient_code.is_not(None)
        ),
        select(Consent.recipient_code.label("code"), Consent.given_on.label("on")).where(
            Consent.organisation_id.in_(organisation_ids), Consent.recipient_code.is_not(None)
        ),
    ).subquery()
    return list(
        db.session.scalars(
            select(dated.c.code).group_by(dated.c.code).having(func.max(dated.c.on) < before)
        )
    )


def apply_to_area(area: Organisation, today: dt.date) -> dict[str, int]:
    """Apply the area's periods as of `today`; flush and audit. Returns the counts."""
    organisation_ids = select(Organisation.id).where(Organisation.area_id == area.id)
    supply_cutoff = years_before(today, area.retention_supply_years)
    counts = {
        "supplies_past_period": _erase_notes(
            KitSupply, KitSupply.supplied_on, organisation_ids, supply_cutoff, True
        ),
        "consent_notes": _erase_notes(
            Consent, Consent.given_on, organisation_ids, supply_cutoff, False
        ),
        "use_report_notes": _erase_notes(
            NaloxoneUseReport, NaloxoneUseReport.used_on, organisation_ids, supply_cutoff, False
        ),
        "field_report_text": _erase_notes(
            FieldReport,
            FieldReport.seen_on,
            organisation_ids,
            supply_cutoff,
            typed_text=FIELD_REPORT_TEXT,
        ),
    }
    codes = _stale_codes(organisation_ids, years_before(today, area.retention_code_years))
    erased = erase_codes(codes, organisation_ids) if codes else {"consents": 0, "supplies": 0}
    counts.update(
        codes_erased=len(codes),
        consents_code_erased=erased["consents"],
        supplies_code_erased=erased["supplies"],
    )
    db.session.flush()
    audit.record(
        "retention.apply",
        "organisation",
        area.id,
        user=None,
        supply_years=area.retention_supply_years,
        code_years=area.retention_code_years,
        **counts,
    )
    return counts


def apply_retention(today: dt.date | None = None) -> dict[int, dict[str, int]]:
    """Apply retention in every commissioning area; {area id: counts}. Flushes; the
    caller commits."""
    today = today or uk_today()
    areas = db.session.scalars(
        select(Organisation)
        .where(Organisation.kind == "commissioning_area")
        .order_by(Organisation.id)
    ).all()
    return {area.id: apply_to_area(area, today) for area in areas}


def set_periods(area: Organisation, supply_years: int, code_years: int, by) -> None:
    """An admin changes an area's periods (audited). Flushes."""
    for field, value in (("supply_years", supply_years), ("code_years", code_years)):
        if not MIN_YEARS <= value <= MAX_YEARS:
            raise ValueError(f"{field}: between {MIN_YEARS} and {MAX_YEARS} years.")
    # A statement, not attribute changes: the area row points at itself (area_id), which
    # the ORM's flush cannot order.
    db.session.execute(
        update(Organisation)
        .where(Organisation.id == area.id)
        .values(retention_supply_years=supply_years, retention_code_years=code_years)
    )
    audit.record(
        "retention.set_periods",
        "organisation",
        area.id,
        user=by,
        supply_years=supply_years,
        code_years=code_years,
    )
