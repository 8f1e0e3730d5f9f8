"""One day for the whole test run, however long it takes.

Tests compute "today" when their module is imported (`TODAY = uk_today()`) and the app asks
the clock again while each test runs: a run that crosses midnight would compare yesterday's
dates with today's. So the in-process clock of every test reads the real clock moved to
midday (UK) of the day the run started. It still moves on, second by second, so timeouts,
token ages and orderings behave as usual; it only cannot reach midnight within a run
shorter than twelve hours. Chromium and other processes keep the real clock, so browser
tests and tests marked `real_clock` stay on it (tests/conftest.py).
"""

import datetime as dt

import time_machine

from peerkit.clock import UK

RUN_STARTED = dt.datetime.now(UK)


def midday_clock(day: dt.date, started: dt.datetime) -> time_machine.travel:
    """A time-machine traveller reading the current clock moved on by however long it is
    since `started`, from midday of `day` in the UK."""
    offset = dt.datetime.combine(day, dt.time(12), UK) - started
    return time_machine.travel(dt.datetime.now(UK) + offset, tick=True)


def run_clock() -> time_machine.travel:
    """The clock of this run: midday of the day it started, moving on from there."""
    return midday_clock(RUN_STARTED.date(), RUN_STARTED)
