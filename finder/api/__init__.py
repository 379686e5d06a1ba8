"""The JSON API: Open Referral HSDS 3.0 under /api/v1/."""

from finder.api.views import blueprint

__all__ = ["blueprint"]
