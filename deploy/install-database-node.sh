#!/usr/bin/env bash
# Installs or updates a database node of the Galera cluster that several app hosts share.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: deploy/install-database-node.sh [options]     (as root, from an unpacked release)
       deploy/install.sh --database-node [options]   (the same)

Makes this Debian 12 host a MariaDB Galera node of the cluster (docs/scaling.md):
  - installs the missing packages (deploy/database-node-packages.txt);
  - copies the TLS files to /etc/mysql/microblog-tls/ and writes
    /etc/mysql/mariadb.conf.d/70-microblog-galera.cnf from deploy/galera-node.cnf.in: the node
    listens on its cluster address only, with TLS for clients, for replication and for the
    state transfer to a joining node;
  - starts a new cluster (--bootstrap), or joins the running one, and waits until the node is
    synced;
  - with the password files, creates the database, the application's account (rows only) and
    the migrations' account, both allowed over TLS only. Galera copies them to every node, so
    give them on one node.
Running it again changes nothing that is already right; a changed setting restarts MariaDB.

Required:
  --cluster-address A,B,C       the address of every node of the cluster, this one's included
  --node-address ADDRESS        this node's address, one of them
  --tls-ca FILE                 the CA certificate the nodes and the app hosts trust
  --tls-certificate FILE        this node's certificate (naming its address), signed by that CA
  --tls-key FILE                ... and its key
Options:
  --bootstrap                   start a new cluster with this node: the first node, once. Never
                                on a node of a cluster that is running (see docs/scaling.md)
  --cluster-name NAME           the cluster's name, the same on every node (default microblog)
  --node-name NAME              this node's name in the cluster's logs (default: the host name)
  --db-name NAME                the database (default microblog)
  --db-user NAME                the application's account (default microblog)
  --db-password-file FILE       a file holding its password
  --db-admin-user NAME          the migrations' account (default microblog_admin)
  --db-admin-password-file FILE a file holding its password
  -h, --help                    this text
Exit status: 0 installed and synced, 1 failed (the message says where), 2 bad usage.
USAGE
}

say() {
    printf 'install-database-node: %s\n' "$*" >&2
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

usage_error() {
    say "$1"
    exit 2
}

RELEASE_DIR=$(cd -- "$(dirname -- "$0")/.." && pwd -P)
# shellcheck source=deploy/lib/steps.sh
source "$RELEASE_DIR/deploy/lib/steps.sh"

CONFIG_FILE=/etc/mysql/mariadb.conf.d/70-microblog-galera.cnf
TLS_DIR=/etc/mysql/microblog-tls
SOCKET=/run/mysqld/mysqld.sock
# A joining node's full state transfer may take long on a big database; systemd waits up to
# 15 minutes for it (Debian's mariadb.service), and this script a minute more.
SYNC_TIMEOUT_SECONDS=960

cluster_address=
node_address=
tls_ca=
tls_certificate=
tls_key=
bootstrap=
cluster_name=microblog
node_name=$(hostname -s)
db_name=microblog
db_user=microblog
db_password_file=
db_admin_user=microblog_admin
db_admin_password_file=
while (($# > 0)); do
    case $1 in
    --cluster-address) need_value "$@"; cluster_address=$2; shift 2 ;;
    --node-address) need_value "$@"; node_address=$2; shift 2 ;;
    --tls-ca) need_value "$@"; tls_ca=$2; shift 2 ;;
    --tls-certificate) need_value "$@"; tls_certificate=$2; shift 2 ;;
    --tls-key) need_value "$@"; tls_key=$2; shift 2 ;;
    --bootstrap) bootstrap=1; shift ;;
    --cluster-name) need_value "$@"; cluster_name=$2; shift 2 ;;
    --node-name) need_value "$@"; node_name=$2; shift 2 ;;
    --db-name) need_value "$@"; db_name=$2; shift 2 ;;
    --db-user) need_value "$@"; db_user=$2; shift 2 ;;
    --db-password-file) need_value "$@"; db_password_file=$2; shift 2 ;;
    --db-admin-user) need_value "$@"; db_admin_user=$2; shift 2 ;;
    --db-admin-password-file) need_value "$@"; db_admin_password_file=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done

check_options() {
    local address_list='^[A-Za-z0-9.:-]+(,[A-Za-z0-9.:-]+)*$'
    [[ $cluster_address =~ $address_list ]] ||
        usage_error "--cluster-address must be host names or addresses, separated by commas"
    [[ ,$cluster_address, == *",$node_address,"* && -n $node_address ]] ||
        usage_error "--node-address must be one of the --cluster-address entries"
    [[ -f $tls_ca && -f $tls_certificate && -f $tls_key ]] ||
        usage_error "--tls-ca, --tls-certificate and --tls-key must name files"
    [[ $cluster_name =~ ^[A-Za-z0-9_.-]{1,32}$ && $node_name =~ ^[A-Za-z0-9_.-]{1,64}$ ]] ||
        usage_error "cluster and node names may only hold letters, digits and _ . -"
    for name in "$db_name" "$db_user" "$db_admin_user"; do
        [[ $name =~ ^[A-Za-z0-9_]{1,64}$ ]] ||
            usage_error "database and account names may only hold letters, digits and _"
    done
    if [[ -n $db_password_file$db_admin_password_file ]]; then
        [[ -f $db_password_file && -f $db_admin_password_file ]] ||
            usage_error "--db-password-file and --db-admin-password-file go together (files)"
    fi
}

