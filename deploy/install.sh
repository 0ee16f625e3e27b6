#!/usr/bin/env bash
# Installs or upgrades Microblog on this Debian 12 host from the release it belongs to.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: deploy/install.sh [options]     (as root, from an unpacked release)
       deploy/install.sh --database-node [options]   a database node of a Galera cluster
                                      instead (deploy/install-database-node.sh --help)

Installs this release on this host, or upgrades to it, with no failed request:
  - installs the missing runtime packages (deploy/runtime-packages.txt);
  - creates the system user microblog;
  - copies the release to /opt/microblog/releases/VERSION and points /opt/microblog/current
    at it in one step;
  - on the first install only, writes /etc/microblog/microblog.conf and its secrets;
  - creates the database and the application's account, and applies pending migrations
    (once, even when several hosts install at the same time);
  - installs the systemd units (the route programs and microblog-mailer), the nginx site
    (checked with nginx -t; nginx is reloaded only when its configuration changed, started if
    it is not running), and /usr/local/sbin/microblog-admin;
  - restarts the route programs one at a time and the mailer, and checks the site with
    microblog-admin check.
Running it again changes nothing that is already right.

First-install options (afterwards, edit /etc/microblog/microblog.conf and run this again):
  --server-name NAME         the site's host name (default: _ , any name; the site is then
                             nginx's default server and Debian's placeholder site is disabled)
  --port PORT                HTTP port (default 80; 443 with a certificate)
  --tls-certificate FILE     serve HTTPS with this certificate chain ...
  --tls-key FILE             ... and this key; plain HTTP then redirects to HTTPS
  --db-host HOST[,HOST...]   use the MariaDB server at HOST (TCP) instead of creating a
                             database on this host; the database and the application's
                             account (SELECT, INSERT, UPDATE, DELETE on it) must exist there.
                             Several: the nodes of one Galera cluster (docs/scaling.md)
  --db-port PORT             its port (default 3306)
  --db-name NAME             the database (default microblog)
  --db-user NAME             the application's account (default microblog)
  --db-password-file FILE    a file holding that account's password
  --db-admin-user NAME       an account that may change the schema, for the migrations
  --db-admin-password-file FILE   a file holding its password
  --db-tls-ca FILE           connect to the database over TLS, checking its certificate
                             against this CA certificate
  --site-url URL             the site's public address, the origin of every link in mail
                             (https://NAME[:PORT] with a certificate and --server-name,
                             http://NAME[:PORT] with --server-name only, else
                             http://127.0.0.1[:PORT]); microblog-admin check fetches its /login
Mail (microblog-mailer; by default through this host's own MTA, e.g. exim4 or postfix):
  --mail-from FROM           the sender of every mail, 'Name <name@host>' (default
                             'Microblog <microblog@SERVER-NAME or this host's name>')
  --smtp-host HOST           the relay (default 127.0.0.1) ...
  --smtp-port PORT           ... and its port (default 25)
  --smtp-tls MODE            none (default), starttls or tls; both verify the certificate
  --smtp-user NAME           a relay that wants a login: the user ...
  --smtp-password-file FILE  ... and a file holding its password
Other options:
  --keep N                   releases to keep in /opt/microblog/releases (default 5)
  -h, --help                 this text
Exit status: 0 installed and checked, 1 failed (the message says where), 2 bad usage.
USAGE
}

say() {
    printf 'install: %s\n' "$*" >&2
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

RELEASE_DIR=$(cd -- "$(dirname -- "$0")/.." && pwd -P)
# A database node is another kind of host, with a script of its own.
if [[ ${1:-} == --database-node ]]; then
    shift
    exec "$RELEASE_DIR/deploy/install-database-node.sh" "$@"
fi
# shellcheck source=deploy/lib/steps.sh
source "$RELEASE_DIR/deploy/lib/steps.sh"
# shellcheck source=deploy/lib/routes.sh
source "$RELEASE_DIR/deploy/lib/routes.sh"

APP_USER=microblog
BASE_DIR=/opt/microblog
RELEASES_DIR=$BASE_DIR/releases
CURRENT_LINK=$BASE_DIR/current
HISTORY_FILE=$BASE_DIR/history
CONF_DIR=/etc/microblog
CONFIG_FILE=$CONF_DIR/microblog.conf
NGINX_SNIPPETS=/etc/nginx/microblog
NGINX_SITE=/etc/nginx/sites-available/microblog
NGINX_ENABLED=/etc/nginx/sites-enabled/microblog
UNIT_DIR=/etc/systemd/system
DB_SOCKET=/run/mysqld/mysqld.sock
ADMIN_LINK=/usr/local/sbin/microblog-admin
MAILER_UNIT=microblog-mailer.service

server_name=_
port=
tls_certificate=
tls_key=
keep=5
db_host=
db_port=3306
db_name=microblog
db_user=microblog
db_password_file=
db_admin_user=root
db_admin_password_file=
db_tls_ca=
site_url=
mail_from=
smtp_host=127.0.0.1
smtp_port=25
smtp_tls=none
smtp_user=
smtp_password_file=
while (($# > 0)); do
    case $1 in
    --server-name) need_value "$@"; server_name=$2; shift 2 ;;
    --port) need_value "$@"; port=$2; shift 2 ;;
    --tls-certificate) need_value "$@"; tls_certificate=$2; shift 2 ;;
    --tls-key) need_value "$@"; tls_key=$2; shift 2 ;;
    --keep) need_value "$@"; keep=$2; shift 2 ;;
    --db-host) need_value "$@"; db_host=$2; shift 2 ;;
    --db-port) need_value "$@"; db_port=$2; shift 2 ;;
    --db-name) need_value "$@"; db_name=$2; shift 2 ;;
    --db-user) need_value "$@"; db_user=$2; shift 2 ;;
    --db-password-file) need_value "$@"; db_password_file=$2; shift 2 ;;
    --db-admin-user) need_value "$@"; db_admin_user=$2; shift 2 ;;
    --db-admin-password-file) need_value "$@"; db_admin_password_file=$2; shift 2 ;;
    --db-tls-ca) need_value "$@"; db_tls_ca=$2; shift 2 ;;
    --site-url) need_value "$@"; site_url=$2; shift 2 ;;
    --mail-from) need_value "$@"; mail_from=$2; shift 2 ;;
    --smtp-host) need_value "$@"; smtp_host=$2; shift 2 ;;
    --smtp-port) need_value "$@"; smtp_port=$2; shift 2 ;;
    --smtp-tls) need_value "$@"; smtp_tls=$2; shift 2 ;;
    --smtp-user) need_value "$@"; smtp_user=$2; shift 2 ;;
    --smtp-password-file) need_value "$@"; smtp_password_file=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done
