"""Runs Schemathesis against every service of a live suite (scripts/openapi-check runs this
with the venv's python): `egov up` in a temporary home on free loopback ports with its own
Redis, a development token per service with the roles its operations admit, `st run` per
service, and a summary (operations tested, test cases, failures). Exits non-zero on any
failure or error.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
EGOV = os.environ["EGOV_BIN"]
PLUGINS = os.environ["EGOV_PLUGINS"]
ST = os.environ["ST_BIN"]
EXAMPLES = os.environ.get("OPENAPI_CHECK_EXAMPLES", "25")
WORKERS = os.environ.get("OPENAPI_CHECK_WORKERS", "2")
# A fixed seed by default, so that CI is repeatable; `random` draws a new one per run.
SEED = os.environ.get("OPENAPI_CHECK_SEED", "1")
ORG = "940740000911"

# The roles of each run's token: every role an operation of the service admits, but the
# platform administrator's (its operations run last, alone: moving the development clock
# must not change what the other runs see).
STEP_ACTORS = ["state-body", "authorized-body", "service-integrator", "state-technical-service",
               "operator", "commission", "supplier"]
RUNS = [
    ("intake", 0, ["state-body", "supplier", "operator", "authorized-body"], []),
    ("expertise", 1, STEP_ACTORS, []),
    ("tender", 2, STEP_ACTORS, []),
    ("catalog", 3, STEP_ACTORS, []),
    ("monitoring-bridge", 4, ["service-provider", "state-corporation", "monitoring-system", "operator"], []),
    ("intake (platform-admin)", 0, ["platform-admin"],
     ["--include-path-regex", "^/api/v1/(tender-openings|dev/clock)$"]),
]


def free_ports(n):
    """The first of `n` consecutive free loopback ports, and one more apart for Redis."""
    import random

    for _ in range(200):
        base = random.randint(20000, 60000 - n - 2)
        socks = []
        try:
            for p in list(range(base, base + n)) + [base + n + 1]:
                s = socket.socket()
                s.bind(("127.0.0.1", p))
                socks.append(s)
            return base, base + n + 1
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise SystemExit("openapi-check: no free ports")


def get(url, timeout=2.0):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return None


def main():
    home = tempfile.mkdtemp(prefix="egov-openapi-check.")
    first, redis_port = free_ports(7)
    log = open(os.path.join(home, "up.log"), "w")
    up = subprocess.Popen(
        [EGOV, "up", "--home", home, "--first-port", str(first), "--redis-port", str(redis_port),
         "--plugins", PLUGINS],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        env={k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "EGOV_HOME")},
    )
    ok = False
    try:
        deadline = time.monotonic() + 180
        for i in range(5):
            while get(f"http://127.0.0.1:{first + i}/readyz") != 200:
                if up.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    sys.stderr.write(open(os.path.join(home, "up.log")).read()[-4000:])
                    raise SystemExit("openapi-check: the suite did not become ready")
                time.sleep(0.25)
        print(f"openapi-check: the suite is up on 127.0.0.1:{first}-{first + 4} (redis :{redis_port}); "
              f"schemathesis {EXAMPLES} examples per operation, {WORKERS} workers", flush=True)
        ok = run_all(home, first)
    finally:
        os.killpg(up.pid, signal.SIGINT)
        try:
            up.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(up.pid, signal.SIGKILL)
            up.wait()
        log.close()
        if ok:
            shutil.rmtree(home, ignore_errors=True)
        else:
            print(f"openapi-check: kept {home} (up.log, st-*.txt)")
    sys.exit(0 if ok else 1)


def token(home, roles):
    args = [EGOV, "token", "--home", home, "--org", ORG]
    for r in roles:
        args += ["--role", r]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()


def run_all(home, first):
    env = dict(os.environ)
    env["SCHEMATHESIS_HOOKS"] = os.path.join(HERE, "hooks.py")
    # For the hooks that sign the bridge's documents as the caller's employee.
    env["OPENAPI_CHECK_HOME"] = home
    env["OPENAPI_CHECK_ORG"] = ORG
    rows = []
    only = os.environ.get("OPENAPI_CHECK_ONLY")
    for name, offset, roles, extra in RUNS:
        if only and not name.startswith(only):
            continue
        url = f"http://127.0.0.1:{first + offset}/api/v1/openapi.json"
        out_path = os.path.join(home, "st-" + re.sub(r"[^a-z-]", "", name.replace(" ", "-")) + ".txt")
        cmd = [ST, "--config-file", os.path.join(HERE, "schemathesis.toml"), "--no-color", "run", url,
               "-H", f"Authorization: Bearer {token(home, roles)}",
               "--max-examples", EXAMPLES, "--workers", WORKERS, *extra]
        if SEED != "random":
            cmd += ["--seed", SEED]
        started = time.monotonic()
        with open(out_path, "w") as out:
            # In the temporary home: Schemathesis keeps its cache in the working directory.
            rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=home).returncode
        text = open(out_path).read()
        tested = re.search(r"Tested: (\d+)", text)
        cases = re.search(r"(\d+) generated", text)
        failures = re.search(r"found (\d+) unique failures?", text)
        errors = len(re.findall(r"^_{3,} .* _{3,}$", text, re.M)) if "ERRORS" in text else 0
        row = (name, tested.group(1) if tested else "?", cases.group(1) if cases else "?",
               failures.group(1) if failures else "0", errors, rc, time.monotonic() - started)
        rows.append(row)
        print(f"  {name:<24} operations {row[1]:>3}  test cases {row[2]:>5}  failures {row[3]:>3}  "
              f"errors {row[4]}  ({row[6]:.0f}s)", flush=True)
        if rc != 0:
            # The failures and errors as Schemathesis wrote them (from its first section on).
            start = min([i for i in (text.find("=== FAILURES"), text.find("=== ERRORS")) if i >= 0] or [0])
            sys.stdout.write(text[max(0, text.rfind("\n", 0, start)):])
    passed = sum(1 for r in rows if r[5] == 0)
    print(f"openapi-check: {passed} passed, {len(rows) - passed} failed")
    return passed == len(rows)


if __name__ == "__main__":
    main()
