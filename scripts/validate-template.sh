#!/usr/bin/env bash
# Validates template.yaml: cfn-lint, `sam validate --lint`, scripts/check_template.py (template
# vs. functions/* packages vs. the env vars shared/src/setup/config.rs reads, queue timing, IAM
# scope, metrics, cargo-lambda metadata) and scripts/sam_env_check.py (sam local invoke's environment).
#
# Tools go into a venv (default: <repo>/.venv, override with VENV=...), created and filled once;
# later runs reuse it. Needs python3 (3.9+; 3.11 tested) and PyPI, nothing else online:
# no AWS credentials, no Docker.
#
#   scripts/validate-template.sh            # exit status non-zero on any finding
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
TEMPLATE="$ROOT/template.yaml"

log() { printf '==> %s\n' "$*" >&2; }

if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating venv $VENV"
  "$PYTHON" -m venv "$VENV"
fi
if ! "$VENV/bin/cfn-lint" --version >/dev/null 2>&1 || ! "$VENV/bin/sam" --version >/dev/null 2>&1; then
  log "installing cfn-lint and aws-sam-cli into $VENV (about a minute, once)"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check cfn-lint aws-sam-cli
fi
log "$("$VENV/bin/cfn-lint" --version), $("$VENV/bin/sam" --version)"

cd "$ROOT"
status=0

log "cfn-lint template.yaml"
"$VENV/bin/cfn-lint" "$TEMPLATE" || status=1

log "sam validate --lint"
# sam validate needs a region but no credentials; telemetry off keeps it offline.
SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}" \
  "$VENV/bin/sam" validate --lint --template "$TEMPLATE" || status=1

log "check_template.py (template <-> Cargo workspace <-> shared config)"
"$VENV/bin/python" "$ROOT/scripts/check_template.py" --root "$ROOT" --template "$TEMPLATE" || status=1

log "sam_env_check.py (what sam local invoke --env-vars events/env.example.json gives each function)"
SAM_CLI_TELEMETRY=0 "$VENV/bin/python" "$ROOT/scripts/sam_env_check.py" "$ROOT" || status=1

if [[ $status -ne 0 ]]; then
  log "template validation FAILED"
else
  log "template validation passed"
fi
exit "$status"
