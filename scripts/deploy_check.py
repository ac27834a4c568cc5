"""Helpers of scripts/deploy-check.sh (moto's IAM and Lambda APIs, through boto3).

  deploy_check.py role ENDPOINT           creates the role the deploy names; prints its ARN
  deploy_check.py fill EXAMPLE            prints the env file with a sample value in each needed variable
  deploy_check.py verify ENDPOINT FN      exit 0 if the deployed FN has its Cargo.toml's memory and
                                          timeout and exactly the variables of deploy/FN.env
"""

import json
import pathlib
import sys
import tomllib

import boto3

TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
SAMPLES = {
    "FRESHDESK_DOMAIN": "acme",
    "IDEMPOTENCY_TABLE": "simpli-freshdesk-dedup",
}


def client(kind: str, endpoint: str):
    return boto3.client(kind, endpoint_url=endpoint, region_name="us-east-1")


def role(endpoint: str) -> str:
    iam = client("iam", endpoint)
    name = "simpli-freshdesk-deploy-check"
    try:
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]


def sample(name: str) -> str:
    if name in SAMPLES:
        return SAMPLES[name]
    if name.endswith("_SECRET_ID"):
        return f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{name.lower()}-AbCdEf"
    if name.endswith("_URL"):
        return f"https://{name.lower().removesuffix('_url')}.example.com"
    return ""


def fill(example: str) -> str:
    out, needed = [], False
    for line in pathlib.Path(example).read_text().splitlines():
        if line.startswith("#"):
            needed = line.startswith("# Needed") or (needed and not line.startswith("# Optional"))
        name = line.split("=", 1)[0]
        out.append(f"{name}={sample(name)}" if needed and line.endswith("=") else line)
    return "\n".join(out) + "\n"


def env_file(path: str) -> dict:
    pairs = {}
    for line in pathlib.Path(path).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def verify(endpoint: str, fn: str) -> tuple:
    meta = tomllib.loads(pathlib.Path(f"functions/{fn}/Cargo.toml").read_text())["package"]["metadata"]["lambda"]["deploy"]
    conf = client("lambda", endpoint).get_function_configuration(FunctionName=fn)
    got_env = (conf.get("Environment") or {}).get("Variables") or {}
    want_env = env_file(meta["env_file"])
    problems = []
    if conf["MemorySize"] != meta["memory"]:
        problems.append(f"memory {conf['MemorySize']} != {meta['memory']}")
    if conf["Timeout"] != meta["timeout"]:
        problems.append(f"timeout {conf['Timeout']} != {meta['timeout']}")
    if conf["Runtime"] != "provided.al2023":
        problems.append(f"runtime {conf['Runtime']}")
    if got_env != want_env:
        problems.append(f"environment differs: {sorted(set(got_env) ^ set(want_env))} "
                        f"{[k for k in want_env if got_env.get(k) != want_env[k]]}")
    summary = (f"{fn}: memory {conf['MemorySize']} MB, timeout {conf['Timeout']} s, {conf['Runtime']}, "
               f"{len(got_env)} variables from {meta['env_file']}")
    return ("; ".join([summary] + problems), not problems)


def main() -> int:
    cmd = sys.argv[1]
    if cmd == "role":
        print(role(sys.argv[2]))
        return 0
    if cmd == "fill":
        sys.stdout.write(fill(sys.argv[2]))
        return 0
    message, ok = verify(sys.argv[2], sys.argv[3])
    print(message)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
