"""Writing QC: everything that changes a document's metrics on a reviewer's or pipeline's behalf.

Holds: applying an annotation to a document (annotate.py: statuses appended, values set,
conflicts detected, metrics resolved by identity), the one write path every caller goes
through (annotation_service.py: the role check, the bounds, the Actor written as
evaluator and audited), the merge of pushed metrics (metrics_merge.py: by identity,
attributable entries) and the batch upload (batch/).

May import: portal.qc, portal.store (protocol and merge rules), portal.accounts (the
permission check), portal.context, portal.errors. Never Dash, components or callbacks.
"""
