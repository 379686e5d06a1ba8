"""The OpenAPI 3.1 description of the API, with HSDS's own schemas for the records it returns."""

from __future__ import annotations

from typing import Any

HSDS_SCHEMA = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/compiled"


def _page_of(item_ref: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty"],
        "properties": {
            "total_items": {"type": "integer", "minimum": 0},
            "total_pages": {"type": "integer", "minimum": 1},
            "page_number": {"type": "integer", "minimum": 1},
            "size": {"type": "integer", "minimum": 0},
            "first_page": {"type": "boolean"},
            "last_page": {"type": "boolean"},
            "empty": {"type": "boolean"},
            "contents": {"type": "array", "items": {"$ref": item_ref}},
            "suggestion": {"type": ["string", "null"], "description": "With search: 'Did you mean ...?'"},
            "facets": {
                "type": "object",
                "description": "With search: counts per agency, category, life_event, channel and language.",
                "additionalProperties": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "count"],
                        "properties": {
                            "id": {"type": "string"},
                            "slug": {"type": "string"},
                            "name": {"type": "string"},
                            "count": {"type": "integer", "minimum": 1},
                        },
                    },
                },
            },
        },
    }


def _parameter(name: str, description: str, schema: dict[str, Any], where: str = "query") -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "description": description,
        "schema": schema,
    }


PROBLEM = {"$ref": "#/components/responses/Problem"}
LANG = _parameter("lang", "Language of the text (BCP 47); falls back to the catalogue's default.", {"type": "string"})
PAGE = _parameter("page", "Page number, from 1.", {"type": "integer", "minimum": 1, "default": 1})
PER_PAGE = _parameter("per_page", "Records per page.", {"type": "integer", "minimum": 1, "maximum": 100, "default": 50})


def document(server_url: str) -> dict[str, Any]:
    """The OpenAPI document, with the server's own base URL."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Service Finder API",
            "version": "1.0.0",
            "description": "Public services of the whole government, as Open Referral HSDS 3.0 records. "
            "Only published services are listed.",
        },
        "servers": [{"url": server_url.rstrip("/")}],
        "paths": {
            "/": {
                "get": {
                    "summary": "About this API and its HSDS profile",
                    "operationId": "getApiMeta",
                    "responses": {
                        "200": {
                            "description": "Version, profile and where this document is.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["version", "profile", "openapi_url"],
                                        "properties": {
                                            "version": {"type": "string"},
                                            "profile": {"type": "string", "format": "uri"},
                                            "openapi_url": {"type": "string", "format": "uri"},
                                        },
                                    }
                                }
                            },
                        }
                    },
                }
            },
            "/services": {
                "get": {
                    "summary": "List published services",
                    "operationId": "listServices",
                    "parameters": [
                        PAGE,
                        PER_PAGE,
                        LANG,
                        _parameter("organization_id", "Only this organization's services.", {"type": "string"}),
                        _parameter("taxonomy_term_id", "Only services with this category.", {"type": "string"}),
                        _parameter(
                            "modified_after",
                            "Only services changed after this time (ISO 8601).",
                            {"type": "string", "format": "date-time"},
                        ),
                        _parameter(
                            "search",
                            "Words to search for; results come ranked, with facets and a suggestion.",
                            {"type": "string", "maxLength": 10000},
                        ),
                        _parameter("life_event", "Only services of this life event (slug or id).", {"type": "string"}),
                        _parameter(
                            "channel",
                            "Only services delivered this way.",
                            {"enum": ["online", "phone", "sms", "email", "in_person"]},
                        ),
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of services.",
                            "content": {"application/json": {"schema": _page_of("#/components/schemas/Service")}},
                        },
                        "400": PROBLEM,
                    },
                }
            },
            "/services/{id}": {
                "get": {
                    "summary": "One published service, fully nested",
                    "operationId": "getService",
                    "parameters": [_parameter("id", "The service's id.", {"type": "string"}, "path"), LANG],
                    "responses": {
                        "200": {
                            "description": "The service.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Service"}}},
                        },
                        "400": PROBLEM,
                        "404": PROBLEM,
                    },
                }
            },
            "/organizations": {
                "get": {
                    "summary": "List organizations (agencies)",
                    "operationId": "listOrganizations",
                    "parameters": [PAGE, PER_PAGE, LANG],
                    "responses": {
                        "200": {
                            "description": "A page of organizations.",
                            "content": {"application/json": {"schema": _page_of("#/components/schemas/Organization")}},
                        },
                        "400": PROBLEM,
                    },
                }
            },
            "/organizations/{id}": {
                "get": {
                    "summary": "One organization",
                    "operationId": "getOrganization",
                    "parameters": [
                        _parameter("id", "The organization's id.", {"type": "string"}, "path"),
                        LANG,
                    ],
                    "responses": {
                        "200": {
                            "description": "The organization.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Organization"}}},
                        },
                        "400": PROBLEM,
                        "404": PROBLEM,
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Service": {
                    "type": "object",
                    "description": f"An HSDS 3.0 service ({HSDS_SCHEMA}/service_full.json).",
                    "required": ["id", "name", "status"],
                    "properties": {
                        "id": {"type": "string"},
                        "name": {"type": "string"},
                        "status": {"enum": ["active", "inactive", "defunct", "temporarily closed"]},
                    },
                },
                "Organization": {
                    "type": "object",
                    "description": f"An HSDS 3.0 organization ({HSDS_SCHEMA}/organization_full.json).",
                    "required": ["id", "name", "description"],
                    "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
                },
                "Problem": {
                    "type": "object",
                    "required": ["title", "status", "detail"],
                    "properties": {
                        "type": {"type": "string"},
                        "title": {"type": "string"},
                        "status": {"type": "integer"},
                        "detail": {"type": "string"},
                        "errors": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {"parameter": {"type": "string"}, "detail": {"type": "string"}},
                            },
                        },
                    },
                },
            },
            "responses": {
                "Problem": {
                    "description": "What was wrong with the request (RFC 9457).",
                    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
                }
            },
        },
    }
