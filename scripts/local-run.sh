#!/usr/bin/env bash
# The cargo-lambda flow of docs/local-run.md with the real cargo-lambda, exactly as printed there:
#   cargo run -p sandbox -- serve --with-simulators          (Freshdesk + Simpli simulators)
#   cargo lambda watch --env-file events/local.env.example    (the Lambda runtime emulator)
#   cargo lambda invoke --data-file events/<file> <function>  (every file in events/)
#   curl ... http://localhost:9000/lambda-url/ticket-created/ (the function URL)
#   curl ... http://localhost:9000/freshdesk/<event>          (the watch router of Cargo.toml,
#                                                              the API's routes)
# and checks every answer. cargo-lambda comes from PyPI into .venv (no binary downloads); the
# functions are the debug builds in target/, so after the tests nothing is compiled again.
# Stops what it started, by PID. Exit 0 when every check passed.
set -euo pipefail
cd "$(dirname "$0")/.."

# The install line of docs/local-run.md, as printed (a second run only finds it satisfied).
python3 -m venv .venv && .venv/bin/pip install cargo-lambda==1.9.2 && export PATH="$PWD/.venv/bin:$PATH"

LOGS=target/local-run
mkdir -p "$LOGS"
rm -f "$LOGS/seen"
PIDS=()
stop_all() {
  for pid in "${PIDS[@]}"; do
    kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT

# Each in its own process group, so stopping it also stops what it spawned (cargo run → binary).
start() {
  local log=$1; shift
  setsid "$@" > "$LOGS/$log.log" 2>&1 &
  PIDS+=($!)
  echo "== started $* (pid $!, log $LOGS/$log.log)"
}

wait_for() {
  local what=$1 url=$2
  for _ in $(seq 1 600); do
    if curl -s -o /dev/null "$url"; then return 0; fi
    sleep 0.5
  done
  echo "FAIL: $what did not answer at $url; its log:"
  cat "$LOGS"/*.log
  exit 1
}

cargo build -q -p sandbox -p ticket-created -p customer-replied -p ticket-resolved -p kb-sync --bins
start sandbox cargo run -p sandbox -- serve --with-simulators
wait_for "the sandbox" http://127.0.0.1:3000/health
start watch cargo lambda watch --env-file events/local.env.example
wait_for "cargo lambda watch" http://localhost:9000/

failures=0
check() {
  local label=$1 answer=$2 want=$3
  local got
  got=$(python3 scripts/local_run_check.py "$want" <<<"$answer") && echo "  ok    $label → $got" || {
    echo "  FAIL  $label → $got"
    echo "        answer: $answer"
    failures=$((failures + 1))
  }
}

echo "== cargo lambda invoke, every file in events/"
for file in events/*.json; do
  fn=$(basename "$file"); fn=${fn%%.*}
  [ -d "functions/$fn" ] || continue  # events/env.example.json: sam's --env-vars, not an event
  answer=$(cargo lambda invoke --data-file "$file" "$fn" 2>&1 || true)
  check "cargo lambda invoke --data-file $file $fn" "$answer" "$(python3 scripts/local_run_check.py --expect "$file")"
done

echo "== the function URL"
answer=$(curl -s -w '\n%{http_code}' -u freshdesk:local-dev-secret -H 'Content-Type: application/json' \
  -d '{"ticket_id": 101}' http://localhost:9000/lambda-url/ticket-created/)
check "curl -u freshdesk:local-dev-secret … /lambda-url/ticket-created/ (a redelivery of #101)" "$answer" "url:200:duplicate"
answer=$(curl -s -w '\n%{http_code}' -u freshdesk:wrong-secret -H 'Content-Type: application/json' \
  -d '{"ticket_id": 101}' http://localhost:9000/lambda-url/ticket-created/)
check "curl -u freshdesk:wrong-secret … /lambda-url/ticket-created/" "$answer" "url:401:"
answer=$(curl -s -w '\n%{http_code}' -u freshdesk:local-dev-secret -H 'Content-Type: application/json' \
  -d '{"ticket": 101}' http://localhost:9000/lambda-url/ticket-created/)
check "curl -u freshdesk:local-dev-secret -d '{\"ticket\": 101}' … /lambda-url/ticket-created/" "$answer" "url:400:"

echo "== the watch router ([workspace.metadata.lambda.watch.router]): POST /freshdesk/<event>"
for route in ticket-created:101 customer-replied:103 ticket-resolved:104; do
  fn=${route%%:*}; ticket=${route##*:}
  answer=$(curl -s -w '\n%{http_code}' -u freshdesk:local-dev-secret -H 'Content-Type: application/json' \
    -d "{\"ticket_id\": $ticket}" "http://localhost:9000/freshdesk/$fn")
  check "curl -u freshdesk:local-dev-secret -d '{\"ticket_id\": $ticket}' … /freshdesk/$fn (a redelivery)" "$answer" "url:200:duplicate"
done
answer=$(curl -s -w '\n%{http_code}' -u freshdesk:wrong-secret -H 'Content-Type: application/json' \
  -d '{"ticket_id": 101}' http://localhost:9000/freshdesk/ticket-created)
check "curl -u freshdesk:wrong-secret … /freshdesk/ticket-created" "$answer" "url:401:"
answer=$(curl -s -w '\n%{http_code}' http://localhost:9000/freshdesk/ticket-created)
check "curl … /freshdesk/ticket-created (GET: not a route)" "$answer" "url:404:"

echo "== the sandbox's own routes (docs/sandbox.md)"
answer=$(curl -s -w '\n%{http_code}' -u freshdesk:local-dev-secret -H 'content-type: application/json' -d '{"ticket_id": 101}' http://127.0.0.1:3000/freshdesk/ticket-created)
check "curl … http://127.0.0.1:3000/freshdesk/ticket-created (#101, the sandbox's own dedup)" "$answer" "url:200:processed"

if [ "$failures" -ne 0 ]; then
  echo "local run: $failures check(s) failed; logs in $LOGS/"
  tail -n 20 "$LOGS"/watch.log
  exit 1
fi
echo "local run: every answer as expected"
