# The QC Portal: gunicorn serving portal.wsgi:server, configured by QC_PORTAL_* variables.
#
#   docker build -t qc-portal .
#   docker run -p 8000:8000 -e QC_PORTAL_SECRET_KEY=... \
#     -e QC_PORTAL_DATABASE=postgresql+psycopg://user:pass@db/qc qc-portal
#   docker run -p 8000:8000 qc-portal qc-portal demo     # the demo, on http://localhost:8000
#
# No secret is baked in: QC_PORTAL_SECRET_KEY must come from the environment (the portal
# refuses to start without it; the demo makes its own). See the README's "Deployment" section.
#
# Reproducible: the Python packages are pinned by constraints.txt (python -m portal.ops.lock).
# The base image is Debian bookworm's Python 3.11; pin its digest for a byte-identical base (to
# be updated at each release: it is not pinned here because it could not be resolved where this
# file was written):
#   docker buildx imagetools inspect python:3.11-slim-bookworm        # the "Digest:" line
#   docker build --build-arg PYTHON_IMAGE=python:3.11-slim-bookworm@sha256:<digest> -t qc-portal .
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
FROM ${PYTHON_IMAGE}

# Optional dependency groups installed too: `demo` (imageio-ffmpeg, for the demo's videos) makes
# `qc-portal demo` work in the image; --build-arg EXTRAS= leaves it out.
ARG EXTRAS=demo

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The dependencies, read from pyproject.toml (and the EXTRAS groups) and pinned by constraints.txt:
# this layer is rebuilt only when they change.
COPY pyproject.toml constraints.txt ./
RUN python -c "import os, tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
extras = [e for e in os.environ.get('EXTRAS', '').split(',') if e]; \
print('\n'.join(p['dependencies'] + [d for e in extras for d in p['optional-dependencies'][e]]))" \
        > /tmp/requirements.txt \
    && pip install -c constraints.txt -r /tmp/requirements.txt \
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
