#!/usr/bin/env bash
# Installs everything plumb's tests and demo run against, offline, into
# $PLUMB_TOOLS_DIR (default <repo>/.tools):
#   bin/tofu, bin/terraform          the default engines (OpenTofu 1.10.6, Terraform 1.5.7), on PATH in env.sh
#   engines/<engine>_<version>       every engine built (tofu_1.10.6, tofu_1.12.6, terraform_1.5.7): give
#                                    plumb `--bin-dir $PLUMB_TOOLS_DIR/engines` and a project's `version`
#                                    constraint picks among them, newest matching first
#   conftest                         conftest, the reference `plumb policy test` is checked against
#   minio                            MinIO, the S3-compatible server of the artifact tests
#                                    (outside bin/: not on PATH, which holds only the engines)
#   cache/<tool>/<version>/...       versioned builds; a second run only checks them
#   mirror/<host>/hashicorp/...      filesystem provider mirror for both registry hosts
#   terraformrc                      CLI config that uses only that mirror (never the network)
#   env.sh                           `. .tools/env.sh` to use all of it by hand
# Outside it, when missing: Debian's postgresql (the server binaries the tests
# start a throwaway PostgreSQL from; no server is left running) and chromium
# (the dashboard's browser tests).
# The only network it needs is the Go module proxy, and only on the first run
# (and Debian's mirror, once, when postgresql or chromium is missing).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
TOOLS=${PLUMB_TOOLS_DIR:-$REPO/.tools}
mkdir -p "$TOOLS"
TOOLS=$(cd "$TOOLS" && pwd)

# Every OpenTofu built; the first is bin/tofu. The default stays the older
# release so what is on PATH (the tests, the demo, the bench's raw loop)
# does not change under anyone: the others are reached through engines/.
TOFU_VERSIONS="1.10.6 1.12.6"
TERRAFORM_VERSION=1.5.7
TIME_VERSION=0.14.2
CONFTEST_VERSION=0.71.1
# MinIO, the S3-compatible server the artifact tests run against
# (internal/s3test). The module proxy serves it only at pseudo-versions.
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
# The stand-in binary is published under each of these addresses (type/version).
STANDIN_AS="null/3.2.4 random/3.7.2 local/2.5.3"
PLATFORM=$(go env GOOS)_$(go env GOARCH)

say() { printf 'tools: %s\n' "$*"; }
die() { printf 'tools: FAILED: %s\n' "$*" >&2; exit 1; }

# Concurrent `make tools` (make test and make demo in two shells) must not
# build into the same files at once.
exec 9>"$TOOLS/.lock"
flock 9

# timed NAME CMD...: runs CMD, prints how long it took, or names what failed.
timed() {
  local name=$1 start=$SECONDS
  shift
  say "building $name ..."
  "$@" || die "$name: build failed (see the go output above); the Go module proxy must be reachable for a first build"
  say "built $name in $((SECONDS - start))s"
}

# reports VERSION_OUTPUT_PREFIX BINARY: true when BINARY's `version` output starts with the prefix.
reports() {
  local out
  [ -x "$2" ] && out=$(CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE=/dev/null "$2" version 2>/dev/null) && [ "${out%%$'\n'*}" = "$1" ]
}

