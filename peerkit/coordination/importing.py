"""Bulk import of people a service has already trained and signed off, from a CSV.

Two steps: `check` reads the file and lists every problem by line and column without
changing anything (the dry run); `import_people` then creates every account and sign-off
in the caller's one transaction, or, if anything fails, none (the view rolls back).

The template (`TEMPLATE_CSV`, served from the import screen and kept as
docs/people-import-template.csv) has one row per person:

    name, username, organisation, trained_on, assessed_on

`organisation` names a peer group, partner agency or pharmacy the coordinator's service
runs; it sets the role (peer group or partner agency: peer; pharmacy: pharmacy). Dates are
YYYY-MM-DD or DD/MM/YYYY. Other columns are ignored, and never stored.
"""

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import audit
from ..clock import uk_today
from ..extensions import db
from ..models import Organisation, SupplierSignOff, User
from ..scoping import managed_organisation_ids
from . import operations

COLUMNS = ("name", "username", "organisation", "trained_on", "assessed_on")
MAX_ROWS = 1000
MAX_BYTES = 1_000_000  # far above 1,000 rows of these columns
USERNAME = re.compile(r"^[a-z0-9._-]{3,80}$")

TEMPLATE_CSV = (
    "name,username,organisation,trained_on,assessed_on\r\n"
    "Sam Peer,sam.peer,Northbridge Peer Network,2026-03-02,2026-03-09\r\n"
    "Alex Chemist,alex.chemist,High Street Pharmacy,14/04/2026,14/04/2026\r\n"
)


@dataclass
class RowError:
    """One problem: the file's line number (the header is line 1), the column, what."""

    line: int
    column: str
    message: str


@dataclass
class PersonRow:
    """One person, checked and ready to import."""

    line: int
    name: str
    username: str
    organisation: Organisation
    role: str
    trained_on: dt.date
    assessed_on: dt.date


@dataclass
class ImportCheck:
    """The dry run's answer: the people ready to import, or the errors that stop it."""

    rows: list[PersonRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the file can be imported as it is."""
        return not self.errors and bool(self.rows)


def decode(data: bytes) -> str:
    """The file's text; spreadsheets save UTF-8 with or without a byte-order mark."""
    if len(data) > MAX_BYTES:
        raise ValueError(_("The file is larger than %(n)s MB: split it.", n=MAX_BYTES // 1_000_000))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(
            _("The file is not UTF-8 text: in your spreadsheet, save it as 'CSV UTF-8'.")
        ) from None


def _date(value: str) -> dt.date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(_("use YYYY-MM-DD or DD/MM/YYYY, e.g. 2026-03-09."))


def _role_for(kind: str) -> str | None:
    for role, kinds in operations.ROLE_ORGANISATION_KINDS.items():
        if kind in kinds:
            return role
    return None


def check(text: str, coordinator: User) -> ImportCheck:
    """Read and check the CSV for `coordinator`'s service; change nothing."""
    result = ImportCheck()
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        result.errors.append(
            RowError(
                1,
                ", ".join(missing),
                _(
                    "missing column(s); the first line must name %(columns)s.",
                    columns=", ".join(COLUMNS),
                ),
            )
        )
        return result
    reader.fieldnames = header
    result.ignored_columns = [name for name in header if name and name not in COLUMNS]

    organisations = {
        organisation.name.strip().lower(): organisation
        for organisation in db.session.scalars(
            select(Organisation).where(Organisation.id.in_(managed_organisation_ids(coordinator)))
        )
    }
    seen: dict[str, int] = {}
    entries = []
    line = 1
    for record in reader:
        line = reader.line_num
        values = {column: (record.get(column) or "").strip() for column in COLUMNS}
        if not any(values.values()):
            continue  # spreadsheets leave blank rows at the end
        if len(entries) == MAX_ROWS:
            result.errors.append(
                RowError(
                    line,
                    "file",
                    _("more than %(n)s people: split the file and import each part.", n=MAX_ROWS),
                )
            )
            break
        entries.append((line, values))

    for line, values in entries:
        errors = []
        name = values["name"]
        if not name:
            errors.append(RowError(line, "name", _("give the person's name.")))
        elif len(name) > 120:
            errors.append(RowError(line, "name", _("at most 120 characters.")))
        username = values["username"].lower()
        if not USERNAME.match(username):
            errors.append(
                RowError(
                    line,
                    "username",
                    _("3-80 lower-case letters, digits, dots, dashes or underscores."),
                )
            )
        elif username in seen:
            errors.append(
                RowError(
                    line,
                    "username",
                    _("the same username is on line %(line)s.", line=seen[username]),
                )
            )
        else:
            seen[username] = line
        organisation = organisations.get(values["organisation"].lower())
        role = _role_for(organisation.kind) if organisation is not None else None
        if not values["organisation"]:
            errors.append(RowError(line, "organisation", _("name the person's organisation.")))
        elif organisation is None:
            errors.append(
                RowError(
                    line,
                    "organisation",
                    _(
                        "not an organisation your service "
                        "runs: use its name as on the Organisations page."
                    ),
                )
            )
        elif role is None:
            errors.append(
                RowError(
                    line,
                    "organisation",
                    _(
                        "people are imported into a peer "
                        "group, partner agency or pharmacy, not the service."
                    ),
                )
            )
        dates = {}
        for column in ("trained_on", "assessed_on"):
            try:
                dates[column] = _date(values[column])
            except ValueError as error:
                errors.append(
                    RowError(line, column, str(error) if values[column] else _("give the date."))
                )
        if len(dates) == 2:
            if dates["assessed_on"] < dates["trained_on"]:
                errors.append(
                    RowError(
                        line,
                        "assessed_on",
                        _("competency is assessed after the training, not before."),
                    )
                )
            if dates["assessed_on"] > uk_today():
                errors.append(RowError(line, "assessed_on", _("the date is in the future.")))
        if errors:
            result.errors.extend(errors)
        else:
            result.rows.append(
                PersonRow(
                    line,
                    name,
                    username,
                    organisation,
                    role,
                    dates["trained_on"],
                    dates["assessed_on"],
                )
            )

    if seen:
        taken = set(
            db.session.scalars(
                select(func.lower(User.username)).where(func.lower(User.username).in_(list(seen)))
            )
        )
        for username in sorted(taken, key=seen.get):
            result.errors.append(
                RowError(seen[username], "username", _("already taken by an existing account."))
            )
        result.rows = [row for row in result.rows if row.username not in taken]
    if not entries and not result.errors:
        result.errors.append(RowError(2, "file", _("no people in the file.")))
    result.errors.sort(
        key=lambda error: (
            error.line,
            COLUMNS.index(error.column) if error.column in COLUMNS else -1,
        )
    )
    return result


def import_people(coordinator: User, checked: ImportCheck) -> list[tuple[User, SupplierSignOff]]:
    """Create every checked person with their sign-off, in the caller's transaction.

    Accounts have no usable password until the person follows a set-up link (as for one
    person added on screen). The refresher falls due twelve months after assessment.
    Raises ValueError (from `create_person`) if, since the dry run, a username was taken:
    the caller rolls back, so nothing is half imported.
    """
    if not checked.ok:
        raise ValueError(_("The file has errors: fix them and check it again."))
    people = []
    for row in checked.rows:
        person = operations.create_person(
            coordinator, row.name, row.username, row.organisation.id, row.role
        )
        record = operations.sign_off(coordinator, person, row.trained_on, row.assessed_on)
        people.append((person, record))
    audit.record(
        "people.import",
        "organisation",
        coordinator.organisation_id,
        user=coordinator,
        people=len(people),
    )
    return people
