"""The HTTP load generator: ``wrk`` with a generated Lua script when it is on PATH, otherwise the
Python driver (``bench.pyload``) spread over several processes.

A ``LoadSpec`` says what to send (AddCard with random Luhn-valid numbers, GET profile, token
resolve) in a form both generators understand. The generator runs as child processes, so its CPU
is read from ``getrusage(RUSAGE_CHILDREN)`` and reported beside the services' as ``loadgen``.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.driver import Measured, cpu_delta
from bench.hist import Recorder, decode

KINDS = ("addcard", "get", "resolve")
GENERATOR_BOUND_WARNING = (
    "wrk is not on PATH: the HTTP workloads are driven by the Python driver in several processes;"
    " it shares the cores with the services, so the figures are generator-bound"
    " (apt-get install wrk)"
)


@dataclass(frozen=True)
class LoadSpec:
    kind: str  # one of KINDS
    base_url: str
    authorization: str  # the Basic header value
    ids: list[str]  # profile ids (addcard, get) or payment tokens (resolve)
    merchant_id: str = ""  # resolve's body names the merchant


def generator() -> str:
    return "wrk" if shutil.which("wrk") else "python"


def _lua_list(items: list[str]) -> str:
    return "{" + ",".join(json.dumps(i) for i in items) + "}"


# Percentiles wrk's done() reports; the HdrHistogram is rebuilt from them (one value per 0.5%).
_LUA_TAIL = r"""
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
end
local function luhn(partial)
  local total = 0
  local n = #partial
  for i = n, 1, -1 do
    local d = tonumber(partial:sub(i, i))
    if (n - i) % 2 == 0 then
      d = d * 2
      if d > 9 then d = d - 9 end
    end
    total = total + d
  end
  return tostring((10 - total % 10) % 10)
end
function card_number()
  local digits = {"4"}
  for i = 1, 14 do digits[#digits + 1] = tostring(math.random(0, 9)) end
  local partial = table.concat(digits)
  return partial .. luhn(partial)
end
function pick() return ids[math.random(#ids)] end
request = function()
  local path, body = make()
  return wrk.format(method, path, headers, body)
end
function done(summary, latency, requests)
  local points = {}
  for i = 1, 200 do points[i] = latency:percentile(i * 0.5) end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "status_errors": %d, "socket_errors": %d,'
    .. ' "max_us": %d, "mean_us": %f, "points": [%s]}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency.max, latency.mean, table.concat(points, ",")))
end
"""

_LUA_MAKE = {
    "addcard": r"""
method = "POST"
make = function()
  local body = '{"cardNum":"' .. card_number() .. '","cardExpiry":{"month":12,"year":2031},'
    .. '"holderName":"Bench Customer"}'
  return "/customervault/v1/profiles/" .. pick() .. "/cards", body
end
""",
    "get": r"""
method = "GET"
make = function()
  return "/customervault/v1/profiles/" .. pick() .. "?fields=cards,addresses", nil
end
""",
    "resolve": r"""
method = "POST"
make = function()
  return "/tokens/v1/resolve",
    '{"merchantId":"' .. merchant .. '","paymentToken":"' .. pick() .. '","purpose":"bench"}'
end
""",
}


def lua_script(spec: LoadSpec) -> str:
    headers = {"Authorization": spec.authorization, "Content-Type": "application/json"}
    head = (
        f"ids = {_lua_list(spec.ids)}\n"
        f"merchant = {json.dumps(spec.merchant_id)}\n"
        "headers = {"
        + ",".join(f"[{json.dumps(k)}]={json.dumps(v)}" for k, v in headers.items())
        + "}\n"
    )
    return head + _LUA_MAKE[spec.kind] + _LUA_TAIL


def parse_wrk(output: str) -> tuple[Recorder, int, float]:
    """The recorder rebuilt from wrk's percentiles, the completed requests and wrk's seconds."""
    line = next((x for x in output.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{output[-2000:]}")
    data = json.loads(line.removeprefix("WRKJSON "))
    recorder = Recorder()
    requests = int(data["requests"])
    weight = max(1, requests // 200)
    for value in data["points"]:
        recorder.histogram.record_value(max(1, int(value)), weight)
    recorder.histogram.record_value(max(1, int(data["max_us"])))
    for _ in range(int(data["status_errors"]) + int(data["socket_errors"])):
        recorder.error("wrk: non-2xx status or socket error")
    return recorder, requests, int(data["duration_us"]) / 1e6


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def _wrk(spec: LoadSpec, connections: int, seconds: float, work: Path) -> str:
    script = work / f"{spec.kind}.lua"
    script.write_text(lua_script(spec))
    threads = max(1, min(2, connections))
    proc = await asyncio.create_subprocess_exec(
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        spec.base_url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    return out.decode(errors="replace")


async def _python(spec: LoadSpec, connections: int, seconds: float) -> tuple[Recorder, int, float]:
    processes = max(1, min(connections, os.cpu_count() or 1))
    shares = [connections // processes + (i < connections % processes) for i in range(processes)]
    runs = []
    for share in shares:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.pyload",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        job = {"spec": asdict(spec), "connections": share, "seconds": seconds}
        runs.append(proc.communicate(json.dumps(job).encode()))
    recorder, requests = Recorder(), 0
    for out, _ in await asyncio.gather(*runs):
        part = json.loads(out)
        recorder.histogram.add(decode(part["histogram"]))
        for sample in part["errors"]:
            recorder.error(sample)
        requests += int(part["requests"])
    return recorder, requests, seconds


async def drive(
    spec: LoadSpec,
    connections: int,
    duration: float,
    *,
    warmup: float,
    cpu: Callable[[], dict[str, float]],
) -> Measured:
    """Warm up, then a measured run; CPU per process from /proc around it, plus the generator."""
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        work = Path(tmp)

        async def once(seconds: float) -> tuple[Recorder, int, float]:
            if generator() == "wrk":
                return parse_wrk(await _wrk(spec, connections, seconds, work))
            return await _python(spec, connections, seconds)

        if warmup > 0:
            await once(warmup)
        before, gen_before = cpu(), _children_cpu()
        recorder, requests, seconds = await once(duration)
        used = cpu_delta(before, cpu())
        used["loadgen"] = _children_cpu() - gen_before
    return Measured(recorder, seconds, used, requests, "ops")
