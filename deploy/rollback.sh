#!/usr/bin/env bash
# Puts the release that was current before this one back in place on this host.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: deploy/rollback.sh [--to VERSION]     (as root, on the host)

Makes the previous release current again (or VERSION, a folder name in /opt/microblog/releases),
by running that release's own install.sh: the route programs are restarted one at a time, with
no failed request. nginx keeps running: it is reloaded only if that release's nginx configuration
differs from the one in place (its paths go through /opt/microblog/current, so usually it does
not). microblog-mailer is restarted too (stopped when that release has none). The previous
release is the newest one in /opt/microblog/history other than the current one; run again,
rollback.sh goes back and forth between the two. The database is left as it is:
migrations only add, so an older release works with a newer schema.
Exit status: 0 rolled back and checked, 1 failed, 2 bad usage.
USAGE
}

say() {
    printf 'rollback: %s\n' "$*" >&2
}

# For an option that takes a value: "$@" starts with the option; a missing or empty value is
# bad usage (exit 2), named, rather than bash's own error for an unset $2.
need_value() {
    if (($# < 2)) || [[ -z $2 ]]; then
        say "$1 needs a value (see --help)"
        exit 2
    fi
}

BASE_DIR=/opt/microblog
target=
while (($# > 0)); do
    case $1 in
    --to) need_value "$@"; target=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done
((EUID == 0)) || { say "run me as root"; exit 1; }

current=$(readlink -- "$BASE_DIR/current" 2>/dev/null) || { say "no release is installed"; exit 1; }
current=${current#releases/}
if [[ -z $target ]]; then
    # The newest release that passed its check (install.sh records those in the history), is
    # not the current one and is still on disk.
    while read -r _ version; do
        if [[ $version != "$current" && -x $BASE_DIR/releases/$version/deploy/install.sh ]]; then
            target=$version
        fi
    done <"$BASE_DIR/history"
    [[ -n $target ]] || { say "there is no earlier release to go back to"; exit 1; }
fi
[[ $target =~ ^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$ && -x $BASE_DIR/releases/$target/deploy/install.sh ]] ||
    { say "no release $target in $BASE_DIR/releases"; exit 1; }
[[ $target != "$current" ]] || { say "$target is already current"; exit 0; }
say "rolling back from $current to $target"
# A release from before the mailer cannot run it, nor does its install.sh know of it: stopped
# until a release with it is installed again (the outbox keeps the mail meanwhile).
if [[ ! -x $BASE_DIR/releases/$target/bin/microblog-mailer ]] &&
    systemctl is-enabled --quiet microblog-mailer.service 2>/dev/null; then
    say "$target has no mailer: stopping microblog-mailer.service until a release with one is installed"
    systemctl disable --now --quiet microblog-mailer.service
fi
exec "$BASE_DIR/releases/$target/deploy/install.sh"