[[ $server_name =~ ^(_|[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)$ ]] ||
    { say "--server-name must be a host name or _"; exit 2; }
[[ -z $port || $port =~ ^[1-9][0-9]{0,4}$ && $port -le 65535 ]] ||
    { say "--port must be a TCP port number"; exit 2; }
[[ $keep =~ ^[1-9][0-9]?$ && $keep -ge 2 ]] || { say "--keep must be a number from 2 to 99"; exit 2; }
if [[ -n $tls_certificate$tls_key ]]; then
    [[ -n $tls_certificate && -n $tls_key ]] || { say "--tls-certificate and --tls-key go together"; exit 2; }
    check_path --tls-certificate "$tls_certificate"
    check_path --tls-key "$tls_key"
fi
port=${port:-$([[ -n $tls_certificate ]] && echo 443 || echo 80)}
[[ $db_port =~ ^[1-9][0-9]{0,4}$ && $db_port -le 65535 ]] || { say "--db-port must be a TCP port number"; exit 2; }
for name in "$db_name" "$db_user" "$db_admin_user"; do
    [[ $name =~ ^[A-Za-z0-9_]{1,64}$ ]] || { say "database and account names may only hold letters, digits and _"; exit 2; }
done
if [[ -n $db_host ]]; then
    [[ $db_host =~ ^[A-Za-z0-9.:-]+(,[A-Za-z0-9.:-]+)*$ ]] ||
        { say "--db-host must be host names or addresses, separated by commas"; exit 2; }
    [[ -f $db_password_file && -f $db_admin_password_file ]] ||
        { say "--db-host needs --db-password-file and --db-admin-password-file (files)"; exit 2; }
fi
if [[ -n $db_tls_ca ]]; then
    [[ -n $db_host && -f $db_tls_ca ]] || { say "--db-tls-ca needs --db-host and a CA certificate file"; exit 2; }
fi
# Values written into the configuration with sed (fill_template): none of | & \ or a line break.
for value in "$site_url" "$mail_from" "$smtp_user"; do
    [[ $value != *[$'|&\\\n\r']* ]] || { say "--site-url, --mail-from and --smtp-user may not hold | & \\ or line breaks"; exit 2; }
done
[[ -z $site_url || $site_url =~ ^https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[1-9][0-9]{0,4})?/?$ ]] ||
    { say "--site-url must be http:// or https:// with a host name and maybe a port, and no path"; exit 2; }
