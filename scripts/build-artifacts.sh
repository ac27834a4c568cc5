#!/usr/bin/env bash
# Builds the deployable Lambda artifacts (one bootstrap.zip per functions/* package) with
# cargo-lambda and prints each function's bootstrap and zip size (Budget (docs/architecture.md): bootstrap <= 10 MB).
#
#   scripts/build-artifacts.sh                       # arm64 (what template.yaml deploys)
#   ARCH=x86_64 scripts/build-artifacts.sh           # x86_64 instead
#   CARGO_TARGET_DIR=/tmp/t scripts/build-artifacts.sh
#
# cargo-lambda and ziglang (zig is the cross-linker) are installed from PyPI into the venv
# (default <repo>/.venv, override with VENV=...), once. arm64 needs Rust's aarch64 std target:
# cargo-lambda installs it with rustup when it is missing; where that download is impossible
# (offline machine), this script says so and builds x86_64 so sizes can still be measured.
# Those x86_64 zips do not match template.yaml's `Architectures: [arm64]`; don't deploy them.
#
# Artifacts: $CARGO_TARGET_DIR/lambda/<function>/bootstrap.zip (default target/lambda/...).
#
# The SAM way builds the same binaries: template.yaml gives every function
#   Metadata: {BuildMethod: rust-cargolambda, BuildProperties: {Binary: <package>}}
# and `sam build` (cargo-lambda and zig on PATH, e.g. `PATH=.venv/bin:$PATH sam build`) runs
# `cargo lambda build --release --arm64 --bin <Binary>` in CodeUri (the workspace root) for each
# function and copies target/lambda/<Binary>/bootstrap into .aws-sam/build/<LogicalId>/.
# SAM_BUILD_MODE=debug drops --release. Older SAM CLI releases also need `--beta-features`.
# `sam deploy` then zips and uploads those directories; this script is for measuring and for
# deploying outside SAM (e.g. `cargo lambda deploy`).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
ARCH="${ARCH:-arm64}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
LAMBDA_DIR="$TARGET_DIR/lambda"
BUDGET_BYTES=$((10 * 1000 * 1000))

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build-artifacts: %s\n' "$*" >&2; exit 1; }

command -v cargo >/dev/null || die "cargo not found (install Rust with rustup)"

# ---------------------------------------------------------------- tools
if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating venv $VENV"
  "$PYTHON" -m venv "$VENV"
fi
if [[ ! -x "$VENV/bin/cargo-lambda" ]] || ! "$VENV/bin/python" -c 'import ziglang' 2>/dev/null; then
  log "installing cargo-lambda and ziglang into $VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check cargo-lambda ziglang
fi
export PATH="$VENV/bin:$PATH"
log "$(cargo lambda --version)"

# ---------------------------------------------------------------- packages to build
mapfile -t FUNCTIONS < <(
  for manifest in "$ROOT"/functions/*/Cargo.toml; do
    sed -n '/^\[package\]/,/^\[/{s/^[[:space:]]*name[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p}' "$manifest" | head -n 1
  done
)
[[ ${#FUNCTIONS[@]} -gt 0 ]] || die "no packages under functions/*/Cargo.toml"
PKG_ARGS=()
for f in "${FUNCTIONS[@]}"; do PKG_ARGS+=(--package "$f"); done

# ---------------------------------------------------------------- architecture
aarch64_std_installed() {
  local libdir
  libdir="$(rustc --print target-libdir --target aarch64-unknown-linux-gnu 2>/dev/null)" || return 1
  compgen -G "$libdir/libstd-*.rlib" >/dev/null
}

case "$ARCH" in
  arm64 | aarch64)
    ARCH=arm64
    if ! aarch64_std_installed && command -v rustup >/dev/null; then
      log "aarch64 std target missing; trying: rustup target add aarch64-unknown-linux-gnu"
      timeout 300 rustup target add aarch64-unknown-linux-gnu >&2 || true
    fi
    if ! aarch64_std_installed; then
      cat >&2 <<'MSG'
build-artifacts: the Rust std library for aarch64-unknown-linux-gnu is not installed and could not
  be downloaded (`rustup target add aarch64-unknown-linux-gnu` failed: offline?).
  Building x86_64 instead so binary and zip sizes can still be measured. These artifacts do NOT
  match template.yaml (Architectures: [arm64]); install the target and rerun before deploying.
MSG
      ARCH=x86_64
    fi
    ;;
  x86_64 | x86-64 | amd64) ARCH=x86_64 ;;
  *) die "ARCH must be arm64 or x86_64, not '$ARCH'" ;;
esac
if [[ $ARCH == arm64 ]]; then ARCH_FLAG=--arm64; TRIPLE=aarch64-unknown-linux-gnu; else ARCH_FLAG=--x86-64; TRIPLE=x86_64-unknown-linux-gnu; fi

# ---------------------------------------------------------------- build
cd "$ROOT"
log "cargo lambda build --release $ARCH_FLAG --output-format zip (${FUNCTIONS[*]}) -> $LAMBDA_DIR"
CARGO_TARGET_DIR="$TARGET_DIR" cargo lambda build --release "$ARCH_FLAG" --output-format zip \
  --lambda-dir "$LAMBDA_DIR" "${PKG_ARGS[@]}"

# ---------------------------------------------------------------- sizes
# With --output-format zip cargo-lambda leaves only bootstrap.zip; the bootstrap size is read
# from the zip entry (uncompressed), falling back to the release binary itself.
"$VENV/bin/python" - "$LAMBDA_DIR" "$TARGET_DIR/$TRIPLE/release" "$ARCH" "$BUDGET_BYTES" "${FUNCTIONS[@]}" <<'PY'
import os, sys, zipfile
lambda_dir, release_dir, arch, budget, *functions = sys.argv[1:]
budget = int(budget)
mb = lambda n: f"{n / 1e6:8.2f} MB" if n is not None else "       -   "
print(f"\n{'function':<20} {'arch':<7} {'bootstrap':>11} {'zip':>11}")
missing = over = 0
for fn in functions:
    zpath = os.path.join(lambda_dir, fn, "bootstrap.zip")
    zsize = os.path.getsize(zpath) if os.path.exists(zpath) else None
    bsize = None
    if zsize is not None:
        with zipfile.ZipFile(zpath) as z:
            bsize = sum(i.file_size for i in z.infolist() if os.path.basename(i.filename) == "bootstrap") or None
    if bsize is None:
        for candidate in (os.path.join(lambda_dir, fn, "bootstrap"), os.path.join(release_dir, fn)):
            if os.path.exists(candidate):
                bsize = os.path.getsize(candidate)
                break
    flag = ""
    if zsize is None:
        missing += 1
        flag = "  MISSING bootstrap.zip"
    elif bsize is not None and bsize > budget:
        over += 1
        flag = "  over the 10 MB budget"
    print(f"{fn:<20} {arch:<7} {mb(bsize)} {mb(zsize)}{flag}")
print(f"\nartifacts: {lambda_dir}/<function>/bootstrap.zip")
sys.exit(1 if missing else 0)
PY
