"""The mutation score per package, from mutmut's result files (`make mutation` prints it).

mutmut 3 keeps one ``mutants/<file>.meta`` per mutated file with each mutant's test exit code; a
package's score is killed / (killed + survived + no tests): a mutant no fast test runs counts
against the score, like one that survives. ``python -m tests.mutation.report [--survivors]``.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

from mutmut.stats import status_by_exit_code

PACKAGES = (
    "service/domain",
    "projections",
    "events/codec.py",
    "events/upcasting.py",
    "service/tokens/instruments.py",
)


def package_of(path: str) -> str:
    return next((p for p in PACKAGES if path.startswith(p)), path)


def results(root: Path) -> dict[str, dict[str, str]]:
    """package -> mutant name -> status."""
    by_package: dict[str, dict[str, str]] = defaultdict(dict)
    for meta in sorted(root.rglob("*.py.meta")):
        path = meta.relative_to(root).as_posix().removesuffix(".meta")
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        for mutant, code in codes.items():
            by_package[package_of(path)][mutant] = status_by_exit_code[code]
    return by_package


def table(by_package: dict[str, dict[str, str]]) -> str:
    lines = [
        "| package | mutants | killed | survived | no tests | other | score |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for package, mutants in sorted(by_package.items()):
        counts = Counter(mutants.values())
        killed = counts["killed"] + counts["timeout"] + counts["caught by type check"]
        judged = killed + counts["survived"] + counts["no tests"]
        other = len(mutants) - judged
        score = f"{100 * killed / judged:.1f} %" if judged else "n/a"
        lines.append(
            f"| {package} | {len(mutants)} | {killed} | {counts['survived']} | "
            f"{counts['no tests']} | {other} | {score} |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    by_package = results(Path("mutants"))
    if not by_package:
        print("no mutmut results in mutants/: run `make mutation`", file=sys.stderr)
        return 1
    print(table(by_package))
    if "--survivors" in argv:
        for mutants in by_package.values():
            for name, status in sorted(mutants.items()):
                if status in ("survived", "no tests"):
                    print(f"{status:9} {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
