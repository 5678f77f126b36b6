"""Semantic differences between two OpenAPI documents: operations, parameters, request and
response schemas (``$ref`` resolved), error responses; key order and ``$ref`` naming ignored.

    python -m devstack.openapi_diff BEFORE.json [AFTER.json]

Without AFTER, the document the vault API serves now. Prints one line per difference.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any


def resolve(node: Any, root: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """``node`` with every ``$ref`` replaced by its target (a recursive one left as the ref)."""
    if isinstance(node, list):
        return [resolve(item, root, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        if ref in seen:
            return {"$ref": ref}
        target: Any = root
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        rest = {k: v for k, v in node.items() if k != "$ref"}
        return resolve({**target, **rest}, root, (*seen, ref))
    return {key: resolve(value, root, seen) for key, value in node.items()}


def _prose(text: str) -> list[list[str]]:
    """Markdown paragraphs as words: how a description is wrapped is no difference."""
    return [paragraph.split() for paragraph in text.split("\n\n")]


_SETS = ("required", "enum")  # lists whose order means nothing


def differences(before: Any, after: Any, where: str = "") -> Iterator[str]:
    if where.endswith(_SETS) and isinstance(before, list) and isinstance(after, list):
        before, after = sorted(map(json.dumps, before)), sorted(map(json.dumps, after))
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after), key=str):
            here = f"{where}/{key}"
            if key not in after:
                yield f"removed {here}"
            elif key not in before:
                yield f"added   {here}"
            else:
                yield from differences(before[key], after[key], here)
    elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            yield from differences(old, new, f"{where}[{index}]")
    elif isinstance(before, str) and isinstance(after, str) and _prose(before) == _prose(after):
        return
    elif before != after:
        yield f"changed {where}: {json.dumps(before)[:120]} -> {json.dumps(after)[:120]}"


def compare(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Differences of the resolved paths, and of everything outside ``paths`` and
    ``components`` (components count through the paths that use them, and on their own)."""
    found: list[str] = []
    for part in ("paths", "components"):
        found += differences(
            resolve(before.get(part), before), resolve(after.get(part), after), part
        )
    rest = {k: v for k, v in before.items() if k not in ("paths", "components")}
    rest_after = {k: v for k, v in after.items() if k not in ("paths", "components")}
    found += differences(rest, rest_after)
    return found


def main(argv: list[str]) -> int:
    with open(argv[0]) as file:
        before = json.load(file)
    if len(argv) > 1:
        with open(argv[1]) as file:
            after = json.load(file)
    else:
        from service.api.routes import openapi_document

        after = openapi_document()
    found = compare(before, after)
    print("\n".join(found) or "no difference")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
