#!/usr/bin/env bash
# Builds a local stand-in for docker.io/library/node:24-bookworm-slim, the one image the
# project's Dockerfile pulls (its runtime stage starts from scratch), so the unchanged
# Dockerfile can be built with podman on a machine that cannot pull images
# (see ../shared/recipes/container-smoke.md): a minimal Debian bookworm rootfs from the apt
# mirror, slimmed like the official image, plus the Node 24 binary on PATH (`make
# container-smoke` puts the Makefile's Node 24 first, never the machine's Node 20) and npm.
#
# Usage: scripts/container-base-image.sh <work-dir>
#   All podman state lives in <work-dir>; it writes <work-dir>/podman.env, which callers
#   source to talk to the same storage. Idempotent: existing base images are reused.
set -euo pipefail

W="${1:?usage: $0 <work-dir>}"
mkdir -p "$W"
W="$(cd "$W" && pwd)"
NODE_MAJOR=24
BASE_TAG="docker.io/library/node:${NODE_MAJOR}-bookworm-slim"
DEBIAN_TAG="localhost/debian:bookworm-slim"
MIRROR="http://deb.debian.org/debian"

log() { echo "[base-image] $*" >&2; }

install_tools() {
  local missing=()
  for bin in podman runc mmdebstrap; do
    command -v "$bin" >/dev/null 2>&1 || missing+=("$bin")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  log "installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 "${missing[@]}"
}

# crun fails here ("cgroups in hybrid mode not supported") and the sandbox may not raise
# RLIMIT_NOFILE to podman's default: pin runc and modest ulimits; keep storage in $W.
write_podman_config() {
  cat >"$W/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$W/storage"
runroot = "$W/run"
EOF
  cat >"$W/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]

[engine]
runtime = "runc"
EOF
  cat >"$W/podman.env" <<EOF
export CONTAINERS_STORAGE_CONF="$W/storage.conf"
export CONTAINERS_CONF="$W/containers.conf"
EOF
}

build_debian_base() {
  if podman image exists "$DEBIAN_TAG"; then return 0; fi
  log "mmdebstrap bookworm minbase"
  # Like the official slim images: merged /usr without the usrmerge package (and its perl),
  # no docs, man pages or translations.
  mmdebstrap --quiet --variant=minbase --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    bookworm "$W/rootfs.tar" \
    "deb $MIRROR bookworm main" \
    "deb $MIRROR bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main" \
    >"$W/mmdebstrap.log" 2>&1 || { cat "$W/mmdebstrap.log" >&2; exit 1; }
  podman import --quiet --change 'CMD ["bash"]' "$W/rootfs.tar" "$DEBIAN_TAG" >/dev/null
  rm -f "$W/rootfs.tar"
}

# The Node 24 binary the stand-in carries (the runtime image copies it from there).
node_binary() {
  local node_bin
  node_bin="$(readlink -f "$(command -v node)")"
  "$node_bin" -e "process.exit(process.versions.node.split('.')[0] === '$NODE_MAJOR' ? 0 : 1)" ||
    { log "node on PATH must be v$NODE_MAJOR (got $("$node_bin" -v)): run it through make"; exit 1; }
  echo "$node_bin"
}

build_node_standin() {
  if podman image exists "$BASE_TAG"; then return 0; fi
  local node_bin npm_dir ctx
  node_bin="$(node_binary)"
  # The npm that runs here (its own folder: with Node 24 from .cache first on PATH,
  # `npm root -g` would name that node's prefix, which has no npm).
  npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
  ctx="$W/node-ctx"
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp "$node_bin" "$ctx/node"
  cp -r "$npm_dir" "$ctx/npm"
  # Outbound TLS here is re-signed by a proxy: `npm ci` inside builds needs its CA. Only the
  # stand-in carries it; the project's Dockerfile never does.
  cat /usr/local/share/ca-certificates/*.crt >"$ctx/extra-ca.pem" 2>/dev/null || : >"$ctx/extra-ca.pem"
  cat >"$ctx/Containerfile" <<EOF
FROM $DEBIAN_TAG
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY extra-ca.pem /usr/local/share/extra-ca.pem
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && groupadd --gid 1000 node \\
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \\
 && node --version && npm --version
ENV NODE_VERSION=$("$node_bin" -p 'process.versions.node') \\
    NODE_EXTRA_CA_CERTS=/usr/local/share/extra-ca.pem
CMD ["node"]
EOF
  log "building node stand-in $BASE_TAG"
  podman build --quiet --isolation chroot --pull=never -t "$BASE_TAG" -f "$ctx/Containerfile" "$ctx" >/dev/null
  rm -rf "$ctx"
}

install_tools
write_podman_config
# shellcheck source=/dev/null
. "$W/podman.env"
build_debian_base
build_node_standin
log "ready: $BASE_TAG (podman env: $W/podman.env)"
