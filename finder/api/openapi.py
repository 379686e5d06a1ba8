"""The OpenAPI 3.1 description of the API, with HSDS's own schemas for the records it returns."""

from __future__ import annotations

from typing import Any

from finder.metrics import MAX_TRANSACTIONS, TRANSACTION_CHANNELS

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
    doc = _read_document(server_url)
    for path, operations in _write_paths().items():
        doc["paths"].setdefault(path, {}).update(operations)
    doc["components"]["schemas"].update(_write_schemas())
    doc["components"]["securitySchemes"] = {
        "agencyToken": {
            "type": "http",
            "scheme": "bearer",
            "description": "An agency's API token (`finder tokens create`); it acts on its own agency's services only.",
        }
    }
    return doc


def _read_document(server_url: str) -> dict[str, Any]:
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
                                "properties": {
                                    "parameter": {"type": "string", "description": "A bad query parameter."},
                                    "pointer": {
                                        "type": "string",
                                        "description": "A bad field (RFC 6901 JSON pointer).",
                                    },
                                    "detail": {"type": "string"},
                                },
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


NATIVE_TYPE = "application/vnd.service-finder+json"
COUNT = {"type": "integer", "minimum": 0, "maximum": MAX_TRANSACTIONS}
SECURED = [{"agencyToken": []}]
WRITE_PROBLEMS = {status: PROBLEM for status in ("400", "401", "403", "409", "413", "415", "422")}
SERVICE_BODY = {
    "application/json": {"schema": {"$ref": "#/components/schemas/ServiceInput"}},
    NATIVE_TYPE: {"schema": {"$ref": "#/components/schemas/NativeService"}},
}


def _written(description: str, status: str = "200") -> dict[str, Any]:
    return {
        status: {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WriteResult"}}},
        }
    }


def _write_paths() -> dict[str, dict[str, Any]]:
    service_id = _parameter("id", "The service's id.", {"type": "string"}, "path")
    return {
        "/services": {
            "post": {
                "summary": "Create a service (agency token)",
                "operationId": "createService",
                "security": SECURED,
                "requestBody": {"required": True, "content": SERVICE_BODY},
                "responses": {**_written("Created; Location names the service.", "201"), **WRITE_PROBLEMS},
            }
        },
        "/services/{id}": {
            "put": {
                "summary": "Replace a service (agency token)",
                "operationId": "replaceService",
                "security": SECURED,
                "parameters": [service_id],
                "requestBody": {"required": True, "content": SERVICE_BODY},
                "responses": {**_written("Replaced."), "404": PROBLEM, **WRITE_PROBLEMS},
            },
            "patch": {
                "summary": "Change some fields of a service (JSON Merge Patch, RFC 7396; agency token)",
                "operationId": "patchService",
                "security": SECURED,
                "parameters": [service_id],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/merge-patch+json": {"schema": {"type": "object"}},
                        NATIVE_TYPE: {"schema": {"type": "object"}},
                    },
                },
                "responses": {**_written("Patched."), "404": PROBLEM, **WRITE_PROBLEMS},
            },
            "delete": {
                "summary": "Retire a published service, or delete one never published (agency token)",
                "operationId": "retireService",
                "security": SECURED,
                "parameters": [
                    service_id,
                    _parameter("replaced_by", "The id of the service that replaces it.", {"type": "string"}),
                ],
                "responses": {
                    **_written("Retired."),
                    "204": {"description": "Deleted (it had never been published)."},
                    "404": PROBLEM,
                    **WRITE_PROBLEMS,
                },
            },
        },
        "/services/{id}/transactions": {
            "post": {
                "summary": "Record a service's transactions in a month by channel, for digital take-up (agency token)",
                "description": "Replaces what was entered for that month. The month must have begun.",
                "operationId": "recordTransactions",
                "security": SECURED,
                "parameters": [service_id],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TransactionsInput"}}},
                },
                "responses": {
                    "200": {
                        "description": "Recorded.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/TransactionsResult"}}
                        },
                    },
                    "404": PROBLEM,
                    **WRITE_PROBLEMS,
                },
            }
        },
        "/services/bulk": {
            "post": {
                "summary": "Create or replace many services at once, all or nothing (agency token)",
                "operationId": "bulkUpsertServices",
                "security": SECURED,
                "requestBody": {
                    "required": True,
                    "content": {
                        media: {"schema": {"type": "array", "minItems": 1, "maxItems": 1000, "items": body["schema"]}}
                        for media, body in SERVICE_BODY.items()
                    },
                },
                "responses": {
                    "200": {
                        "description": "Every record written, in the order sent. Errors point into the array (/3/name).",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["services"],
                                    "properties": {
                                        "services": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/WriteResult"},
                                        }
                                    },
                                }
                            }
                        },
                    },
                    **WRITE_PROBLEMS,
                },
            }
        },
    }


def _write_schemas() -> dict[str, Any]:
    return {
        "ServiceInput": {
            "type": "object",
            "description": f"An HSDS 3.0 service ({HSDS_SCHEMA}/service.json) with organization_id naming the "
            "token's agency. Status: active publishes, inactive is a draft, defunct retires.",
            "required": ["id", "name", "status", "organization_id"],
        },
        "NativeService": {
            "type": "object",
            "description": "A service of the native format (docs/native-format.md): slug, agency (its slug), name, "
            "summary, status (draft, submitted, published, retired) and the rest.",
            "required": ["slug", "agency", "name", "summary"],
        },
        "TransactionsInput": {
            "type": "object",
            "required": ["month", *TRANSACTION_CHANNELS],
            "additionalProperties": False,
            "properties": {
                "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$", "description": "YYYY-MM"},
                **{channel: COUNT for channel in TRANSACTION_CHANNELS},
            },
        },
        "TransactionsResult": {
            "type": "object",
            "required": ["service_id", "month", *TRANSACTION_CHANNELS, "digital_take_up"],
            "additionalProperties": False,
            "properties": {
                "service_id": {"type": "string"},
                "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                **{channel: COUNT for channel in TRANSACTION_CHANNELS},
                "digital_take_up": {
                    "type": ["number", "null"],
                    "description": "online / all transactions of the month; null when there were none",
                },
            },
        },
        "WriteResult": {
            "type": "object",
            "required": ["id", "slug", "status", "version", "created"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string"},
                "slug": {"type": "string"},
                "status": {"enum": ["draft", "submitted", "published", "retired"]},
                "version": {"type": ["integer", "null"], "description": "The version kept; null when nothing changed."},
                "created": {"type": "boolean"},
            },
        },
    }