site_url=${site_url%/}
plain_address='^[A-Za-z0-9._%+=-]+@[A-Za-z0-9.-]+$'
named_address='^[^<>"]+ <[A-Za-z0-9._%+=-]+@[A-Za-z0-9.-]+>$'
[[ -z $mail_from || $mail_from =~ $plain_address || $mail_from =~ $named_address ]] ||
    { say "--mail-from must be 'Name <name@host>' or name@host"; exit 2; }
[[ $smtp_host =~ ^[A-Za-z0-9.:-]+$ ]] || { say "--smtp-host must be a host name or an address"; exit 2; }
[[ $smtp_port =~ ^[1-9][0-9]{0,4}$ && $smtp_port -le 65535 ]] || { say "--smtp-port must be a TCP port number"; exit 2; }
[[ $smtp_tls =~ ^(none|starttls|tls)$ ]] || { say "--smtp-tls must be none, starttls or tls"; exit 2; }
[[ -z $smtp_user || $smtp_user =~ ^[A-Za-z0-9._%+=@-]+$ ]] ||
    { say "--smtp-user may only hold letters, digits and . _ % + = @ -"; exit 2; }
if [[ -n $smtp_user$smtp_password_file ]]; then
    [[ -n $smtp_user && -f $smtp_password_file ]] ||
        { say "--smtp-user and --smtp-password-file (a file) go together"; exit 2; }
fi

((EUID == 0)) || die "run me as root (sudo $0)"
VERSION=$(<"$RELEASE_DIR/VERSION")
[[ $VERSION =~ ^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$ ]] || die "$RELEASE_DIR/VERSION is not a version"
if ! grep -qx 'VERSION_ID="12"' /etc/os-release 2>/dev/null; then
    say "warning: this is not Debian 12, the system this release was built and tested for"
fi

ensure_user() {
    getent passwd "$APP_USER" >/dev/null && return 0
    say "creating the system user $APP_USER"
    useradd --system --user-group --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin "$APP_USER"
}

# --- The release: copied once, never changed afterwards. ---
install_release() {
    local dest=$RELEASES_DIR/$VERSION
    if [[ -d $dest ]]; then
        diff -r -q -- "$RELEASE_DIR" "$dest" >/dev/null ||
            die "$dest exists with other content; a version is never reused (remove it if it is not current)"
        return 0
    fi
    say "copying release $VERSION to $dest"
    mkdir -p -- "$RELEASES_DIR"
    rm -rf -- "$dest.new"
    cp -R -- "$RELEASE_DIR" "$dest.new"
    chown -R root:root -- "$dest.new"
    chmod -R u=rwX,go=rX -- "$dest.new"
    mv -T -- "$dest.new" "$dest"
}

