"""Import of the register of market entities from CSV and XLSX files.

The import runs in stages, a module each:
- `reading`: what a file may be; a file opened and checked up to its header row (`table_open`,
  `import_file_check`, `ImportRefused`), then its rows as {field: value}; an XLSX sheet is
  read by `workbook`, a streaming reader within fixed limits;
- `validating`: every row validated with `enterprise_clean`, in a background thread a chunk or
  two ahead of the writer;
- `applying`: the valid rows written chunk by chunk, each chunk in its own transaction
  (`enterprises_import`, `ImportOutcome`);
- `jobs`: an upload stored as an `ImportJob` and run on the "bulk" queue (`import_job_create`,
  `import_job_run`);
- `template`: the template's explanation sheet and how entity types may be written;
- `reads`: the import jobs a user may see (`import_jobs_for_user`, a selector).
Callers import the names below from this package.

All-or-nothing or row by row? Row by row, in chunks.
- A file with a structural problem (unknown encoding, not a spreadsheet, unknown or duplicate
  headers, a required column missing, too large, too many rows, a malformed CSV line, a
  workbook past its limits or damaged anywhere) is refused whole before anything is written:
  `ImportRefused`. The rows are read through once, as they will be read for writing, before
  the first chunk (`Table.count`). Such a file is the wrong file or was saved
  the wrong way; nothing in it can be trusted.
- Otherwise every row is validated with `enterprise_clean` (the same rules as the forms and the
  API). Invalid rows are reported ({row, column, message}, in the active language) and skipped;
  valid rows are applied. A bureau's 100,000-row file with three mistyped codes should not be
  rejected whole: the officer fixes three rows and imports the file again, and the second run
  touches only those three rows (see idempotency in `applying`).
- Valid rows are written in chunks (`CHUNK_SIZE` rows). Each chunk commits atomically with one
  summary audit event ("enterprises.import_applied": counts and the created and updated codes,
  with the old and new values of changed fields) and, for a job, with the job's progress
  counters, so what the progress bar shows is exactly what is in the register.

Speed (bench/import_bench.py; target 100,000 CSV rows in at most 60 s on PostgreSQL): see the
notes on speed of `reading` and `workbook` (the XLSX reader), `validating` (the validating
thread, the pinyin initials) and `applying` (the writes of a chunk, and the figures measured).
"""

from enterprises.services.imports.applying import (
    AUDIT_EVENT,
    CHUNK_SIZE,
    ImportOutcome,
    ProgressCallback,
    enterprises_import,
)
from enterprises.services.imports.jobs import import_job_create, import_job_run
from enterprises.services.imports.reading import (
    COLUMNS,
    EXTENSIONS,
    HEADER_ALIASES,
    REQUIRED_COLUMNS,
    ZH_HEADER,
    ImportRefused,
    Table,
    import_file_check,
    import_limits,
    table_open,
)
from enterprises.services.imports.reads import import_jobs_for_user
from enterprises.services.imports.template import (
    ENTITY_TYPE_EXAMPLES,
    entity_type_examples,
    import_template_rows,
)
from enterprises.services.imports.validating import ENTITY_TYPE_NAMES, entity_type_match

__all__ = [
    "AUDIT_EVENT",
    "CHUNK_SIZE",
    "COLUMNS",
    "ENTITY_TYPE_EXAMPLES",
    "ENTITY_TYPE_NAMES",
    "EXTENSIONS",
    "HEADER_ALIASES",
    "REQUIRED_COLUMNS",
    "ZH_HEADER",
    "ImportOutcome",
    "ImportRefused",
    "ProgressCallback",
    "Table",
    "enterprises_import",
    "entity_type_examples",
    "entity_type_match",
    "import_file_check",
    "import_job_create",
    "import_job_run",
    "import_jobs_for_user",
    "import_limits",
    "import_template_rows",
    "table_open",
]
