#!/usr/bin/env bash
# `cargo lambda deploy <function>` as docs/deploy.md prints it, with the real cargo-lambda
# (1.9.2), against moto's Lambda API on 127.0.0.1 instead of an AWS account: proves that each
# function's [package.metadata.lambda.deploy] is read (memory, timeout, runtime) and that the
# function gets every variable of deploy/<function>.env (made from its committed .example).
# The binaries are the debug builds in target/ (--binary-path), so the architecture moto records
# is the build machine's; a real deploy uploads `cargo lambda build --release --arm64`'s.
# Needs .venv with moto and cargo-lambda (scripts/test.sh and scripts/local-run.sh install them).
# Stops what it started; removes the deploy/*.env files it made. Exit 0 when every check passed.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=$(cd "${VENV:-.venv}" && pwd)
export PATH="$VENV/bin:$PATH"
FUNCTIONS=(ticket-created customer-replied ticket-resolved kb-sync reconcile)
PORT=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ENDPOINT="http://127.0.0.1:$PORT"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
mkdir -p target/deploy-check

MADE=()
cleanup() {
  kill "$MOTO_PID" 2>/dev/null || true
  for f in "${MADE[@]}"; do rm -f "$f"; done
  rm -f target/debug/bootstrap.zip
}
"$VENV/bin/python" scripts/moto_server.py "$PORT" > target/deploy-check/moto.log 2>&1 &
MOTO_PID=$!
trap cleanup EXIT
for _ in $(seq 1 100); do
  if "$VENV/bin/python" -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.2)" 2>/dev/null; then break; fi
  sleep 0.1
done

cargo build -q "${FUNCTIONS[@]/#/--package=}" --bins
ROLE=$("$VENV/bin/python" scripts/deploy_check.py role "$ENDPOINT")

failures=0
for fn in "${FUNCTIONS[@]}"; do
  if [ ! -e "deploy/$fn.env" ]; then
    # The example with a sample value in each needed variable, as an operator would fill it in.
    "$VENV/bin/python" scripts/deploy_check.py fill "deploy/$fn.env.example" > "deploy/$fn.env"
    MADE+=("deploy/$fn.env")
  fi
  url=(--enable-function-url); case $fn in kb-sync|reconcile) url=() ;; esac  # scheduled: no webhook
  echo "== cargo lambda deploy $fn ${url[*]} (moto at $ENDPOINT)"
  cargo lambda deploy --endpoint-url "$ENDPOINT" --iam-role "$ROLE" "${url[@]}" \
    --binary-path "target/debug/$fn" "$fn" > "target/deploy-check/$fn.log" 2>&1 || {
    echo "  FAIL  cargo lambda deploy $fn:"; cat "target/deploy-check/$fn.log"; failures=$((failures + 1)); continue; }
  rm -f target/debug/bootstrap.zip
  if got=$("$VENV/bin/python" scripts/deploy_check.py verify "$ENDPOINT" "$fn"); then
    echo "  ok    $got"
  else
    echo "  FAIL  $got"; failures=$((failures + 1))
  fi
done

if [ "$failures" -ne 0 ]; then
  echo "deploy check: $failures function(s) not deployed as their metadata says"
  exit 1
fi
echo "deploy check: every function deployed with its metadata"