# --- Configuration and secrets, written on the first install only. ---
# Prints the site's address as nginx serves it: https with a certificate, the server name
# when there is one (else this host), the port unless it is the scheme's own.
default_site_url() {
    local name=$1 port=$2 certificate=$3 scheme=http standard=80
    [[ -z $certificate ]] || { scheme=https; standard=443; }
    [[ $name != _ ]] || name=127.0.0.1
    if ((port == standard)); then
        printf '%s://%s\n' "$scheme" "$name"
    else
        printf '%s://%s:%s\n' "$scheme" "$name" "$port"
    fi
}

# A configuration from a release before mail may have no site_url (HTTPS sites had it empty),
# which the reset pages refuse to start without: filled in from how nginx serves the site.
add_site_url_on_upgrade() {
    local url
    url=$(config_value "$CONFIG_FILE" site_url "")
    [[ -z $url ]] || return 0
    url=$(default_site_url "$(config_value "$CONFIG_FILE" server_name _)" \
        "$(config_value "$CONFIG_FILE" listen_port 80)" \
        "$(config_value "$CONFIG_FILE" tls_certificate_file "")")
    say "setting site_url = $url in $CONFIG_FILE (the origin of the links in mail: change it if users reach the site elsewhere)"
    if grep -Eq '^[[:space:]]*site_url[[:space:]]*=' -- "$CONFIG_FILE"; then
        sed -i -E "s|^[[:space:]]*site_url[[:space:]]*=.*|site_url = $url|" -- "$CONFIG_FILE"
    else
        printf '\n# The site'"'"'s public address, the origin of every link in mail (added on upgrade).\nsite_url = %s\n' \
            "$url" >>"$CONFIG_FILE"
    fi
}

