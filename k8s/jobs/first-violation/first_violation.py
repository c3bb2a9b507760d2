#!/usr/bin/env python3
"""The runbook's first-violation check (docs/runbook.md, "From an empty cluster to a first violation").

Registers one image as a REFERENCE of the reference set "doppel-first-violation", uploads the
same image as an UPLOAD of another uploader, waits on doppel.violations (read_committed) for the
upload's COPYRIGHT_VIOLATION, prints it, and finally DELETEs both images from the index again.

Records are what the services exchange: Avro in Confluent's wire format (magic byte 0, the
schema id, the binary body), keys ImageKey and values UploadEvent, registered under the
TopicNameStrategy subjects doppel.uploads-key/-value of the Confluent-compatible registry. The
Avro encoding and decoding below is plain Python (no Avro library); kafka-python (pure Python)
talks to Kafka. FirstViolationJobTest checks the encoding against the Java contract.

Environment (k8s/jobs/first-violation/job.yaml):
  DOPPEL_KAFKA_BOOTSTRAP_SERVERS, DOPPEL_SCHEMA_REGISTRY_URL   as the services'
  KAFKA_USERNAME_FILE, KAFKA_PASSWORD_FILE, KAFKA_CA_FILE       SCRAM-SHA-512 over TLS
  DOPPEL_FIRST_IMAGE_URL                                        a public https JPEG or PNG
  DOPPEL_FIRST_TENANT (doppel-first-violation), DOPPEL_FIRST_TIMEOUT_S (300)

Offline modes for tests: --print-schemas, --encode KEY_ID VALUE_ID OUT_DIR, --decode SCHEMA_FILE VALUE_FILE.
"""
import io
import json
import os
import struct
import sys
import time
import urllib.request

REFERENCE_SET = "doppel-first-violation"

IMAGE_KEY = {"type": "record", "name": "ImageKey", "namespace": "io.doppel.schemas.avro",
             "fields": [{"name": "tenant", "type": "string"}, {"name": "imageId", "type": "string"}]}

