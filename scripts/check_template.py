#!/usr/bin/env python3
"""Keeps template.yaml, the Cargo workspace and the shared config in step.

cfn-lint and `sam validate --lint` check that the template is valid CloudFormation/SAM; they
cannot know that a function's `BuildProperties.Binary` names a real cargo binary, that an
environment variable is one the code reads, or that a queue is wired to the function whose
JOB_QUEUE_URL names it. This script checks those project facts (docs/architecture.md is the contract):

* every AWS::Serverless::Function is built by cargo-lambda from a package under functions/, and
  every functions/* package is in the template exactly once;
* every environment variable the template sets is one the configuration reads: the names quoted
  in shared/src/**/*.rs once shared/src/config.rs (or config/, or setup/config.rs) exists, and always
  the documented table; no plain-text secret variable is set (declared empty is fine: --env-vars);
* every variable the code reads (shared/src/setup/config.rs, obs/metrics.rs, obs/telemetry.rs) is
  declared on every function that may read it, so `sam local invoke --env-vars` can set it
  (Lambda's own AWS_* variables excepted; the webhook and queue variables on webhook functions only);
* cargo-lambda: each function package's [package.metadata.lambda.deploy] has the template's memory
  and timeout and reads deploy/<binary>.env, whose committed .example lists exactly the variables
  the template sets for it; [workspace.metadata.lambda.watch.router] maps each HttpApi route
  (POST /freshdesk/<binary>) to its function, and nothing else;
* the dashboard and the alarms on the SimpliFreshdesk namespace ask only for metrics and dimension
  sets that shared/src/obs/metrics.rs's catalogue emits, under the stack's service dimension;
* each webhook function: one HttpApi route POST /freshdesk/<binary>, one SQS event with
  ReportBatchItemFailures, JOB_QUEUE_URL/JOB_DLQ_URL naming that queue and its redrive target,
  VisibilityTimeout >= 6 x the function timeout, maxReceiveCount >= 10, DLQ retention 14 days;
* kb-sync and reconcile: a schedule event and no queue of their own; reconcile sends to the three
  event queues (its *_QUEUE_URL variables name them) with sqs:SendMessage on exactly those, and an
  alarm watches its `Reconciled` metric;
* IAM: no DynamoDB/SQS/Secrets Manager statement with Resource "*", and every function has an
  explicit role (SAM's generated role attaches managed policies whose resources are "*");
  each role allows exactly the DynamoDB actions its function uses; only the webhook functions
  get (and may read) the webhook secret.

Run with the venv's Python (PyYAML comes with cfn-lint): .venv/bin/python scripts/check_template.py
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

try:
    import yaml
except ImportError:  # pragma: no cover - depends on the interpreter
    sys.exit("check_template: PyYAML missing; run with the venv python (scripts/validate-template.sh installs it)")

try:
    import tomllib  # Python 3.11+
except ImportError:  # pragma: no cover
    tomllib = None

# The "Configuration" table of docs/architecture.md. The fallback while shared/src/config.rs does not exist yet,
# and an upper bound afterwards: the template may only set variables the design knows.
DOCUMENTED_VARS = {
    "FRESHDESK_DOMAIN", "FRESHDESK_BASE_URL",
    "FRESHDESK_API_KEY", "FRESHDESK_API_KEY_SECRET_ID",
    "WEBHOOK_SECRET", "WEBHOOK_SECRET_SECRET_ID",
    "TRIAGE_URL", "REPLY_URL", "SENTIMENT_URL", "QA_URL", "KB_URL",
    "SIMPLI_API_KEY", "SIMPLI_API_KEY_SECRET_ID",
    "IDEMPOTENCY_TABLE", "JOB_QUEUE_URL", "JOB_DLQ_URL",
    "RETRY_BASE_SECONDS", "RATE_LIMIT_RESERVE", "RATE_LIMIT_WINDOW_SECONDS", "METRICS_SERVICE",
    "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS",
    "TYPE_MAP", "GROUP_MAP", "CONFIDENCE_THRESHOLD", "ESCALATION_THRESHOLD",
    "DRAFT_STYLE", "DRAFT_LANGUAGE",
    "FIELD_AI_CATEGORY", "FIELD_AI_URGENCY", "FIELD_AI_CONFIDENCE",
    "FIELD_SENTIMENT_SCORE", "FIELD_ESCALATION_RISK",
    "BRIDGE_MODE",
    "RECONCILE_SINCE", "RECONCILE_TAG",
    "TICKET_CREATED_QUEUE_URL", "CUSTOMER_REPLIED_QUEUE_URL", "TICKET_RESOLVED_QUEUE_URL",
}
# Read by the runtime or tracing-subscriber's EnvFilter, not by Config.
RUNTIME_VARS = {"RUST_LOG", "RUST_BACKTRACE"}
# Secrets travel as Secrets Manager ids; their plain-text variants are for local runs only.
PLAINTEXT_SECRET_VARS = {"FRESHDESK_API_KEY", "WEBHOOK_SECRET", "SIMPLI_API_KEY"}
# Variables every deployed function needs (documented as required, or dev-only fallback when unset).
REQUIRED_VARS = {"FRESHDESK_DOMAIN", "FRESHDESK_API_KEY_SECRET_ID", "IDEMPOTENCY_TABLE"}
# The webhook secret: required by the webhook functions, never given to a scheduled one.
WEBHOOK_SECRET_VARS = {"WEBHOOK_SECRET_SECRET_ID", "WEBHOOK_SECRET"}
WEBHOOK_SECRET_PARAM = "WebhookSecretArn"
# The DynamoDB actions each function's code uses (shared/src/dedup): a webhook job's claim,
# steps, release, complete and fail are all conditional UpdateItems; kb-sync also reads and
# writes its markers (GetItem, PutItem). A role gets exactly these, no more, no fewer.
WEBHOOK_DYNAMODB_ACTIONS = {"dynamodb:UpdateItem"}
SCHEDULED_DYNAMODB_ACTIONS = {
    "kb-sync": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},
    # reconcile: reads the jobs' records, markers and cursor, writes the cursor, claims its lock and guards.
    "reconcile": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},
}
# reconcile's variable for each event's queue, and the webhook function consuming that queue.
RECONCILE_QUEUE_VARS = {
    "TICKET_CREATED_QUEUE_URL": "ticket-created",
    "CUSTOMER_REPLIED_QUEUE_URL": "customer-replied",
    "TICKET_RESOLVED_QUEUE_URL": "ticket-resolved",
}
RECONCILED_METRIC = ("SimpliFreshdesk", "Reconciled")

VISIBILITY_FACTOR = 6
MIN_MAX_RECEIVE_COUNT = 10
DLQ_RETENTION_SECONDS = 14 * 24 * 3600
GUARDED_SERVICES = ("dynamodb:", "sqs:", "secretsmanager:")


# ---------------------------------------------------------------- YAML with CloudFormation tags
class CfnLoader(yaml.SafeLoader):
    """SafeLoader that turns `!Ref x` into {"Ref": x}, `!GetAtt a.b` into {"Fn::GetAtt": [a, b]},
    and any other `!Fn` into {"Fn::Fn": ...}, the same shape as the JSON form of the template."""


def _construct_cfn_tag(loader: CfnLoader, tag_suffix: str, node: yaml.Node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    if tag_suffix == "Condition":
        return {"Condition": value}
    return {f"Fn::{tag_suffix}": value}


CfnLoader.add_multi_constructor("!", _construct_cfn_tag)


def load_template(path: Path) -> dict:
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=CfnLoader)  # noqa: S506 - SafeLoader subclass


# ---------------------------------------------------------------- helpers
class Report:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.notes: list[str] = []

    def check(self, ok: bool, message: str) -> bool:
        if not ok:
            self.failures.append(message)
        return ok

    def note(self, message: str) -> None:
        self.notes.append(message)


def ref_target(value) -> str | None:
    """Logical id behind {"Ref": id} or {"Fn::GetAtt": [id, attr]}; None for anything else."""
    if isinstance(value, dict):
        if "Ref" in value and isinstance(value["Ref"], str):
            return value["Ref"]
        getatt = value.get("Fn::GetAtt")
        if isinstance(getatt, list) and getatt and isinstance(getatt[0], str):
            return getatt[0]
    return None


def as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def to_int(value, default: int | None = None) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


# ---------------------------------------------------------------- Cargo workspace
def package_info(cargo_toml: Path) -> tuple[str, set[str]]:
    """(package name, binary names) of one functions/* package."""
    text = cargo_toml.read_text(encoding="utf-8")
    if tomllib is not None:
        data = tomllib.loads(text)
        name = data["package"]["name"]
        bins = {b["name"] for b in data.get("bin", []) if "name" in b}
    else:  # pragma: no cover - Python < 3.11
        section = text.split("[package]", 1)[1].split("\n[", 1)[0]
        name = re.search(r'^\s*name\s*=\s*"([^"]+)"', section, re.M).group(1)
        bins = set(re.findall(r'\[\[bin\]\][^\[]*?name\s*=\s*"([^"]+)"', text, re.S))
    autobins = (cargo_toml.parent / "src" / "main.rs").exists()
    if autobins or not bins:
        bins.add(name)
    return name, bins


def workspace_function_packages(root: Path) -> dict[str, set[str]]:
    return {
        name: bins
        for name, bins in (package_info(p) for p in sorted((root / "functions").glob("*/Cargo.toml")))
    }


