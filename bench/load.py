"""Load and fault run (`make load`): simulated phones push to gunicorn on PostgreSQL.

Phase 1 (steady): 200 phones push batches for a fixed time, with random resends of
batches already answered and deliberate duplicate sends. No answer may be a 5xx.
Phase 2 (faults): the same load while a gunicorn worker is killed and PostgreSQL is
restarted. Phones retry as the field app does (exponential back-off, keep the outbox
entry until an answer says stored or duplicate).

At the end every phone drains its outbox, and the database must hold exactly the unique
records the phones made: none lost, none twice. Exits non-zero otherwise.
"""

import datetime as dt
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

import psycopg
import requests

from peerkit.extensions import db
from peerkit.sealing import new_key

from .common import median, migrated_app, seed_peer_area

PHONES = int(os.environ.get("LOAD_PHONES", 200))
PHASE_SECONDS = float(os.environ.get("LOAD_SECONDS", 40))
WORKERS = int(os.environ.get("LOAD_WORKERS", 4))
DRAIN_SECONDS = 120


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0


def _setup(url: str) -> tuple[list[dict], dict]:
    """An area with one signed-off peer per phone; returns their tokens and reference ids."""
    app = migrated_app(url)
    tokens, ids = seed_peer_area(app, peers=PHONES)
    with app.app_context():
        db.engine.dispose()
    return [{"token": t} for t in tokens], ids


class Stats:
    """Counters shared by the phone threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies, self.status_5xx, self.errors = [], {"steady": 0, "faults": 0}, 0
        self.stored_answers: dict[str, int] = {}
        self.duplicate_answers = 0
        self.deliberate_resends = 0
        self.phase = "steady"

    def answered(self, results):
        with self.lock:
            for r in results:
                if r["status"] == "stored":
                    self.stored_answers[r["id"]] = self.stored_answers.get(r["id"], 0) + 1
                elif r["status"] == "duplicate":
                    self.duplicate_answers += 1


def _record(ids, rng):
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    today = dt.date.today().isoformat()
    if rng.random() < 0.8:
        return {
            "kind": "kit_supply",
            "id": str(uuid.uuid4()),
            "data": {
                "client_created_at": now,
                "supplied_on": today,
                "site_id": ids["site"],
                "recipient_category": rng.choice(["person_at_risk", "family_friend_carer"]),
                "batch_id": ids["batch"],
                "quantity": 1,
                "supply_type": "first",
                "repeat_reason": None,
                "training": "given",
                "area": "M14",
                "referral_offered": True,
                "referral_accepted": False,
            },
        }
    return {
        "kind": "naloxone_use_report",
        "id": str(uuid.uuid4()),
        "data": {
            "client_created_at": now,
            "used_on": today,
            "place_type": "hostel",
            "area": "M14",
            "administered_by": "peer",
            "doses": 1,
            "route": "im",
            "called_999": True,
            "stayed_with_person": True,
            "outcome": "survived",
        },
    }


def _phone(base, phone, ids, stats, stop_making, stop_all, made, seed):
    rng = random.Random(seed)
    session = requests.Session()
    headers = {"Authorization": f"Bearer {phone['token']}"}
    outbox: dict[str, dict] = {}
    failures = 0
    while not stop_all.is_set():
        if not stop_making.is_set():
            for _ in range(rng.randint(1, 8)):
                record = _record(ids, rng)
                outbox[record["id"]] = record
                made.append(record["id"])
        elif not outbox:
            return
        batch = list(outbox.values())[:100]
        if not batch:
            time.sleep(rng.uniform(0.1, 0.5))
            continue
        started = time.perf_counter()
        try:
            response = session.post(
                f"{base}/api/v1/sync/push", json={"records": batch}, headers=headers, timeout=30
            )
        except requests.RequestException:
            response = None
        elapsed = time.perf_counter() - started
        with stats.lock:
            stats.latencies.append(elapsed)
        if response is None or response.status_code >= 500:
            with stats.lock:
                if response is None:
                    stats.errors += 1
                else:
                    stats.status_5xx[stats.phase] += 1
            failures += 1
            time.sleep(min(0.2 * 2**failures, 3) * rng.uniform(0.5, 1.0))
            continue
        failures = 0
        results = response.json()["results"]
        stats.answered(results)
        for r in results:
            if r["status"] in ("stored", "duplicate"):
                outbox.pop(r["id"], None)
        # A phone that lost the answer sends the same batch again.
        if rng.random() < 0.1:
            with stats.lock:
                stats.deliberate_resends += 1
            try:
                again = session.post(
                    f"{base}/api/v1/sync/push", json={"records": batch}, headers=headers, timeout=30
                )
            except requests.RequestException:
                again = None
            if again is not None and again.status_code == 200:
                stats.answered(again.json()["results"])
        time.sleep(rng.uniform(0.05, 0.4))


def _cpu_seconds(pids) -> float:
    """User and system CPU time the processes `pids` have used so far (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # gone since it was listed
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def _children(parent: int) -> list[int]:
    """The processes whose parent is `parent` (gunicorn's workers, the server's backends)."""
    return [
        int(p)
        for p in subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(parent)], capture_output=True, text=True
        ).stdout.split()
    ]


def _postgres_pids(url: str) -> list[int]:
    """The server's processes: its postmaster (from postmaster.pid) and every child."""
    with psycopg.connect(url) as conn:
        data = conn.execute("SHOW data_directory").fetchone()[0]
    with open(os.path.join(data, "postmaster.pid")) as pid_file:
        postmaster = int(pid_file.readline())
    return [postmaster, *_children(postmaster)]


