"""Setting the coverage denominator: the commissioner's own figure, per area and year."""

from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import CoverageEstimate


def set_estimate(user, year: int, estimated_opiate_users: int, source: str) -> CoverageEstimate:
    """Create or replace the estimate for `user`'s area and `year` (flushes; caller commits)."""
    estimate = db.session.scalar(
        select(CoverageEstimate).where(
            CoverageEstimate.area_id == user.organisation_id, CoverageEstimate.year == year
        )
    )
    previous = None if estimate is None else estimate.estimated_opiate_users
    if estimate is None:
        estimate = CoverageEstimate(area_id=user.organisation_id, year=year)
        db.session.add(estimate)
    estimate.estimated_opiate_users = estimated_opiate_users
    estimate.source = (source or "").strip()[:200]
    db.session.flush()
    audit.record(
        "coverage_estimate.set",
        "coverage_estimate",
        estimate.id,
        user=user,
        year=year,
        estimated_opiate_users=estimated_opiate_users,
        previous=previous,
    )
    return estimate
