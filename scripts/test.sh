#!/usr/bin/env bash
# The test command (README, .ci/run): starts moto's server (DynamoDB + SQS) on 127.0.0.1,
# runs every test of the workspace against it, and stops it. Extra arguments go to cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
MOTO_VERSION=5.2.5
if ! "$VENV/bin/python" -c "import moto.server" 2>/dev/null; then
  echo "== installing moto[server]==$MOTO_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi

PORT=${MOTO_PORT:-$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
mkdir -p target
"$VENV/bin/python" scripts/moto_server.py "$PORT" > target/moto.log 2>&1 &
MOTO_PID=$!
trap 'kill $MOTO_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if "$VENV/bin/python" -c "import socket,sys; socket.create_connection(('127.0.0.1', $PORT), 0.2)" 2>/dev/null; then break; fi
  sleep 0.1
done
echo "== moto on 127.0.0.1:$PORT (pid $MOTO_PID)"

export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT"
export AWS_ENDPOINT_URL_DYNAMODB="$AWS_ENDPOINT_URL" AWS_ENDPOINT_URL_SQS="$AWS_ENDPOINT_URL"
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_EC2_METADATA_DISABLED=true

cargo test --workspace --all-targets "$@"
