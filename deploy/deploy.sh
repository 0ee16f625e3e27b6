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
    --release) tarball=${2:?--release needs a file}; shift 2 ;;
    --health-url) health_url=${2:?--health-url needs a URL}; shift 2 ;;
    --ssh-config) ssh_config=${2:?--ssh-config needs a file}; shift 2 ;;
    --install-option) install_options+=("${2:?--install-option needs a value}"); shift 2 ;;
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; exit 2 ;;
    *) [[ -z $host ]] || { usage >&2; exit 2; }; host=$1; shift ;;
    esac
done
[[ -n $host ]] || { usage >&2; exit 2; }
[[ $host =~ ^[A-Za-z0-9@._:-]+$ ]] || { say "HOST '$host' is not a host name"; exit 2; }

ssh_args=(-o BatchMode=yes -o ConnectTimeout=10)
[[ -n $ssh_config ]] && ssh_args+=(-F "$ssh_config")
# Words are expanded here on purpose: the remote shell gets them as one quoted command line.
# shellcheck disable=SC2029
remote() {
    ssh "${ssh_args[@]}" "$host" "$@"
}

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

sudo=
[[ $(remote id -u) == 0 ]] || sudo="sudo -n"
say "copying $name to $host"
work=$(remote mktemp -d /tmp/microblog-deploy.XXXXXX)
[[ $work =~ ^/tmp/microblog-deploy\.[A-Za-z0-9]+$ ]] || die "unexpected temporary folder '$work' on $host"
trap 'remote rm -rf -- "$work" || true' EXIT
scp -q "${ssh_args[@]}" -- "$tarball" "$host:$work/release.tar.gz"
remote tar -C "$work" -xzf "$work/release.tar.gz"

before=$(remote readlink /opt/microblog/current 2>/dev/null || true)
say "installing $name on $host (current: ${before:-none})"
# ssh hands the remote shell one command line: every word is quoted for it.
command_line="$sudo $(printf '%q' "$work/$name/deploy/install.sh")"
for option in "${install_options[@]}"; do
    command_line+=" $(printf '%q' "$option")"
done
install_status=0
remote "$command_line" || install_status=$?

healthy() {
    local try body
    for try in 1 2 3 4 5; do
        if body=$(curl -fsS --max-time 5 -- "$health_url" 2>/dev/null) &&
            [[ $body == *'name="csrf_token"'* ]]; then
            return 0
        fi
        sleep "$try"
    done
    return 1
}

if ((install_status == 0)) && healthy; then
    say "$name is live on $host; $health_url answers"
    exit 0
fi
((install_status == 0)) && say "$health_url does not answer with the sign-in page"
((install_status != 0)) && say "install.sh failed on $host (exit status $install_status)"
after=$(remote readlink /opt/microblog/current 2>/dev/null || true)
if [[ -n $before && $after != "$before" ]]; then
    say "rolling back to ${before#releases/}"
    remote "$sudo /opt/microblog/current/deploy/rollback.sh --to $(printf '%q' "${before#releases/}")" ||
        die "the rollback failed too: look at the host (journalctl -u 'microblog@*')"
    healthy || die "rolled back, but $health_url still fails"
    say "rolled back; ${before#releases/} is live again"
fi
exit 1
