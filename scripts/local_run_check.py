"""Checks one answer of scripts/local-run.sh.

  local_run_check.py --expect EVENT_FILE   prints what that sample event must answer
  local_run_check.py WANT < ANSWER         exit 0 if the answer is WANT; prints what it got

WANT is one of
  invoke:STATUS:OUTCOME  a `cargo lambda invoke` of an API Gateway / function-URL event:
                         the proxy response's statusCode and its body's "status"
  invoke:OUTCOME         a scheduled run: the summary's "status"
  sqs:                   an SQS batch: a batchItemFailures answer handing nothing back (without
                         JOB_QUEUE_URL the function runs each record's job itself)
  url:STATUS:OUTCOME     a curl to the function URL (body, newline, HTTP code); OUTCOME may be
                         empty (only the code is checked)
A webhook event's first delivery for a ticket must be `processed`; a later one of the same
function and ticket in the same run, `duplicate` (the run remembers them in target/local-run/seen).
"""

import base64
import json
import pathlib
import sys

SEEN = pathlib.Path("target/local-run/seen")


def webhook_ticket(event: dict) -> str:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    return str(json.loads(body).get("ticket_id"))


def expect(path: str) -> str:
    event = json.loads(pathlib.Path(path).read_text())
    records = event.get("Records") or [{}]
    if records[0].get("eventSource") == "aws:sqs":
        return "sqs:"
    if "requestContext" not in event and "httpMethod" not in event:
        return "invoke:complete"
    function = pathlib.Path(path).name.split(".")[0]
    key = f"{function}#{webhook_ticket(event)}"
    seen = SEEN.read_text().split() if SEEN.exists() else []
    SEEN.parent.mkdir(parents=True, exist_ok=True)
    SEEN.write_text("\n".join(seen + [key]))
    return "invoke:200:" + ("duplicate" if key in seen else "processed")


def outcome(doc: dict) -> str:
    return str(doc.get("status", doc.get("error", "")))


def got_and_ok(want: str, answer: str) -> tuple:
    kind, _, rest = want.partition(":")
    if kind == "url":
        body, _, code = answer.rstrip("\n").rpartition("\n")
        status, _, wanted = rest.partition(":")
        doc = json.loads(body) if body.startswith("{") else {}
        got = f"{code} {outcome(doc)}"
        return got, code == status and (not wanted or doc.get("status") == wanted)
    doc = json.loads(answer)
    if kind == "sqs":
        return f"batchItemFailures {len(doc.get('batchItemFailures', []))}", doc.get("batchItemFailures") == []
    if ":" not in rest:
        return outcome(doc), doc.get("status") == rest
    status, _, wanted = rest.partition(":")
    body = json.loads(doc.get("body") or "{}")
    got = f"{doc.get('statusCode')} {outcome(body)}"
    return got, str(doc.get("statusCode")) == status and body.get("status") == wanted


def main() -> int:
    if sys.argv[1] == "--expect":
        print(expect(sys.argv[2]))
        return 0
    answer = sys.stdin.read()
    try:
        got, ok = got_and_ok(sys.argv[1], answer)
    except (ValueError, AttributeError) as e:
        got, ok = f"not the expected JSON ({e.__class__.__name__})", False
    print(got)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
