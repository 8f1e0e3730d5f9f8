"""What a phone pulls: changed reference data and its own records, by cursor; a snapshot.

The cursor is the highest sync number the phone has seen. Numbers are handed out in
commit order (peerkit/sync_feed.py; on PostgreSQL a pull first numbers committed changes),
and the page of changes is chosen in ONE statement (a UNION over every source), which sees
one consistent snapshot. Together these mean a
row numbered below the cursor can never appear after the phone has moved past it.
"""

import datetime as dt

from sqlalchemy import String, cast, literal, or_, select, true, union_all

from .. import alerts, privacy_notices, sync_feed, vocab, webpush
from ..api_messages import translate
from ..clock import uk_today
from ..extensions import db
from ..models import (
    Consent,
    DrugAlert,
    KitSupply,
    NaloxoneUseReport,
    Product,
    ReferralDestination,
    Site,
    StockBatch,
    SyncTombstone,
    TrainingSession,
    User,
    utcnow,
)
from ..rules import current_sign_off, supplier_authorised
from ..signing import recipient_code_salt
from ..stock import PERSONAL_HOLDER_ROLES, in_hand_detail, transfers_to_confirm

# A phone keeps its own records of the last 90 days, e.g. after being set up again.
OWN_RECORDS_DAYS = 90

# entity key in the answer (see schemas.ChangesSchema) -> model
ENTITIES = {
    "products": Product,
    "sites": Site,
    "batches": StockBatch,
    "alerts": DrugAlert,
    "referral_destinations": ReferralDestination,
    "training_sessions": TrainingSession,
    "consents": Consent,
    "kit_supplies": KitSupply,
    "naloxone_use_reports": NaloxoneUseReport,
}
TABLE_TO_ENTITY = {model.__tablename__: key for key, model in ENTITIES.items()}


def stock_holder_organisations(user: User) -> list[int]:
    """The user's organisation and the drug service that supplies its kits."""
    org = user.organisation
    return [org.id] + ([org.managed_by_id] if org.managed_by_id else [])


def _visibility(user: User) -> dict:
    holders = stock_holder_organisations(user)
    since = utcnow() - dt.timedelta(days=OWN_RECORDS_DAYS)
    own = {
        key: (ENTITIES[key].user_id == user.id) & (ENTITIES[key].received_at >= since)
        for key in ("training_sessions", "consents", "kit_supplies", "naloxone_use_reports")
    }
    return {
        "products": true(),
        "sites": Site.organisation_id == user.organisation_id,
        "batches": StockBatch.organisation_id.in_(holders),
        "alerts": alerts.visible_to(user),
        "referral_destinations": ReferralDestination.organisation_id.in_(holders),
        **own,
    }


def _page_of_changes(user: User, cursor: int, limit: int) -> list[tuple[str, str, int]]:
    """(entity, id, seq) of the next `limit` + 1 changes after `cursor`, in one statement."""
    branches = []
    for key, condition in _visibility(user).items():
        model = ENTITIES[key]
        branches.append(
            select(
                literal(key).label("entity"),
                cast(model.id, String).label("id"),
                model.sync_seq.label("seq"),
            )
            .where(model.sync_seq > cursor, model.sync_xid.is_(None), condition)
            .order_by(model.sync_seq)
            .limit(limit + 1)
            .subquery()
            .select()
        )
    branches.append(
        select(
            (literal("tombstone:") + SyncTombstone.entity).label("entity"),
            SyncTombstone.entity_id.label("id"),
            SyncTombstone.sync_seq.label("seq"),
        )
        .where(
            SyncTombstone.sync_seq > cursor,
            SyncTombstone.entity.in_(list(TABLE_TO_ENTITY)),
            or_(
                SyncTombstone.organisation_id.in_(stock_holder_organisations(user)),
                SyncTombstone.user_id == user.id,
                SyncTombstone.organisation_id.is_(None),
            ),
        )
        .order_by(SyncTombstone.sync_seq)
        .limit(limit + 1)
        .subquery()
        .select()
    )
    everything = union_all(*branches).subquery()
    return db.session.execute(
        select(everything.c.entity, everything.c.id, everything.c.seq)
        .order_by(everything.c.seq)
        .limit(limit + 1)
    ).all()


def _load(changes) -> tuple[dict, list]:
    wanted: dict[str, list[str]] = {key: [] for key in ENTITIES}
    tombstones = []
    for entity, entity_id, _seq in changes:
        if entity.startswith("tombstone:"):
            table = entity.split(":", 1)[1]
            tombstones.append({"entity": TABLE_TO_ENTITY[table], "id": entity_id})
        else:
            wanted[entity].append(entity_id)
    out = {}
    for key, ids in wanted.items():
        model = ENTITIES[key]
        if not ids:
            out[key] = []
            continue
        id_type = model.id.type.python_type
        rows = db.session.scalars(select(model).where(model.id.in_([id_type(i) for i in ids])))
        out[key] = sorted(rows, key=lambda r: r.sync_seq or 0)
    return out, tombstones


def snapshot(user: User) -> dict:
    """What the phone needs whatever its cursor: small, so sent whole each time."""
    today = uk_today()
    authorised, reason = supplier_authorised(user, today)
    sign_off = current_sign_off(user, today)
    if user.role in PERSONAL_HOLDER_ROLES:
        stock = [dict(row, site_id=None) for row in in_hand_detail(user_id=user.id)]
    else:
        stock = [
            dict(row, site_id=site.id)
            for site in user.organisation.sites
            for row in in_hand_detail(site_id=site.id)
        ]
    colleagues = db.session.scalars(
        select(User)
        .where(
            User.organisation_id == user.organisation_id, User.id != user.id, User.active.is_(True)
        )
        .order_by(User.display_name)
    ).all()
    return {
        "user": user,
        "colleagues": colleagues,
        "supplier": {
            "authorised": authorised,
            # Worded in English by rules.supplier_authorised; the phone shows it in its language.
            "reason": translate(reason),
            "refresher_due": sign_off.refresher_due if sign_off else None,
        },
        "stock_in_hand": stock,
        "transfers_to_confirm": transfers_to_confirm(
            user, uk_today() - dt.timedelta(days=OWN_RECORDS_DAYS)
        ),
        # English, the message ids: the field app translates them with its own catalogues.
        "vocabularies": vocab.labels_in_english(),
        # JSON objects come out sorted by key: this keeps each list in its meant order.
        "vocabulary_order": {name: list(terms) for name, terms in vocab.ALL.items()},
        "recipient_code_salt": recipient_code_salt(
            user.organisation.area_id or user.organisation_id
        ),
        "privacy_notice": privacy_notices.in_force(
            privacy_notices.versions(user.organisation), today
        ),
        "push_public_key": webpush.public_key(),
        "server_time": utcnow(),
    }


def pull(user: User, cursor: int, limit: int) -> dict:
    """One page of changes after `cursor`, plus the snapshot (objects: the view dumps them
    with schemas.PullResponseSchema)."""
    if db.engine.dialect.name == "postgresql":
        # Number committed changes first, in a transaction of its own that commits before
        # the page is read (peerkit/sync_feed.py; the proof is in docs/API.md).
        with db.engine.begin() as connection:
            sync_feed.number_committed(connection)
    page = _page_of_changes(user, cursor, limit)
    more = len(page) > limit
    page = page[:limit]
    changes, tombstones = _load(page)
    return {
        "cursor": page[-1][2] if page else cursor,
        "more": more,
        "changes": changes,
        "tombstones": tombstones,
        "snapshot": snapshot(user),
    }