# ---------------------------------------------------------------- config names
def config_names(root: Path) -> tuple[set[str] | None, str]:
    """Quoted UPPER_CASE names in shared/src once the config module exists, else None."""
    src = root / "shared" / "src"
    if not ((src / "config.rs").exists() or (src / "config").is_dir() or (src / "setup" / "config.rs").exists()):
        return None, "checked against the documented table only (shared/src/config.rs does not exist yet)"
    names: set[str] = set()
    for rs in src.rglob("*.rs"):
        names.update(re.findall(r'"([A-Z][A-Z0-9_]{2,})"', rs.read_text(encoding="utf-8", errors="replace")))
    return names, f"checked against the names quoted in {src.relative_to(root)}/**/*.rs and the documented table"


def config_reads(var: str, names: set[str]) -> bool:
    if var in names:
        return True
    # Tolerate `format!("{name}_SECRET_ID")`-style lookups: "X" quoted plus the "_SECRET_ID" suffix.
    base = var.removesuffix("_SECRET_ID")
    return base != var and base in names and "_SECRET_ID" in names


# Read by the code, set only on the webhook functions (check_events / check_role keep them off kb-sync).
WEBHOOK_ONLY_VARS = {"WEBHOOK_SECRET", "WEBHOOK_SECRET_SECRET_ID", "JOB_QUEUE_URL", "JOB_DLQ_URL"}
# The files that read the environment: the configuration, the metrics' service, the log filter.
READER_FILES = ("setup/config.rs", "obs/metrics.rs", "obs/telemetry.rs")


