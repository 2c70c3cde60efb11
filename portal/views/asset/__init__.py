"""The asset detail page's view-models: the asset and its metrics (model.py), the metric
navigator (navigator.py), reference viewers (viewers.py) and the reviewer's unsaved
edits (edits.py). No Dash here: components render these, callbacks fetch them."""
