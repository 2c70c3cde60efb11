"""View-models: what each page shows, computed from the store, as plain data.

Holds: the overview (overview.py), the grid's server side (grid.py), the project page
(project.py), the asset page (asset/: the asset and its metrics, the navigator, the
viewers, the reviewer's unsaved edits), the URL filters (filters_url.py) and the JSON
shapes shared by the CLI and the REST API (present.py).

May import: portal.qc, portal.store, portal.references, portal.errors, portal.settings.
Never Dash or Flask: components render these, callbacks fetch them.
"""
