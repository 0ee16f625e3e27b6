#!/usr/bin/env bash
# Removes Microblog from this host; the data stays unless --purge says otherwise.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: deploy/uninstall.sh [--purge]     (as root, on the host)

Stops and removes the systemd units of the route programs and the mailer, the nginx site (then
reloads nginx), the releases in /opt/microblog and /usr/local/sbin/microblog-admin. Kept: the
configuration and secrets in /etc/microblog, the database with its account and any mail still
in its outbox, the system user, backups, and the packages (other sites may use nginx, MariaDB
and the MTA). Running install.sh again brings the site back
with its users and sessions.

  --purge   also drop the database and its account, and delete /etc/microblog and the user
            (make a backup first: deploy/backup.sh)
Exit status: 0 removed, 1 failed, 2 bad usage.
USAGE
}

say() {
    printf 'uninstall: %s\n' "$*" >&2
}

REPO_DIR=$(cd -- "$(dirname -- "$0")/.." && pwd -P)
# shellcheck source=deploy/lib/steps.sh
source "$REPO_DIR/deploy/lib/steps.sh"
# shellcheck source=deploy/lib/routes.sh
source "$REPO_DIR/deploy/lib/routes.sh"
die() {
    say "$1"
    exit 1
}

purge=
case ${1:-} in
--purge) purge=1 ;;
-h | --help) usage; exit 0 ;;
"") ;;
*) usage >&2; exit 2 ;;
esac
((EUID == 0)) || die "run me as root"

units=(microblog.target microblog-mailer.service)
for route in "${ROUTES[@]}"; do
    units+=("microblog@$route.service" "microblog@$route.socket")
done
say "stopping the route programs and the mailer"
systemctl disable --now --quiet "${units[@]}" 2>/dev/null || true
rm -f -- /etc/systemd/system/microblog.target /etc/systemd/system/microblog@.service \
    /etc/systemd/system/microblog@.socket /etc/systemd/system/microblog-mailer.service
systemctl daemon-reload

if [[ -e /etc/nginx/sites-enabled/microblog || -e /etc/nginx/sites-available/microblog ]]; then
    say "removing the nginx site"
    rm -f -- /etc/nginx/sites-enabled/microblog /etc/nginx/sites-available/microblog
    rm -rf -- /etc/nginx/microblog
    if systemctl is-active --quiet nginx; then
        nginx -t -q && systemctl reload nginx
    fi
fi
rm -f -- /usr/local/sbin/microblog-admin
rm -rf -- /opt/microblog

if [[ -n $purge ]]; then
    config=/etc/microblog/microblog.conf
    db_host=
    if [[ -f $config ]]; then
        db_host=$(config_value "$config" db_host "")
    fi
    if [[ -n $db_host ]]; then
        say "the database is on $db_host: left alone there"
    elif [[ -f $config ]]; then
        name=$(config_value "$config" db_name microblog)
        account=$(config_value "$config" db_user microblog)
        socket=$(config_value "$config" db_socket /run/mysqld/mysqld.sock)
        admin=$(config_value "$config" db_admin_user root)
        [[ $name =~ ^[A-Za-z0-9_]+$ && $account =~ ^[A-Za-z0-9_]+$ ]] || die "odd names in $config"
        say "dropping the database $name and the account $account"
        mariadb --no-defaults --socket="$socket" -u "$admin" --batch \
            -e "DROP DATABASE IF EXISTS $name; DROP USER IF EXISTS '$account'@'localhost';" ||
            die "could not drop the database; /etc/microblog is kept"
    fi
    rm -rf -- /etc/microblog
    if getent passwd microblog >/dev/null; then
        userdel microblog
    fi
    say "purged"
else
    say "removed; /etc/microblog and the database are kept (--purge removes them)"
fi
