#!/usr/bin/env bash
# Loads a backup made by deploy/backup.sh into Microblog's database, then brings its schema up to
# date with microblog-admin migrate.
set -euo pipefail

export LC_ALL=C
umask 077

CONFIG_FILE=/etc/microblog/microblog.conf
REPLACE=
END_SESSIONS=
DUMP=
SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)

usage() {
    cat <<'EOF'
Usage: restore.sh [--config FILE] [--replace] [--end-sessions] BACKUP

Restores BACKUP (a DB_NAME-*.sql.gz from backup.sh, or any gzip'd mariadb-dump of one Microblog
database made without --databases) into the database that FILE names (db_name):

  1. checks BACKUP: a whole gzip file holding a complete dump with the users table;
  2. refuses (exit 1) if the database exists and holds tables, unless --replace is given, which
     drops it and everything in it first;
  3. creates the database if missing (utf8mb4, collation utf8mb4_nopad_bin) and loads BACKUP;
  4. keeps or ends the signed-in sessions in it (below);
  5. gives the application account db_user@localhost exactly SELECT, INSERT, UPDATE, DELETE on
     the database (the account must exist: deploy/install.sh or make run creates it);
  6. applies the migrations newer than the backup with microblog-admin --config FILE migrate:
     $MICROBLOG_ADMIN if set, else the release's bin/microblog-admin (../bin from this script's
     folder), else the checkout's build/bin/microblog-admin.

Sessions: the cookies of the sessions in a backup are signed with the secret key of the site
that made it. backup.sh records a fingerprint of that key; when it equals the fingerprint of
FILE's secret_key_file, the sessions are kept, so a restore on the same site leaves signed-in
users signed in. Otherwise every session is ended: under another key their cookies could never
be valid, and without both fingerprints there is no telling. --end-sessions ends them all in
any case: after a break-in, or so that no session signed out since the backup comes back.

It connects over db_socket as db_admin_user, which logs in as the operating-system user of the
same name: run it as that user (on a host, root). The site may keep running, but answers errors
while the database is being replaced; stop it first for a quiet restore.

  --config FILE     the configuration file (default /etc/microblog/microblog.conf)
  --replace         drop and recreate the database if it holds tables (its contents are lost:
                    back it up first)
  --end-sessions    sign everyone out, whatever the secret keys
  --help            show this help
EOF
}

# shellcheck source=deploy/lib/database_scripts.sh
source "$(dirname -- "$0")/lib/database_scripts.sh"

# --- Options. ---
while (($# > 0)); do
    case $1 in
    --help | -h)
        usage
        exit 0
        ;;
    --config)
        (($# >= 2)) || usage_error "--config needs a file"
        CONFIG_FILE=$2
        shift 2
        ;;
    --config=*) CONFIG_FILE=${1#*=} && shift ;;
    --replace) REPLACE=1 && shift ;;
    --end-sessions) END_SESSIONS=1 && shift ;;
    --)
        shift
        break
        ;;
    -*) usage_error "unknown option '$1'" ;;
    *)
        [[ -z $DUMP ]] || usage_error "give one backup file, not '$DUMP' and '$1'"
        DUMP=$1
        shift
        ;;
    esac