class CpuSplit:
    """Where the machine's CPU went over a stretch: workers, PostgreSQL, the phones."""

    def __init__(self, gunicorn_pid: int, server_url: str):
        self.gunicorn_pid, self.server_url = gunicorn_pid, server_url

    def _now(self) -> dict:
        usage = os.times()
        return {
            "workers": _cpu_seconds([self.gunicorn_pid, *_children(self.gunicorn_pid)]),
            "PostgreSQL": _cpu_seconds(_postgres_pids(self.server_url)),
            "phones": usage.user + usage.system,
            "wall": time.perf_counter(),
        }

    def start(self) -> None:
        self.started = self._now()

    def stop(self) -> str:
        """One line: cores each part used on average since `start`."""
        ended = self._now()
        wall = ended["wall"] - self.started["wall"]
        parts = ", ".join(
            f"{name} {(ended[name] - self.started[name]) / wall:.2f}"
            for name in ("workers", "PostgreSQL", "phones")
        )
        return f"{parts} (of {os.cpu_count()} cores)"


def main() -> None:
    """Run both phases and print the figures; exit 1 on loss, duplication or a steady 5xx."""
    server = os.environ.get("PEERKIT_TEST_PG_URL")
    restart = os.environ.get("PEERKIT_TEST_PG_RESTART")
    if not server or not restart:
        sys.exit("Run with `make load` (it starts a throwaway PostgreSQL).")
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "load" WITH (FORCE)')
        conn.execute('CREATE DATABASE "load"')
    url = server.rsplit("/", 1)[0] + "/load"
    phones, ids = _setup(url)

    port = _free_port()
    env = dict(
        os.environ, DATABASE_URL=url, SECRET_KEY="bench-" + "k" * 40, FIELD_SEALING_KEYS=new_key()
    )
    gunicorn = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "60",
            "wsgi:app",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(f"{base}/api/v1/openapi.json", timeout=2)
            break
        except requests.RequestException:
            time.sleep(0.2)

    stats, made = Stats(), []
    stop_making, stop_all = threading.Event(), threading.Event()
    threads = [
        threading.Thread(
            target=_phone, daemon=True, args=(base, p, ids, stats, stop_making, stop_all, made, i)
        )
        for i, p in enumerate(phones)
    ]
    faults = []
    started = time.perf_counter()
    cpu = CpuSplit(gunicorn.pid, server)
    for t in threads:
        t.start()
    try:
        time.sleep(PHASE_SECONDS * 0.1)  # the phones' first pushes under way
        cpu.start()
        time.sleep(PHASE_SECONDS * 0.9)
        steady_cpu = cpu.stop()
        steady_latencies = list(stats.latencies)
        steady_made = len(made)
        stats.phase = "faults"
        time.sleep(PHASE_SECONDS * 0.2)
        victim = random.choice(_children(gunicorn.pid))
        os.kill(victim, signal.SIGKILL)
        faults.append(f"killed gunicorn worker {victim}")
        time.sleep(PHASE_SECONDS * 0.3)
        subprocess.run([restart], check=True)
        faults.append("restarted PostgreSQL (fast shutdown)")
        time.sleep(PHASE_SECONDS * 0.5)
        stop_making.set()
        made_seconds = time.perf_counter() - started
        for t in threads:
            t.join(DRAIN_SECONDS)
        stop_all.set()
    finally:
        gunicorn.terminate()
        gunicorn.wait(30)

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        rows = conn.execute(
            "SELECT id FROM kit_supply UNION ALL SELECT id FROM naloxone_use_report"
        ).fetchall()
    stored_ids = [r[0] for r in rows]
    unique_made = set(made)
    lost = unique_made - set(stored_ids)
    extra = set(stored_ids) - unique_made
    doubled = len(stored_ids) - len(set(stored_ids))
    stored_twice = sum(1 for n in stats.stored_answers.values() if n > 1)
    lat = stats.latencies
    print(f"phones simulated        {PHONES} (gunicorn workers: {WORKERS})")
    print(f"records made            {len(made)} ({steady_made} in the steady phase)")
    print(f"unique records stored   {len(set(stored_ids))}")
    print(f"lost / extra / doubled  {len(lost)} / {len(extra)} / {doubled}")
    print(f"ids answered 'stored' more than once: {stored_twice}")
    print(
        f"duplicate answers       {stats.duplicate_answers} "
        f"(deliberate resends: {stats.deliberate_resends})"
    )
    print(
        f"5xx answers             steady: {stats.status_5xx['steady']}, "
        f"during faults: {stats.status_5xx['faults']}; connection errors: {stats.errors}"
    )
    print(
        f"throughput              {len(set(stored_ids)) / made_seconds:.0f} records/s over "
        f"{made_seconds:.0f} s, {len(lat) / made_seconds:.0f} requests/s"
    )
    print(
        f"push latency (steady)   p50 {median(steady_latencies) * 1000:.0f} ms, "
        f"p95 {_percentile(steady_latencies, 0.95) * 1000:.0f} ms, "
        f"p99 {_percentile(steady_latencies, 0.99) * 1000:.0f} ms"
    )
    print(
        f"push latency (all)      p50 {median(lat) * 1000:.0f} ms, "
        f"p95 {_percentile(lat, 0.95) * 1000:.0f} ms, p99 {_percentile(lat, 0.99) * 1000:.0f} ms"
    )
    print(
        "targets (issue 13)      push p99 < 1,000 ms and >= 3 x the records/s measured "
        "before it (315 records/s, p99 3,037 ms), 0 lost / 0 doubled"
    )
    print(f"CPU, steady phase       {steady_cpu}")
    print(f"faults injected         {'; '.join(faults)}")
    ok = (
        not lost
        and not extra
        and not doubled
        and not stored_twice
        and stats.status_5xx["steady"] == 0
    )
    print("RESULT                  " + ("PASS" if ok else "FAIL"))
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
