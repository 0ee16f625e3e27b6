#!/usr/bin/env bash
# Gives a new, empty database the two demo accounts and their posts, so the home page has content.
set -euo pipefail

if [ "$#" -lt 3 ] || [ "$#" -gt 4 ]; then
    echo "usage: $0 SOCKET DATABASE HASH_PASSWORD_BIN [CLIENT_USER]" >&2
    exit 2
fi
socket=$1
database=$2
hash_password_bin=$3
client_user=${4:-root}

mariadb_client=(mariadb --no-defaults --default-character-set=utf8mb4 --socket="$socket"
    -u "$client_user" --batch --skip-column-names "$database")

# Seeding only an empty table means a second start never brings back demo accounts someone
# deleted, nor touches real ones.
user_count=$("${mariadb_client[@]}" -e 'SELECT COUNT(*) FROM users')
if [ "$user_count" != 0 ]; then
    exit 0
fi

# The demo accounts must exist for their posts, yet nobody should be able to sign in as them:
# each gets the hash of a random password that is never stored or shown.
unusable_password_hash() {
    local hash
    if ! hash=$(openssl rand -base64 32 | "$hash_password_bin"); then
        echo "seed: $hash_password_bin failed" >&2
        return 1
    fi
    # The hash goes inside an SQL string literal; crypt(3) output never needs more than these
    # characters, so anything else means a broken hasher rather than something to escape.
    if ! [[ $hash =~ ^[A-Za-z0-9./\$]+$ ]]; then
        echo "seed: $hash_password_bin printed something that is not a crypt hash" >&2
        return 1
    fi
    printf '%s\n' "$hash"
}

john_hash=$(unusable_password_hash)
susan_hash=$(unusable_password_hash)

# Susan's post is a second newer so the home page's newest-first order is the same every time.
"${mariadb_client[@]}" <<SQL
START TRANSACTION;
INSERT INTO users (username, email, password_hash) VALUES
    ('john', 'john@example.com', '$john_hash'),
    ('susan', 'susan@example.com', '$susan_hash');
INSERT INTO posts (body, timestamp, user_id)
    SELECT 'Beautiful day in Portland!', UTC_TIMESTAMP(6) - INTERVAL 1 SECOND, id
    FROM users WHERE username = 'john';
INSERT INTO posts (body, timestamp, user_id)
    SELECT 'The Avengers movie was so cool!', UTC_TIMESTAMP(6), id
    FROM users WHERE username = 'susan';
COMMIT;
SQL
echo "seed: demo users john and susan created"
