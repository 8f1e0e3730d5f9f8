"""The one place that decides whose field data a user may see.

Every query of field records (supplies, training, consents, use reports, stock movements,
devices, alerts) goes through `scoped`, so the rule lives here and nowhere else:

- peer, pharmacy staff and partner agencies' carriers: their own organisation's records;
- coordinators: their drug service and the organisations it manages (peer groups,
  pharmacies, partner agencies);
- commissioners: every organisation in their commissioning area;
- admins: organisations and accounts, but no field data at all.
"""

from sqlalchemy import Select, false, or_, select

from .models import Organisation, User


def visible_organisation_ids(user: User) -> Select:
    """A subquery of the organisation ids whose field data `user` may read."""
    ids = select(Organisation.id)
    if user.role == "commissioner":
        return ids.where(Organisation.area_id == user.organisation_id)
    if user.role == "coordinator":
        return ids.where(
            or_(
                Organisation.id == user.organisation_id,
                Organisation.managed_by_id == user.organisation_id,
            )
        )
    if user.role in ("peer", "pharmacy", "carrier"):
        return ids.where(Organisation.id == user.organisation_id)
    return ids.where(false())


def scoped(statement: Select, model, user: User, column=None) -> Select:
    """Restrict `statement` over `model` to the rows `user` may see.

    `column` names the organisation column when it is not `model.organisation_id`.
    """
    column = column if column is not None else model.organisation_id
    return statement.where(column.in_(visible_organisation_ids(user)))


def can_see_organisation(user: User, organisation_id: int) -> bool:
    """True when `organisation_id` is inside `user`'s scope."""
    from .extensions import db

    return (
        db.session.scalar(visible_organisation_ids(user).where(Organisation.id == organisation_id))
        is not None
    )


def managed_organisation_ids(user: User) -> Select:
    """Organisations whose people, sites and stock a coordinator may change."""
    if user.role != "coordinator":
        return select(Organisation.id).where(false())
    return visible_organisation_ids(user)
