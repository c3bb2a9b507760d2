#!/usr/bin/env python3
"""Writes the compact, strict JSON Schemas the k8s tests validate rendered manifests against.

Inputs (not committed; see k8s/src/test/resources/schemas/README.md for where each comes from):
  --k8s DIR          kubernetes-validate's kubernetes-json-schema folder (vX.Y.0-local-strict/_definitions.json)
  --crd NAME=FILE... CustomResourceDefinition YAML files, grouped under NAME-VERSION.json

Kubernetes: only the definitions reachable from the kinds in KINDS are kept, descriptions, formats
and x-kubernetes-* annotations dropped; the "-strict" variant already forbids unknown fields.

CRDs: each served version's openAPIV3Schema becomes JSON Schema 2020-12 the way the API server
reads it: nullable -> type [t, null], x-kubernetes-int-or-string -> integer or string, and every
object that lists properties and neither preserves unknown fields nor declares
additionalProperties gets additionalProperties: false (the server prunes or, with
--validate=strict / server-side field validation, rejects such fields). Unserved versions are left
out, so an object of such a version has no schema and fails.
"""
import argparse
import json
import os
import sys

import yaml

KINDS = [
    ("v1", "ConfigMap"), ("v1", "Secret"), ("v1", "Service"), ("v1", "ServiceAccount"),
    ("v1", "Namespace"), ("v1", "PersistentVolumeClaim"),
    ("apps/v1", "Deployment"), ("apps/v1", "StatefulSet"),
    ("batch/v1", "Job"), ("batch/v1", "CronJob"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("policy/v1", "PodDisruptionBudget"),
    ("networking.k8s.io/v1", "NetworkPolicy"), ("networking.k8s.io/v1", "Ingress"),
    ("rbac.authorization.k8s.io/v1", "Role"), ("rbac.authorization.k8s.io/v1", "RoleBinding"),
]
DROP = {"description", "format", "example", "externalDocs"}


def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items()
                if k not in DROP and not k.startswith("x-kubernetes-")}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def refs(node, found):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                found.add(v.split("/")[-1])
            else:
                refs(v, found)
    elif isinstance(node, list):
        for v in node:
            refs(v, found)


def kubernetes(folder, out):
    defs = json.load(open(os.path.join(folder, "_definitions.json")))["$defs"]
    by_gvk = {}
    for name, schema in defs.items():
        for gvk in schema.get("x-kubernetes-group-version-kind", []):
            api = gvk["version"] if not gvk["group"] else gvk["group"] + "/" + gvk["version"]
            by_gvk[(api, gvk["kind"])] = name
    kinds = {}
    todo = []
    for api, kind in KINDS:
        name = by_gvk[(api, kind)]
        kinds[api + "/" + kind] = name
        todo.append(name)
    keep = {}
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep[name] = strip(defs[name])
        found = set()
        refs(keep[name], found)
        todo.extend(found - keep.keys())
    for schema in keep.values():
        rewrite_refs(schema)
    json.dump({"$schema": "https://json-schema.org/draft/2020-12/schema", "kinds": kinds,
               "$defs": dict(sorted(keep.items()))},
              open(out, "w"), separators=(",", ":"), sort_keys=True)
    print(f"{out}: {len(kinds)} kinds, {len(keep)} definitions, {os.path.getsize(out)} bytes")


def rewrite_refs(node):
    """kubernetes-validate points at /api/_definitions.json#/$defs/X; the vendored file is one document."""
    if isinstance(node, dict):
        if "$ref" in node:
            node["$ref"] = "#/$defs/" + node["$ref"].split("/")[-1]
        for v in node.values():
            rewrite_refs(v)
    elif isinstance(node, list):
        for v in node:
            rewrite_refs(v)


def strict(node, root=False):
    if isinstance(node, list):
        return [strict(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: strict(v) for k, v in node.items()
           if k not in DROP and not k.startswith("x-kubernetes-") and k != "nullable"}
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["type"] = ["integer", "string"]
    if node.get("nullable") and "type" in out:
        types = out["type"] if isinstance(out["type"], list) else [out["type"]]
        out["type"] = types + ["null"]
    preserves = node.get("x-kubernetes-preserve-unknown-fields", False)
    if "properties" in node and not preserves and "additionalProperties" not in node:
        out["additionalProperties"] = False
    if root:
        # The API server validates metadata as ObjectMeta whatever the CRD says.
        out.setdefault("properties", {})["metadata"] = {"$ref": "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}
        out["required"] = sorted(set(out.get("required", [])) | {"apiVersion", "kind", "metadata"})
    return out


def crds(name, files, out):
    result = {"name": name, "crds": []}
    for file in files:
        for crd in yaml.safe_load_all(open(file)):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            spec = crd["spec"]
            versions = {}
            for version in spec["versions"]:
                if not version.get("served"):
                    continue
                versions[version["name"]] = {
                    "deprecated": bool(version.get("deprecated", False)),
                    "schema": strict(version["schema"]["openAPIV3Schema"], root=True)}
            result["crds"].append({"group": spec["group"], "kind": spec["names"]["kind"],
                                   "scope": spec["scope"], "source": os.path.basename(file),
                                   "versions": versions})
    json.dump(result, open(out, "w"), separators=(",", ":"), sort_keys=True)
    print(f"{out}: {[(c['kind'], list(c['versions'])) for c in result['crds']]}, {os.path.getsize(out)} bytes")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--k8s", help="kubernetes-json-schema folder of kubernetes-validate")
    parser.add_argument("--versions", nargs="*", default=["v1.31.0", "v1.32.0", "v1.33.0"])
    parser.add_argument("--crd", nargs="*", default=[], help="NAME-VERSION=FILE[,FILE...]")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.k8s:
        os.makedirs(os.path.join(args.out, "kubernetes"), exist_ok=True)
        for version in args.versions:
            kubernetes(os.path.join(args.k8s, version + "-local-strict"),
                       os.path.join(args.out, "kubernetes", version.rsplit(".", 1)[0] + ".json"))
    if args.crd:
        os.makedirs(os.path.join(args.out, "crds"), exist_ok=True)
    for entry in args.crd:
        name, files = entry.split("=", 1)
        crds(name, files.split(","), os.path.join(args.out, "crds", name + ".json"))


if __name__ == "__main__":
    sys.exit(main())
