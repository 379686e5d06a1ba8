"""The catalogue: what services exist, who delivers them, where and how; and moving it in and out.

Other domains use this face, not the modules behind it.
"""

# The catalogue's version token, which caches of what citizens see key on (its model registers with the others').
from finder.catalogue import version
from finder.catalogue.import_export import (
    EXPORT_FORMATS,
    ImportFailed,
    ImportReport,
    Problem,
    export_catalogue,
    import_path,
    write_hsds_tables,
)
from finder.catalogue.import_export.hsds import HsdsExporter
from finder.catalogue.import_export.jsonld import government_organization, government_service
from finder.catalogue.models import (
    Agency,
    Category,
    ChannelKind,
    LifeEvent,
    Office,
    Service,
    ServiceStatus,
)
from finder.catalogue.queries import (
    Page,
    agencies,
    agency,
    categories,
    category,
    life_event,
    life_event_journey,
    life_events,
    published_service,
    published_service_online,
    published_services,
    published_services_by_id,
    related_services,
    retired_service,
)
from finder.catalogue.reads import catalogue_session
from finder.catalogue.translation import Localised, localised

__all__ = [
    "EXPORT_FORMATS",
    "Agency",
    "Category",
    "ChannelKind",
    "HsdsExporter",
    "ImportFailed",
    "ImportReport",
    "LifeEvent",
    "Localised",
    "Office",
    "Page",
    "Problem",
    "Service",
    "ServiceStatus",
    "agencies",
    "agency",
    "catalogue_session",
    "categories",
    "category",
    "export_catalogue",
    "government_organization",
    "government_service",
    "import_path",
    "life_event",
    "life_event_journey",
    "life_events",
    "localised",
    "published_service",
    "published_service_online",
    "published_services",
    "published_services_by_id",
    "related_services",
    "retired_service",
    "version",
    "write_hsds_tables",
]
