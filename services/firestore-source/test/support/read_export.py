"""The independent reader the managed-export tests cross-check against.

LevelDB log records through leveldb-export's RecordsReader with CRC checking on, entities through
App Engine's own EntityProto descriptor, and a small value mapper to the lake's value JSON (the
package's own document API is not used: it skips CRCs, loses values inside maps and fails on
numeric ids). Usage: read_export.py [--count] FILE... ; prints one JSON line {"path", "fields"} per
document (or, with --count, only the totals), then a last line {"records": n, "invalid": m,
"unknown": k, "maxrss_kb": r} counting the log's invalid-record warnings and entities it could
not map, with the process's peak resident memory.
"""
import base64
import datetime
import json
import logging
import math
import sys

from google.appengine.datastore import entity_bytes_pb2 as pb
from leveldb_export.records import RecordsReader

SAFE = 2**53 - 1
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


class Unknown(Exception):
    pass


def key_path(elements):
    return "/".join(f"{e.type}/{e.name if e.HasField('name') else e.id}" for e in elements)


def timestamp(micros):
    seconds, rest = divmod(micros, 1_000_000)
    when = EPOCH + datetime.timedelta(seconds=seconds)
    return when.strftime("%Y-%m-%dT%H:%M:%S") + f".{rest:06d}Z"


def double(d):
    if math.isnan(d):
        return "NaN"
    if math.isinf(d):
        return "Infinity" if d > 0 else "-Infinity"
    return d


def value(prop, indexed):
    m, v = prop.meaning, prop.value
    if m == 7:
        return timestamp(v.int64Value)
    if m == 9:
        return {"latitude": v.pointvalue.x, "longitude": v.pointvalue.y}
    if m == 14 or m == 16:
        return base64.b64encode(v.stringValue).decode("ascii")
    if m == 15:
        return v.stringValue.decode("utf-8")
    if m == 19:
        nested = pb.EntityProto()
        nested.ParseFromString(v.stringValue)
        return fields(nested)
    if m == 24:
        return []
    if m != 0 or v.HasField("uservalue"):
        raise Unknown(f"meaning {m}")
    if v.HasField("int64Value"):
        return v.int64Value if -SAFE <= v.int64Value <= SAFE else str(v.int64Value)
    if v.HasField("booleanValue"):
        return v.booleanValue
    if v.HasField("stringValue"):
        return v.stringValue.decode("utf-8")
    if v.HasField("doubleValue"):
        return double(v.doubleValue)
    if v.HasField("pointvalue"):
        return {"latitude": v.pointvalue.x, "longitude": v.pointvalue.y}
    if v.HasField("referencevalue"):
        return key_path(v.referencevalue.pathelement)
    return None


def fields(entity):
    out = {}
    props = [(p, True) for p in entity.property] + [(p, False) for p in entity.raw_property]
    for prop, indexed in props:
        if prop.multiple:
            out.setdefault(prop.name, []).append(value(prop, indexed))
        else:
            out[prop.name] = value(prop, indexed)
    return out


class Counter(logging.Handler):
    invalid = 0

    def emit(self, record):
        if "Invalid record" in record.getMessage() or "corruption" in record.getMessage():
            Counter.invalid += 1


def main(argv):
    count_only = argv[:1] == ["--count"]
    files = argv[1:] if count_only else argv
    logging.getLogger().addHandler(Counter())
    logging.getLogger().setLevel(logging.WARNING)
    out = sys.stdout
    records = unknown = 0
    for name in files:
        with open(name, "rb") as f:
            for record in RecordsReader(f, no_check_crc=False):
                records += 1
                entity = pb.EntityProto()
                try:
                    entity.ParseFromString(record)
                    doc = {"path": key_path(entity.key.path.element), "fields": fields(entity)}
                except Exception:  # an entity this reader cannot map: counted, not printed
                    unknown += 1
                    continue
                if not count_only:
                    out.write(json.dumps(doc, ensure_ascii=False) + "\n")
    # VmHWM, not getrusage's maxrss, which Linux carries over exec from the forking parent.
    with open("/proc/self/status") as status:
        maxrss = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    summary = {"records": records, "invalid": Counter.invalid, "unknown": unknown, "maxrss_kb": maxrss}
    out.write(json.dumps(summary) + "\n")


if __name__ == "__main__":
    logging.lastResort = None
    main(sys.argv[1:])
