"""A fast path for loading pushed records, derived from the marshmallow schemas.

`Schema.load` spends most of a push's validation time on its own machinery (an error store,
a closure and a validator chain built per field), not on the checks. `FastLoader` reads a
schema's fields once (type, required, allow_none, load_default, validators, field hooks and
schema hooks) and builds a plain function per field that does what the field's
`deserialize` does for the values phones send: JSON strings, integers, booleans, lists and
objects. It accepts a record only when every step succeeded; anything else (a missing
required field, a value of another type, a failed validator, a field or hook it was not
derived for) goes to `schema.load` itself, so every error message still comes from
marshmallow and the schemas stay the one source of truth. tests/test_fastload.py shows with
generated records that both give the same answer, the same messages and the same values.

What is derived: String, Integer, Boolean, Date, DateTime and AwareDateTime (ISO format),
UUID, List and Dict of those; any other field (e.g. `schemas.Area`) is run through its own
`deserialize`. A schema with pre_load or post_load hooks, data_key or attribute renames,
INCLUDE of unknown fields, or collection-level validators is not derived at all.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, missing
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA
from marshmallow.validate import Validator

ISO_FORMATS = (None, "iso", "iso8601")


class Unsure(Exception):
    """The fast path cannot vouch for this value: let the schema decide."""


def _validators(field: fields.Field) -> Callable[[Any], None]:
    """The field's validators as marshmallow's `And` runs them (a non-Validator callable
    returning False fails)."""
    validators = tuple(field.validators)
    if not validators:
        return lambda _value: None

    def run(value):
        for validator in validators:
            if validator(value) is False and not isinstance(validator, Validator):
                raise Unsure

    return run


def _same_type(kind: type, convert: Callable[[Any], Any] | None = None):
    """Accept values of exactly `kind` (as JSON decodes them), converted by `convert`."""
    if convert is None:

        def check(value):
            if type(value) is not kind:
                raise Unsure
            return value

        return check

    def check_and_convert(value):
        if type(value) is not kind:
            raise Unsure
        try:
            return convert(value)
        except ValueError as error:
            raise Unsure from error

    return check_and_convert


def _aware(default_timezone):
    def parse(text: str) -> dt.datetime:
        value = dt.datetime.fromisoformat(text)
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            if default_timezone is None:
                raise ValueError("naive")
            value = value.replace(tzinfo=default_timezone)
        return value

    return parse


def _convert(field: fields.Field) -> Callable[[Any], Any]:
    """What `field._deserialize` does, for the types it is derived for; else the field's own
    `_deserialize` (its errors make the record go to the schema)."""
    kind = type(field)
    if kind is fields.String:
        return _same_type(str)
    if kind is fields.Integer:
        # strict or not, a JSON integer (never a boolean) loads as itself
        return _same_type(int)
    if kind is fields.Boolean:
        truthy_ok = True in field.truthy and False in field.falsy

        def boolean(value):
            if (value is True or value is False) and truthy_ok:
                return value
            raise Unsure

        return boolean
    if kind is fields.Date and field.format in ISO_FORMATS:
        return _same_type(str, dt.date.fromisoformat)
    if kind is fields.DateTime and field.format in ISO_FORMATS:
        return _same_type(str, dt.datetime.fromisoformat)
    if kind is fields.AwareDateTime and field.format in ISO_FORMATS:
        return _same_type(str, _aware(field.default_timezone))
    if kind is fields.UUID:
        return _same_type(str, uuid.UUID)
    if kind is fields.List:
        inner = _field_loader(field.inner)

        def each(value):
            if type(value) is not list:
                raise Unsure
            return [inner(item) for item in value]

        return each
    if (
        kind is fields.Dict
        and field.value_field is None
        and (field.key_field is None or _plain_string(field.key_field))
    ):

        def mapping(value):
            if type(value) is not dict or any(type(key) is not str for key in value):
                raise Unsure
            return dict(value)

        return mapping

    def own(value):
        return field._deserialize(value, field.name, None)

    return own


def _plain_string(field: fields.Field) -> bool:
    return (
        type(field) is fields.String
        and not field.validators
        and not field.allow_none
        and not field.pre_load
        and not field.post_load
    )


def _field_loader(field: fields.Field) -> Callable[[Any], Any]:
    """`field.deserialize` for a value that is present: None, conversion, validators."""
    if field.pre_load or field.post_load:

        def own(value):
            return field.deserialize(value)

        return own
    convert, validate = _convert(field), _validators(field)
    allow_none = field.allow_none

    def load(value):
        if value is None:
            if allow_none:
                return None
            raise Unsure
        output = convert(value)
        validate(output)
        return output

    return load


class FastLoader:
    """Loads records as `schema.load` does, faster when the record is valid.

    `load` returns exactly what `schema.load` returns or raises what it raises; `fast`
    returns the loaded record, or raises `Unsure` where only the schema can answer.
    """

    def __init__(self, schema: Schema):
        self.schema = schema
        self._plan = self._derive(schema)

    @staticmethod
    def _derive(schema: Schema):
        hooks = schema._hooks
        if hooks[PRE_LOAD] or hooks[POST_LOAD] or schema.unknown not in (RAISE, EXCLUDE):
            return None
        if any(
            many or options.get("pass_original") for _name, many, options in hooks[VALIDATES_SCHEMA]
        ):
            return None
        plan = []
        for name, field in schema.load_fields.items():
            if field.data_key is not None or field.attribute is not None or "." in name:
                return None
            default = field.load_default
            plan.append((name, field.required, default, _field_loader(field)))
        field_hooks = []
        for attr_name, _many, options in hooks[VALIDATES]:
            for field_name in options["field_names"]:
                if field_name in schema.load_fields:
                    field_hooks.append((field_name, getattr(schema, attr_name)))
        schema_hooks = [
            getattr(schema, attr_name) for attr_name, _many, _options in hooks[VALIDATES_SCHEMA]
        ]
        names = frozenset(schema.load_fields)
        return plan, field_hooks, schema_hooks, names, schema.unknown == RAISE

    def fast(self, raw) -> dict:
        """The loaded record, when the derived checks vouch for all of it; else `Unsure`."""
        if self._plan is None or type(raw) is not dict:
            raise Unsure
        plan, field_hooks, schema_hooks, names, refuse_unknown = self._plan
        if refuse_unknown and not names.issuperset(raw):
            raise Unsure
        out = {}
        try:
            for name, required, default, load in plan:
                value = raw.get(name, missing)
                if value is missing:
                    if required:
                        raise Unsure
                    if default is not missing:
                        out[name] = default() if callable(default) else default
                    continue
                out[name] = load(value)
            for name, hook in field_hooks:
                if name in out and hook(out[name], data_key=name) is missing:
                    del out[name]
            for hook in schema_hooks:
                hook(out, partial=None, many=False, unknown=self.schema.unknown)
        except ValidationError as error:
            raise Unsure from error
        return out

    def load(self, raw) -> dict:
        """`schema.load(raw)`: by the fast path when it vouches, else by the schema."""
        try:
            return self.fast(raw)
        except Unsure:
            return self.schema.load(raw)