# build_tofu VERSION OUT: builds OpenTofu VERSION into OUT/tofu.
build_tofu() {
  local dir
  dir=$(go mod download -json "github.com/opentofu/opentofu@v$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] || return 1
  # Built inside the module so its replace directives apply; the ldflag drops
  # "-dev" (the same version.dev variable in 1.10 and 1.12).
  (cd "$dir" && GOFLAGS=-mod=mod go build -ldflags "-X github.com/opentofu/opentofu/version.dev=no" -o "$2/tofu" ./cmd/tofu)
}

# link TARGET NAME: points the symlink NAME at TARGET, replacing it in one
# rename (tests running meanwhile never see NAME missing) and only when it
# points elsewhere.
link() {
  [ "$(readlink "$2" 2>/dev/null)" = "$1" ] && return 0
  ln -sfn "$1" "$2.tmp" && mv -Tf "$2.tmp" "$2"
}

install_tofu() {
  local v out default=${TOFU_VERSIONS%% *}
  for v in $TOFU_VERSIONS; do
    out=$TOOLS/cache/tofu/$v
    if reports "OpenTofu v$v" "$out/tofu"; then
      say "tofu $v cached"
    else
      mkdir -p "$out"
      timed "tofu $v" build_tofu "$v" "$out"
      reports "OpenTofu v$v" "$out/tofu" || die "tofu: built binary does not report OpenTofu v$v: $("$out/tofu" version | head -n1)"
    fi
    link "$out/tofu" "$TOOLS/engines/tofu_$v"
  done
  link "$TOOLS/cache/tofu/$default/tofu" "$TOOLS/bin/tofu"
}

# prune_engines: drops engines/ entries for versions no longer built, so
# plumb never finds an engine the tests do not cover.
prune_engines() {
  local keep=" terraform_$TERRAFORM_VERSION " v f
  for v in $TOFU_VERSIONS; do keep+="tofu_$v "; done
  for f in "$TOOLS"/engines/*; do
    [ -e "$f" ] || [ -L "$f" ] || continue
    case "$keep" in *" ${f##*/} "*) ;; *) rm -f "$f" ;; esac
  done
}

install_terraform() {
  local out=$TOOLS/cache/terraform/$TERRAFORM_VERSION
  if reports "Terraform v$TERRAFORM_VERSION" "$out/terraform"; then
    say "terraform $TERRAFORM_VERSION cached"
  else
    mkdir -p "$out"
    timed "terraform $TERRAFORM_VERSION" env GOBIN="$out" go install "github.com/hashicorp/terraform@v$TERRAFORM_VERSION"
    reports "Terraform v$TERRAFORM_VERSION" "$out/terraform" || die "terraform: built binary does not report Terraform v$TERRAFORM_VERSION"
  fi
  link "$out/terraform" "$TOOLS/engines/terraform_$TERRAFORM_VERSION"
  link "$out/terraform" "$TOOLS/bin/terraform"
}

install_time() {
  local out=$TOOLS/cache/time/$TIME_VERSION
  if [ -x "$out/terraform-provider-time" ]; then
    say "hashicorp/time $TIME_VERSION cached"
  else
    mkdir -p "$out"
    timed "hashicorp/time $TIME_VERSION" env GOBIN="$out" go install "github.com/hashicorp/terraform-provider-time@v$TIME_VERSION"
  fi
  mirror "$out/terraform-provider-time" time "$TIME_VERSION"
}

# The stand-in's cache key hashes its sources and go.sum, so any edit rebuilds it.
install_standin() {
  local key out
  key=$(cd "$REPO" && { find internal/standin -type f -name '*.go' ! -name '*_test.go' | LC_ALL=C sort | xargs sha256sum; sha256sum go.mod go.sum; } | sha256sum | cut -c1-16)
  out=$TOOLS/cache/standin/$key
  if [ -x "$out/terraform-provider-standin" ]; then
    say "stand-in provider cached ($key)"
  else
    mkdir -p "$out"
    timed "stand-in provider ($key)" bash -c "cd '$REPO' && go build -o '$out/terraform-provider-standin' ./internal/standin/cmd/terraform-provider-standin"
  fi
  # Older builds are dead weight: the mirror holds hard links, not references.
  find "$TOOLS/cache/standin" -mindepth 1 -maxdepth 1 ! -name "$key" -exec rm -rf {} +
  local as
  for as in $STANDIN_AS; do mirror "$out/terraform-provider-standin" "${as%/*}" "${as#*/}"; done
}

# Built from its Go module with its version stamped in (a plain go install
# reports "Conftest: dev"), so the check below can tell a stale build.
install_conftest() {
  local out=$TOOLS/cache/conftest/$CONFTEST_VERSION
  if conftest_reports "$out/conftest"; then
    say "conftest $CONFTEST_VERSION cached"
  else
    mkdir -p "$out"
    timed "conftest $CONFTEST_VERSION" env GOBIN="$out" go install \
      -ldflags "-X github.com/open-policy-agent/conftest/internal/version.Version=$CONFTEST_VERSION" \
      "github.com/open-policy-agent/conftest@v$CONFTEST_VERSION"
    conftest_reports "$out/conftest" || die "conftest: built binary does not report Conftest: $CONFTEST_VERSION"
  fi
  link "$out/conftest" "$TOOLS/conftest"
}

