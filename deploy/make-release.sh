#!/usr/bin/env bash
# Packs a built checkout into a release tarball: what deploy/install.sh puts on a host.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: deploy/make-release.sh [--build-dir DIR] [--output-dir DIR] [--version VERSION]

Packs the route programs, microblog-admin and microblog-mailer from the build folder (default build/), with the
templates, static files, migrations, nginx configuration, systemd units and deployment scripts,
into OUTPUT-DIR/microblog-VERSION.tar.gz (default build/release/). Prints the tarball's path.

VERSION defaults to the UTC time of the last commit and its short hash (plus -dirty when the
checkout has uncommitted changes), so versions sort by time.
USAGE
}

say() {
    printf 'make-release: %s\n' "$*" >&2
}

# For an option that takes a value: "$@" starts with the option; a missing or empty value is
# bad usage (exit 2), named, rather than bash's own error for an unset $2.
need_value() {
    if (($# < 2)) || [[ -z $2 ]]; then
        say "$1 needs a value (see --help)"
        exit 2
    fi
}

die() {
    say "$1"
    exit 1
}

REPO_DIR=$(cd -- "$(dirname -- "$0")/.." && pwd -P)
# ROUTES, the route programs.
# shellcheck source=deploy/lib/routes.sh
source "$REPO_DIR/deploy/lib/routes.sh"
build_dir=$REPO_DIR/build
output_dir=
version=
while (($# > 0)); do
    case $1 in
    --build-dir) need_value "$@"; build_dir=$2; shift 2 ;;
    --output-dir) need_value "$@"; output_dir=$2; shift 2 ;;
    --version) need_value "$@"; version=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done
output_dir=${output_dir:-$build_dir/release}

if [[ -z $version ]]; then
    version=$(git -C "$REPO_DIR" log -1 --date=format-local:%Y%m%d%H%M%S --format=%cd-%h)
    if [[ -n $(git -C "$REPO_DIR" status --porcelain --untracked-files=no) ]]; then
        version+=-dirty
    fi
fi
# The version names a folder on the host and appears in shell and SQL-free contexts only.
[[ $version =~ ^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$ ]] ||
    die "version '$version' may only hold letters, digits and . _ + - (at most 64)"

programs=("${ROUTES[@]}" microblog-admin microblog-mailer hash-password)
for program in "${programs[@]}"; do
    [[ -x $build_dir/bin/$program ]] || die "$build_dir/bin/$program is missing; run make first"
done

name=microblog-$version
stage=$(mktemp -d)
trap 'rm -rf -- "$stage"' EXIT
root=$stage/$name
mkdir -p -- "$root/bin" "$root/deploy" "$root/docs"
for program in "${programs[@]}"; do
    # Debug sections stay in the build tree; the host needs the code only.
    objcopy --strip-debug "$build_dir/bin/$program" "$root/bin/$program"
done
cp -R -- "$REPO_DIR/templates" "$REPO_DIR/static" "$REPO_DIR/sql" "$REPO_DIR/nginx" "$root/"
cp -R -- "$REPO_DIR/deploy/lib" "$REPO_DIR/deploy/systemd" "$REPO_DIR/deploy/fail2ban" "$root/deploy/"
cp -- "$REPO_DIR"/deploy/{install,install-database-node,rollback,backup,restore,uninstall,rotate-secret-key}.sh \
    "$REPO_DIR"/deploy/{microblog.conf.in,galera-node.cnf.in} \
    "$REPO_DIR"/deploy/{runtime,database-node}-packages.txt "$root/deploy/"
cp -- "$REPO_DIR"/docs/{deploy,configuration,scaling,email}.md "$root/docs/"
printf '%s\n' "$version" >"$root/VERSION"
# Files as the host should see them: readable by all, changed by root only.
chmod -R u=rwX,go=rX -- "$root"

mkdir -p -- "$output_dir"
tarball=$output_dir/$name.tar.gz
tar -C "$stage" --owner=0 --group=0 --numeric-owner -czf "$tarball.new" "$name"
mv -f -- "$tarball.new" "$tarball"
printf '%s\n' "$tarball"
