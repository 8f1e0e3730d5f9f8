"""The service's phones: who has which, when each last synced, and locking a lost one out."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import devices
from ..auth.access import roles_required
from ..models import utcnow
from . import bp, operations, phones
from .forms import RevokeDeviceForm


@bp.get("/devices")
@roles_required("coordinator")
def device_list():
    """Every phone of the service's people, grouped by person: last sync, waiting, lock-out."""
    people = phones.phones_of_service(current_user, utcnow())
    return render_template(
        "coordination/devices.html",
        people=people,
        in_use=phones.in_use_count(people),
        silent=phones.silent_count(people),
        form=RevokeDeviceForm(),
    )


@bp.post("/devices/<device_id>/revoke")
@roles_required("coordinator")
def revoke(device_id):
    """Lock a lost phone out at once (audited by devices.revoke_device)."""
    device = operations.managed_device(current_user, device_id)
    form = RevokeDeviceForm()
    if not form.validate_on_submit():
        flash(_("Give a reason to lock the phone out."), "error")
        return redirect(url_for("coordination.device_list"))
    devices.revoke_device(device, current_user, form.reason.data)
    waiting = device.records_waiting or 0
    flash(
        _(
            "%(phone)s is locked out. When it last synced it had %(n)s record(s) waiting: "
            "if it connects again it sends what it has, which is kept and held for review, "
            "and then deletes PeerKit's data.",
            phone=device.label or _("The phone"),
            n=waiting,
        ),
        "info",
    )
    return redirect(url_for("coordination.device_list"))
