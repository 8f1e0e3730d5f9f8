"""Bulk import of already-trained people from a CSV: dry run, then all or nothing."""

import datetime as dt
import html as html_module
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from peerkit.coordination import importing
from peerkit.coordination.importing import TEMPLATE_CSV
from peerkit.extensions import db
from peerkit.models import AuditEvent, SupplierSignOff, User

from .conftest import PASSWORD_HASH, AuthActions, csrf_token_from

URL = "/coordination/people/import"


def _upload(client, text: str, encoding="utf-8"):
    token = csrf_token_from(client.get(URL))
    return client.post(
        URL,
        content_type="multipart/form-data",
        data={
            "csrf_token": token,
            "check": "Check the file (dry run)",
            "csv_file": (io.BytesIO(text.encode(encoding)), "people.csv"),
        },
    )


def _confirm(client, page):
    html = page.get_data(as_text=True)
    csv_text = re.search(r'name="csv_text" value="([^"]*)"', html, re.S).group(1)
    return client.post(
        URL,
        data={
            "csrf_token": csrf_token_from(page),
            "csv_text": html_module.unescape(csv_text),
            "confirm": "Import these people",
        },
    )


def _good_csv(area) -> str:
    return (
        "\ufeffName,Username,Organisation,trained_on,assessed_on,Phone\r\n"
        f"Sam Peer,sam.peer,{area.peers.name},2026-03-02,2026-03-09,07700 900123\r\n"
        f"Alex Chemist,Alex.Chemist,{area.pharmacy.name.upper()},14/04/2026,14/04/2026,\r\n"
        ",,,,,\r\n"
    )


def _people_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_dry_run_lists_every_problem_by_line_and_column_and_changes_nothing(
    client, auth, two_areas
):
    auth.login("north-coordinator")
    before = _people_count()
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    text = (
        "name,username,organisation,trained_on,assessed_on\n"
        f"Ok Person,ok.person,north peers,2026-01-05,2026-01-06\n"
        f",x,north peers,2026-01-05,2026-01-06\n"  # line 3
        f"Dup,ok.person,south peers,05/01/2026,2026-13-01\n"  # line 4
        f"Late,late.one,north service,2026-01-05,{future}\n"  # line 5
        f"Taken,north-peer,north pharmacy,2026-02-05,2026-01-06\n"
    )  # line 6
    response = _upload(client, text)
    assert response.status_code == 400
    rows = re.findall(
        r"<tr><td>(\d+)</td><td>([a-z_]+)</td><td>([^<]+)</td></tr>",
        response.get_data(as_text=True),
    )
    found = [(int(line), column) for line, column, _ in rows]
    assert found == [
        (3, "name"),
        (3, "username"),
        (4, "username"),
        (4, "organisation"),
        (4, "assessed_on"),
        (5, "organisation"),
        (5, "assessed_on"),
        (6, "username"),
        (6, "assessed_on"),
    ]
    messages = {(int(line), column): message for line, column, message in rows}
    assert "same username is on line 2" in messages[(4, "username")]
    assert "not an organisation your service runs" in messages[(4, "organisation")]
    assert "already taken" in messages[(6, "username")]
    assert "Import these people" not in response.get_data(as_text=True)
    assert _people_count() == before


def test_missing_columns_and_wrong_encoding_are_explained(client, auth, two_areas):
    auth.login("north-coordinator")
    missing = _upload(client, "name,username\nA,a.person\n")
    assert missing.status_code == 400
    assert b"organisation, trained_on, assessed_on" in missing.data
    latin = _upload(
        client,
        "name,username,organisation,trained_on,assessed_on\n"
        "Zo\u00eb,zoe,north peers,2026-01-01,2026-01-02\n",
        "latin-1",
    )
    assert latin.status_code == 400 and b"save it as &#39;CSV UTF-8&#39;" in latin.data
    # (Through the reader the view uses: the test client cannot send a spooled upload
    # without leaking its temporary file.)
    with pytest.raises(ValueError, match="larger than 1 MB"):
        importing.decode(b"x" * (importing.MAX_BYTES + 1))


def test_import_creates_accounts_and_sign_offs_in_the_services_organisations(
    client, auth, two_areas, app
):
    north = two_areas.north
    auth.login("north-coordinator")
    before = _people_count()
    checked = _upload(client, _good_csv(north))
    assert checked.status_code == 200, checked.get_data(as_text=True)
    assert b"2 people ready to import" in checked.data
    assert b"Columns ignored: phone" in checked.data
    assert _people_count() == before  # the dry run changed nothing

    done = _confirm(client, checked)
    assert done.status_code == 200 and b"2 people imported" in done.data
    sam = db.session.scalar(select(User).where(User.username == "sam.peer"))
    alex = db.session.scalar(select(User).where(User.username == "alex.chemist"))
    assert (sam.role, sam.organisation_id, sam.display_name) == ("peer", north.peers.id, "Sam Peer")
    assert (alex.role, alex.organisation_id) == ("pharmacy", north.pharmacy.id)
    sign_off = db.session.scalar(select(SupplierSignOff).where(SupplierSignOff.user_id == sam.id))
    assert (sign_off.trained_on, sign_off.assessed_on, sign_off.refresher_due) == (
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 9),
        dt.date(2027, 3, 9),
    )
    assert sign_off.assessed_by_id == north.coordinator.id
    assert db.session.scalar(
        select(SupplierSignOff.assessed_on).where(SupplierSignOff.user_id == alex.id)
    ) == dt.date(2026, 4, 14)
    # No usable password until they follow a set-up link: the test password fails.
    assert sam.password_hash != PASSWORD_HASH
    other = app.test_client()
    assert "/login" in AuthActions(other).login("sam.peer").headers.get("Location", "/login")
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.user_id == north.coordinator.id)
    ).all()
    assert actions.count("user.create") == 2 and actions.count("supplier.sign_off") == 2
    assert actions.count("people.import") == 1
    # The people page lists them, so their set-up links can be sent.
    assert b"Sam Peer" in client.get("/coordination/people").data


def test_nothing_is_half_imported_when_a_username_goes_between_check_and_import(
    client, auth, two_areas, make_user, app
):
    north = two_areas.north
    auth.login("north-coordinator")
    checked = _upload(client, _good_csv(north))
    assert checked.status_code == 200
    make_user("peer", north.peers, username="alex.chemist")  # taken meanwhile
    before = _people_count()
    # The import checks the file again: the second person's line is now refused.
    response = _confirm(client, checked)
    assert response.status_code == 400
    assert re.search(
        r"<td>3</td><td>username</td><td>already taken", response.get_data(as_text=True)
    )
    assert _people_count() == before
    # Taken between the check and the inserts themselves: the first person, already
    # added in the transaction, goes too.
    with app.test_request_context():
        result = importing.check(
            _good_csv(north).replace("Alex.Chemist", "alex.c2"), north.coordinator
        )
        assert result.ok
        make_user("peer", north.peers, username="alex.c2")
        with pytest.raises(ValueError, match="username is taken"):
            importing.import_people(north.coordinator, result)
        db.session.rollback()
    assert db.session.scalar(select(User).where(User.username == "sam.peer")) is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "people.import")) is None


def test_template_download_matches_the_documented_template(client, auth, two_areas):
    auth.login("north-coordinator")
    response = client.get(URL + "/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    documented = Path(__file__).parent.parent / "docs" / "people-import-template.csv"
    assert response.get_data(as_text=True) == TEMPLATE_CSV == documented.read_bytes().decode()
