#!/usr/bin/env python3
"""Every shell command that README.md and docs/*.md show is run by CI, or is named here as one
that cannot run on a CI machine (it needs an AWS account, Docker or a real Freshdesk account).

A command is the text of a ```sh block line (continuations joined, heredoc bodies skipped,
trailing comments and `&` dropped). Each must match one rule of PROOFS: a regular expression, and
either the file CI runs it from plus the text that must appear in that file (so a rule cannot
outlive the step that proves it), or the reason it cannot run here. Exit 1 on an unproven
command, or on a proof that no longer holds.
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

# (pattern of a documented command, file CI runs it from, text that must be in that file) or
# (pattern, None, why it cannot run here).
PROOFS = [
    # README quick start
    (r"cargo run -p sandbox", ".ci/run", "cargo run -p sandbox | python3 scripts/check_sandbox_excerpt.py"),
    (r"scripts/test\.sh", ".ci/run", "scripts/test.sh --locked"),
    # docs/local-run.md: scripts/local-run.sh runs the flow as printed
    (
        r"python3 -m venv \.venv && \.venv/bin/pip install cargo-lambda==\S+ && export PATH=\"\$PWD/\.venv/bin:\$PATH\"",
        "scripts/local-run.sh",
        'python3 -m venv .venv && .venv/bin/pip install cargo-lambda==1.9.2 && export PATH="$PWD/.venv/bin:$PATH"',
    ),
    (r"cargo run -p sandbox -- serve --with-simulators", "scripts/local-run.sh", "cargo run -p sandbox -- serve --with-simulators"),
    (r"cargo lambda watch --env-file events/local\.env\.example", "scripts/local-run.sh", "cargo lambda watch --env-file events/local.env.example"),
    (
        r"cargo lambda invoke --data-file events/[\w.-]+\.json [\w-]+",
        "scripts/local-run.sh",
        'cargo lambda invoke --data-file "$file" "$fn"',
    ),
    (
        r"curl -u freshdesk:local-dev-secret -H 'Content-Type: application/json' -d '\{\"ticket_id\": 101\}' http://localhost:9000/lambda-url/ticket-created/",
        "scripts/local-run.sh",
        "-u freshdesk:local-dev-secret -H 'Content-Type: application/json' \\\n  -d '{\"ticket_id\": 101}' http://localhost:9000/lambda-url/ticket-created/",
    ),
    (
        r"curl -u freshdesk:local-dev-secret -H 'content-type: application/json' -d '\{\"ticket_id\": 101\}' http://127\.0\.0\.1:3000/freshdesk/ticket-created",
        "scripts/local-run.sh",
        "-u freshdesk:local-dev-secret -H 'content-type: application/json' -d '{\"ticket_id\": 101}' http://127.0.0.1:3000/freshdesk/ticket-created",
    ),
    (
        r"curl -u freshdesk:local-dev-secret -H 'Content-Type: application/json' -d '\{\"ticket_id\": 101\}' http://localhost:9000/freshdesk/ticket-created",
        "scripts/local-run.sh",
        '"http://localhost:9000/freshdesk/$fn"',
    ),
    (r"cp deploy/[\w-]+\.env\.example deploy/[\w-]+\.env", None, "the operator's copy, filled in by hand (scripts/deploy-check.sh fills one from the same example)"),
    # template validation is a CI step of its own
    (r"scripts/validate-template\.sh", ".ci/run", "scripts/validate-template.sh"),
    # need an AWS account (credentials, a deployed stack or Secrets Manager)
    (r"aws (secretsmanager|iam|dynamodb|sqs|logs|cloudwatch) .*", None, "needs an AWS account"),
    (r"sam (build|deploy|list|logs|sync)\b.*", None, "needs an AWS account (sam build: cargo-lambda + zig, then the deploy)"),
    (r"cargo lambda build --release --arm64 .*", None, "the arm64 release build of a deploy (CI builds the same binaries for the host)"),
    (r"cargo lambda deploy .*", None, "a deploy to an AWS account; scripts/deploy-check.sh runs it against moto's Lambda API (--endpoint-url, the debug binary)"),
    (r"cat > trial\.env <<'EOF'", None, "writes an example file for the deploy above"),
    (r"cat > env\.local\.json <<'EOF'", None, "writes an example file for sam local (needs Docker)"),
    (r"sam local (invoke|start-api) .*", None, "needs Docker"),
    (r"python3 -m venv \.venv", None, "part of the deploy prerequisites (the same venv as the local run)"),
    (r"\.venv/bin/pip install aws-sam-cli cargo-lambda ziglang", None, "deploy tools; CI installs cfn-lint, sam and cargo-lambda in scripts/validate-template.sh and scripts/local-run.sh"),
    (r"export PATH=\"\$PWD/\.venv/bin:\$PATH\"", None, "shell set-up"),
    # the settings of a deployed stack, for ops (docs/setup-and-doctor.md)
    (r"out\(\) \{ aws cloudformation describe-stacks .*", None, "reads a deployed stack's outputs (needs an AWS account)"),
    (r"export [A-Z_]+=(\$\(out \w+\)|\S+)( [A-Z_]+=(\$\(out \w+\)|\S+))*", None, "the settings of a deployed stack; scripts/docs_ops_run.py sets the same names for the local stand-in"),
    # every ops command, as printed, against moto and the simulators
    (r"cargo run -p ops -- .*", "scripts/docs_ops_run.py", 'if c.startswith("cargo run -p ops -- ")'),
    (r"scripts/docs_ops_run\.py", ".ci/run", "scripts/docs_ops_run.py"),
]


def commands(text):
    """Yields the commands of the ```sh / ```bash blocks of a Markdown text."""
    in_block, heredoc, pending = False, None, ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("```"):
            in_block = not in_block and line[3:].strip() in ("sh", "bash", "shell")
            continue
        if not in_block:
            continue
        if heredoc:
            if line == heredoc:
                heredoc = None
            continue
        line = re.sub(r"\s+#\s.*$", "", line)  # trailing comment
        if pending:
            line = pending + " " + line
            pending = ""
        if line.endswith("\\"):
            pending = line[:-1].strip()
            continue
        line = re.sub(r"\s*&$", "", line).strip()
        m = re.search(r"<<'?(\w+)'?", line)
        if m:
            heredoc = m.group(1)
        if line:
            yield re.sub(r"\s+", " ", line)


def main():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    failures, proven, excused = [], 0, 0
    for page in pages:
        for cmd in commands(page.read_text()):
            rule = next((r for r in PROOFS if re.fullmatch(r[0], cmd)), None)
            where = page.relative_to(ROOT)
            if rule is None:
                failures.append(f"{where}: `{cmd}` is neither run by CI nor listed as needing AWS/Docker in scripts/check_docs.py")
                continue
            _, proof_file, proof = rule
            if proof_file is None:
                excused += 1
                continue
            if proof not in (ROOT / proof_file).read_text():
                failures.append(f"{where}: `{cmd}`: {proof_file} no longer runs it ({proof!r} not found)")
                continue
            proven += 1
    for f in failures:
        print(f"✘ {f}")
    print(f"docs commands: {proven} run by CI, {excused} need AWS or Docker, {len(failures)} unproven")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
