#!/usr/bin/env bash
# Assembles the runtime image's root filesystem (Dockerfile stage `rootfs`; ADR 0029) from the
# Debian image it runs in: no shell, no package manager, only what the server loads.
#   - node (this image's /usr/local/bin/node, the binary that built the app), tini, and the
#     shared libraries they and the given native addons link against (their ldd closure:
#     glibc, libstdc++, libgcc_s), at Debian's paths under its merged-/usr symlinks;
#   - /etc/passwd and /etc/group (root, nobody, nonroot = 65532 as in distroless),
#     nsswitch.conf, os-release, the CA bundle; /tmp (1777) and /home/nonroot;
#   - the dpkg status records of the packages those libraries come from, in
#     /var/lib/dpkg/status.d/ (distroless' convention), so image scanners see their versions.
#
# Usage: runtime-rootfs.sh <dest> [native addon]...
set -euo pipefail

dest="${1:?usage: $0 <dest> [native addon]...}"
shift
elves=(/usr/local/bin/node /usr/bin/tini "$@")

mkdir -p "$dest/usr" "$dest/etc" "$dest/var/lib/dpkg/status.d"
for d in bin sbin lib lib64; do
  if [ -L "/$d" ]; then
    mkdir -p "$dest/usr/$d"
    ln -s "usr/$d" "$dest/$d"
  fi
done

# A file at the same path in $dest (its directory resolved through the merged-/usr symlinks),
# with the contents of its symlink target: the loader finds libraries by soname.
place() {
  local dir
  dir="$(readlink -f "$(dirname "$1")")"
  mkdir -p "$dest$dir"
  cp -L "$1" "$dest$dir/$(basename "$1")"
}

# System libraries only: an addon's own libraries (libonnxruntime.so.1, found through its
# RUNPATH) ship with it in node_modules.
libs="$(
  for elf in "${elves[@]}"; do ldd "$elf"; done |
    awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
    grep -E '^/(usr/)?lib(64)?/' | sort -u
)"
packages=()
for lib in $libs; do
  place "$lib"
  packages+=("$(dpkg -S "$lib" 2>/dev/null | cut -d: -f1 || dpkg -S "$(readlink -f "$lib")" | cut -d: -f1)")
done
place /usr/local/bin/node
place /usr/bin/tini
packages+=(tini)

for pkg in $(printf '%s\n' "${packages[@]}" | sort -u); do
  dpkg-query --status "$pkg" >"$dest/var/lib/dpkg/status.d/$pkg"
done

cp -L /etc/os-release "$dest/etc/os-release"
mkdir -p "$dest/etc/ssl/certs"
cp -L /etc/ssl/certs/ca-certificates.crt "$dest/etc/ssl/certs/"
printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' \
  'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
  'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >"$dest/etc/passwd"
printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'nonroot:x:65532:' >"$dest/etc/group"
printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' 'protocols: files' \
  'services: files' >"$dest/etc/nsswitch.conf"
mkdir -p -m 1777 "$dest/tmp"
mkdir -p -m 700 "$dest/root"
mkdir -p -m 755 "$dest/home/nonroot"
chown 65532:65532 "$dest/home/nonroot"

# What it made must work on its own: node, and every addon loaded by it, under chroot.
chroot "$dest" /usr/local/bin/node -e 'process.exit(0)'
for addon in "$@"; do
  mkdir -p "$dest/tmp/addon-check"
  cp -r "$(dirname "$addon")/." "$dest/tmp/addon-check/"
  chroot "$dest" /usr/local/bin/node -e \
    'process.dlopen({ exports: {} }, process.argv[1])' "/tmp/addon-check/$(basename "$addon")"
  rm -rf "$dest/tmp/addon-check"
done
echo "runtime rootfs: $(du -sh "$dest" | cut -f1), libraries: $(echo $libs), packages: $(ls "$dest/var/lib/dpkg/status.d" | tr '\n' ' ')"
