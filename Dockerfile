# Service Finder: one image for every app server (docs/deploy.md). Not built by the test suite.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    FINDER_ENV=production FINDER_BIND=0.0.0.0:8000 FINDER_PROXY_FIX=1
WORKDIR /app

COPY pyproject.toml README.md babel.cfg wsgi.py gunicorn.conf.py ./
COPY finder ./finder
COPY channels ./channels
COPY translations ./translations
# Editable, so that the app finds translations/ beside finder/ as it does in a checkout.
RUN pip install --no-cache-dir -e . \
    && pybabel compile -d translations \
    && useradd --system --home-dir /app finder
USER finder

EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
CMD ["gunicorn", "wsgi:app"]