def code_reads(root: Path) -> set[str]:
    """The variables the code reads (quoted UPPER_CASE names outside the tests), except Lambda's
    own AWS_* ones, which a template may not set."""
    names: set[str] = set()
    for rel in READER_FILES:
        path = root / "shared" / "src" / rel
        if path.exists():
            code = path.read_text(encoding="utf-8").split("#[cfg(test)]", 1)[0]
            names.update(re.findall(r'"([A-Z][A-Z0-9_]{2,})"', code))
    return {n for n in names if not n.startswith("AWS_")}


# ---------------------------------------------------------------- checks
def function_env(tpl: dict, props: dict) -> dict:
    env = dict((((tpl.get("Globals") or {}).get("Function") or {}).get("Environment") or {}).get("Variables") or {})
    env.update(((props.get("Environment") or {}).get("Variables")) or {})
    return env


def function_timeout(tpl: dict, props: dict) -> int:
    timeout = props.get("Timeout", ((tpl.get("Globals") or {}).get("Function") or {}).get("Timeout", 3))
    return to_int(timeout, 3)


def check_functions(tpl: dict, root: Path, r: Report) -> None:
    resources = tpl.get("Resources") or {}
    packages = workspace_function_packages(root)
    r.check(bool(packages), "no packages found under functions/*/Cargo.toml")
    names, how = config_names(root)
    r.note(f"environment variables {how}")
    reads = code_reads(root)

    seen: dict[str, list[str]] = {}
    for logical_id, res in resources.items():
        if res.get("Type") != "AWS::Serverless::Function":
            continue
        props = res.get("Properties") or {}
        meta = res.get("Metadata") or {}
        binary = (meta.get("BuildProperties") or {}).get("Binary")
        r.check(meta.get("BuildMethod") == "rust-cargolambda",
                f"{logical_id}: Metadata.BuildMethod must be rust-cargolambda")
        if not r.check(isinstance(binary, str), f"{logical_id}: Metadata.BuildProperties.Binary missing"):
            continue
        seen.setdefault(binary, []).append(logical_id)
        if r.check(binary in packages, f"{logical_id}: Binary '{binary}' is not a package under functions/ "
                                        f"(found: {', '.join(sorted(packages)) or 'none'})"):
            r.check(binary in packages[binary], f"{logical_id}: package '{binary}' has no binary named '{binary}'")

        env = function_env(tpl, props)
        for var in sorted(env):
            if var in RUNTIME_VARS:
                continue
            r.check(var not in PLAINTEXT_SECRET_VARS or env[var] == "",
                    f"{logical_id}: sets {var} in plain text; use {var}_SECRET_ID and Secrets Manager "
                    "(declare it empty for local runs)")
            r.check(var in DOCUMENTED_VARS, f"{logical_id}: sets {var}, which the configuration table of docs/architecture.md does not define")
            if names is not None:
                r.check(config_reads(var, names), f"{logical_id}: sets {var}, which shared/src does not read")
        for var in sorted(REQUIRED_VARS - env.keys()):
            r.check(False, f"{logical_id}: required variable {var} is not set")
        if reads:
            wanted = reads if is_webhook_function(props) else reads - WEBHOOK_ONLY_VARS
            for var in sorted(wanted - env.keys()):
                r.check(False, f"{logical_id}: {var} is read by the code but not declared "
                               "(declare it, empty if need be, so sam local invoke --env-vars can set it)")

        check_events(tpl, logical_id, binary, props, env, r)
        check_role(tpl, logical_id, binary, props, env, r)
        if binary == "reconcile":
            check_reconcile(tpl, logical_id, props, env, r)
        r.check("Role" in props or not props.get("Events"),
                f"{logical_id}: no explicit Role - SAM's generated role attaches managed policies with Resource '*'")

    for binary, ids in sorted(seen.items()):
        r.check(len(ids) == 1, f"binary '{binary}' is built by more than one function: {', '.join(ids)}")
    for package in sorted(packages):
        r.check(package in seen, f"package functions/{package} has no AWS::Serverless::Function in the template")


