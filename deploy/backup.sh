#!/usr/bin/env bash
# Writes a consistent, compressed dump of Microblog's database; deploy/restore.sh loads it back.
set -euo pipefail

# Byte order for the file names' sorting and the tools' messages, whatever the caller's locale.
export LC_ALL=C
# A dump holds every user's password hash: only its owner may read it, even while it is written.
umask 077

CONFIG_FILE=/etc/microblog/microblog.conf
OUTPUT_DIR=/var/backups/microblog
KEEP=

usage() {
    cat <<'EOF'
Usage: backup.sh [--config FILE] [--output-dir DIR] [--keep N]

Dumps the database that FILE names (db_name) with mariadb-dump in one consistent transaction,
compresses it and writes it to DIR as DB_NAME-YYYYMMDDTHHMMSSZ.sql.gz (UTC, so the names sort by
time), mode 0600. The file appears under that name only once it is complete and verified; on any
failure no file is left and the exit status is not zero. Prints the backup's path on stdout.

It connects over db_socket as db_admin_user, which logs in as the operating-system user of the
same name: run it as that user (on a host, root). The site keeps running meanwhile.

  --config FILE      the configuration file (default /etc/microblog/microblog.conf)
  --output-dir DIR   where backups go (default /var/backups/microblog; made, mode 0700, if missing)
  --keep N           afterwards delete all but the newest N backups of this database in DIR
  --help             show this help

Restore with: restore.sh --config FILE [--replace] BACKUP
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
    --config | --output-dir | --keep)
        (($# >= 2)) || usage_error "$1 needs a value"
        case $1 in
        --config) CONFIG_FILE=$2 ;;
        --output-dir) OUTPUT_DIR=$2 ;;
        --keep) KEEP=$2 ;;
        esac
        shift 2
        ;;
    --config=*) CONFIG_FILE=${1#*=} && shift ;;
    --output-dir=*) OUTPUT_DIR=${1#*=} && shift ;;
    --keep=*) KEEP=${1#*=} && shift ;;
    *) usage_error "unknown argument '$1'" ;;
    esac
done
[[ -n $CONFIG_FILE ]] || usage_error "--config needs a file"
[[ -n $OUTPUT_DIR ]] || usage_error "--output-dir needs a folder"
if [[ -n $KEEP ]] && ! [[ $KEEP =~ ^[1-9][0-9]{0,5}$ ]]; then
    usage_error "--keep needs a number of backups of at least 1, not '$KEEP'"
fi

read_config "$CONFIG_FILE" db_socket db_name db_admin_user secret_key_file
DB_SOCKET=$(required_setting db_socket '^/' 'an absolute path')
DB_NAME=$(required_setting db_name '^[A-Za-z0-9_]+$' 'letters, digits and _')
# Absent means root, as for the route programs and microblog-admin.
[[ -n ${CONFIG[db_admin_user]+set} ]] || CONFIG[db_admin_user]=root
DB_ADMIN=$(required_setting db_admin_user '^[A-Za-z0-9_][A-Za-z0-9_.-]*$' 'letters, digits and _ . -')

mariadb_client=(mariadb --no-defaults --socket="$DB_SOCKET" --user="$DB_ADMIN"
    --default-character-set=utf8mb4 --connect-timeout=10 --batch --skip-column-names)

# --- Can it work at all? Each check names what to fix, before anything is written. ---
if ! error=$("${mariadb_client[@]}" -e 'SELECT 1' 2>&1 >/dev/null); then
    hint=
    if [[ $(id -un) != "$DB_ADMIN" ]]; then
        hint=" (db_admin_user logs in as the operating-system user of that name: run this as $DB_ADMIN)"
    fi
    die "cannot connect to MariaDB at $DB_SOCKET as $DB_ADMIN$hint: $error"
fi
found=$("${mariadb_client[@]}" -e \
    "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '$DB_NAME'") ||
    die "could not look up the database $DB_NAME"
[[ $found == 1 ]] || die "the database $DB_NAME does not exist on $DB_SOCKET"

if [[ ! -d $OUTPUT_DIR ]]; then
    # The umask above makes it 0700.
    mkdir -p -- "$OUTPUT_DIR" || die "cannot create the folder $OUTPUT_DIR"
fi
OUTPUT_DIR=$(cd -- "$OUTPUT_DIR" && pwd -P)
[[ -w $OUTPUT_DIR ]] || die "cannot write to $OUTPUT_DIR"

# --- The name: the time of the dump's start, in UTC. A second backup within the same second
# waits for the next one rather than take or overwrite a name. ---
for _ in 1 2 3; do
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
    final=$OUTPUT_DIR/$DB_NAME-$stamp.sql.gz
    [[ -e $final ]] || break
    sleep 1
done
[[ ! -e $final ]] || die "$final already exists"

# Hidden and unlike a backup's name while incomplete, so neither ls nor --keep takes it for one.
partial=$(mktemp -- "$OUTPUT_DIR/.$DB_NAME-$stamp.XXXXXX.partial") ||
    die "cannot create a file in $OUTPUT_DIR"
cleanup() {
    rm -f -- "$partial"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# --- The dump. One transaction gives a consistent picture of the InnoDB tables without locking
# the site out; routines, triggers and events come along; binary values as hex and utf8mb4 text
# survive any client character set. Not --databases: the dump names no database, so it can be
# loaded into whichever database a configuration names. Two comment lines first tell restore.sh
# where it came from. ---
header() {
    printf -- '-- Microblog backup of database %s, taken %s by deploy/backup.sh on %s\n' \
        "$DB_NAME" "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" "$(uname -n)"
    printf -- '-- secret-key-fingerprint: %s\n' "$(secret_key_fingerprint "${CONFIG[secret_key_file]:-}")"
}
dump_args=(--no-defaults --socket="$DB_SOCKET" --user="$DB_ADMIN" --default-character-set=utf8mb4
    --single-transaction --quick --routines --triggers --events --hex-blob --tz-utc "$DB_NAME")
# Made first, outside the pipeline: a function run as part of the condition would run with set -e off.
header_lines=$(header)
if ! { printf '%s\n' "$header_lines" && mariadb-dump "${dump_args[@]}"; } | gzip -c -6 >"$partial"; then
    die "mariadb-dump of $DB_NAME failed (see its message above); no backup was written"
fi

# --- Verified before it gets its name: the gzip stream is whole and the dump ran to its end. ---
gzip -t -- "$partial" 2>/dev/null || die "the compressed dump fails gzip -t; no backup was written"
last_line=$(gzip -dc -- "$partial" | tail -n 1)
[[ $last_line == '-- Dump completed'* ]] ||
    die "the dump does not end with mariadb-dump's completion line; no backup was written"
chmod 600 -- "$partial"
sync -- "$partial"
# A hard link cannot replace an existing file, so a backup is never overwritten.
ln -T -- "$partial" "$final" || die "cannot name the backup $final"
rm -f -- "$partial"
sync -- "$OUTPUT_DIR" 2>/dev/null || true

# --- Pruning: only files named like this database's backups, newest kept. ---
if [[ -n $KEEP ]]; then
    shopt -s nullglob
    backups=("$OUTPUT_DIR/$DB_NAME"-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z.sql.gz)
    shopt -u nullglob
    for ((i = 0; i < ${#backups[@]} - KEEP; i++)); do
        rm -f -- "${backups[i]}" && say "removed the older backup ${backups[i]}"
    done
fi

say "wrote $final ($(stat -c %s -- "$final") bytes)"
printf '%s\n' "$final"
