"""What `sam local invoke --env-vars events/env.example.json <Function>` gives each function, computed
by SAM CLI's own code (template provider and environment resolution), without Docker.

Checks that the file names only functions of the template, that every value it sets reaches the
function (SAM ignores a variable the template does not declare), and that the result is a local
configuration: the simulators through Docker's host address, plain secrets instead of
Secrets Manager ids, no dedup table and no queue (inline mode, in-memory dedup).

usage: .venv/bin/python scripts/sam_env_check.py [ROOT]   (scripts/validate-template.sh runs it)
"""

import json
import sys
from pathlib import Path

from samcli.commands.local.lib.local_lambda import LocalLambdaRunner
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider

# The documented command passes no --parameter-overrides: SAM then resolves a parameter without a
# default to its own name (FRESHDESK_DOMAIN=FreshdeskDomain), and the env-vars file overrides or
# outranks every variable such a parameter feeds (FRESHDESK_BASE_URL wins over FRESHDESK_DOMAIN).
PARAMETERS: dict = {}
LOCAL_HOST = "http://host.docker.internal:"
MUST_BE_EMPTY = ("FRESHDESK_API_KEY_SECRET_ID", "SIMPLI_API_KEY_SECRET_ID", "WEBHOOK_SECRET_SECRET_ID",
                 "IDEMPOTENCY_TABLE", "JOB_QUEUE_URL", "JOB_DLQ_URL")


class Runner:
    """What LocalLambdaRunner._make_env_vars reads from its runner."""

    def __init__(self, env_vars_values):
        self.env_vars_values = env_vars_values

    def get_aws_creds(self):
        return {"region": "us-east-1", "key": "local", "secret": "local"}

    def is_debugging(self):
        return False


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    env_file = json.loads((root / "events" / "env.example.json").read_text())
    stacks, _ = SamLocalStackProvider.get_stacks(str(root / "template.yaml"), parameter_overrides=PARAMETERS)
    functions = {f.name: f for f in SamFunctionProvider(stacks).get_all()}
    failures = []
    for name in env_file:
        if name != "Parameters" and name not in functions:
            failures.append(f"env.example.json: {name} is not a function of template.yaml")
    for name, fn in sorted(functions.items()):
        resolved = LocalLambdaRunner._make_env_vars(Runner(env_file), fn).resolve()
        declared = set((fn.environment or {}).get("Variables", {}))
        wanted = {**env_file.get("Parameters", {}), **env_file.get(name, {})}
        for var, value in wanted.items():
            if var in declared and resolved.get(var) != value:
                failures.append(f"{name}: {var} is {resolved.get(var)!r}, the file says {value!r}")
            if var not in declared and var in env_file.get(name, {}):
                failures.append(f"{name}: {var} is set in the file but not declared: SAM ignores it")
        webhook = "WEBHOOK_SECRET_SECRET_ID" in declared
        checks = {
            "FRESHDESK_BASE_URL points at the simulator": resolved.get("FRESHDESK_BASE_URL", "").startswith(LOCAL_HOST),
            "FRESHDESK_API_KEY is set": bool(resolved.get("FRESHDESK_API_KEY")),
            "the Simpli URLs point at the simulators": all(
                resolved.get(v, "").startswith(LOCAL_HOST) for v in ("TRIAGE_URL", "REPLY_URL", "SENTIMENT_URL", "QA_URL", "KB_URL")),
            "no Secrets Manager id, table or queue": all(resolved.get(v, "") == "" for v in MUST_BE_EMPTY),
            "WEBHOOK_SECRET as the webhook functions need it": bool(resolved.get("WEBHOOK_SECRET")) == webhook,
        }
        failures += [f"{name}: not so: {what}" for what, ok in checks.items() if not ok]
        print(f"sam_env_check: {name}: {len(declared)} declared variables, "
              f"{sum(1 for v in wanted if v in declared)} set from events/env.example.json")
    for f in failures:
        print(f"sam_env_check: FAIL: {f}", file=sys.stderr)
    if failures:
        return 1
    print("sam_env_check: ok (sam local invoke --env-vars events/env.example.json configures every function locally)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
