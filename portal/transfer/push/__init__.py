"""`qc-portal push`: a pipeline's quality_control.json and figures, sent to a portal.

Holds: reading and checking the document and finding its figures on the pipeline's side
(prepare.py), and sending it through the REST API client with retries (send.py).

May import: portal.client, portal.qc, portal.review.metrics_merge (the server's merge,
to say what each metric's push does), portal.references.upload (upload names).
"""

from portal.transfer.push.prepare import Prepared, prepare
from portal.transfer.push.send import PushResult, push

__all__ = ["Prepared", "PushResult", "prepare", "push"]