def check_events(tpl: dict, fn: str, binary: str, props: dict, env: dict, r: Report) -> None:
    resources = tpl.get("Resources") or {}
    events = props.get("Events") or {}
    by_type: dict[str, list[dict]] = {}
    for ev in events.values():
        by_type.setdefault(ev.get("Type"), []).append(ev.get("Properties") or {})
    http = by_type.get("HttpApi", [])
    sqs = by_type.get("SQS", [])
    schedules = by_type.get("Schedule", []) + by_type.get("ScheduleV2", [])

    if not http:  # scheduled job (kb-sync)
        r.check(bool(schedules), f"{fn}: neither a webhook route nor a schedule")
        r.check(not sqs, f"{fn}: a scheduled function should not consume a queue")
        r.check("JOB_QUEUE_URL" not in env, f"{fn}: JOB_QUEUE_URL set on a function without a webhook")
        return

    want = f"/freshdesk/{binary}"
    r.check(len(http) == 1 and http[0].get("Path") == want and str(http[0].get("Method", "")).upper() == "POST",
            f"{fn}: expected exactly one HttpApi event POST {want}")
    if not r.check(len(sqs) == 1, f"{fn}: expected exactly one SQS event (the job entry)"):
        return
    ev = sqs[0]
    r.check("ReportBatchItemFailures" in as_list(ev.get("FunctionResponseTypes")),
            f"{fn}: SQS event needs FunctionResponseTypes [ReportBatchItemFailures]")
    concurrency = (ev.get("ScalingConfig") or {}).get("MaximumConcurrency")
    r.check(concurrency is not None, f"{fn}: SQS event needs ScalingConfig.MaximumConcurrency (Freshdesk rate limit)")

    queue_id = ref_target(ev.get("Queue"))
    queue = resources.get(queue_id or "", {})
    if not r.check(queue.get("Type") == "AWS::SQS::Queue", f"{fn}: SQS event Queue is not a queue of this template"):
        return
    r.check(ref_target(env.get("JOB_QUEUE_URL")) == queue_id,
            f"{fn}: JOB_QUEUE_URL must be !Ref {queue_id} (the queue its SQS event consumes)")
    qprops = queue.get("Properties") or {}
    timeout = function_timeout(tpl, props)
    visibility = to_int(qprops.get("VisibilityTimeout"), 30)
    r.check(visibility >= VISIBILITY_FACTOR * timeout,
            f"{queue_id}: VisibilityTimeout {visibility} < {VISIBILITY_FACTOR} x {fn} Timeout {timeout}")
    redrive = qprops.get("RedrivePolicy") or {}
    r.check(to_int(redrive.get("maxReceiveCount"), 0) >= MIN_MAX_RECEIVE_COUNT,
            f"{queue_id}: RedrivePolicy.maxReceiveCount must be >= {MIN_MAX_RECEIVE_COUNT}")
    dlq_id = ref_target(redrive.get("deadLetterTargetArn"))
    dlq = resources.get(dlq_id or "", {})
    if r.check(dlq.get("Type") == "AWS::SQS::Queue", f"{queue_id}: RedrivePolicy has no dead-letter queue of this template"):
        r.check(ref_target(env.get("JOB_DLQ_URL")) == dlq_id, f"{fn}: JOB_DLQ_URL must be !Ref {dlq_id}")
        retention = to_int((dlq.get("Properties") or {}).get("MessageRetentionPeriod"), 0)
        r.check(retention == DLQ_RETENTION_SECONDS, f"{dlq_id}: MessageRetentionPeriod must be {DLQ_RETENTION_SECONDS} (14 days)")
        alarmed = any(
            res.get("Type") == "AWS::CloudWatch::Alarm"
            and any(ref_target(d.get("Value")) == dlq_id for d in (res.get("Properties") or {}).get("Dimensions") or [])
            for res in resources.values()
        )
        r.check(alarmed, f"{dlq_id}: no CloudWatch alarm watches it")


