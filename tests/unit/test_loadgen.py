"""The wrk side of the bench: the generated Lua script and the parsing of wrk's summary line."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from bench.hist import luhn_check_digit
from bench.loadgen import LoadSpec, lua_script, parse_wrk


def _spec(kind: str) -> LoadSpec:
    return LoadSpec(kind, "http://127.0.0.1:1", "Basic eDp5", ["p-1", "p-2"], "m-1")


def test_the_script_carries_ids_credentials_and_the_route_of_each_workload() -> None:
    add = lua_script(_spec("addcard"))
    assert 'ids = {"p-1","p-2"}' in add and '"Basic eDp5"' in add
    assert "/cards" in add and "card_number()" in add
    assert "?fields=cards,addresses" in lua_script(_spec("get"))
    assert '"/tokens/v1/resolve"' in lua_script(_spec("resolve"))


def test_the_scripts_card_numbers_are_luhn_valid(tmp_path: Path) -> None:
    """wrk's own LuaJIT runs the script: its setup() prints numbers and exits before any load."""
    wrk = shutil.which("wrk")
    assert wrk is not None, "wrk is needed: `make tools` installs it (devstack/tools.py)"
    script = tmp_path / "cards.lua"
    script.write_text(
        lua_script(_spec("addcard"))
        + "\nfunction setup(thread) for i = 1, 50 do print(card_number()) end os.exit(0) end\n"
    )
    with socket.socket() as listener:  # wrk checks that it can connect before setup()
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        out = subprocess.run(
            [wrk, "-t1", "-c1", "-d1s", "-s", str(script), url],
            capture_output=True, text=True, check=True, timeout=30,
        ).stdout  # fmt: skip
    numbers = out.split()
    assert len(numbers) == 50 and len(set(numbers)) > 45
    for n in numbers:
        assert len(n) == 16 and n[0] == "4" and luhn_check_digit(n[:-1]) == n[-1]


def test_wrk_summary_becomes_counts_percentiles_and_errors() -> None:
    points = [1000 + 10 * i for i in range(200)]  # µs at 0.5 %, 1 %, … 100 %
    line = {"requests": 4000, "duration_us": 2_000_000, "status_errors": 2, "socket_errors": 1,
            "max_us": 5000, "mean_us": 1990.0, "points": points}  # fmt: skip
    recorder, requests, seconds = parse_wrk("Running 2s test\nWRKJSON " + json.dumps(line) + "\n")
    assert (requests, seconds, recorder.errors) == (4000, 2.0, 3)
    p50 = recorder.histogram.get_value_at_percentile(50)
    assert 1950 <= p50 <= 2050
    assert recorder.histogram.get_max_value() >= 4990
    with pytest.raises(RuntimeError, match="no summary"):
        parse_wrk("wrk crashed")
