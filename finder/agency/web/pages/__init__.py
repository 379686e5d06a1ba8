"""The agency pages, one module per desk."""