def is_webhook_function(props: dict) -> bool:
    return any(ev.get("Type") == "HttpApi" for ev in (props.get("Events") or {}).values())


def mentions(value, logical_id: str) -> bool:
    """Whether a (nested) template value refers to `logical_id` with !Ref or !GetAtt."""
    if ref_target(value) == logical_id:
        return True
    if isinstance(value, dict):
        return any(mentions(v, logical_id) for v in value.values())
    if isinstance(value, list):
        return any(mentions(v, logical_id) for v in value)
    return False


def check_role(tpl: dict, fn: str, binary: str, props: dict, env: dict, r: Report) -> None:
    """Least privilege: the DynamoDB actions the function's code uses, and the webhook secret
    for the webhook functions only."""
    webhook = is_webhook_function(props)
    if webhook:
        r.check("WEBHOOK_SECRET_SECRET_ID" in env, f"{fn}: required variable WEBHOOK_SECRET_SECRET_ID is not set")
        want = WEBHOOK_DYNAMODB_ACTIONS
    else:
        given = sorted(WEBHOOK_SECRET_VARS & env.keys())
        r.check(not given, f"{fn}: a scheduled function is given the webhook secret ({', '.join(given)})")
        want = SCHEDULED_DYNAMODB_ACTIONS.get(binary, set())
    role_id = ref_target(props.get("Role"))
    role = (tpl.get("Resources") or {}).get(role_id or "", {})
    if role.get("Type") != "AWS::IAM::Role":
        return
    statements = [st for rid, st in iam_statements(tpl) if rid == role_id and st.get("Effect") == "Allow"]
    dynamodb = {a for st in statements for a in as_list(st.get("Action")) if str(a).startswith("dynamodb:")}
    r.check(dynamodb == want, f"{role_id}: DynamoDB actions {sorted(dynamodb)}, but {fn} uses exactly {sorted(want)}")
    reads_webhook_secret = any(
        any(str(a).startswith("secretsmanager:") for a in as_list(st.get("Action")))
        and mentions(st.get("Resource"), WEBHOOK_SECRET_PARAM)
        for st in statements
    )
    r.check(reads_webhook_secret == webhook,
            f"{role_id}: may read the webhook secret: {reads_webhook_secret}; it should only if {fn} answers webhooks")