# Sets configuration_changed to 1 when it changed a file MariaDB reads at start.
install_configuration() {
    local written='' stage
    install -d -m 0750 -o root -g mysql -- "$TLS_DIR"
    install_if_changed configuration_changed "$tls_ca" "$TLS_DIR/ca.pem" 0644 root:mysql
    install_if_changed configuration_changed "$tls_certificate" "$TLS_DIR/node.pem" 0644 root:mysql
    install_if_changed configuration_changed "$tls_key" "$TLS_DIR/node.key" 0640 root:mysql
    stage=$(mktemp)
    fill_template "$RELEASE_DIR/deploy/galera-node.cnf.in" "$stage" \
        "CLUSTER_NAME=$cluster_name" "CLUSTER_ADDRESS=$cluster_address" \
        "NODE_ADDRESS=$node_address" "NODE_NAME=$node_name" \
        "TLS_CA=$TLS_DIR/ca.pem" "TLS_CERT=$TLS_DIR/node.pem" "TLS_KEY=$TLS_DIR/node.key"
    install_if_changed written "$stage" "$CONFIG_FILE" 0644
    if [[ -n $written ]]; then
        say "wrote $CONFIG_FILE"
        configuration_changed=1
    fi
    rm -f -- "$stage"
}

# The value of the status variable $1; empty while MariaDB does not answer.
status_value() {
    local row
    row=$(mariadb --no-defaults --socket="$SOCKET" -u root -N -B \
        -e "SHOW GLOBAL STATUS LIKE '$1'" 2>/dev/null) || row=
    [[ $row != *$'\t'* ]] || printf '%s\n' "${row#*$'\t'}"
}

# Sets synced to 1 when this node is synced in the cluster's primary component, else empty.
read_sync_state() {
    local state cluster
    state=$(status_value wsrep_local_state_comment)
    cluster=$(status_value wsrep_cluster_status)
    synced=
    if [[ $state == Synced && $cluster == Primary ]]; then
        synced=1
    fi
}

# A second cluster beside a running one would split the data for good: a node that answers on
# Galera's port means this one must join it.
refuse_bootstrap_beside_a_running_node() {
    local address
    for address in ${cluster_address//,/ }; do
        [[ $address == "$node_address" ]] && continue
        # shellcheck disable=SC2016  # $1 is the inner shell's
        if timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/4567"' _ "$address" 2>/dev/null; then
            die "the node at $address is running the cluster: join it (leave out --bootstrap)"
        fi
    done
}

# A new cluster from this node, or this node into the running one (a full or incremental state
# transfer, which systemd's start waits for).
start_node() {
    if [[ -n $bootstrap ]] && ((${cluster_size:-0} < 2)); then
        refuse_bootstrap_beside_a_running_node
        say "starting a new cluster $cluster_name from this node"
        systemctl stop mariadb
        galera_new_cluster || die "MariaDB did not start a new cluster (journalctl -u mariadb)"
    else
        say "(re)starting MariaDB to join the cluster $cluster_name at $cluster_address"
        systemctl restart mariadb || die "MariaDB did not join the cluster (journalctl -u mariadb)"
    fi
    systemctl enable --quiet mariadb
}

wait_synced() {
    local waited=0
    read_sync_state
    until [[ -n $synced ]]; do
        ((waited < SYNC_TIMEOUT_SECONDS)) || die "this node is not synced after $SYNC_TIMEOUT_SECONDS s"
        sleep 1
        waited=$((waited + 1))
        read_sync_state
    done
}

# The passwords are written into SQL, so only characters that mean nothing there are taken.
read_password() {
    local value
    value=$(<"$1")
    value=${value%$'\n'}
    [[ $value =~ ^[A-Za-z0-9._~+/=-]{16,128}$ ]] ||
        die "$1 must hold 16 to 128 letters, digits or . _ ~ + / = -"
    printf '%s' "$value"
}

# The accounts live in the cluster (Galera copies them); ALTER USER keeps their passwords equal
# to the files even if either changed.
create_accounts() {
    local app_password admin_password
    app_password=$(read_password "$db_password_file")
    admin_password=$(read_password "$db_admin_password_file")
    mariadb --no-defaults --socket="$SOCKET" -u root --batch <<SQL || die "could not create the database $db_name or its accounts"
CREATE DATABASE IF NOT EXISTS $db_name CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;
CREATE USER IF NOT EXISTS '$db_user'@'%' IDENTIFIED BY '$app_password' REQUIRE SSL;
ALTER USER '$db_user'@'%' IDENTIFIED BY '$app_password' REQUIRE SSL;
GRANT SELECT, INSERT, UPDATE, DELETE ON $db_name.* TO '$db_user'@'%';
CREATE USER IF NOT EXISTS '$db_admin_user'@'%' IDENTIFIED BY '$admin_password' REQUIRE SSL;
ALTER USER '$db_admin_user'@'%' IDENTIFIED BY '$admin_password' REQUIRE SSL;
GRANT ALL ON $db_name.* TO '$db_admin_user'@'%';
SQL
}

check_options
((EUID == 0)) || die "run me as root (sudo $0)"
install_missing_packages "$RELEASE_DIR/deploy/database-node-packages.txt"
configuration_changed=
install_configuration
cluster_size=
read_sync_state
if [[ -n $synced ]]; then
    cluster_size=$(status_value wsrep_cluster_size)
fi
if [[ -n $configuration_changed || -z $cluster_size ]]; then
    start_node
fi
wait_synced
if [[ -n $db_password_file ]]; then
    create_accounts
fi
say "node $node_name is synced in the cluster $cluster_name of $(status_value wsrep_cluster_size) nodes"
