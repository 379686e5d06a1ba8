"""schema.org GovernmentService as JSON-LD, for search engines and other catalogues."""

from __future__ import annotations

from typing import Any

from finder.catalogue.models import Agency, ChannelKind, Office, Service

DAY_NAMES = {
    "mo": "Monday",
    "tu": "Tuesday",
    "we": "Wednesday",
    "th": "Thursday",
    "fr": "Friday",
    "sa": "Saturday",
    "su": "Sunday",
}


def _text(row: Any, field: str, language: str) -> Any:
    return row.translated(field, language) or getattr(row, field)


def _place(office: Office, language: str) -> dict[str, Any]:
    place: dict[str, Any] = {
        "@type": "GovernmentOffice",
        "@id": f"urn:uuid:{office.id}",
        "name": _text(office, "name", language),
        "address": {
            "@type": "PostalAddress",
            "streetAddress": office.street,
            "addressLocality": office.city,
            "addressRegion": office.region,
            "postalCode": office.postal_code,
            "addressCountry": office.country,
        },
        "openingHoursSpecification": [
            {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": [DAY_NAMES[d] for d in h.days],
                "opens": h.opens.strftime("%H:%M"),
                "closes": h.closes.strftime("%H:%M"),
            }
            for h in office.hours
        ],
    }
    if office.latitude is not None and office.longitude is not None:
        place["geo"] = {"@type": "GeoCoordinates", "latitude": office.latitude, "longitude": office.longitude}
    if office.phone:
        place["telephone"] = office.phone
    return _clean(place)


def government_organization(agency: Agency, language: str) -> dict[str, Any]:
    """An agency as a schema.org GovernmentOrganization."""
    return _clean(
        {
            "@type": "GovernmentOrganization",
            "@id": f"urn:uuid:{agency.id}",
            "name": _text(agency, "name", language),
            "alternateName": agency.acronym,
            "description": _text(agency, "description", language),
            "url": agency.website,
            "email": agency.email,
            "telephone": agency.phone,
        }
    )


def government_service(service: Service, language: str, public_url: str | None = None) -> dict[str, Any]:
    """One service as a schema.org GovernmentService."""
    agency = service.agency
    channel: dict[str, Any] = {"@type": "ServiceChannel"}
    for c in service.channels:
        if c.kind is ChannelKind.ONLINE:
            channel.setdefault("serviceUrl", c.value)
        elif c.kind is ChannelKind.PHONE:
            channel.setdefault("servicePhone", {"@type": "ContactPoint", "telephone": c.value})
        elif c.kind is ChannelKind.SMS:
            channel.setdefault("serviceSmsNumber", {"@type": "ContactPoint", "telephone": c.value})
    offices = [link.office for link in service.offices]
    if offices:
        channel["serviceLocation"] = [_place(o, language) for o in offices]
    record: dict[str, Any] = {
        "@type": "GovernmentService",
        "@id": f"urn:uuid:{service.id}",
        "identifier": service.id,
        "name": _text(service, "name", language),
        "alternateName": _text(service, "alternate_names", language) or None,
        "description": _text(service, "summary", language),
        "disambiguatingDescription": _text(service, "description", language),
        "audience": {"@type": "Audience", "audienceType": _text(service, "eligibility", language)}
        if service.eligibility
        else None,
        "provider": government_organization(agency, language),
        "availableChannel": channel if len(channel) > 1 else None,
        "offers": [
            _clean(
                {
                    "@type": "Offer",
                    "name": _text(c, "label", language),
                    "price": f"{c.amount:.2f}" if c.amount is not None else None,
                    "priceCurrency": c.currency.upper() if c.currency else None,
                    "description": _text(c, "description", language),
                }
            )
            for c in service.costs
        ]
        or None,
        "dateModified": service.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "inLanguage": language,
    }
    if public_url:
        record["url"] = f"{public_url.rstrip('/')}/{language}/services/{service.slug}"
    return _clean(record)


def document(services: list[Service], *, language: str, public_url: str | None) -> dict[str, Any]:
    return {
        "@context": "https://schema.org",
        "@graph": [government_service(s, language, public_url) for s in services],
    }


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if v not in (None, "", [], {})}
