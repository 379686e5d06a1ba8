"""The citizens' web pages."""

from finder.web.views import blueprint

__all__ = ["blueprint"]
