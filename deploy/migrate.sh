#!/usr/bin/env bash
# Applies the sql/NNN_*.sql migrations not yet recorded in schema_migrations, in order.
set -euo pipefail

usage="usage: $0 SOCKET DATABASE [CLIENT_USER]"
if [ "$#" -lt 2 ] || [ "$#" -gt 3 ]; then
    echo "$usage" >&2
    exit 2
fi
socket=$1
database=$2
client_user=${3:-root}
sql_dir=$(cd -- "$(dirname -- "$0")/../sql" && pwd)

# Versions and the database name end up inside SQL text; allowing only these characters is
# what makes that safe without quoting rules.
name_re='^[A-Za-z0-9_-]+$'
if ! [[ $database =~ $name_re ]]; then
    echo "migrate: invalid database name '$database'" >&2
    exit 2
fi

mariadb_client=(mariadb --no-defaults --default-character-set=utf8mb4 --socket="$socket"
    -u "$client_user" --batch --skip-column-names "$database")

"${mariadb_client[@]}" <<'SQL'
CREATE TABLE IF NOT EXISTS schema_migrations (
    version VARCHAR(255) NOT NULL PRIMARY KEY,
    applied_at DATETIME NOT NULL
);
SQL

# Byte order makes the glob's sorting, and so the order of migrations, the same on every machine.
export LC_ALL=C
shopt -s nullglob
migrations=("$sql_dir"/[0-9][0-9][0-9]_*.sql)
if [ "${#migrations[@]}" -eq 0 ]; then
    echo "migrate: no migrations found in $sql_dir" >&2
    exit 1
fi

# One query for the whole history keeps a run with nothing to do to a single round trip.
applied=$("${mariadb_client[@]}" -e 'SELECT version FROM schema_migrations')

# Two files with one number (say, from two branches merged) would run in an order nobody
# chose: refuse them before applying anything.
previous_number=
for file in "${migrations[@]}"; do
    version=$(basename "$file" .sql)
    if ! [[ $version =~ $name_re ]]; then
        echo "migrate: $file: file name must be NNN_ followed by letters, digits, _ or -" >&2
        exit 1
    fi
    if [ "${version:0:3}" = "$previous_number" ]; then
        echo "migrate: two migrations are numbered $previous_number; renumber one" >&2
        exit 1
    fi
    previous_number=${version:0:3}
done

for file in "${migrations[@]}"; do
    version=$(basename "$file" .sql)
    if grep -qxF -- "$version" <<<"$applied"; then
        continue
    fi
    # DDL commits implicitly in MariaDB, so a migration and its record cannot share a
    # transaction: a migration that fails half-way needs a look by hand before a rerun.
    if ! "${mariadb_client[@]}" <"$file"; then
        echo "migrate: FAILED to apply $file; schema_migrations not updated" >&2
        exit 1
    fi
    "${mariadb_client[@]}" -e \
        "INSERT INTO schema_migrations (version, applied_at) VALUES ('$version', UTC_TIMESTAMP())"
    echo "migrate: applied $version"
done