write_configuration() {
    install -d -m 0750 -o root -g "$APP_USER" -- "$CONF_DIR"
    if [[ ! -e $CONFIG_FILE && -n $db_host ]]; then
        # The passwords of a remote database are given, not made; copied so the given files
        # can go, and so the route programs (db_password) and root alone (the admin's) read them.
        install -m 0600 -o "$APP_USER" -g "$APP_USER" -- "$db_password_file" "$CONF_DIR/db_password"
        install -m 0600 -o root -g root -- "$db_admin_password_file" "$CONF_DIR/db_admin_password"
        [[ -z $db_tls_ca ]] || install -m 0644 -o root -g root -- "$db_tls_ca" "$CONF_DIR/db-ca.pem"
    fi
    ensure_secret "$CONF_DIR/secret_key" 32
    chown "$APP_USER:$APP_USER" -- "$CONF_DIR/secret_key"
    ensure_secret "$CONF_DIR/two_factor_key" 32
    chown "$APP_USER:$APP_USER" -- "$CONF_DIR/two_factor_key"
    # A configuration from a release before two-factor sign-in lacks its key's setting.
    if [[ -e $CONFIG_FILE ]] && ! grep -Eq '^two_factor_key_file *=' -- "$CONFIG_FILE"; then
        say "adding two_factor_key_file to $CONFIG_FILE"
        printf '\n# Encrypts two-factor secrets in the database (added on upgrade).\ntwo_factor_key_file = %s\n' \
            "$CONF_DIR/two_factor_key" >>"$CONFIG_FILE"
    fi
    local remote_host=$db_host
    [[ -e $CONFIG_FILE ]] && remote_host=$(config_value "$CONFIG_FILE" db_host "")
    if [[ -z $remote_host ]]; then
        ensure_secret "$CONF_DIR/db_password" 16
        chown "$APP_USER:$APP_USER" -- "$CONF_DIR/db_password"
    fi
    if [[ -e $CONFIG_FILE ]]; then
        add_site_url_on_upgrade
        return 0
    fi
    say "writing $CONFIG_FILE"
    if [[ -n $smtp_password_file ]]; then
        # Copied so the given file can go; the mailer alone reads it.
        install -m 0600 -o "$APP_USER" -g "$APP_USER" -- "$smtp_password_file" "$CONF_DIR/smtp_password"
    fi
    # site_url: the origin of every link in mail, and what microblog-admin check fetches /login
    # from (over HTTPS without checking the certificate); never empty.
    local https=false
    [[ -n $tls_certificate ]] && https=true
    if [[ -z $site_url ]]; then
        site_url=$(default_site_url "$server_name" "$port" "$tls_certificate")
        [[ $server_name != _ ]] ||
            say "warning: links in mail point at $site_url, this host only: give --site-url (or set site_url)"
    fi
    if [[ -z $mail_from ]]; then
        local mail_domain=$server_name
        [[ $mail_domain != _ ]] || mail_domain=$(hostname --fqdn 2>/dev/null || uname -n)
        [[ $mail_domain =~ ^[A-Za-z0-9.-]+$ ]] || mail_domain=localhost
        mail_from="Microblog <microblog@$mail_domain>"
    fi
    local password_file=''
    [[ -z $smtp_password_file ]] || password_file=$CONF_DIR/smtp_password
    local socket=$DB_SOCKET admin_password_file='' tls_ca_file=''
    [[ -n $db_host ]] && socket= && admin_password_file=$CONF_DIR/db_admin_password
    [[ -n $db_tls_ca ]] && tls_ca_file=$CONF_DIR/db-ca.pem
    # Passkeys need a host name served over HTTPS (browsers refuse IP addresses and plain HTTP
    # except on localhost): on for --server-name with a certificate, off otherwise.
    local webauthn_rp_id='' webauthn_origin=''
    if [[ $server_name != _ && -n $tls_certificate ]]; then
        webauthn_rp_id=$server_name
        webauthn_origin=https://$server_name
        ((port != 443)) && webauthn_origin+=":$port"
    fi
    fill_template "$RELEASE_DIR/deploy/microblog.conf.in" "$CONFIG_FILE" \
        "DB_SOCKET=$socket" "DB_HOST=$db_host" "DB_PORT=$db_port" "DB_TLS_CA_FILE=$tls_ca_file" \
        "DB_TIMEOUT_SECONDS=$(db_timeout_for "$db_host")" \
        "DB_NAME=$db_name" \
        "DB_USER=$db_user" "DB_ADMIN_PASSWORD_FILE=$admin_password_file" \
        "SECRETS_DIR=$CONF_DIR" "APP_DIR=$CURRENT_LINK" "DB_ADMIN=$db_admin_user" \
        "HTTPS=$https" "WORKERS=0" "SOCKET_DIR=/run/microblog" \
        "SITE_URL=$site_url" "SERVER_NAME=$server_name" "LISTEN_PORT=$port" \
        "TLS_CERTIFICATE=$tls_certificate" "TLS_KEY=$tls_key" \
        "WEBAUTHN_RP_ID=$webauthn_rp_id" "WEBAUTHN_ORIGIN=$webauthn_origin" \
        "MAIL_TRANSPORT=smtp" "MAIL_DIR=" "MAIL_FROM=$mail_from" \
        "SMTP_HOST=$smtp_host" "SMTP_PORT=$smtp_port" "SMTP_TLS=$smtp_tls" "SMTP_USER=$smtp_user" \
        "SMTP_PASSWORD_FILE=$password_file"
    chown "root:$APP_USER" -- "$CONFIG_FILE"
    chmod 0640 -- "$CONFIG_FILE"
}

# --- The database: a local MariaDB, its database and the application's account (a remote one
# has them already), then the migrations. ---
setup_database_and_migrate() {
    local remote_host
    remote_host=$(config_value "$CONFIG_FILE" db_host "")
    if [[ -z $remote_host ]]; then
        setup_local_database
    fi
    # Before the switch: the running release must work with the new schema (migrations only add).
    "$RELEASES_DIR/$VERSION/bin/microblog-admin" --config "$CONFIG_FILE" migrate \
        --sql-dir "$RELEASES_DIR/$VERSION/sql" >&2 || die "the migrations failed"
}

