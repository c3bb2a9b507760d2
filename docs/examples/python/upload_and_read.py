#!/usr/bin/env python3
"""Register a protected work with Doppel, upload a copy of it, and read Doppel's verdict on the copy.

Uses only Confluent's Python client (confluent-kafka, with its schema-registry and Avro extras) and a schema
registry that speaks the Confluent REST API (Confluent, Apicurio's /apis/ccompat/v7, Karapace, Redpanda):

  1. produces a REFERENCE UploadEvent (the work, inline bytes) to doppel.uploads and waits for its REGISTERED
     MatchEvent on doppel.outcomes;
  2. produces an UPLOAD UploadEvent (the copy) and waits for its one terminal event on doppel.duplicates,
     doppel.violations, doppel.outcomes or doppel.dead-letters;
  3. exits 0 when that event is a COPYRIGHT_VIOLATION naming the work, 1 otherwise (2: usage, 3: timeout).

    python upload_and_read.py --bootstrap localhost:9092 --registry http://localhost:8081 \\
        --reference work.png --upload copy.png --tenant acme --rights-holder studio --reference-set studio-catalogue

The matcher's policy must subscribe the tenant to the reference set (docs/integration.md, "A tenant's policy").
The Avro schemas are read from Doppel's own .avsc files (--schemas, by default this checkout's); the script
inlines the shared named types of common.avsc (ImageKey, Purpose, ...) as Doppel's Java serde does.
"""

import argparse
import copy
import json
import pathlib
import sys
import time
import uuid
from datetime import datetime, timezone

from confluent_kafka import Consumer, KafkaException, Producer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

UPLOADS = "doppel.uploads"
DUPLICATES = "doppel.duplicates"
VIOLATIONS = "doppel.violations"
OUTCOMES = "doppel.outcomes"
DEAD_LETTERS = "doppel.dead-letters"
DEFAULT_SCHEMAS = pathlib.Path(__file__).resolve().parents[3] / "schemas" / "src" / "main" / "avro"


def load_schema(schemas_dir, name):
    """The full schema of record `name` (e.g. "UploadEvent"): its .avsc with every named type it uses inlined
    at first use, as Avro needs when a schema stands alone (registry, serializer)."""
    named = {}
    for path in sorted(pathlib.Path(schemas_dir).glob("*.avsc")):
        document = json.loads(path.read_text(encoding="utf-8"))
        for definition in document if isinstance(document, list) else [document]:
            named[definition["name"]] = definition
    defined = set()

    def inline(node):
        if isinstance(node, str):
            short = node.rsplit(".", 1)[-1]
            if short in named and short not in defined:
                return inline(copy.deepcopy(named[short]))
            return node
        if isinstance(node, list):
            return [inline(item) for item in node]
        if isinstance(node, dict):
            if node.get("type") in ("record", "enum", "fixed") and "name" in node:
                defined.add(node["name"])
            result = {}
            for key, value in node.items():
                if key == "fields":
                    result[key] = [dict(field, type=inline(field["type"])) for field in value]
                elif key in ("type", "items", "values"):
                    result[key] = inline(value)
                else:
                    result[key] = value
            return result
        return node

    return json.dumps(inline(named[name]))


