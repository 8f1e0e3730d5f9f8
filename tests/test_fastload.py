"""The push's fast validation path answers exactly as the marshmallow schemas do.

Records are generated per kind from each schema's own fields: good values (choices, ranges,
patterns, ISO dates and times, UUIDs, postcode districts) mixed with wrong types, values
just outside the limits, nulls, missing and unknown fields. For every record the fast path
either declines, or returns what `schema.load` returns; `FastLoader.load` always gives the
same values or the same field messages; and a record made only of values as phones send
them is never declined when the schema accepts it, so the fast path really carries pushes.
"""

import datetime as dt
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError, fields, validate

from peerkit.api.fastload import FastLoader, Unsure
from peerkit.api.push import _digest
from peerkit.api.schemas import RECORD_SCHEMAS, Area, PushRecordSchema

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.text(max_size=5),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _iso_time(value: dt.datetime, zone: str) -> str:
    text = value.isoformat()
    return {"naive": text, "z": text + "Z", "utc": text + "+00:00", "bst": text + "+01:00"}[zone]


def _good(field: fields.Field, phone_like: bool):
    """Values of the field's type, near and across its limits."""
    rules = {type(v): v for v in field.validators}
    if isinstance(field, Area):
        good = st.sampled_from(["M14", "m14 ", "UNKNOWN", "NB1", "SW1A", "M14 4AB", "", "??"])
    elif isinstance(field, fields.String):
        if validate.OneOf in rules:
            good = st.sampled_from(list(rules[validate.OneOf].choices))
        elif validate.Regexp in rules:
            good = st.from_regex(rules[validate.Regexp].regex, fullmatch=True) | st.text(
                max_size=70
            )
        else:
            length = rules.get(validate.Length)
            top = (length.max or 10) + 2 if length else 10
            good = st.text(max_size=min(top, 40)) | st.text(min_size=top - 3, max_size=top)
    elif isinstance(field, fields.Integer):
        span = rules.get(validate.Range)
        low = (span.min if span and span.min is not None else 0) - 2
        high = (span.max if span and span.max is not None else 50) + 2
        good = st.integers(low, high)
    elif isinstance(field, fields.Boolean):
        good = st.booleans()
        if not phone_like:
            good |= st.sampled_from(["true", "yes", 1, 0, "off"])
    elif isinstance(field, fields.AwareDateTime):
        times = st.datetimes(dt.datetime(2014, 6, 1), dt.datetime.now() + dt.timedelta(days=2))
        good = st.builds(_iso_time, times, st.sampled_from(["naive", "z", "utc", "bst"]))
    elif isinstance(field, fields.Date):
        good = st.dates(dt.date(2014, 10, 1), dt.date.today() + dt.timedelta(days=3)).map(
            dt.date.isoformat
        )
        if not phone_like:
            good |= st.sampled_from(["20250102", "2025-02-30", "2025-1-2"])
    elif isinstance(field, fields.UUID):
        good = st.uuids().map(str) | st.just(str(uuid.UUID(int=0)))
        if not phone_like:
            good |= st.uuids().map(lambda u: u.hex.upper()) | st.just("not-a-uuid")
    elif isinstance(field, fields.List):
        good = st.lists(_good(field.inner, phone_like), max_size=12)
    else:
        raise AssertionError(f"no generator for {type(field).__name__}")
    return good if phone_like else (good | JUNK)


@st.composite
def records(draw, schema, phone_like: bool):
    """A record for `schema`: each field good, junk, null or left out; maybe an extra key."""
    raw = {}
    for name, field in schema.load_fields.items():
        choice = draw(
            st.sampled_from(["value"] * 6 + ["missing"] + ([] if phone_like else ["null"]))
        )
        if choice == "value":
            raw[name] = draw(_good(field, phone_like))
        elif choice == "null":
            raw[name] = None
    if not phone_like and draw(st.booleans()) and draw(st.booleans()):
        raw[draw(st.text(min_size=1, max_size=6))] = draw(JUNK)
    return raw


def _outcome(load, raw):
    try:
        data = load(raw)
    except ValidationError as error:
        return "invalid", error.normalized_messages()
    return "loaded", data


KINDS = sorted(RECORD_SCHEMAS)
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("kind", KINDS)
@PROPERTY
@given(data=st.data())
def test_fast_path_loads_what_the_schema_loads_and_nothing_else(kind, data):
    schema = RECORD_SCHEMAS[kind]()
    loader = FastLoader(RECORD_SCHEMAS[kind]())
    raw = data.draw(records(schema, phone_like=data.draw(st.booleans())))
    expected = _outcome(schema.load, raw)
    try:
        fast = ("loaded", loader.fast(raw))
    except Unsure:
        fast = None
    if fast is not None:
        assert fast == expected
        assert _digest(kind, fast[1]) == _digest(kind, expected[1])
    assert _outcome(loader.load, raw) == expected


@pytest.mark.parametrize("kind", KINDS)
@PROPERTY
@given(data=st.data())
def test_fast_path_carries_every_valid_record_a_phone_sends(kind, data):
    schema = RECORD_SCHEMAS[kind]()
    loader = FastLoader(RECORD_SCHEMAS[kind]())
    raw = data.draw(records(schema, phone_like=True))
    status, expected = _outcome(schema.load, raw)
    if status == "loaded":
        assert loader.fast(raw) == expected


@PROPERTY
@given(
    raw=st.fixed_dictionaries(
        {},
        optional={
            "kind": st.sampled_from(KINDS) | JUNK,
            "id": st.uuids().map(str) | JUNK,
            "data": st.dictionaries(st.text(max_size=4), JUNK, max_size=3) | JUNK,
            "extra": JUNK,
        },
    )
)
def test_envelope_answers_as_its_schema(raw):
    schema = PushRecordSchema()
    loader = FastLoader(PushRecordSchema())
    assert _outcome(loader.load, raw) == _outcome(schema.load, raw)
    try:
        fast = loader.fast(raw)
    except Unsure:
        return
    assert fast == schema.load(raw)


def test_every_push_schema_is_derived_not_left_to_marshmallow():
    """A schema the derivation refuses would quietly fall back on every record."""
    for kind, schema in {**RECORD_SCHEMAS, "envelope": PushRecordSchema}.items():
        assert FastLoader(schema())._plan is not None, kind
