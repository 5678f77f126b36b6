"""Results: the JSON document, the terminal table, the PNG plots and docs/benchmarks/README.md."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.runner import Plan

KEEP_MARKER = (
    "<!-- Everything below this line is kept when `python -m bench` rewrites this file. -->"
)
PACKAGES = ("aiohttp", "asyncpg", "aiokafka", "msgspec", "pycryptodome", "hdrhistogram")


def machine() -> dict[str, Any]:
    def first(path: str, key: str) -> str:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "unknown"

    from devstack.kafka import kafka_version

    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "nproc": os.cpu_count(),
        "memory": first("/proc/meminfo", "MemTotal"),
        "cpu_model": first("/proc/cpuinfo", "model name"),
        "kernel": platform.release(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "kafka": kafka_version(),
        "packages": versions,
    }


def document(
    plan: Plan, entries: list[dict[str, Any]], extra: dict[str, Any], started: float
) -> dict[str, Any]:
    doc = {
        "meta": {
            "command": plan.command,
            "quick": plan.quick,
            "started": dt.datetime.fromtimestamp(started, dt.UTC).isoformat(timespec="seconds"),
            "duration_per_step_s": plan.duration,
            "warmup_s": plan.warmup,
            "concurrency": plan.concurrency,
            "pipeline_rate_events_per_s": plan.pipeline_rate,
            "machine": {**machine(), **extra.pop("machine", {})},
        },
        "workloads": entries,
        **extra,
    }
    doc["targets"] = targets(entries)
    return doc


def _best(entries: list[dict[str, Any]], name: str, p99_max: float | None = None) -> Any:
    rows = [e for e in entries if e["workload"] == name]
    if p99_max is not None:
        within = [e for e in rows if e["result"]["latency_ms"]["p99"] <= p99_max]
        rows = within or rows
    return max(rows, key=lambda e: e["result"]["throughput"], default=None)


def targets(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def add(name: str, goal: str, row: Any, met: bool | None, actual: str) -> None:
        out.append({"target": name, "goal": goal, "actual": actual if row else "not measured",
                    "met": met if row else None,
                    "concurrency": row.get("concurrency") if row else None})  # fmt: skip

    def r(row: Any) -> dict[str, Any]:
        return row["result"] if row else {"throughput": 0, "latency_ms": {"p99": 0}}

    def cpu_us(row: Any) -> float:
        per_op = r(row).get("cpu_ms_per_op") or {}
        return 1000.0 * float(sum(v for k, v in per_op.items() if k != "bench"))

    for name, label, goal_thr, goal_p99, goal_cpu in (
        ("get_profile", "GET profile", 6000, 15, 250),
        ("resolve", "token resolution", 3000, 15, 400),
        ("addcard", "AddCard", 1000, 100, 2000),
    ):
        row = next((e for e in entries if e["workload"] == name and e["concurrency"] == 32),
                   None) or _best(entries, name)  # fmt: skip
        x = r(row)
        add(label, f"≥ {goal_thr:,}/s at 32 conns, p99 ≤ {goal_p99} ms, ≤ {goal_cpu} µs CPU/op",
            row, x["throughput"] >= goal_thr and x["latency_ms"]["p99"] <= goal_p99
            and cpu_us(row) <= goal_cpu,
            f"{x['throughput']:,.0f}/s, p99 {x['latency_ms']['p99']:.1f} ms, "
            f"{cpu_us(row):,.0f} µs CPU/op")  # fmt: skip
    app = _best(entries, "append")
    y = r(app)
    peer = (app or {}).get("ratio", {}).get("peer_throughput") or 0
    add("event-store appends", "≥ 10,000 events/s, ≥ 3x eventsourcing", app,
        y["throughput"] >= 10_000 and peer >= 3,
        f"{y['throughput']:,.0f} events/s, {peer:.1f}x eventsourcing")  # fmt: skip
    rel = _best(entries, "relay_latency")
    z = r(rel)
    add("relay append → Kafka ack", "p99 ≤ 50 ms", rel, z["latency_ms"]["p99"] <= 50,
        f"p99 {z['latency_ms']['p99']:.1f} ms at {z['throughput']:,.0f} events/s")  # fmt: skip
    lag = _best(entries, "projection_lag")
    w = r(lag)
    add("projection lag", "p99 ≤ 100 ms", lag, w["latency_ms"]["p99"] <= 100,
        f"p99 {w['latency_ms']['p99']:.1f} ms at {w['throughput']:,.0f} events/s")  # fmt: skip
    for e in entries:
        if e["workload"].startswith("rebuild_"):
            v = e["result"]
            add(f"replay ({e['workload'][8:].replace('_', '-')})", "≥ 20,000 events/s", e,
                v["throughput"] >= 20_000, f"{v['throughput']:,.0f} events/s")  # fmt: skip
    return out


def table(doc: dict[str, Any]) -> str:
    head = (
        f"{'workload':<26}{'c':>4}{'unit':>7}{'thr/s':>10}{'p50':>9}{'p95':>9}{'p99':>9}"
        f"{'max':>9}{'err':>5} |{'base/s':>10}{'b p99':>9}{'ratio':>7}"
    )
    lines = [head, "-" * len(head)]
    for e in doc["workloads"]:
        r, b, lat = e["result"], e["baseline"], e["result"]["latency_ms"]
        ratio = e["ratio"]["throughput"]
        lines.append(
            f"{e['workload']:<26}{e['concurrency'] or '-':>4}{r['unit']:>7}{r['throughput']:>10,.0f}"
            f"{lat['p50']:>9.2f}{lat['p95']:>9.2f}{lat['p99']:>9.2f}{lat['max']:>9.1f}"
            f"{r['errors']:>5} |{b['throughput']:>10,.0f}{b['latency_ms']['p99']:>9.2f}"
            f"{(f'{ratio:.2f}' if ratio is not None else '-'):>7}"
        )
        if "peer" in e:
            q, ql = e["peer"], e["peer"]["latency_ms"]
            lines.append(
                f"{'  peer: eventsourcing':<26}{e['concurrency'] or '-':>4}{q['unit']:>7}"
                f"{q['throughput']:>10,.0f}{ql['p50']:>9.2f}{ql['p95']:>9.2f}{ql['p99']:>9.2f}"
                f"{ql['max']:>9.1f}{q['errors']:>5} | vault/peer"
                f"{e['ratio'].get('peer_throughput') or 0:>8.2f}x"
            )
    lines.append("latencies in ms; ratio = throughput / baseline throughput")
    lines.append("")
    lines += cpu_table(doc)
    lines.append("")
    for t in doc["targets"]:
        mark = {True: "MET ", False: "MISS", None: "n/a "}[t["met"]]
        lines.append(f"[{mark}] {t['target']:<32} goal {t['goal']:<40} {t['actual']}")
    return "\n".join(lines)


# Short column names for the processes whose CPU is read from /proc (utime + stime).
CPU_COLUMNS = (
    ("api", "api"),
    ("tokens", "tokens"),
    ("relay", "relay"),
    ("project", "proj"),
    ("projector", "proj"),
    ("postgres-server", "pg"),
    ("postgres-backends", "pg"),
    ("kafka-server", "kafka"),
    ("loadgen", "loadgen"),
    ("bench", "bench"),
)


def cpu_table(doc: dict[str, Any]) -> list[str]:
    """CPU per operation in µs per process, the vault's run then its baseline's."""
    names = [short for _, short in CPU_COLUMNS]
    names = list(dict.fromkeys(names))
    head = f"{'CPU µs/op':<26}{'c':>4}{'side':>6}" + "".join(f"{n:>9}" for n in names)
    head += f"{'total':>9}"
    lines = [head, "-" * len(head)]
    for e in doc["workloads"]:
        for side in ("result", "baseline", "peer"):
            per_op = (e.get(side) or {}).get("cpu_ms_per_op") or {}
            if not per_op:
                continue
            cells = dict.fromkeys(names, 0.0)
            for process, short in CPU_COLUMNS:
                cells[short] += 1000 * per_op.get(process, 0.0)
            total = sum(cells.values()) - cells["bench"] * (
                side == "result" and e["workload"] in ("addcard", "get_profile", "resolve")
            )
            lines.append(
                f"{e['workload']:<26}{e['concurrency'] or '-':>4}{side[:4]:>6}"
                + "".join(f"{cells[n]:>9.0f}" for n in names)
                + f"{total:>9.0f}"
            )
    lines.append(
        "µs of CPU (user + system, from /proc) per operation (append: per event); pg = the"
        " PostgreSQL backends; loadgen = wrk or the Python driver processes; total excludes the"
        " idle bench process while wrk drives"
    )
    return lines


def capacity(doc: dict[str, Any]) -> list[str]:
    """Cores per 1,000 operations/s by tier, from the busiest run of each HTTP workload: CPU per
    operation in ms is exactly cores per 1,000/s."""
    tiers = (("api", "api"), ("tokens", "tokens"), ("pg", "postgres-backends", "postgres-server"),
             ("kafka", "kafka-server"), ("relay", "relay"), ("proj", "project", "projector"))  # fmt: skip
    head = f"{'cores per 1,000/s':<22}" + "".join(f"{t[0]:>8}" for t in tiers) + f"{'total':>8}"
    lines = [head, "-" * len(head)]
    for name in ("addcard", "get_profile", "resolve", "addcard_durable"):
        rows = [e for e in doc["workloads"] if e["workload"] == name]
        if not rows:
            continue
        per_op = max(rows, key=lambda e: e["concurrency"] or 0)["result"].get("cpu_ms_per_op", {})
        cells = [sum(per_op.get(k, 0.0) for k in t[1:]) for t in tiers]
        lines.append(f"{name:<22}" + "".join(f"{c:>8.2f}" for c in cells) + f"{sum(cells):>8.2f}")
    return lines


def plots(doc: dict[str, Any], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written: list[Path] = []
    names = [n for n in ("addcard", "get_profile", "resolve", "append")
             if any(e["workload"] == n for e in doc["workloads"])]  # fmt: skip
    for metric, ylabel, filename in (
        ("throughput", "operations/s (append: events/s)", "throughput.png"),
        ("p99", "p99 latency (ms)", "p99.png"),
    ):
        if not names:
            break
        fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 3.6), squeeze=False)
        for ax, name in zip(axes[0], names, strict=True):
            rows = sorted((e for e in doc["workloads"] if e["workload"] == name),
                          key=lambda e: e["concurrency"])  # fmt: skip
            xs = [e["concurrency"] for e in rows]
            for side, style in (("result", "o-"), ("baseline", "s--")):
                ys = [e[side]["throughput"] if metric == "throughput"
                      else e[side]["latency_ms"]["p99"] for e in rows]  # fmt: skip
                ax.plot(xs, ys, style, label="vault" if side == "result" else "raw baseline")
            ax.set_xscale("log", base=2)
            ax.set_xticks(xs, [str(x) for x in xs])
            ax.set_yscale("log")
            ax.set_title(name)
            ax.set_xlabel("concurrent clients")
            ax.grid(True, which="both", alpha=0.3)
        axes[0][0].set_ylabel(ylabel)
        axes[0][0].legend()
        fig.tight_layout()
        path = out / filename
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    series = doc.get("projection_series")
    if series:
        fig, ax = plt.subplots(figsize=(8, 3.8))
        for key, label, style in (
            ("projector", "projection lag (apply - recorded_at)", "-"),
            ("consumer", "bare consumer (baseline)", ":"),
            ("relay", "relay append → Kafka ack", "--"),
        ):
            pts = series.get(key) or []
            if pts:
                ax.plot([p[0] for p in pts], [p[2] for p in pts], style, label=f"{label}, max")
                ax.plot([p[0] for p in pts], [p[1] for p in pts], style, alpha=0.5,
                        label=f"{label}, p50")  # fmt: skip
        ax.set_xlabel("seconds into the measured window")
        ax.set_ylabel("ms (per 250 ms bucket)")
        ax.set_yscale("log")
        ax.set_title(
            f"lag under {doc['meta']['pipeline_rate_events_per_s']:,.0f} appended events/s"
        )
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        path = out / "projection_lag.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written


def readme(doc: dict[str, Any], pngs: list[Path], kept: str) -> str:
    m = doc["meta"]["machine"]
    pk = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    lines = [
        "# Benchmarks",
        "",
        "Generated by `python -m bench` (`make bench`); numbers are from the latest full run. Raw",
        "results, with every latency histogram (HdrHistogram, base64), are in `results.json`.",
        "",
        "## Machine",
        "",
        f"- {m['nproc']} CPUs ({m['cpu_model']}), {m['memory']} memory, Linux {m['kernel']};"
        f" load average at start {m.get('load_average_at_start')}",
        f"- Python {m['python']}, PostgreSQL {m.get('postgres', '?')}, Apache Kafka {m['kafka']}",
        f"- {pk}",
        "- Everything on the one machine: PostgreSQL and Kafka from `devstack`, the four vault",
        f"  processes (API and token service with {m.get('workers', '?')} worker(s) each), and the"
        f" load generator ({doc.get('load_generator', '?')}; the bench's own Python process for"
        " the store workloads).",
        "- PostgreSQL durability: "
        + ", ".join(f"`{k}={v}`" for k, v in (m.get("postgres_durability") or {}).items())
        + " (the devstack's; the `*_durable` rows ran with all three `on`).",
        "",
        *(
            [
                f"- **The machine was shared** (load average {m['load_average_at_start'][0]} at"
                f" the start on {m['nproc']} CPUs): throughput and latency here are lower bounds,"
                " CPU per operation an upper bound (contention inflates it).",
            ]
            if m.get("load_average_at_start", [0])[0] > (m.get("nproc") or 1)
            else []
        ),
        "",
        "## Command",
        "",
        "```sh",
        f"{doc['meta']['command']}",
        "```",
        "",
        f"{doc['meta']['duration_per_step_s']:g} s measured per step after "
        f"{doc['meta']['warmup_s']:g} s warm-up; run {doc['meta']['started']}.",
        "",
        "## Results",
        "",
        "```",
        table(doc),
        "```",
        "",
        "## Targets",
        "",
        "| target | goal | measured | |",
        "|---|---|---|---|",
    ]
    for t in doc["targets"]:
        mark = {True: "met", False: "**missed**", None: "n/a"}[t["met"]]
        lines.append(f"| {t['target']} | {t['goal']} | {t['actual']} | {mark} |")
    lines += ["", "## Capacity", "", "Cores needed per 1,000 operations/s, by process (= CPU ms per"
              " operation at the highest concurrency); see [docs/scaling.md](../scaling.md).", "",
              "```", *capacity(doc), "```"]  # fmt: skip
    lines += ["", "## Plots", ""]
    lines += [f"![{p.stem}]({p.name})" for p in pngs]
    lines += ["", KEEP_MARKER, kept.rstrip(), ""]
    return "\n".join(lines)


def write(plan: Plan, doc: dict[str, Any]) -> None:
    out = plan.out
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(doc, indent=1) + "\n")
    pngs = plots(doc, out)
    path = out / "README.md"
    kept = ""
    if path.exists() and KEEP_MARKER in (text := path.read_text()):
        kept = text.split(KEEP_MARKER, 1)[1].strip("\n")
    path.write_text(readme(doc, pngs, kept))
