"""WSGI entry point for gunicorn: `gunicorn portal.wsgi:server`."""

from portal.app import create_app, warm_up

app = create_app()
warm_up(app)
server = app.server
