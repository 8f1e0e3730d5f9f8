"""The coordinator's screen for importing already-trained people from a CSV. Thin: read
the file, check it (dry run), import in one transaction (committed at the request boundary)."""

from flask import Response, render_template
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import roles_required
from ..extensions import db
from . import bp, importing
from .forms import ImportPeopleForm


@bp.get("/people/import/template.csv")
@roles_required("coordinator")
def import_template():
    """The CSV template to fill in (columns and two example rows)."""
    return Response(
        importing.TEMPLATE_CSV,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=people-import-template.csv"},
    )


@bp.route("/people/import", methods=["GET", "POST"])
@roles_required("coordinator")
def import_people():
    """Upload a CSV, see every problem by line and column, then import it all at once."""
    form = ImportPeopleForm()
    if not form.validate_on_submit():
        return render_template(
            "coordination/import.html", form=form, checked=None, csv_text=None
        ), (400 if form.errors else 200)
    checked, csv_text = None, None
    try:
        if form.confirm.data and form.csv_text.data:
            csv_text = form.csv_text.data
        elif form.csv_file.data:
            with form.csv_file.data.stream as upload:  # a large one is a temporary file
                csv_text = importing.decode(upload.read(importing.MAX_BYTES + 1))
        else:
            form.csv_file.errors.append(_("Choose the CSV file to check."))
    except ValueError as error:
        form.csv_file.errors.append(str(error))
    if csv_text is not None:
        checked = importing.check(csv_text, current_user)
    if checked is None or not checked.ok or not form.confirm.data:
        status = 200 if checked is not None and checked.ok else 400
        return render_template(
            "coordination/import.html",
            form=form,
            checked=checked,
            csv_text=csv_text if checked is not None and checked.ok else None,
        ), status
    try:
        people = importing.import_people(current_user, checked)
    except ValueError as error:  # a username taken since the dry run: nothing imported
        db.session.rollback()
        form.csv_file.errors.append(
            _("Nothing was imported: %(error)s Check the file again.", error=error)
        )
        return render_template(
            "coordination/import.html", form=form, checked=None, csv_text=None
        ), 409
    return render_template("coordination/import_done.html", people=people)
