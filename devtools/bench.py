"""The load driver of `manage.py bench`: a gunicorn under test, signed-in users hammering
pages over keep-alive connections, and the arithmetic that turns latencies into results.

Everything here is plain Python (http.client, threads, subprocess) so that the benchmark needs
nothing beyond the project's own dependencies. The pure functions at the top (`percentile`,
`page_stats`, `results_build`, `results_table`) are unit-tested.
"""

import http.client
import json
import math
import os
import random
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

# The pages the issue names; the first two carry targets.
PAGE_KEYS = ("dashboard", "plan", "departments", "stakeholders")
TARGETS_P95_MS = {"dashboard": 60.0, "plan": 40.0}


# --- Arithmetic --------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    """The nearest-rank percentile: the smallest value with at least q % of the values at or
    below it. `percentile([10, 20, 30, 40], 50) == 20`; None for no values."""
    if not values:
        return None
    if not 0 <= q <= 100:
        raise ValueError("q is a percentage between 0 and 100")
    ordered = sorted(values)
    rank = max(math.ceil(q / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def page_stats(latencies_ms: Sequence[float], *, errors: int, seconds: float) -> dict:
    """Requests, errors, throughput and latency percentiles (ms, one decimal) of one page."""

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    count = len(latencies_ms)
    return {
        "requests": count,
        "errors": errors,
        "rps": round(count / seconds, 1) if seconds > 0 else None,
        "mean_ms": rounded(sum(latencies_ms) / count) if count else None,
        "p50_ms": rounded(percentile(latencies_ms, 50)),
        "p95_ms": rounded(percentile(latencies_ms, 95)),
        "p99_ms": rounded(percentile(latencies_ms, 99)),
        "max_ms": rounded(max(latencies_ms)) if count else None,
    }


def results_build(
    *,
    pages: dict[str, dict],
    settings: dict,
    machine: dict,
    data: dict,
    git: dict,
    date: str,
    extra: dict | None = None,
) -> dict:
    """The document written to results.json. `pages` maps a page key to its entry: `path`,
    `status` (what the probe answered) and, if measured, the `page_stats` fields. Every page
    the issue names gets a top-level `<page>_p95_ms`, null when it was not measured (e.g. the
    page does not exist yet)."""
    results: dict = {}
    for key in (*PAGE_KEYS, *(key for key in pages if key not in PAGE_KEYS)):
        entry = pages.get(key) or {}
        results[f"{key}_p95_ms"] = entry.get("p95_ms")
    results["targets_p95_ms"] = dict(TARGETS_P95_MS)
    results["targets_met"] = {
        key: (results[f"{key}_p95_ms"] is not None and results[f"{key}_p95_ms"] < target)
        for key, target in TARGETS_P95_MS.items()
    }
    results["total_errors"] = sum((entry or {}).get("errors", 0) or 0 for entry in pages.values())
    results.update(
        {
            "date": date,
            "git": git,
            "settings": settings,
            "machine": machine,
            "data": data,
            "pages": pages,
        }
    )
    if extra:
        results.update(extra)
    return results


def results_merge(path: Path, values: dict) -> dict:
    """Write `values` into the results file at `path`, keeping what other benchmarks wrote
    there (each bench command owns its own keys). Returns the whole document."""
    try:
        document = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        document = {}
    if not isinstance(document, dict):
        document = {}
    document.update(values)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return document


def results_table(results: dict, *, mode: str = "users") -> str:
    """A readable table of the pages' figures: `mode="users"` for the main pass,
    `mode="saturation"` for the back-to-back pass (when it ran)."""
    header = ("page", "path", "req", "err", "req/s", "p50", "p95", "p99", "max", "target")
    rows = [header]
    for key, entry in results["pages"].items():
        target = TARGETS_P95_MS.get(key) if mode == "users" else None
        figures = entry if mode == "users" else (entry.get("saturation") or {})
        p95 = figures.get("p95_ms")
        if p95 is None:
            status = entry.get("status")
            note = f"HTTP {status}, not measured" if status and status != 200 else "not measured"
            verdict = f"<{target:g} {note}" if target is not None else note
            rows.append((key, entry["path"], *("-" * 7), verdict))
            continue
        verdict = ""
        if target is not None:
            verdict = f"<{target:g} {'ok' if p95 < target else 'MISSED'}"
        rows.append(
            (
                key,
                entry["path"],
                str(figures["requests"]),
                str(figures["errors"]),
                f"{figures['rps']:.1f}",
                f"{figures['p50_ms']:.1f}",
                f"{p95:.1f}",
                f"{figures['p99_ms']:.1f}",
                f"{figures['max_ms']:.1f}",
                verdict,
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = []
    for index, row in enumerate(rows):
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


# --- HTTP client -------------------------------------------------------------------------------


class Browser:
    """One user: a keep-alive connection and a cookie jar."""

    def __init__(self, host: str, port: int, cookies: dict[str, str] | None = None) -> None:
        self.host, self.port = host, port
        self.cookies = dict(cookies or {})
        self.connection = http.client.HTTPConnection(host, port, timeout=30)

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                payload = response.read()
                break
            except (http.client.HTTPException, ConnectionError, TimeoutError, OSError):
                # The server closed an idle keep-alive connection: reconnect once.
                self.connection.close()
                if attempt == 2:
                    raise
        for value in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(value)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        return response.status, dict(response.headers.items()), payload

    def close(self) -> None:
        self.connection.close()


CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def sign_in(host: str, port: int, email: str, password: str) -> dict[str, str]:
    """A real sign-in through the login form: one GET for the CSRF token, one POST.
    Returns the cookies of the signed-in session. A rejected password raises RuntimeError
    after a single attempt (django-axes locks an account out after repeated failures)."""
    browser = Browser(host, port)
    try:
        status, _headers, page = browser.request("GET", "/accounts/login/")
        match = CSRF_FIELD.search(page)
        if status != 200 or match is None:
            raise RuntimeError(f"The login page answered {status} without a CSRF token.")
        body = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": match.group(1).decode(),
                "username": email,
                "password": password,
                "next": "",
            }
        )
        status, _headers, _page = browser.request(
            "POST",
            "/accounts/login/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://{host}:{port}/accounts/login/",
            },
        )
        if status != 302 or "sessionid" not in browser.cookies:
            raise RuntimeError(
                f"Signing in as {email} failed (HTTP {status}). Is the password right? "
                "Run seed_scale first, or pass --password."
            )
        return dict(browser.cookies)
    finally:
        browser.close()


# --- Load ----------------------------------------------------------------------------------


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    client_cpu_seconds: float = 0.0  # what the load generator itself used (same machine)


def run_load(
    *,
    host: str,
    port: int,
    cookies: dict[str, str],
    paths: Sequence[str],
    users: int,
    seconds: float,
    think_ms: float = 0.0,
) -> LoadResult:
    """`users` threads, each with its own keep-alive connection and the session cookie, request
    the paths in turn for `seconds`; a non-200 answer or a failed request counts as an error.
    With `think_ms`, each user pauses a random 0.5x-1.5x of it between requests."""
    result = LoadResult()
    lock = threading.Lock()
    start_gate = threading.Barrier(users + 1)
    deadline_box: list[float] = []

    def user(index: int) -> None:
        rng = random.Random(index)  # noqa: S311 - jitter, not a secret
        browser = Browser(host, port, cookies)
        latencies, errors, samples = [], 0, []
        turn = index
        start_gate.wait()
        deadline = deadline_box[0]
        try:
            while time.perf_counter() < deadline:
                path = paths[turn % len(paths)]
                turn += 1
                started = time.perf_counter()
                try:
                    status, _headers, _body = browser.request(
                        "GET", path, headers={"Accept": "text/html"}
                    )
                except Exception as error:  # every failure is a counted error
                    status, detail = None, f"{path}: {type(error).__name__}: {error}"
                else:
                    detail = f"{path}: HTTP {status}"
                elapsed = (time.perf_counter() - started) * 1000
                if status == 200:
                    latencies.append(elapsed)
                else:
                    errors += 1
                    if len(samples) < 5:
                        samples.append(detail)
                if think_ms:
                    pause = rng.uniform(0.5, 1.5) * think_ms / 1000
                    time.sleep(max(min(pause, deadline - time.perf_counter()), 0))
        finally:
            browser.close()
            with lock:
                result.latencies_ms.extend(latencies)
                result.errors += errors
                result.error_samples.extend(samples[: 5 - len(result.error_samples)])

    threads = [threading.Thread(target=user, args=(index,), daemon=True) for index in range(users)]
    for thread in threads:
        thread.start()
    cpu_before = time.process_time()
    began = time.perf_counter()
    deadline_box.append(began + seconds)
    start_gate.wait()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - began
    result.client_cpu_seconds = time.process_time() - cpu_before
    return result


# --- The server under test ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_gunicorn(
    *,
    gunicorn: str,
    workers: int,
    threads: int,
    env: dict[str, str],
    cwd: Path,
    log: Path,
    ready: Callable[[int], bool],
    timeout: float = 60.0,
) -> Server:
    """Start gunicorn on a free local port and wait until `ready(port)` is true."""
    port = free_port()
    command = [
        gunicorn,
        "changehub.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread" if threads > 1 else "sync",
        "--keep-alive",
        "5",
        "--backlog",
        "256",
        "--log-level",
        "warning",
        "--error-logfile",
        str(log),
    ]
    log.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn with fixed arguments
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    server = Server(process=process, port=port, log=log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if ready(port):
                return server
        except OSError:
            pass
        time.sleep(0.25)
    server.stop()
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise RuntimeError(f"gunicorn did not start (see {log}):\n{tail}")


def login_page_ready(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/accounts/login/")
        return connection.getresponse().status == 200
    finally:
        connection.close()


def machine_info() -> dict:
    """CPU, memory and operating system of this machine, as far as /proc tells."""
    info = {
        "cpus": os.cpu_count(),
        "platform": os.uname().sysname + " " + os.uname().release,
        # Other work on the machine skews the figures; the 1-minute load before the run.
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
        info["cpu_model"] = model.group(1).strip() if model else None
        meminfo = Path("/proc/meminfo").read_text()
        total = re.search(r"^MemTotal:\s*(\d+) kB", meminfo, re.MULTILINE)
        info["memory_gb"] = round(int(total.group(1)) / 1024 / 1024, 1) if total else None
    except OSError:
        pass
    return info
