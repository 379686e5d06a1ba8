"""gunicorn settings: `gunicorn wsgi:app` reads this file from the working directory.

Only what the app needs to be correct; production tuning (workers, timeouts) is left to the deployment.
"""


def worker_exit(server, worker):
    # A worker stopping (SIGTERM, restart, max-requests) writes the usage events it still holds.
    from finder.metrics import flush_all

    flush_all()