# conftest_reports BINARY: true when BINARY is conftest CONFTEST_VERSION
# (it has --version, not the engines' version subcommand).
conftest_reports() {
  local out
  [ -x "$1" ] && out=$("$1" --version 2>/dev/null) && [ "${out%%$'\n'*}" = "Conftest: $CONFTEST_VERSION" ]
}

# mirror BINARY TYPE VERSION: places BINARY under both registry hosts, as a
# hard link when possible (no copy of 30 MB per address).
mirror() {
  local host dir dst
  for host in registry.opentofu.org registry.terraform.io; do
    dir=$TOOLS/mirror/$host/hashicorp/$2/$3/$PLATFORM
    dst=$dir/terraform-provider-$2_v$3
    mkdir -p "$dir"
    [ "$dst" -ef "$1" ] && continue
    rm -f "$dst"
    ln "$1" "$dst" 2>/dev/null || cp "$1" "$dst"
  done
}

# A test-only server, never linked into plumb (MinIO is AGPL): built once
# per version, as conftest is.
install_minio() {
  local out=$TOOLS/cache/minio/$MINIO_VERSION
  if [ -x "$out/minio" ]; then
    say "minio $MINIO_VERSION cached"
  else
    mkdir -p "$out"
    timed "minio $MINIO_VERSION" env GOBIN="$out" go install "github.com/minio/minio@$MINIO_VERSION"
  fi
  link "$out/minio" "$TOOLS/minio"
}

# The tests of store/postgres and of the queue on PostgreSQL start a
# throwaway cluster from /usr/lib/postgresql/N/bin (internal/pgtest).
install_postgres() {
  if compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
    say "postgresql present"
    return 0
  fi
  command -v apt-get >/dev/null || die "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin and no apt-get: install PostgreSQL 15's server"
  local sudo=
  [ "$(id -u)" = 0 ] || sudo=sudo
  say "installing Debian's postgresql ..."
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql ||
    { $sudo apt-get update && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; } ||
    die "apt-get install postgresql failed"
}

# The dashboard's browser tests drive Debian's headless chromium
# (cmd/plumb, chromedp).
install_chromium() {
  if command -v chromium >/dev/null; then
    say "chromium present"
    return 0
  fi
  command -v apt-get >/dev/null || die "no chromium on PATH and no apt-get: install Chromium (the browser tests need it)"
  local sudo=
  [ "$(id -u)" = 0 ] || sudo=sudo
  say "installing Debian's chromium ..."
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium ||
    { $sudo apt-get update && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; } ||
    die "apt-get install chromium failed"
}

write_config() {
  # No plugin_cache_dir: two inits sharing one cache crash tofu; the runner shares providers itself.
  cat >"$TOOLS/terraformrc.tmp" <<EOF
# Written by scripts/tools.sh: providers come only from the local mirror.
provider_installation {
  filesystem_mirror {
    path    = "$TOOLS/mirror"
    include = ["*/*/*"]
  }
}
EOF
  mv "$TOOLS/terraformrc.tmp" "$TOOLS/terraformrc"
  cat >"$TOOLS/env.sh.tmp" <<EOF
# Written by scripts/tools.sh. Source it: . $TOOLS/env.sh
export PLUMB_TOOLS_DIR="$TOOLS"
# bin/ holds the default tofu and terraform. For every engine version built,
# give plumb --bin-dir "\$PLUMB_TOOLS_DIR/engines" (a project's version: picks).
export PATH="$TOOLS/bin:\$PATH"
export TF_CLI_CONFIG_FILE="$TOOLS/terraformrc"
export TF_IN_AUTOMATION=1
export TF_INPUT=0
export CHECKPOINT_DISABLE=1
EOF
  mv "$TOOLS/env.sh.tmp" "$TOOLS/env.sh"
}

command -v go >/dev/null || die "go is not on PATH; install Go 1.26"
start=$SECONDS
mkdir -p "$TOOLS/bin" "$TOOLS/engines" "$TOOLS/mirror"
install_tofu
install_terraform
prune_engines
install_time
install_standin
install_conftest
install_minio
install_postgres
install_chromium
write_config
say "ready in $((SECONDS - start))s: . $TOOLS/env.sh"
