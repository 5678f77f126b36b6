"""Extract the OpenAPI v3 schema of each served version of a CustomResourceDefinition.

    python deploy/schemas/crd_extract.py CRD.yaml OUT_DIR [--version V ...]

writes OUT_DIR/<group>/<kind lowercased>_<version>.json: the version's
``spec.versions[].schema.openAPIV3Schema`` exactly as published, minus its ``description``
annotations (they are most of the size and validate nothing). tests/deploy turns these into
strict JSON Schemas when it loads them. Used by deploy/schemas/refresh.sh.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import yaml

_SCHEMA_MAPS = ("properties", "patternProperties", "definitions")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SCHEMA_ONE = ("items", "additionalProperties", "not")


def strip_descriptions(schema: Any) -> Any:
    """The schema without ``description`` annotations (a property named so is kept)."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "description" and isinstance(value, str):
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: strip_descriptions(sub) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [strip_descriptions(sub) for sub in value]
        elif key in _SCHEMA_ONE:
            out[key] = strip_descriptions(value)
        else:
            out[key] = value
    return out


def extract(crd_path: Path, out_dir: Path, versions: list[str]) -> list[Path]:
    written = []
    for crd in yaml.safe_load_all(crd_path.read_text(encoding="utf-8")):
        if not crd or crd.get("kind") != "CustomResourceDefinition":
            continue
        group = crd["spec"]["group"]
        kind = crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if not version.get("served") or (versions and version["name"] not in versions):
                continue
            schema = strip_descriptions(version["schema"]["openAPIV3Schema"])
            target = out_dir / group / f"{kind.lower()}_{version['name']}.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n", encoding="utf-8")
            written.append(target)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("crd", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--version", action="append", default=[])
    args = parser.parse_args()
    for path in extract(args.crd, args.out_dir, args.version):
        print(path)


if __name__ == "__main__":
    main()
