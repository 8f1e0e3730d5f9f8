"""A test run that crosses midnight keeps one day (tests/run_clock.py).

The flake it prevents: a module computes TODAY at import, a sign-off is recorded on the
app's own "today" after midnight, and a supply dated TODAY is then held as made before the
sign-off, where the test expected it stored.
"""

import datetime as dt
import re

import time_machine

from peerkit.clock import UK, uk_now, uk_today

from . import api_helpers as h
from .conftest import csrf_token_from
from .run_clock import RUN_STARTED, midday_clock

ASSESSED_ON = re.compile(r'name="assessed_on"[^>]*value="([^"]+)"')


def test_a_run_started_a_second_before_midnight_keeps_its_day_past_it(
    client, auth, make_user, two_areas
):
    north = two_areas.north
    newcomer = make_user("peer", north.peers, username="newcomer", signed_off=False)
    token = h.token_for(newcomer)
    sign_off = f"/coordination/people/{newcomer.id}/sign-off"
    before_midnight = dt.datetime.combine(RUN_STARTED.date(), dt.time(23, 59, 59), UK)

    with time_machine.travel(before_midnight, tick=False) as real_clock:
        started, today = uk_now(), uk_today()  # a module computing TODAY at import
        real_clock.shift(dt.timedelta(seconds=2))  # the run goes on past midnight
        auth.login("north-coordinator")
        # Without the run's clock the app's day has moved on: a sign-off form filled in now
        # would date the sign-off after a supply made "today".
        page = client.get(sign_off).get_data(as_text=True)
        assert ASSESSED_ON.search(page).group(1) == (today + dt.timedelta(days=1)).isoformat()

        with midday_clock(today, started):
            assert uk_today() == dt.date.today() == today
            auth.login("north-coordinator")  # sessions are dated: sign in on this clock too
            form = client.get(sign_off)
            assessed_on = ASSESSED_ON.search(form.get_data(as_text=True)).group(1)
            assert assessed_on == today.isoformat()
            signed = client.post(
                sign_off,
                data={
                    "trained_on": assessed_on,
                    "assessed_on": assessed_on,
                    "csrf_token": csrf_token_from(form),
                },
            )
            assert signed.status_code == 302
            supply = h.kit_supply(
                north, supplied_on=today.isoformat(), client_created_at=uk_now().isoformat()
            )
            result = h.push(client, token, [supply]).json["results"][0]
            assert result["status"] == "stored"
