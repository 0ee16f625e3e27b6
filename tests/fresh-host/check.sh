#!/usr/bin/env bash
# Runs .ci/run for the committed HEAD inside a freshly debootstrapped Debian 12: the proof that
# `make test` sets up everything on a bare machine. Needs root and Debian's mirror; takes a few
# minutes. Not part of `make test` (it builds a whole system); run it with `make check-fresh-host`.
set -euo pipefail

REPO_DIR=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
ROOT=${FRESH_ROOT:-$(mktemp -d /tmp/microblog-fresh-host.XXXXXX)}
MIRROR=${MIRROR:-$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}

if [ "$(id -u)" -ne 0 ]; then
    echo "check.sh: needs root (debootstrap, chroot and mounts)" >&2
    exit 1
fi
command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null

# Whatever happens, leave no mount and no chroot process behind.
cleanup() {
    local proc
    for proc in /proc/[0-9]*; do
        if [ "$(readlink "$proc/root" 2>/dev/null)" = "$ROOT" ]; then kill -KILL "${proc#/proc/}" 2>/dev/null || true; fi
    done
    umount -R "$ROOT/dev" "$ROOT/sys" "$ROOT/proc" 2>/dev/null || true
    if [ -z "${KEEP_ROOT:-}" ]; then rm -rf --one-file-system -- "$ROOT"; fi
}
trap cleanup EXIT

echo "check.sh: debootstrap bookworm into $ROOT"
debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" >"$ROOT.debootstrap.log" 2>&1 ||
    { tail -20 "$ROOT.debootstrap.log" >&2; exit 1; }
rm -f "$ROOT.debootstrap.log"
# The host's package sources (the same mirror and security updates), and the /etc/hosts every
# installed machine has but debootstrap does not write (selenium reaches chromedriver as localhost).
cp /etc/apt/sources.list.d/debian.sources "$ROOT/etc/apt/sources.list.d/" 2>/dev/null && rm -f "$ROOT/etc/apt/sources.list"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$ROOT/etc/hosts"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
mount -t proc proc "$ROOT/proc"
mount --rbind /sys "$ROOT/sys"
mount --rbind /dev "$ROOT/dev"

git clone -q "$REPO_DIR" "$ROOT/root/microblog"
echo "check.sh: running .ci/run on $(git -C "$REPO_DIR" rev-parse --short HEAD) (only make is installed first, as the README says)"
chroot "$ROOT" /bin/sh -c '
    set -e
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq make >/dev/null
    cd /root/microblog && CI=true bash .ci/run'
echo "check.sh: .ci/run passed on a fresh Debian 12"