def queue_of_function(tpl: dict, binary: str) -> str | None:
    """The queue the webhook function built from `binary` consumes."""
    for res in (tpl.get("Resources") or {}).values():
        if res.get("Type") != "AWS::Serverless::Function":
            continue
        if ((res.get("Metadata") or {}).get("BuildProperties") or {}).get("Binary") != binary:
            continue
        for ev in ((res.get("Properties") or {}).get("Events") or {}).values():
            if ev.get("Type") == "SQS":
                return ref_target((ev.get("Properties") or {}).get("Queue"))
    return None


def check_reconcile(tpl: dict, fn: str, props: dict, env: dict, r: Report) -> None:
    """reconcile sends each event's recovered jobs to the queue that event's function consumes,
    may send to exactly those queues, and is watched by an alarm on `Reconciled`."""
    resources = tpl.get("Resources") or {}
    wanted = set()
    for var, event in RECONCILE_QUEUE_VARS.items():
        queue = queue_of_function(tpl, event)
        wanted.add(queue)
        r.check(queue is not None and ref_target(env.get(var)) == queue,
                f"{fn}: {var} must be !Ref {queue} (the queue {event} consumes)")
    role_id = ref_target(props.get("Role"))
    statements = [st for rid, st in iam_statements(tpl) if rid == role_id and st.get("Effect") == "Allow"]
    sqs_actions = {a for st in statements for a in as_list(st.get("Action")) if str(a).startswith("sqs:")}
    r.check(sqs_actions == {"sqs:SendMessage"}, f"{role_id}: SQS actions {sorted(sqs_actions)}, but {fn} only sends")
    targets = {ref_target(x) for st in statements if "sqs:SendMessage" in as_list(st.get("Action"))
               for x in as_list(st.get("Resource"))}
    r.check(targets == wanted, f"{role_id}: sqs:SendMessage on {sorted(map(str, targets))}, want {sorted(map(str, wanted))}")
    namespace, metric = RECONCILED_METRIC
    alarms = [res.get("Properties") or {} for res in resources.values() if res.get("Type") == "AWS::CloudWatch::Alarm"]
    watched = [a for a in alarms if a.get("Namespace") == namespace and a.get("MetricName") == metric]
    if r.check(bool(watched), f"{fn}: no alarm on {namespace}/{metric}"):
        a = watched[0]
        r.check(a.get("ComparisonOperator") == "GreaterThanThreshold" and to_int(a.get("Threshold"), -1) == 0,
                f"{fn}: the {metric} alarm must fire on a sum > 0")
        r.check(mentions(a.get("AlarmActions"), "AlarmTopicArn"), f"{fn}: the {metric} alarm must notify AlarmTopicArn")


def iam_statements(tpl: dict):
    for logical_id, res in (tpl.get("Resources") or {}).items():
        props = res.get("Properties") or {}
        docs = []
        if res.get("Type") == "AWS::IAM::Role":
            docs = [p.get("PolicyDocument") or {} for p in props.get("Policies") or []]
        elif res.get("Type") in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            docs = [props.get("PolicyDocument") or {}]
        elif res.get("Type") == "AWS::Serverless::Function":
            docs = [p for p in as_list(props.get("Policies")) if isinstance(p, dict) and "Statement" in p]
        for doc in docs:
            for st in as_list(doc.get("Statement")):
                yield logical_id, st


def check_iam(tpl: dict, r: Report) -> None:
    for logical_id, st in iam_statements(tpl):
        actions = [a for a in as_list(st.get("Action")) if isinstance(a, str)]
        guarded = [a for a in actions if a.lower().startswith(GUARDED_SERVICES)]
        if not guarded or st.get("Effect") != "Allow":
            continue
        wildcard = any(isinstance(x, str) and x.strip() == "*" for x in as_list(st.get("Resource")))
        r.check(not wildcard, f"{logical_id}: {', '.join(guarded)} allowed on Resource '*'")
        r.check(not any(a.endswith(":*") or a == "*" for a in guarded),
                f"{logical_id}: wildcard action in {', '.join(guarded)}")


# ---------------------------------------------------------------- cargo-lambda metadata
def function_memory(tpl: dict, props: dict) -> int:
    memory = props.get("MemorySize", ((tpl.get("Globals") or {}).get("Function") or {}).get("MemorySize", 128))
    return to_int(memory, 128)


def env_file_names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names.add(line.split("=", 1)[0].strip())
    return names


