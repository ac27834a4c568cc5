#!/usr/bin/env python3
"""Runs every `cargo run -p ops -- …` command that README.md and docs/*.md show, exactly as
printed and in the order the pages show them, against a local stand-in of a deployed stack:

- moto's server on 127.0.0.1 (the dedup table with TTL on `expires_at`; per event a job queue
  with its DLQ; just before the first `replay` or `show --ticket` command, two jobs (tickets 42 and 43) are parked
  in ticket-created's DLQ, as failures would have parked them);
- `sandbox serve --with-simulators` (the Freshdesk simulator on 127.0.0.1:9100, the Simpli
  stand-ins on 8001–8006, the webhook routes on 127.0.0.1:3000);
- the environment a deployed function has (events/local.env.example, plus the table and the
  queue URLs), so `ops` reads its configuration and secrets the way the functions do.

Each command must exit 0 and print something. CI runs this after the tests (debug builds ready).
usage: scripts/docs_ops_run.py   (needs .venv with moto, as scripts/test.sh installs it)
"""

import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from check_docs import commands  # noqa: E402  (the same reading of the pages as the check)

EVENTS = ["ticket-created", "customer-replied", "ticket-resolved"]
PARKED = [42, 43]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, what, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    sys.exit(f"docs ops run: {what} did not start ({url})")


def local_env():
    env = {}
    for line in (ROOT / "events/local.env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            env[k] = v[1:-1] if len(v) >= 2 and v[0] == v[-1] == "'" else v
    return env


def stack(endpoint):
    """Creates the table and the queues, parks two jobs per DLQ; returns the env they give."""
    import boto3

    kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    ddb, sqs = boto3.client("dynamodb", **kw), boto3.client("sqs", **kw)
    ddb.create_table(
        TableName="bridge-dedup",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.update_time_to_live(TableName="bridge-dedup", TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"})
    # the stack's WebhookBaseUrl: the sandbox serves the same /freshdesk/<event> routes
    env = {"IDEMPOTENCY_TABLE": "bridge-dedup", "WEBHOOK_BASE_URL": "http://127.0.0.1:3000"}
    for event in EVENTS:
        dlq = sqs.create_queue(QueueName=f"{event}-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queue = sqs.create_queue(
            QueueName=f"{event}-jobs",
            Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "20"})},
        )["QueueUrl"]
        env[event.upper().replace("-", "_") + "_QUEUE_URL"] = queue
        if event == "ticket-created":
            env["JOB_QUEUE_URL"] = queue
    return env


def park_jobs(endpoint):
    """Parks two ticket-created jobs in its DLQ, as two failed jobs would be."""
    import boto3

    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    dlq = sqs.get_queue_url(QueueName="ticket-created-dlq")["QueueUrl"]
    for ticket in PARKED:
        body = {"event": "ticket-created", "ticket_id": ticket, "received_at": int(time.time() * 1000), "request_id": f"docs-{ticket}"}
        sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps(body))


def main():
    cmds = [
        (page.relative_to(ROOT), c)
        for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
        for c in commands(page.read_text())
        if c.startswith("cargo run -p ops -- ")
    ]
    if not cmds:
        sys.exit("docs ops run: no ops command found in README.md or docs/ (the page reader is broken?)")
    venv_python = ROOT / os.environ.get("VENV", ".venv") / "bin/python"
    logs = ROOT / "target/docs-ops-run"
    logs.mkdir(parents=True, exist_ok=True)
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    procs = [
        subprocess.Popen([str(venv_python), "scripts/moto_server.py", str(port)], cwd=ROOT, stdout=open(logs / "moto.log", "w"), stderr=subprocess.STDOUT, start_new_session=True),
        subprocess.Popen(["cargo", "run", "-q", "-p", "sandbox", "--", "serve", "--with-simulators"], cwd=ROOT, stdout=open(logs / "sandbox.log", "w"), stderr=subprocess.STDOUT, start_new_session=True),
    ]
    failures = 0
    try:
        wait_for(endpoint, "moto")
        wait_for("http://127.0.0.1:3000/health", "the sandbox")
        env = dict(os.environ)
        aws = {"AWS_ENDPOINT_URL": endpoint, "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_EC2_METADATA_DISABLED": "true"}
        env.update(local_env())
        env.update(aws)
        env.update(stack(endpoint))
        subprocess.run(["cargo", "build", "-q", "-p", "ops"], cwd=ROOT, check=True)
        parked = False
        for page, cmd in cmds:
            if (" replay " in cmd or " --ticket " in cmd) and not parked:
                park_jobs(endpoint)
                parked = True
            run = subprocess.run(cmd, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
            out = (run.stdout + run.stderr).strip()
            ok = run.returncode == 0 and out
            print(f"  {'ok  ' if ok else 'FAIL'}  {page}: {cmd}  → exit {run.returncode}")
            for line in out.splitlines()[:40]:
                print(f"        {line}")
            failures += 0 if ok else 1
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    print(f"docs ops run: {len(cmds) - failures}/{len(cmds)} commands as printed succeeded")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
