"""Checks JSON-stat documents with jsonstat-validator (PyPI), one JSON line per file:
{"file": …, "valid": true} or {"file": …, "valid": false, "error": "…"}. Gzip files are read as
such.

    python validate_jsonstat.py FILE…
"""

import gzip
import json
import sys

from jsonstat_validator import validate_jsonstat

for path in sys.argv[1:]:
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        doc = json.load(f)
    try:
        validate_jsonstat(doc)
        print(json.dumps({"file": path, "valid": True}))
    except Exception as e:  # the validator raises its own error class for some rules
        print(json.dumps({"file": path, "valid": False, "error": str(e)}))
