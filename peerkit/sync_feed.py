"""Numbering changes for the pull cursor, in commit order, without making writers queue.

A phone that has pulled everything up to number n must never later find a new row below n.
docs/API.md has the proof; in short:

- SQLite (writes are serial anyway): every insert or update of a `Synced` row takes the
  next number from the one-row `sync_counter` inside the writing transaction, whose lock is
  held until commit, so a transaction that commits later holds larger numbers.
- PostgreSQL: a writer takes no lock. It marks each changed row pending with its own
  transaction id (`pg_current_xact_id()` into `sync_xid`). Before reading a page, a pull
  numbers every pending row it can see, that is every committed one, holding the counter
  row's lock in its own short transaction, so numbers are still handed out in commit
  order, by the numbering transactions alone. Pulls read only numbered rows.

Deletes leave a tombstone numbered straight from the counter on both databases (rare: a
coordinator deleting an alert, say). The counter stays the one source of numbers, so cursors
phones already hold stay valid and the restore procedure (docs/OPERATIONS.md) is unchanged.
"""

from sqlalchemy import event, insert, select, text, update
from sqlalchemy.orm import Session

from .extensions import db
from .models import SyncCounter, Synced, SyncTombstone


def next_numbers(session: Session, count: int) -> range:
    """Reserve `count` consecutive sync numbers in the current transaction (holding the
    counter's lock until it ends)."""
    if count <= 0:
        return range(0)
    top = session.execute(
        update(SyncCounter)
        .where(SyncCounter.id == 1)
        .values(value=SyncCounter.value + count)
        .returning(SyncCounter.value)
    ).scalar_one_or_none()
    if top is None:  # the migration seeds the row; this covers a database emptied by hand
        session.execute(insert(SyncCounter).values(id=1, value=count))
        top = count
    return range(top - count + 1, top + 1)


def change_marks(session: Session, count: int) -> list[dict]:
    """`sync_seq` and `sync_xid` values for `count` rows this transaction changes.

    SQLite: final numbers from the counter. PostgreSQL: pending, with this transaction's
    id; `sync_seq` holds the counter's current value meanwhile (read without locking it),
    so it is never empty, but no pull reads a row before `number_committed` numbers it.
    """
    if count <= 0:
        return []
    if session.get_bind().dialect.name != "postgresql":
        return [{"sync_seq": n, "sync_xid": None} for n in next_numbers(session, count)]
    current, xid = session.execute(
        select(
            select(SyncCounter.value).where(SyncCounter.id == 1).scalar_subquery(),
            text("pg_current_xact_id()::text::bigint"),
        )
    ).one()
    return [{"sync_seq": current or 0, "sync_xid": xid}] * count


def synced_tables() -> list:
    """The tables whose rows phones pull by number (every `Synced` model)."""
    return [t for t in db.Model.metadata.sorted_tables if "sync_xid" in t.c]


def number_committed(connection) -> int:
    """PostgreSQL: number every committed pending change (ordered by transaction id), in a short
    transaction on `connection` that the caller commits; return how many.

    The counter row is locked first, so numbering transactions run one at a time and each
    hands out numbers above every number committed before it. If another pull holds the
    lock it is numbering right now, and this one reads what is already numbered.
    """
    lock = text("SELECT value FROM sync_counter WHERE id = 1 FOR UPDATE SKIP LOCKED")
    top = connection.execute(lock).scalar()
    if top is None:
        # The migration seeds the row; this covers a database emptied by hand.
        created = connection.execute(
            text("INSERT INTO sync_counter (id, value) VALUES (1, 0) ON CONFLICT DO NOTHING")
        )
        if created.rowcount == 0:
            return 0
        top = connection.execute(lock).scalar()
    start = top
    for table in synced_tables():
        # SKIP LOCKED: a row a writer is changing again stays pending for the next pull,
        # so numbering never waits for a writer.
        top += connection.execute(
            text(
                f"WITH pending AS (SELECT id, sync_xid FROM {table.name} WHERE sync_xid IS NOT NULL"
                f" FOR UPDATE SKIP LOCKED), numbered AS (SELECT id, row_number() OVER "
                f"(ORDER BY sync_xid, id) AS n FROM pending) UPDATE {table.name} AS t "
                f"SET sync_seq = :top + numbered.n, sync_xid = NULL FROM numbered "
                f"WHERE t.id = numbered.id"
            ),
            {"top": top},
        ).rowcount
    if top != start:
        connection.execute(text("UPDATE sync_counter SET value = :top WHERE id = 1"), {"top": top})
    return top - start


def _entity_name(obj) -> str:
    return obj.__tablename__


@event.listens_for(Session, "before_flush")
def _stamp_changes(session: Session, _flush_context, _instances) -> None:
    changed = [
        o
        for o in (*session.new, *session.dirty)
        if isinstance(o, Synced) and (o in session.new or session.is_modified(o))
    ]
    deleted = [o for o in session.deleted if isinstance(o, Synced)]
    for obj, marks in zip(changed, change_marks(session, len(changed)), strict=True):
        obj.sync_seq, obj.sync_xid = marks["sync_seq"], marks["sync_xid"]
    for obj, number in zip(deleted, next_numbers(session, len(deleted)), strict=True):
        session.add(
            SyncTombstone(
                sync_seq=number,
                entity=_entity_name(obj),
                entity_id=str(obj.id),
                organisation_id=getattr(obj, "organisation_id", None),
                user_id=getattr(obj, "user_id", None),
            )
        )