setup_local_database() {
    systemctl enable --quiet mariadb
    systemctl is-active --quiet mariadb || systemctl start mariadb || die "MariaDB did not start"
    local socket admin name account
    socket=$(config_value "$CONFIG_FILE" db_socket "$DB_SOCKET")
    admin=$(config_value "$CONFIG_FILE" db_admin_user root)
    name=$(config_value "$CONFIG_FILE" db_name microblog)
    account=$(config_value "$CONFIG_FILE" db_user microblog)
    setup_database "$socket" "$admin" "$name" "$account" "$(<"$CONF_DIR/db_password")"
}

# Sets units_changed to 1 when a unit file changed.
install_units() {
    local unit
    for unit in "$RELEASE_DIR"/deploy/systemd/*; do
        install_if_changed units_changed "$unit" "$UNIT_DIR/$(basename -- "$unit")" 0644
    done
    if [[ -n $units_changed ]]; then
        systemctl daemon-reload
    fi
    local route sockets=()
    for route in "${ROUTES[@]}"; do
        sockets+=("microblog@$route.socket")
    done
    systemctl enable --quiet microblog.target "${sockets[@]}" "$MAILER_UNIT"
    systemctl start "${sockets[@]}"
}

# The mailer has no socket: while it restarts, mail waits in the outbox.
start_mailer() {
    local action=$1
    systemctl reset-failed "$MAILER_UNIT" 2>/dev/null || true
    [[ $action == start ]] || say "restarting $MAILER_UNIT"
    systemctl "$action" "$MAILER_UNIT"
    systemctl is-active --quiet "$MAILER_UNIT" || die "$MAILER_UNIT did not start: journalctl -u $MAILER_UNIT"
}

# The default relay is this host's own MTA: say so when none answers (mail then waits in the
# outbox, and is marked failed after mail_retry_hours).
warn_without_relay() {
    local host port
    host=$(config_value "$CONFIG_FILE" smtp_host 127.0.0.1)
    port=$(config_value "$CONFIG_FILE" smtp_port 25)
    [[ $host == 127.0.0.1 || $host == localhost ]] || return 0
    [[ $port =~ ^[0-9]+$ ]] || return 0
    # The child bash expands $0 and $1, the address and port given after the script.
    # shellcheck disable=SC2016
    if ! timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null; then
        say "warning: no mail server answers on $host:$port, so no mail leaves this host: install one (apt-get install exim4-daemon-light) or give a relay (smtp_host)"
    fi
}

# Sets release_changed to 1 when current pointed at another release (or at none).
switch_current() {
    local target
    target=$(readlink -- "$CURRENT_LINK" 2>/dev/null || true)
    [[ $target != "releases/$VERSION" ]] || return 0
    say "switching $CURRENT_LINK to $VERSION"
    ln -sfn -- "releases/$VERSION" "$CURRENT_LINK.new"
    mv -T -- "$CURRENT_LINK.new" "$CURRENT_LINK"
    ln -sfn -- "$CURRENT_LINK/bin/microblog-admin" "$ADMIN_LINK"
    release_changed=1
}

# The listen directives (listen.conf) and the servers beside the site (other-servers.conf):
# plain HTTP, or HTTPS with plain HTTP on port 80 redirecting to it.
write_listen_conf() {
    local output=$1 others=$2 port tls_cert tls_key
    port=$(config_value "$CONFIG_FILE" listen_port 80)
    tls_cert=$(config_value "$CONFIG_FILE" tls_certificate_file "")
    tls_key=$(config_value "$CONFIG_FILE" tls_key_file "")
    local server_name default=
    server_name=$(config_value "$CONFIG_FILE" server_name _)
    [[ $server_name != _ ]] || default=" default_server"
    {
        if [[ -n $tls_cert ]]; then
            printf 'listen %s ssl%s;\nlisten [::]:%s ssl%s;\n' "$port" "$default" "$port" "$default"
            printf 'ssl_certificate %s;\nssl_certificate_key %s;\n' "$tls_cert" "$tls_key"
            printf 'ssl_protocols TLSv1.2 TLSv1.3;\n'
        else
            printf 'listen %s%s;\nlisten [::]:%s%s;\n' "$port" "$default" "$port" "$default"
        fi
    } >"$output"
    if [[ -n $tls_cert ]]; then
        # $host is nginx's variable (the name the client asked for), not the shell's.
        # shellcheck disable=SC2016
        printf 'server {\n    listen 80%s;\n    listen [::]:80%s;\n    server_name %s;\n    server_tokens off;\n    charset utf-8;\n    include %s/security-headers.conf;\n    return 301 https://$host%s$request_uri;\n}\n' \
            "$default" "$default" "$server_name" "$NGINX_SNIPPETS" \
            "$([[ $port == 443 ]] || printf ':%s' "$port")" >"$others"
    else
        printf '# none: the site serves plain HTTP\n' >"$others"
    fi
}

# nginx: the site and its snippets, checked before nginx is told; a rejected configuration is
# put back as it was, so a running site keeps running.
install_nginx_site() {
    local stage server_name changed=
    stage=$(mktemp -d)
    server_name=$(config_value "$CONFIG_FILE" server_name _)
    check_path "the server name" "/$server_name"
    nginx_limits "$CONFIG_FILE"
    for template in "$CURRENT_LINK"/nginx/*.conf; do
        fill_template "$template" "$stage/$(basename -- "$template")" \
            "CONF_DIR=$NGINX_SNIPPETS" "RUN_DIR=/run/microblog" "STATIC_DIR=$CURRENT_LINK/static" \
            "SERVER_NAME=$server_name" "ACCESS_LOG=/var/log/nginx/microblog-access.log" \
            "ERROR_LOG=/var/log/nginx/microblog-error.log" "${NGINX_LIMITS[@]}"
    done
    write_listen_conf "$stage/listen.conf" "$stage/other-servers.conf"
    write_real_ip_conf "$CONFIG_FILE" "$stage/real-ip.conf"
    mkdir -p -- "$NGINX_SNIPPETS"
    local backup
    backup=$(mktemp -d)
    cp -a -- "$NGINX_SNIPPETS/." "$backup/" 2>/dev/null || true
    [[ -f $NGINX_SITE ]] && cp -a -- "$NGINX_SITE" "$backup/site"
    for file in "$stage"/*.conf; do
        [[ $(basename -- "$file") == microblog.conf ]] && continue
        install_if_changed changed "$file" "$NGINX_SNIPPETS/$(basename -- "$file")" 0644
    done
    install_if_changed changed "$stage/microblog.conf" "$NGINX_SITE" 0644
    if [[ $(readlink -- "$NGINX_ENABLED" 2>/dev/null) != "$NGINX_SITE" ]]; then
        ln -sfn -- "$NGINX_SITE" "$NGINX_ENABLED"
        changed=1
    fi
    # Debian's placeholder site claims the default server too; ours takes its place.
    if [[ $server_name == _ && -L /etc/nginx/sites-enabled/default ]]; then
        say "disabling Debian's placeholder site (sites-enabled/default): this site answers any name"
        rm -f -- /etc/nginx/sites-enabled/default
        changed=1
    fi
    rm -rf -- "$stage"
    local verdict
    if ! verdict=$(nginx -t -q 2>&1); then
        printf '%s\n' "$verdict" >&2
        cp -a -- "$backup/." "$NGINX_SNIPPETS/"
        rm -f -- "$NGINX_SNIPPETS/site"
        [[ -f $backup/site ]] && cp -a -- "$backup/site" "$NGINX_SITE"
        rm -rf -- "$backup"
        die "nginx rejected the new site configuration; the previous one is back in place"
    fi
    rm -rf -- "$backup"
    systemctl enable --quiet nginx
    if ! systemctl is-active --quiet nginx; then
        systemctl start nginx || die "nginx did not start"
    elif [[ -n $changed ]]; then
        say "reloading nginx"
        systemctl reload nginx
    fi
}

start_routes() {
    local route
    for route in "${ROUTES[@]}"; do
        systemctl reset-failed "microblog@$route.service" 2>/dev/null || true
        systemctl start "microblog@$route.service"
    done
}

prune_releases() {
    local current previous version
    current=$(readlink -- "$CURRENT_LINK")
    current=${current#releases/}
    previous=$(awk -v cur="$current" '$2 != cur { prev = $2 } END { print prev }' "$HISTORY_FILE" 2>/dev/null || true)
    local versions=()
    mapfile -t versions < <(ls -1t -- "$RELEASES_DIR")
    local index=0
    for version in "${versions[@]}"; do
        index=$((index + 1))
        ((index > keep)) || continue
        [[ $version == "$current" || $version == "$previous" || $version == *.new ]] && continue
        say "removing old release $version"
        rm -rf -- "${RELEASES_DIR:?}/$version"
    done
}

# The sign-in page through nginx on this host, under the site's own name and scheme (the
# certificate is not checked: this is about nginx and the programs, not about trust).
check_site_page() {
    local port name certificate scheme=http page
    port=$(config_value "$CONFIG_FILE" listen_port 80)
    name=$(config_value "$CONFIG_FILE" server_name _)
    [[ $name != _ ]] || name=localhost
    certificate=$(config_value "$CONFIG_FILE" tls_certificate_file "")
    [[ -z $certificate ]] || scheme=https
    page=$(curl -fsSk --max-time 10 --resolve "$name:$port:127.0.0.1" -- "$scheme://$name:$port/login") ||
        die "$scheme://$name:$port/login does not answer on this host"
    [[ $page == *'name="csrf_token"'* ]] || die "$scheme://$name:$port/login is not the sign-in page"
}

# Only a release that passed its check is one rollback.sh may go back to; installed again, it is
# recorded once, so the line before it is the release before it.
record_history() {
    local last=
    if [[ -f $HISTORY_FILE ]]; then
        last=$(tail -n 1 -- "$HISTORY_FILE")
    fi
    [[ ${last#* } != "$VERSION" ]] || return 0
    printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$VERSION" >>"$HISTORY_FILE"
}

# Each step runs as a plain command, so set -e stops the install at the first failing command
# in it; the trap then says which step that was.
step() {
    current_step=$1
    shift
    "$@"
}
say_where_it_stopped() {
    local status=$?
    if ((status != 0)); then
        say "stopped while $current_step (exit status $status); the steps after it did not run"
    fi
}
current_step="starting"
trap say_where_it_stopped EXIT

units_changed=
release_changed=
step "installing the runtime packages" install_missing_packages "$RELEASE_DIR/deploy/runtime-packages.txt"
step "creating the system user" ensure_user
step "copying the release" install_release
step "writing the configuration" write_configuration
step "setting up the database and its migrations" setup_database_and_migrate
step "installing the systemd units" install_units
step "switching to the release" switch_current
step "installing the nginx site" install_nginx_site
if [[ -n $release_changed || -n $units_changed || $CONFIG_FILE -nt $BASE_DIR/.installed ]]; then
    step "restarting the route programs" restart_routes
    step "restarting the mailer" start_mailer restart
else
    step "starting the route programs" start_routes
    step "starting the mailer" start_mailer start
fi
step "starting microblog.target" systemctl start microblog.target
touch -- "$BASE_DIR/.installed"
step "removing old releases" prune_releases
current_step="checking the site"
"$ADMIN_LINK" --config "$CONFIG_FILE" check >&2 || die "the site does not pass microblog-admin check"
step "checking the site" check_site_page
step "looking for the mail relay" warn_without_relay
step "recording the release in $HISTORY_FILE" record_history
say "Microblog $VERSION is installed"