done
if (($# > 0)); then
    [[ -z $DUMP && $# -eq 1 ]] || usage_error "give one backup file"
    DUMP=$1
fi
[[ -n $DUMP ]] || usage_error "which backup? give its file"
[[ -n $CONFIG_FILE ]] || usage_error "--config needs a file"

read_config "$CONFIG_FILE" db_socket db_name db_user db_admin_user secret_key_file \
    previous_secret_key_file
DB_SOCKET=$(required_setting db_socket '^/' 'an absolute path')
DB_NAME=$(required_setting db_name '^[A-Za-z0-9_]+$' 'letters, digits and _')
DB_USER=$(required_setting db_user '^[A-Za-z0-9_]+$' 'letters, digits and _')
[[ -n ${CONFIG[db_admin_user]+set} ]] || CONFIG[db_admin_user]=root
DB_ADMIN=$(required_setting db_admin_user '^[A-Za-z0-9_][A-Za-z0-9_.-]*$' 'letters, digits and _ . -')

# --- The backup, checked whole before the database is touched. ---
[[ -f $DUMP ]] || die "$DUMP is not a file"
[[ -r $DUMP ]] || die "cannot read $DUMP"
if ! error=$(gzip -t -- "$DUMP" 2>&1); then
    die "$DUMP is not a whole gzip file, so not a backup: ${error:-gzip -t failed}"
fi
# One pass over the text: mariadb-dump's first line near the top, its completion line last, the
# users table, no statement that picks a database of its own (a dump made with --databases would
# load somewhere else than this configuration says), and backup.sh's key fingerprint.
scan=$(gzip -dc -- "$DUMP" | awk '
    NR <= 20 && /^-- (MariaDB|MySQL) dump/ { dump = 1 }
    NR <= 5 && /^-- secret-key-fingerprint: / { fingerprint = $3 }
    /^CREATE TABLE `users` \(/ { users = 1 }
    /^(USE|use) / || /^(CREATE|DROP) (DATABASE|SCHEMA)/ { names_database = 1 }
    { last = $0 }
    END {
        print "dump=" (dump ? 1 : 0)
        print "complete=" (last ~ /^-- Dump completed/ ? 1 : 0)
        print "users=" (users ? 1 : 0)
        print "names_database=" (names_database ? 1 : 0)
        print "fingerprint=" fingerprint
    }') || die "cannot read $DUMP"
declare -A DUMP_INFO=()
while IFS='=' read -r key value; do
    DUMP_INFO[$key]=$value
done <<<"$scan"
[[ ${DUMP_INFO[dump]} == 1 ]] || die "$DUMP is gzip'd but not a mariadb-dump file"
[[ ${DUMP_INFO[complete]} == 1 ]] ||
    die "$DUMP is cut short: it lacks mariadb-dump's closing '-- Dump completed' line"
[[ ${DUMP_INFO[users]} == 1 ]] || die "$DUMP is not a dump of a Microblog database: it has no users table"
[[ ${DUMP_INFO[names_database]} == 0 ]] ||
    die "$DUMP selects or creates a database itself (made with --databases?); restore.sh loads dumps of one database's tables, as backup.sh makes them"
BACKUP_FINGERPRINT=${DUMP_INFO[fingerprint]}
[[ $BACKUP_FINGERPRINT =~ ^[0-9a-f]{64}$ ]] || BACKUP_FINGERPRINT=

# --- What the last step needs, found before anything changes. ---
if [[ -n ${MICROBLOG_ADMIN:-} ]]; then
    ADMIN_PROGRAM=$MICROBLOG_ADMIN
    [[ -f $ADMIN_PROGRAM && -x $ADMIN_PROGRAM ]] ||
        die "MICROBLOG_ADMIN is $ADMIN_PROGRAM, which is not an executable file"
else
    ADMIN_PROGRAM=
    for candidate in "$SCRIPT_DIR/../bin/microblog-admin" "$SCRIPT_DIR/../build/bin/microblog-admin"; do
        if [[ -f $candidate && -x $candidate ]]; then
            ADMIN_PROGRAM=$(cd -- "$(dirname -- "$candidate")" && pwd -P)/microblog-admin
            break
        fi
    done
    [[ -n $ADMIN_PROGRAM ]] ||
        die "cannot find microblog-admin (needed to apply migrations) in $SCRIPT_DIR/../bin or $SCRIPT_DIR/../build/bin; build it (make) or set MICROBLOG_ADMIN"
fi

mariadb_client=(mariadb --no-defaults --socket="$DB_SOCKET" --user="$DB_ADMIN"
    --default-character-set=utf8mb4 --connect-timeout=10 --batch --skip-column-names)

# One statement list: an array, not a function, so that testing its status keeps set -e on.
sql=("${mariadb_client[@]}" -e)

if ! error=$("${sql[@]}" 'SELECT 1' 2>&1 >/dev/null); then
    hint=
    if [[ $(id -un) != "$DB_ADMIN" ]]; then
        hint=" (db_admin_user logs in as the operating-system user of that name: run this as $DB_ADMIN)"
    fi
    die "cannot connect to MariaDB at $DB_SOCKET as $DB_ADMIN$hint: $error"
fi

account=$("${sql[@]}" "SELECT COUNT(*) FROM mysql.user WHERE User = '$DB_USER' AND Host = 'localhost'") ||
    die "could not look up the account '$DB_USER'@'localhost'"
[[ $account == 1 ]] ||
    die "the application account '$DB_USER'@'localhost' does not exist; deploy/install.sh (or make run) creates it"

exists=$("${sql[@]}" "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '$DB_NAME'") ||
    die "could not look up the database $DB_NAME"
tables=$("${sql[@]}" "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$DB_NAME'") ||
    die "could not count the tables of $DB_NAME"

# --- The database: refused, replaced, or made. ---
create="CREATE DATABASE \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin"
if ((tables > 0)); then
    if [[ -z $REPLACE ]]; then
        die "the database $DB_NAME already holds $tables tables; nothing was changed. To drop it and everything in it, and load $DUMP in its place, add --replace"
    fi
    say "dropping the database $DB_NAME ($tables tables) to replace it"
    "${sql[@]}" "DROP DATABASE \`$DB_NAME\`; $create" || die "could not drop and recreate the database $DB_NAME"
elif [[ $exists == 1 ]]; then
    # Empty: nothing to lose, but make its defaults the ones the schema expects.
    "${sql[@]}" "ALTER DATABASE \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin" ||
        die "could not set the character set of the database $DB_NAME"
else
    say "creating the database $DB_NAME"
    "${sql[@]}" "$create" || die "could not create the database $DB_NAME"
fi

say "loading $DUMP into $DB_NAME"
if ! gzip -dc -- "$DUMP" | "${mariadb_client[@]}" "$DB_NAME"; then
    die "loading $DUMP failed (see the message above); $DB_NAME is incomplete: fix the cause and run restore.sh --replace again"
fi

# --- Sessions: kept only where their cookies can still be valid. ---
has_sessions=$("${sql[@]}" "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$DB_NAME' AND TABLE_NAME = 'sessions'") ||
    die "could not look up the sessions table of $DB_NAME"
if [[ $has_sessions == 1 ]]; then
    site_fingerprint=$(secret_key_fingerprint "${CONFIG[secret_key_file]:-}")
    # During a key rotation's grace period, cookies of the previous key still verify too.
    previous_fingerprint=$(secret_key_fingerprint "${CONFIG[previous_secret_key_file]:-}")
    if [[ -n $END_SESSIONS ]]; then
        reason="as --end-sessions asks"
    elif [[ -z $BACKUP_FINGERPRINT ]]; then
        reason="the backup does not record which secret key signed them"
    elif [[ -z $site_fingerprint ]]; then
        reason="cannot read this site's secret_key_file to compare keys"
    elif [[ $site_fingerprint != "$BACKUP_FINGERPRINT" && $previous_fingerprint != "$BACKUP_FINGERPRINT" ]]; then
        reason="they were signed with another secret key than this site's"
    else
        reason=
    fi
    if [[ -n $reason ]]; then
        ended=$("${sql[@]}" "DELETE FROM \`$DB_NAME\`.sessions; SELECT ROW_COUNT()") ||
            die "could not end the sessions in $DB_NAME"
        say "ended all sessions ($ended): $reason"
    else
        kept=$("${sql[@]}" "SELECT COUNT(*) FROM \`$DB_NAME\`.sessions") || die "could not count the sessions in $DB_NAME"
        say "kept the sessions ($kept): the backup was made with this site's secret key (--end-sessions ends them)"
    fi
fi

# --- The application account: exactly these rights on this database, nothing on its tables.
# REVOKE of a right the account lacks is an error, so each grant is first made sure to exist. ---
account_sql="'$DB_USER'@'localhost'"
grants="GRANT SELECT ON \`$DB_NAME\`.* TO $account_sql WITH GRANT OPTION;
REVOKE ALL PRIVILEGES ON \`$DB_NAME\`.* FROM $account_sql;
REVOKE GRANT OPTION ON \`$DB_NAME\`.* FROM $account_sql;"
# Table and column grants outlive a dropped table, so an earlier database of this name may have
# left some; a table's REVOKE ALL takes its column grants too.
table_grants=$("${sql[@]}" "SELECT Table_name, FIND_IN_SET('Grant', Table_priv) > 0,
        REPLACE(REPLACE(Table_priv, 'Grant', ''), ',', '') <> '' OR Column_priv <> ''
    FROM mysql.tables_priv WHERE Db = '$DB_NAME' AND User = '$DB_USER' AND Host = 'localhost'") ||
    die "could not read the table grants of $account_sql"
while IFS=$'\t' read -r table has_grant_option has_rights; do
    [[ -n $table ]] || continue
    target="\`$DB_NAME\`.\`$table\` FROM $account_sql"
    [[ $has_grant_option == 0 ]] || grants+=$'\n'"REVOKE GRANT OPTION ON $target;"
    [[ $has_rights == 0 ]] || grants+=$'\n'"REVOKE ALL PRIVILEGES ON $target;"
done <<<"$table_grants"
grants+=$'\n'"GRANT SELECT, INSERT, UPDATE, DELETE ON \`$DB_NAME\`.* TO $account_sql;"
"${sql[@]}" "$grants" || die "could not set the rights of $account_sql on $DB_NAME"
if "${sql[@]}" "SHOW GRANTS FOR $account_sql" | grep -E '^GRANT ' | grep -v '^GRANT USAGE ON \*\.\* ' |
    grep -qE ' ON \*\.\* '; then
    say "warning: $account_sql also has rights on every database (ON *.*); restore.sh leaves those alone"
fi

# --- The schema: migrations newer than the backup. ---
say "applying pending migrations with $ADMIN_PROGRAM"
"$ADMIN_PROGRAM" --config "$CONFIG_FILE" migrate >&2 ||
    die "the backup was loaded, but microblog-admin migrate failed; fix the cause and run it again: $ADMIN_PROGRAM --config $CONFIG_FILE migrate"

say "restored $DUMP into the database $DB_NAME"