def describe(event):
    matches = ", ".join(
        f"{m['imageId']} {m['kind']} score {m['score']:.3f} inliers {m['inliers']}"
        f"{' mirrored' if m['hints']['mirrored'] else ''}{' in a tile' if m['hints']['inTile'] else ''}"
        for m in event.get("matches", []))
    return f"{event.get('decision')} [{matches}]"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bootstrap", required=True, help="Kafka bootstrap servers, host:port[,...]")
    parser.add_argument("--registry", required=True, help="schema registry API root (Confluent REST API)")
    parser.add_argument("--reference", required=True, type=pathlib.Path, help="image file of the protected work")
    parser.add_argument("--upload", required=True, type=pathlib.Path, help="image file uploaded to the platform")
    parser.add_argument("--tenant", default="acme")
    parser.add_argument("--rights-holder", default="example-studio")
    parser.add_argument("--reference-set", default=None, help="defaults to the rights holder")
    parser.add_argument("--schemas", type=pathlib.Path, default=DEFAULT_SCHEMAS, help="folder of Doppel's .avsc")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for each event")
    args = parser.parse_args()

    registry = SchemaRegistryClient({"url": args.registry})
    # TopicNameStrategy, Doppel's: subjects doppel.uploads-key and doppel.uploads-value. Named explicitly, since
    # confluent-kafka 2.16's default (ASSOCIATED) first asks the registry's /associations API, which only Confluent's
    # own registry has, and falls back to TOPIC on its 404.
    topic_subjects = {"subject.name.strategy.type": "TOPIC"}
    key_serializer = AvroSerializer(registry, load_schema(args.schemas, "ImageKey"), conf=topic_subjects)
    value_serializer = AvroSerializer(registry, load_schema(args.schemas, "UploadEvent"), conf=topic_subjects)
    # No reader schema: records decode with the writer's schema, fetched by the id in each record's header.
    key_deserializer = AvroDeserializer(registry, conf=topic_subjects)
    value_deserializer = AvroDeserializer(registry, conf=topic_subjects)

    producer = Producer({
        "bootstrap.servers": args.bootstrap,
        "acks": "all",
        "enable.idempotence": True,
        # Java's partitioner (murmur2 of the key bytes), so an image's events land on the partition where Doppel's
        # own Java producers (re-index, tools) would put them; librdkafka's default hashes differently.
        "partitioner": "murmur2_random",
    })
    consumer = Consumer({
        "bootstrap.servers": args.bootstrap,
        "group.id": f"doppel-python-example-{uuid.uuid4()}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        # Doppel writes its events in Kafka transactions (exactly-once): read only committed ones.
        "isolation.level": "read_committed",
    })
    consumer.subscribe([DUPLICATES, VIOLATIONS, OUTCOMES, DEAD_LETTERS])

    def send(image_id, purpose, image_file, rights_holder=None, reference_set=None):
        key = {"tenant": args.tenant, "imageId": image_id}
        value = {
            "tenant": args.tenant, "imageId": image_id, "purpose": purpose, "uploader": "python-example",
            "rightsHolder": rights_holder, "referenceSet": reference_set,
            "source": None, "inlineBytes": image_file.read_bytes(), "contentType": "image/png",
            "uploadedAt": datetime.now(timezone.utc),
        }
        producer.produce(
            UPLOADS,
            key=key_serializer(key, SerializationContext(UPLOADS, MessageField.KEY)),
            value=value_serializer(value, SerializationContext(UPLOADS, MessageField.VALUE)))
        if producer.flush(30) != 0:
            raise SystemExit(f"could not deliver {image_id} within 30 s")
        print(f"sent {purpose} {args.tenant}/{image_id} ({image_file.stat().st_size} bytes)", flush=True)

    def await_event(image_id):
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None:
                continue
            if message.error():
                raise KafkaException(message.error())
            topic = message.topic()
            key = key_deserializer(message.key(), SerializationContext(topic, MessageField.KEY))
            if key != {"tenant": args.tenant, "imageId": image_id}:
                continue
            value = value_deserializer(message.value(), SerializationContext(topic, MessageField.VALUE))
            if topic == VIOLATIONS and value.get("trigger") == "RETRO_SCAN":
                continue  # about this image, but found when a later reference was registered
            schema_id = int.from_bytes(message.value()[1:5], "big")
            summary = f"{value['reason']} {value['detail']}" if topic == DEAD_LETTERS else describe(value)
            print(f"{topic} {args.tenant}/{image_id} (writer schema id {schema_id}): {summary}", flush=True)
            return topic, value
        print(f"no event about {args.tenant}/{image_id} within {args.timeout:.0f} s", file=sys.stderr)
        raise SystemExit(3)

    run = uuid.uuid4().hex[:8]
    work_id, copy_id = f"work-{run}", f"copy-{run}"
    try:
        send(work_id, "REFERENCE", args.reference, args.rights_holder, args.reference_set)
        topic, registered = await_event(work_id)
        if topic != OUTCOMES or registered["decision"] != "REGISTERED":
            print(f"the work was not registered: {topic} {registered}", file=sys.stderr)
            return 1

        send(copy_id, "UPLOAD", args.upload)
        topic, verdict = await_event(copy_id)
    finally:
        consumer.close()

    if topic != VIOLATIONS or verdict["decision"] != "COPYRIGHT_VIOLATION":
        print(f"expected a COPYRIGHT_VIOLATION on {VIOLATIONS}, got {topic}", file=sys.stderr)
        return 1
    best = verdict["matches"][0]
    if best["imageId"] != work_id or best["kind"] != "COPYRIGHT_VIOLATION":
        print(f"the best match is not the work: {best}", file=sys.stderr)
        return 1
    print(f"OK: {copy_id} is a copy of {work_id} (rights holder {best['rightsHolder']}, set {best['referenceSet']}, "
          f"score {best['score']:.3f}, policy {verdict['policyVersion']}, model {verdict['modelId']}/"
          f"{verdict['modelVersion']}, calibration {verdict['calibrationVersion']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
