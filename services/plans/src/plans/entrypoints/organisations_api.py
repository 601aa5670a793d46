"""The organisation registry over HTTP: anyone signed in reads it as it was on a date;
an administrator adds and changes organisations and records successions (docs/organisations.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from servicekit.messagebus import MessageBus

from ..domain import commands
from ..domain.organisation_registry import LEVELS, Organisation, OrganisationRegistry, Succession
from ..domain.organisation_seed import plain
from ..domain.text import fold
from .api import actor

blp = Blueprint(
    "organisations",
    __name__,
    url_prefix="/organisations",
    description="The organisation registry: organisations as data with history, read by date",
)


class OrganisationQuerySchema(Schema):
    at = fields.Date(metadata={"description": "The organisations as they were on this day (default: today)"})
    level = fields.String(validate=validate.OneOf(LEVELS))
    q = fields.String(
        validate=validate.Length(max=200), metadata={"description": "words of the name, accents optional"}
    )


class RecordSchema(Schema):
    """An organisation or a succession in the seed file's shape (docs/organisations.md); the
    registry checks it whole and names every problem."""

    class Meta:
        unknown = "include"


def bus() -> MessageBus:
    return current_app.extensions["plans"]


def registry() -> OrganisationRegistry:
    return bus().dependencies["organisation_registry"]()


def on_date(registry: OrganisationRegistry, organisation: Organisation, day: date) -> dict[str, Any]:
    name = organisation.name_on(day)
    in_force = organisation.in_force(day)
    return {
        "id": organisation.id,
        "kind": organisation.kind,
        "level": organisation.level_on(day),
        "name": name.full,
        "short_name": name.short,
        "abbreviation": name.abbreviation,
        "parent": organisation.parent_on(day),
        "place": registry.place_on(organisation.id, day) if in_force else None,
        "province": registry.province_on(organisation.id, day) if in_force else None,
        "agency_code": organisation.agency_code,
        "valid_from": organisation.period.valid_from,
        "valid_to": organisation.period.valid_to,
        "in_force": in_force,
    }


def succession_document(succession: Succession) -> dict[str, Any]:
    return {
        "predecessor": succession.predecessor,
        "successor": succession.successor,
        "reason": succession.reason,
        "date": succession.day,
        "act": succession.act,
        "duties": list(succession.duties),
    }


@blp.route("")
class Organisations(MethodView):
    @blp.doc(responses={"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}})
    @blp.arguments(OrganisationQuerySchema, location="query")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The organisations in force on a date (by level; searched by name, accents optional)"""
        day = args.get("at") or date.today()
        found = registry()
        words = fold(args.get("q") or "").split()
        items = []
        for organisation in found.in_force(day, level=args.get("level")):
            name = organisation.name_on(day)
            haystack = fold(f"{name.full} {name.short} {name.abbreviation} {organisation.id}")
            if all(word in haystack for word in words):
                items.append(on_date(found, organisation, day))
        return plain({"at": day, "items": items})

    @blp.arguments(RecordSchema)
    @blp.response(201)
    def post(self, record: dict[str, Any]) -> dict[str, Any]:
        """Add an organisation (admin)"""
        return bus().handle(commands.PutOrganisation(actor=actor(), record=record))


@blp.route("/<organisation_id>")
class OrganisationResource(MethodView):
    @blp.doc(responses={"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}})
    def get(self, organisation_id: str) -> dict[str, Any]:
        """An organisation with its history: dated names, predecessors, successors and every change"""
        found = registry()
        organisation = found.get(organisation_id)  # UnknownOrganisation: 404
        incoming, outgoing = found.successions_of(organisation_id)
        with bus().uow() as uow:
            changes = uow.organisations.changes(organisation_id)
        today = date.today()
        return plain(
            {
                **on_date(found, organisation, today),
                "names": [
                    {
                        "since": item.since,
                        "full": item.value.full,
                        "short": item.value.short,
                        "abbreviation": item.value.abbreviation,
                        "header": item.value.header,
                        "act": item.value.act,
                    }
                    for item in organisation.names
                ],
                "legacy_codes": list(organisation.legacy_codes),
                "predecessors": [succession_document(s) for s in incoming],
                "successors": [succession_document(s) for s in outgoing],
                "changes": [{**change, "changed_at": change["changed_at"].isoformat()} for change in changes],
            }
        )

    @blp.doc(responses={"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}})
    @blp.arguments(RecordSchema)
    def put(self, record: dict[str, Any], organisation_id: str) -> dict[str, Any]:
        """Replace an organisation's record (admin): a new dated name, an end date, its agency code…"""
        return bus().handle(commands.PutOrganisation(actor=actor(), record=record, organisation_id=organisation_id))


@blp.route("/<organisation_id>/successions")
class Successions(MethodView):
    @blp.arguments(RecordSchema)
    @blp.response(201)
    def post(self, record: dict[str, Any], organisation_id: str) -> dict[str, Any]:
        """Record that a successor took over this organisation's work (admin); a cycle is refused"""
        recorded = bus().handle(commands.RecordSuccession(actor=actor(), predecessor=organisation_id, record=record))
        return {"items": recorded}
