#!/usr/bin/env bash
# From a workstation: builds a release, installs it on a host over ssh, checks the site, and
# rolls back by itself when the check fails.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: deploy/deploy.sh [options] HOST

  HOST                      what ssh connects to (root@server, or a Host of your ssh config);
                            the account must be root or may run sudo without a password
  --release TARBALL         install this release instead of building one (make release)
  --health-url URL          fetched after the install; 200 with the sign-in form means healthy
                            (default: http://<HOST's address>/login)
  --ssh-config FILE         ssh configuration to use (also: $MICROBLOG_SSH_CONFIG)
  --install-option OPTION   passed on to install.sh (repeatable), e.g. --server-name example.org
  -h, --help                this text

Steps: make release; copy the tarball to the host; unpack it in a temporary folder there; run
its deploy/install.sh; fetch the health URL (5 tries). When the install or the check fails
after the new release became current, deploy/rollback.sh runs on the host and this script
exits 1.
USAGE
}

say() {
    printf 'deploy: %s\n' "$*" >&2
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
tarball=
health_url=
ssh_config=${MICROBLOG_SSH_CONFIG:-}
install_options=()
host=
while (($# > 0)); do
    case $1 in
    --release) need_value "$@"; tarball=$2; shift 2 ;;
    --health-url) need_value "$@"; health_url=$2; shift 2 ;;
    --ssh-config) need_value "$@"; ssh_config=$2; shift 2 ;;
    --install-option) need_value "$@"; install_options+=("$2"); shift 2 ;;
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; exit 2 ;;
    *) [[ -z $host ]] || { usage >&2; exit 2; }; host=$1; shift ;;
    esac
done
[[ -n $host ]] || { usage >&2; exit 2; }
[[ $host =~ ^[A-Za-z0-9@._:-]+$ ]] || { say "HOST '$host' is not a host name"; exit 2; }

ssh_args=(-o BatchMode=yes -o ConnectTimeout=10)
if [[ -n $ssh_config ]]; then
    ssh_args+=(-F "$ssh_config")
fi
# A command on the host: an array, not a function, so that its status can be tested with set -e
# still in force. The remote shell gets the words as one command line.
remote=(ssh "${ssh_args[@]}" "$host")

# ssh first, once, before anything is built or copied: with BatchMode it fails instead of
# asking for a password or about a host key it has not seen.
if ! remote_uid=$("${remote[@]}" id -u); then
    say "cannot run commands on $host over ssh (its message is above); nothing was copied."
    say "ssh runs here with BatchMode=yes, so it never asks for a password or about a host key:"
    say "  - set up key login for the account: ssh-copy-id $host (or add your public key to its"
    say "    ~/.ssh/authorized_keys);"
    say "  - connect once with plain 'ssh $host' and accept the host key, so that it is in"
    say "    ~/.ssh/known_hosts;"
    say "  - or give the ssh configuration to use: --ssh-config FILE or MICROBLOG_SSH_CONFIG."
    exit 1
fi
sudo=
if [[ $remote_uid != 0 ]]; then
    sudo="sudo -n"
    "${remote[@]}" sudo -n true ||
        die "$host's account is not root and may not run sudo without a password: use root@$host"
fi

if [[ -z $tarball ]]; then
    tarball=$(make -C "$REPO_DIR" --no-print-directory release | tail -n 1)
fi
[[ -f $tarball && $tarball == *.tar.gz ]] || die "no release tarball at '$tarball'"
name=$(basename -- "$tarball" .tar.gz)
[[ $name =~ ^microblog-[A-Za-z0-9][A-Za-z0-9._+-]*$ ]] || die "$tarball is not named microblog-VERSION.tar.gz"
if [[ -z $health_url ]]; then
    address=${host#*@}
    health_url=http://$address/login
fi

say "copying $name to $host"
work=$("${remote[@]}" mktemp -d /tmp/microblog-deploy.XXXXXX)
[[ $work =~ ^/tmp/microblog-deploy\.[A-Za-z0-9]+$ ]] || die "unexpected temporary folder '$work' on $host"
trap '"${remote[@]}" rm -rf -- "$work" || true' EXIT
scp -q "${ssh_args[@]}" -- "$tarball" "$host:$work/release.tar.gz"
"${remote[@]}" tar -C "$work" -xzf "$work/release.tar.gz"

before=$("${remote[@]}" readlink /opt/microblog/current 2>/dev/null || true)
say "installing $name on $host (current: ${before:-none})"
# ssh hands the remote shell one command line: every word is quoted for it.
command_line="$sudo $(printf '%q' "$work/$name/deploy/install.sh")"
for option in "${install_options[@]}"; do
    command_line+=" $(printf '%q' "$option")"
done
install_status=0
"${remote[@]}" "$command_line" || install_status=$?

# Sets healthy to 1 when the health URL answers with the sign-in form within 5 tries.
check_health() {
    local try body
    healthy=
    for try in 1 2 3 4 5; do
        body=$(curl -fsS --max-time 5 -- "$health_url" 2>/dev/null) || body=
        if [[ $body == *'name="csrf_token"'* ]]; then
            healthy=1
            return 0
        fi
        sleep "$try"
    done
}

healthy=
if ((install_status == 0)); then
    check_health
    if [[ -n $healthy ]]; then
        say "$name is live on $host; $health_url answers"
        exit 0
    fi
    say "$health_url does not answer with the sign-in page"
else
    say "install.sh failed on $host (exit status $install_status)"
fi
after=$("${remote[@]}" readlink /opt/microblog/current 2>/dev/null || true)
if [[ -n $before && $after != "$before" ]]; then
    say "rolling back to ${before#releases/}"
    "${remote[@]}" "$sudo /opt/microblog/current/deploy/rollback.sh --to $(printf '%q' "${before#releases/}")" ||
        die "the rollback failed too: look at the host (journalctl -u 'microblog@*')"
    check_health
    [[ -n $healthy ]] || die "rolled back, but $health_url still fails"
    say "rolled back; ${before#releases/} is live again"
fi
exit 1
