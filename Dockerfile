# The QC Portal: gunicorn serving portal.wsgi:server, configured by QC_PORTAL_* variables.
#
#   docker build -t qc-portal .
#   docker run -p 8000:8000 -e QC_PORTAL_SECRET_KEY=... \
#     -e QC_PORTAL_DATABASE=postgresql+psycopg://user:pass@db/qc qc-portal
#
# No secret is baked in: QC_PORTAL_SECRET_KEY must come from the environment (the portal
# refuses to start without it). See the README's "Deployment" section.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The dependencies, read from pyproject.toml alone: this layer is rebuilt only when they change.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The app: its packages, the Dash assets (CSS/JS, vendored libraries) and gunicorn's config.
COPY README.md gunicorn.conf.py ./
COPY portal ./portal
COPY components ./components
COPY callbacks ./callbacks
COPY assets ./assets
# Editable, without dependencies (installed above): the `qc-portal` command (users, ingest,
# show), with the code and assets/ staying in /app where the app looks for them.
RUN pip install --no-deps -e . \
    && python -m compileall -q portal components callbacks \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin qcportal \
    && mkdir -p /data \
    && chown qcportal /data

USER qcportal
# /data: the SQLite database and local asset folders when no QC_PORTAL_DATABASE is given.
ENV QC_PORTAL_BIND=0.0.0.0:8000 \
    QC_PORTAL_DATA_DIR=/data
EXPOSE 8000

# Liveness only (/healthz touches nothing); a load balancer should use /readyz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-m", "portal.ops.probe", "/healthz"]

CMD ["gunicorn", "--config", "gunicorn.conf.py", "portal.wsgi:server"]