def check_cargo_lambda(tpl: dict, root: Path, r: Report) -> None:
    if tomllib is None:  # pragma: no cover - Python < 3.11
        r.note("cargo-lambda metadata not checked (needs Python 3.11's tomllib)")
        return
    workspace = tomllib.loads((root / "Cargo.toml").read_text(encoding="utf-8"))
    router = ((((workspace.get("workspace") or {}).get("metadata") or {}).get("lambda") or {}).get("watch") or {}).get("router") or {}
    want_routes: dict[str, str] = {}
    for logical_id, res in (tpl.get("Resources") or {}).items():
        if res.get("Type") != "AWS::Serverless::Function":
            continue
        props = res.get("Properties") or {}
        binary = ((res.get("Metadata") or {}).get("BuildProperties") or {}).get("Binary")
        manifest = root / "functions" / str(binary) / "Cargo.toml"
        if not manifest.exists():
            continue
        package = tomllib.loads(manifest.read_text(encoding="utf-8"))
        deploy = (((package.get("package") or {}).get("metadata") or {}).get("lambda") or {}).get("deploy")
        if not r.check(isinstance(deploy, dict), f"functions/{binary}: no [package.metadata.lambda.deploy]"):
            continue
        r.check(deploy.get("memory") == function_memory(tpl, props),
                f"functions/{binary}: deploy memory {deploy.get('memory')} != the template's {function_memory(tpl, props)}")
        r.check(deploy.get("timeout") == function_timeout(tpl, props),
                f"functions/{binary}: deploy timeout {deploy.get('timeout')} != the template's {function_timeout(tpl, props)}")
        env_file = f"deploy/{binary}.env"
        if r.check(deploy.get("env_file") == env_file, f"functions/{binary}: deploy env_file must be {env_file!r}"):
            example = root / f"{env_file}.example"
            if r.check(example.exists(), f"{env_file}.example is missing"):
                listed, declared = env_file_names(example), set(function_env(tpl, props))
                r.check(listed == declared, f"{env_file}.example lists {sorted(listed - declared)} too many and "
                                            f"{sorted(declared - listed)} too few against the template")
        for ev in (props.get("Events") or {}).values():
            if ev.get("Type") == "HttpApi":
                want_routes[(ev.get("Properties") or {}).get("Path")] = binary
    for path, binary in sorted(want_routes.items()):
        got = router.get(path)
        r.check(got in ([{"method": "POST", "function": binary}], binary),
                f"watch router: {path} must send POST to {binary}, not {got!r}")
    for path in sorted(set(router) - set(want_routes)):
        r.check(False, f"watch router: {path} is not a route of the template's HTTP API")


# ---------------------------------------------------------------- metrics: dashboard and alarms
METRICS_NAMESPACE = "SimpliFreshdesk"
STACK = "<stack>"


def metric_catalogue(root: Path) -> dict[str, set[tuple[str, ...]]]:
    """Metric name -> its dimension sets, from the `Family` constants of shared/src/obs/metrics.rs."""
    path = root / "shared" / "src" / "obs" / "metrics.rs"
    if not path.exists():
        return {}
    code = path.read_text(encoding="utf-8").split("#[cfg(test)]", 1)[0]
    catalogue: dict[str, set[tuple[str, ...]]] = {}
    for body in re.findall(r"Family\s*=\s*Family\s*\{(.*?)\};", code, re.S):
        metrics_part, _, dims_part = body.partition("dimension_sets")
        sets = {tuple(re.findall(r'"([a-z_]+)"', group)) for group in re.findall(r"&\[([^\[\]]*)\]", dims_part)}
        for name in re.findall(r'\("([A-Za-z]+)",\s*"[A-Za-z]+"\)', metrics_part):
            catalogue.setdefault(name, set()).update(sets)
    return catalogue


def dashboard_body(value) -> dict | None:
    """The JSON of a DashboardBody (a string or !Sub string), pseudo-parameters and attributes
    replaced: the stack's name by STACK, anything else by a placeholder."""
    text = value.get("Fn::Sub") if isinstance(value, dict) else value
    if isinstance(text, list):
        text = text[0]
    if not isinstance(text, str):
        return None
    text = text.replace("${AWS::StackName}", STACK)
    text = re.sub(r"\$\{[^}]+\}", "x", text)
    return json.loads(text)


SEARCH_RE = re.compile(r"SEARCH\(\s*'\{([^}]*)\}([^']*)'")


