"""Excel/CSV import of the registry (基础数据导入): persons, households, buildings, houses and
organisations.

The pieces, in the order a file meets them:

- ``specs``: the columns of each kind (Chinese headers, required or not, drop-down choices);
- ``readers``: open an upload as a table of text cells, streaming — xlsx through
  python-calamine after zip-bomb checks, CSV in UTF-8 (with or without BOM) or GB18030 —
  with limits on size, rows and uncompressed size;
- ``handlers``: validate every row of one kind (reusing ``registry.services.person_input`` and
  ``registry.identity``), resolve grids (code, or coordinates through ``areas.locate``), check
  scope, and upsert a batch by the ID index or natural keys;
- ``engine.run_import``: one streaming pass; a dry run writes nothing, a commit runs inside one
  transaction and rolls everything back if any row has an error;
- ``report``: the xlsx of row-level errors; ``templates``: the downloadable templates;
- ``jobs``: the ``ImportJob`` state table and the services the web pages and tasks call.
"""

from __future__ import annotations

from .engine import ImportFileError, ImportResult, RowError, run_import

__all__ = ["ImportFileError", "ImportResult", "RowError", "run_import"]
