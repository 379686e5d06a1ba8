"""gunicorn settings: `gunicorn wsgi:app` reads this file from the working directory (docs/deploy.md).

Each value can be overridden on the command line or with GUNICORN_CMD_ARGS; WEB_CONCURRENCY sets the workers.
"""

import multiprocessing
import os

from finder.logs import ACCESS_TEXT_FORMAT, gunicorn_logconfig

bind = os.environ.get("FINDER_BIND", "127.0.0.1:8000")
# Processes for the CPU-bound work (search ranking, templates); threads so that a slow database or Redis call does
# not hold a whole process. 2 per core is enough: the database, not Python, is the limit beyond that.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
worker_class = "gthread"
threads = 4
# A request that has not finished in 30 s is stuck (every page answers in milliseconds); its worker is replaced.
timeout = 30
# SIGTERM lets in-flight requests finish for up to this long, then worker_exit writes the buffered usage events.
graceful_timeout = 30
# Behind nginx or a load balancer that keeps connections open.
keepalive = 5
# Recycle workers now and then (jittered so they do not all restart together) to bound any slow memory growth.
max_requests = 200000
max_requests_jitter = 20000

# Access log on stderr without the query string or the client address: both can be personal data.
accesslog = "-"
access_log_format = ACCESS_TEXT_FORMAT
# JSON lines with the request id when FINDER_LOG_FORMAT=json (the default in production).
logconfig_dict = gunicorn_logconfig(os.environ) or {}


def worker_exit(server, worker):
    # A worker stopping (SIGTERM, restart, max-requests) writes the usage events it still holds.
    from finder.metrics import flush_all

    flush_all()
