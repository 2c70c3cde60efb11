"""The project page's pre-aggregated reads on the DocDB store: not available.

They are read from tables the SQL store keeps in step with its own writes (migration 0019);
DocDB has writers the portal does not see, so it keeps none. The project page then falls
back to the store's GROUP BY reads (metric_counts, stage_counts, ...) and says what it
cannot show (portal.views.project)."""

from __future__ import annotations

from portal.errors import Unsupported

_WHY = "needs the SQL store (QC_PORTAL_STORE=sql); the DocDB store does not keep the project page's tables"


class DocDbProjectReads:
    """ProjectReads of the protocol, each raising Unsupported (mixed into DocDbAssetStore)."""

    def project_metric_table(self, project: str, *, groups: bool = False, names=None):
        """Unsupported on DocDB."""
        raise Unsupported(f"the per-metric table {_WHY}")

    def project_group_totals(self, project: str):
        """Unsupported on DocDB."""
        raise Unsupported(f"the per-metric table {_WHY}")

    def project_cells(self, project: str, *, subjects: int | None = None):
        """Unsupported on DocDB."""
        raise Unsupported(f"the pre-aggregated counts {_WHY}")

    def project_subject_count(self, project: str):
        """Unsupported on DocDB."""
        raise Unsupported(f"the pre-aggregated counts {_WHY}")

    def metric_trend(self, project: str, metric: str, modality: str, stage: str, *, limit: int = 1000):
        """Unsupported on DocDB."""
        raise Unsupported(f"metric trends {_WHY}")

    def asset_names(self, asset_ids):
        """Unsupported on DocDB (only the trends ask)."""
        raise Unsupported(f"metric trends {_WHY}")

    def qc_times(self, project: str, *, limit: int = 5000):
        """Unsupported on DocDB."""
        raise Unsupported(f"time to QC {_WHY}")
