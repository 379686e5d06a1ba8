"""The page families, one module each; importing them registers their routes on the web blueprint."""