UPLOAD_EVENT = {
    "type": "record", "name": "UploadEvent", "namespace": "io.doppel.schemas.avro",
    "fields": [
        {"name": "tenant", "type": "string"},
        {"name": "imageId", "type": "string"},
        {"name": "purpose", "type": {"type": "enum", "name": "Purpose", "namespace": "io.doppel.schemas.avro",
                                     "symbols": ["UPLOAD", "REFERENCE", "DELETE"]}},
        {"name": "uploader", "type": ["null", "string"], "default": None},
        {"name": "rightsHolder", "type": ["null", "string"], "default": None},
        {"name": "referenceSet", "type": ["null", "string"], "default": None},
        {"name": "source", "type": ["null", "string"], "default": None},
        {"name": "inlineBytes", "type": ["null", "bytes"], "default": None},
        {"name": "contentType", "type": ["null", "string"], "default": None},
        {"name": "uploadedAt", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    ]}


# ---- Avro binary encoding (https://avro.apache.org/docs/current/specification/) ----------------

def _long(value):
    value = (value << 1) ^ (value >> 63)
    out = bytearray()
    while value & ~0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _string(value):
    data = value.encode("utf-8")
    return _long(len(data)) + data


def encode(schema, record):
    out = bytearray()
    for field in schema["fields"]:
        value, kind = record.get(field["name"]), field["type"]
        if isinstance(kind, list):                       # ["null", X]
            if value is None:
                out += _long(0)
                continue
            out += _long(1)
            kind = kind[1]
        if isinstance(kind, dict) and kind["type"] == "enum":
            out += _long(kind["symbols"].index(value))
        elif isinstance(kind, dict) and kind["type"] == "long" or kind == "long":
            out += _long(value)
        elif kind == "bytes":
            out += _long(len(value)) + value
        else:
            out += _string(value)
    return bytes(out)


def wire(schema_id, body):
    return b"\x00" + struct.pack(">I", schema_id) + body


class _Reader:
    def __init__(self, data):
        self.buffer = io.BytesIO(data)

    def long(self):
        shift, value = 0, 0
        while True:
            byte = self.buffer.read(1)[0]
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return (value >> 1) ^ -(value & 1)

    def raw(self, size):
        return self.buffer.read(size)


def decode(schema, reader, names=None):
    """Decodes any Avro value of the writer's schema (records, enums, arrays, maps, unions, primitives)."""
    names = {} if names is None else names
    if isinstance(schema, str):
        if schema in names:
            return decode(names[schema], reader, names)
        return {"null": lambda: None, "boolean": lambda: reader.raw(1) == b"\x01",
                "int": reader.long, "long": reader.long,
                "float": lambda: struct.unpack("<f", reader.raw(4))[0],
                "double": lambda: struct.unpack("<d", reader.raw(8))[0],
                "bytes": lambda: reader.raw(reader.long()),
                "string": lambda: reader.raw(reader.long()).decode("utf-8")}[schema]()
    if isinstance(schema, list):
        return decode(schema[reader.long()], reader, names)
    kind = schema["type"]
    if kind in ("record", "enum", "fixed"):
        names[schema["name"]] = schema
        names[schema.get("namespace", "") + "." + schema["name"]] = schema
    if kind == "record":
        return {field["name"]: decode(field["type"], reader, names) for field in schema["fields"]}
    if kind == "enum":
        return schema["symbols"][reader.long()]
    if kind == "fixed":
        return reader.raw(schema["size"])
    if kind in ("array", "map"):
        items = [] if kind == "array" else {}
        while True:
            count = reader.long()
            if count == 0:
                return items
            if count < 0:
                count = -count
                reader.long()                            # block size in bytes
            for _ in range(count):
                if kind == "array":
                    items.append(decode(schema["items"], reader, names))
                else:
                    key = reader.raw(reader.long()).decode("utf-8")
                    items[key] = decode(schema["values"], reader, names)
    return decode(kind, reader, names)


# ---- the check ----------------------------------------------------------------------------------

def registry_call(url, method="GET", payload=None):
    request = urllib.request.Request(url, method=method,
                                     data=None if payload is None else json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def register(registry, subject, schema):
    return registry_call(f"{registry}/subjects/{subject}/versions", "POST", {"schema": json.dumps(schema)})["id"]


def read(path):
    with open(path) as file:
        return file.read().strip()


def events(tenant, suffix, url, now):
    reference = {"tenant": tenant, "imageId": f"first-reference-{suffix}", "purpose": "REFERENCE",
                 "uploader": "doppel-runbook", "rightsHolder": "doppel-runbook", "referenceSet": REFERENCE_SET,
                 "source": url, "uploadedAt": now}
    upload = {"tenant": tenant, "imageId": f"first-upload-{suffix}", "purpose": "UPLOAD",
              "uploader": "doppel-runbook-copier", "source": url, "uploadedAt": now + 1}
    return reference, upload


def main():
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition  # installed by the Job

    env = os.environ
    registry = env["DOPPEL_SCHEMA_REGISTRY_URL"].rstrip("/")
    tenant = env.get("DOPPEL_FIRST_TENANT", "doppel-first-violation")
    timeout = float(env.get("DOPPEL_FIRST_TIMEOUT_S", "300"))
    security = dict(bootstrap_servers=env["DOPPEL_KAFKA_BOOTSTRAP_SERVERS"].split(","),
                    security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-512",
                    sasl_plain_username=read(env["KAFKA_USERNAME_FILE"]),
                    sasl_plain_password=read(env["KAFKA_PASSWORD_FILE"]), ssl_cafile=env["KAFKA_CA_FILE"])
    key_id = register(registry, "doppel.uploads-key", IMAGE_KEY)
    value_id = register(registry, "doppel.uploads-value", UPLOAD_EVENT)
    print(f"schemas registered: doppel.uploads-key id {key_id}, doppel.uploads-value id {value_id}", flush=True)

    consumer = KafkaConsumer(isolation_level="read_committed", enable_auto_commit=False, **security)
    partitions = [TopicPartition("doppel.violations", p) for p in consumer.partitions_for_topic("doppel.violations")]
    consumer.assign(partitions)
    consumer.seek_to_end()
    for partition in partitions:
        consumer.position(partition)                     # resolve "end" now, before producing

    suffix = str(int(time.time()))
    now = int(time.time() * 1000)
    reference, upload = events(tenant, suffix, env["DOPPEL_FIRST_IMAGE_URL"], now)
    producer = KafkaProducer(acks="all", **security)

    def send(event):
        key = wire(key_id, encode(IMAGE_KEY, {"tenant": event["tenant"], "imageId": event["imageId"]}))
        producer.send("doppel.uploads", key=key, value=wire(value_id, encode(UPLOAD_EVENT, event))).get(timeout=30)
        producer.flush()
        print(f"sent {event['purpose']} {event['tenant']}/{event['imageId']}", flush=True)

    send(reference)
    time.sleep(float(env.get("DOPPEL_FIRST_REFERENCE_WAIT_S", "20")))   # REGISTERED before the copy arrives
    send(upload)

    schemas = {}
    deadline = time.time() + timeout
    found = None
    while found is None and time.time() < deadline:
        for records in consumer.poll(timeout_ms=2000).values():
            for record in records:
                schema_id = struct.unpack(">I", record.value[1:5])[0]
                if schema_id not in schemas:
                    schemas[schema_id] = json.loads(registry_call(f"{registry}/schemas/ids/{schema_id}")["schema"])
                event = decode(schemas[schema_id], _Reader(record.value[5:]))
                if event["imageId"] == upload["imageId"] and event["tenant"] == tenant:
                    found = event
    for event in (dict(reference, purpose="DELETE", source=None, referenceSet=None, rightsHolder=None),
                  dict(upload, purpose="DELETE", source=None)):
        send(event)
    if found is None:
        print(f"no COPYRIGHT_VIOLATION for {tenant}/{upload['imageId']} within {timeout:.0f} s: see "
              "doppel.outcomes (CLEAN?), doppel.dead-letters (FETCH_FAILED?) and the services' logs", flush=True)
        return 1
    match = found["matches"][0] if found["matches"] else {}
    print(f"{found['decision']} {tenant}/{found['imageId']}: matches {match.get('imageId')} "
          f"(score {match.get('score', 0):.3f}) in {(found['decidedAt'] - found['uploadedAt']) / 1000:.1f} s", flush=True)
    print(json.dumps({k: v for k, v in found.items() if k != "matches"}, default=str), flush=True)
    return 0


def offline(argv):
    if argv[0] == "--print-schemas":
        print(json.dumps({"key": IMAGE_KEY, "value": UPLOAD_EVENT}))
        return 0
    if argv[0] == "--encode":
        key_id, value_id, out = int(argv[1]), int(argv[2]), argv[3]
        for event in events("doppel-first-violation", "1", "https://images.example.com/work.jpg", 1767225600000):
            with open(os.path.join(out, event["purpose"] + ".key"), "wb") as file:
                file.write(wire(key_id, encode(IMAGE_KEY, {"tenant": event["tenant"], "imageId": event["imageId"]})))
            with open(os.path.join(out, event["purpose"] + ".value"), "wb") as file:
                file.write(wire(value_id, encode(UPLOAD_EVENT, event)))
        return 0
    if argv[0] == "--decode":
        schema = json.load(open(argv[1]))
        print(json.dumps(decode(schema, _Reader(open(argv[2], "rb").read()[5:])), default=str))
        return 0
    raise SystemExit("unknown mode " + argv[0])


if __name__ == "__main__":
    sys.exit(offline(sys.argv[1:]) if len(sys.argv) > 1 else main())
