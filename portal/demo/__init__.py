"""A deterministic, offline demo data set: DocDB-shaped records and asset folders.

- `build_records(n, seed)` yields records lazily (showcase first, then a seeded bulk).
- `write_demo(data_dir, n, seed)` writes `<data_dir>/demo-assets/<asset>/` folders with
  the metadata JSON files and every reference file the metrics name.

Making videos needs the `demo` extra (imageio-ffmpeg); everything else needs only
Pillow (and plotly for the plotly JSON reference).
"""

from portal.demo.records import SHOWCASE_SIZE, build_records
from portal.demo.write import DEMO_FOLDER, MANIFEST, local_references, read_manifest, write_demo

__all__ = [
    "DEMO_FOLDER",
    "MANIFEST",
    "SHOWCASE_SIZE",
    "build_records",
    "local_references",
    "read_manifest",
    "write_demo",
]
