"""One date helper and one filter family (peerkit.clock): every date shown to a person or
written in a CSV is a UK date, "dd/mm/yyyy", whatever the language."""

import datetime as dt

from flask import render_template_string
from flask_babel import force_locale

from peerkit.clock import UK, format_uk_date, format_uk_datetime, uk_datetime
from peerkit.monitoring.exports import cell


def test_a_date_and_a_timestamp_give_the_uk_day(app):
    late_in_june = dt.datetime(2026, 6, 30, 23, 30)  # stored naive UTC: 00:30 BST on 1 July
    for locale in ("en_GB", "cy_GB"):
        with app.test_request_context(), force_locale(locale):
            assert format_uk_date(dt.date(2026, 1, 5)) == "05/01/2026"
            assert format_uk_date(late_in_june) == "01/07/2026"
            assert format_uk_date(dt.date(2026, 1, 5), year=False) == "05/01"
            assert format_uk_date(None) == ""


def test_an_aware_time_is_shown_in_the_uk_not_relabelled():
    uk_evening = dt.datetime(2026, 6, 30, 23, 30, tzinfo=UK)
    assert uk_datetime(uk_evening) == uk_evening
    assert format_uk_datetime(uk_evening) == "30/06/2026 23:30"
    assert format_uk_datetime(dt.datetime(2026, 6, 30, 22, 30)) == "30/06/2026 23:30"


def test_templates_and_csv_cells_use_the_same_helper(app):
    day, stored = dt.date(2026, 3, 9), dt.datetime(2026, 6, 30, 23, 30)
    with app.test_request_context():
        page = render_template_string(
            "{{ day|uk_date }} {{ at|uk_date }} {{ at|uk_datetime }}", day=day, at=stored
        )
        assert page == "09/03/2026 01/07/2026 01/07/2026 00:30"
        assert cell(day) == "09/03/2026"
        assert cell(uk_datetime(stored)) == "01/07/2026 00:30"