def dashboard_metrics(body: dict) -> list[tuple[str, str, tuple[str, ...], dict[str, str]]]:
    """(namespace, metric, dimension names, dimension values given) of every metric the widgets ask for."""
    found = []
    for widget in body.get("widgets") or []:
        previous: list = []
        for row in (widget.get("properties") or {}).get("metrics") or []:
            if row and isinstance(row[0], dict) and "expression" in row[0]:
                for schema, rest in SEARCH_RE.findall(row[0]["expression"]):
                    ns, *dims = [d.strip() for d in schema.split(",")]
                    filters = dict(re.findall(r'(\w+)\s*=\s*"([^"]*)"', rest))
                    metric = filters.pop("MetricName", "")
                    found.append((ns, metric, tuple(dims), filters))
                continue
            plain = [x for x in row if not isinstance(x, dict)]
            plain = [previous[i] if x == "." and i < len(previous) else x for i, x in enumerate(plain)]
            previous = plain
            if len(plain) >= 2:
                pairs = dict(zip(plain[2::2], plain[3::2]))
                found.append((plain[0], plain[1], tuple(pairs), pairs))
    return found


def alarm_metrics(props: dict) -> list[tuple[str, str, tuple[str, ...], dict]]:
    stats = [props] if props.get("MetricName") else [
        (m.get("MetricStat") or {}).get("Metric") or {} for m in props.get("Metrics") or []]
    found = []
    for st in stats:
        if st.get("MetricName"):
            pairs = {d.get("Name"): d.get("Value") for d in st.get("Dimensions") or []}
            found.append((st.get("Namespace"), st.get("MetricName"), tuple(pairs), pairs))
    return found


def check_metrics(tpl: dict, root: Path, r: Report) -> None:
    catalogue = metric_catalogue(root)
    if not r.check(bool(catalogue), "shared/src/obs/metrics.rs: no metric catalogue found"):
        return
    asked: set[str] = set()
    dashboards = 0
    for logical_id, res in (tpl.get("Resources") or {}).items():
        props = res.get("Properties") or {}
        if res.get("Type") == "AWS::CloudWatch::Dashboard":
            dashboards += 1
            try:
                body = dashboard_body(props.get("DashboardBody"))
            except json.JSONDecodeError as e:
                r.check(False, f"{logical_id}: DashboardBody is not JSON: {e}")
                continue
            items = dashboard_metrics(body or {})
            service_ok = lambda given: given.get("service") == STACK  # noqa: E731
        elif res.get("Type") == "AWS::CloudWatch::Alarm":
            items = alarm_metrics(props)
            service_ok = lambda given: given.get("service") == {"Ref": "AWS::StackName"}  # noqa: E731
        else:
            continue
        for ns, metric, dims, given in items:
            if ns != METRICS_NAMESPACE:
                continue
            asked.add(metric)
            known = catalogue.get(metric)
            if not r.check(known is not None, f"{logical_id}: asks for {metric}, which shared/src/obs/metrics.rs does not emit"):
                continue
            r.check(frozenset(dims) in {frozenset(k) for k in known},
                    f"{logical_id}: {metric} by {list(dims)}, but it is emitted by {sorted(map(list, known))}")
            r.check(service_ok(given), f"{logical_id}: {metric} must be filtered on service = the stack's name")
    r.check(dashboards == 1, f"expected one AWS::CloudWatch::Dashboard, found {dashboards}")
    for metric in sorted(catalogue.keys() - asked):
        r.check(False, f"the dashboard does not show {metric}, which the functions emit")


def main() -> int:
    root_default = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=root_default, help="workspace root (default: the repo)")
    ap.add_argument("--template", type=Path, default=None, help="template path (default: ROOT/template.yaml)")
    args = ap.parse_args()
    root = args.root.resolve()
    template = args.template or root / "template.yaml"

    tpl = load_template(template)
    r = Report()
    check_functions(tpl, root, r)
    check_iam(tpl, r)
    check_metrics(tpl, root, r)
    check_cargo_lambda(tpl, root, r)

    for note in r.notes:
        print(f"check_template: note: {note}")
    for failure in r.failures:
        print(f"check_template: FAIL: {failure}", file=sys.stderr)
    if r.failures:
        print(f"check_template: {len(r.failures)} problem(s) in {template}", file=sys.stderr)
        return 1
    print(f"check_template: ok ({template.name} matches functions/* and the configuration)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
