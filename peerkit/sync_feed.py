"""Numbering changes for the pull cursor, in commit order.

Every insert or update of a `Synced` row gets the next number from the one-row
`sync_counter`, taken inside the writing transaction. The counter's row lock is held until
that transaction ends, so a transaction that commits later always holds larger numbers:
a phone that has pulled everything up to n can never later find a new row below n. A
cursor on `updated_at` or a database sequence would skip rows that commit out of order
(docs/API.md explains why). Deletes leave a numbered tombstone.
"""
from sqlalchemy import event, insert, update
from sqlalchemy.orm import Session

from .models import SyncCounter, Synced, SyncTombstone


def next_numbers(session: Session, count: int) -> range:
    """Reserve `count` consecutive sync numbers in the current transaction."""
    if count <= 0:
        return range(0)
    top = session.execute(
        update(SyncCounter).where(SyncCounter.id == 1)
        .values(value=SyncCounter.value + count).returning(SyncCounter.value)
    ).scalar_one_or_none()
    if top is None:  # the migration seeds the row; this covers a database emptied by hand
        session.execute(insert(SyncCounter).values(id=1, value=count))
        top = count
    return range(top - count + 1, top + 1)


def _entity_name(obj) -> str:
    return obj.__tablename__


@event.listens_for(Session, "before_flush")
def _stamp_changes(session: Session, _flush_context, _instances) -> None:
    changed = [o for o in (*session.new, *session.dirty)
               if isinstance(o, Synced) and (o in session.new or session.is_modified(o))]
    deleted = [o for o in session.deleted if isinstance(o, Synced)]
    if not changed and not deleted:
        return
    numbers = iter(next_numbers(session, len(changed) + len(deleted)))
    for obj in changed:
        obj.sync_seq = next(numbers)
    for obj in deleted:
        session.add(SyncTombstone(
            sync_seq=next(numbers), entity=_entity_name(obj), entity_id=str(obj.id),
            organisation_id=getattr(obj, "organisation_id", None),
            user_id=getattr(obj, "user_id", None)))
