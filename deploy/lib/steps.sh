# Steps shared by deploy/run-local.sh (a private stack under var/) and deploy/install.sh (a
# Debian host): secrets, configuration files, the database and its account. Sourced, not run;
# the caller defines die MESSAGE, which must not return.
# shellcheck shell=bash

# Paths are written unquoted into nginx's configuration and used as sed replacements (with |
# as the delimiter), so only characters that mean nothing to either are allowed.
check_path() {
    if ! [[ $2 =~ ^/[A-Za-z0-9._/+@%,:=~-]*$ ]]; then
        die "$1 is '$2'; it may only contain letters, digits and . _ / + @ % , : = ~ -"
    fi
}

# Makes FILE hold BYTES random bytes as hex, once: an existing valid secret is kept, so sessions
# and the database account survive restarts and upgrades. No trailing newline: a reader taking
# the whole file as the value gets it right. Mode 0600; the caller decides the owner.
ensure_secret() {
    local file=$1 bytes=$2 value
    if [[ ! -s $file ]]; then
        (umask 077 && openssl rand -hex "$bytes" | tr -d '\n' >"$file.new")
        mv -f -- "$file.new" "$file"
    fi
    chmod 600 -- "$file"
    value=$(<"$file")
    if ! [[ $value =~ ^[0-9a-f]+$ && ${#value} -eq $((bytes * 2)) ]]; then
        die "$file must hold $((bytes * 2)) lower-case hex digits; delete it to have a new one made"
    fi
}

# Writes TEMPLATE to OUTPUT with each @NAME@ replaced; NAME=VALUE pairs follow. The file is
# replaced in one rename, so a reader never sees half of it.
fill_template() {
    local template=$1 output=$2 pair
    shift 2
    local sed_args=()
    for pair in "$@"; do
        sed_args+=(-e "s|@${pair%%=*}@|${pair#*=}|g")
    done
    sed "${sed_args[@]}" -- "$template" >"$output.new"
    local unfilled
    unfilled=$(grep -oE '@[A-Z][A-Z_]*@' -- "$output.new" | sort -u | paste -sd ' ' || true)
    if [[ -n $unfilled ]]; then
        rm -f -- "$output.new"
        die "$template uses a placeholder that was not filled in: $unfilled"
    fi
    mv -f -- "$output.new" "$output"
}

# Creates the database and the application's account, which may change rows but not the schema
# (migrations run as the administrator), or dies. ALTER USER keeps the account's password equal to the
# file even if either was changed. Arguments: the server's socket, an administrator who logs in
# over it as the operating-system user of that name, the database, the account, its password.
setup_database() {
    local socket=$1 admin=$2 database=$3 account=$4 password=$5
    if ! [[ $database =~ ^[A-Za-z0-9_]+$ && $account =~ ^[A-Za-z0-9_]+$ && $password =~ ^[0-9a-f]+$ ]]; then
        die "database and account names may only hold letters, digits and _, the password only hex digits"
    fi
    mariadb --no-defaults --socket="$socket" -u "$admin" --batch <<SQL ||
CREATE DATABASE IF NOT EXISTS $database CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;
CREATE USER IF NOT EXISTS '$account'@'localhost' IDENTIFIED BY '$password';
ALTER USER '$account'@'localhost' IDENTIFIED BY '$password';
GRANT SELECT, INSERT, UPDATE, DELETE ON $database.* TO '$account'@'localhost';
SQL
        die "could not create the database $database or its account $account"
}

# Installs the packages of the list FILE (one per line, # comments) that are missing: apt only
# for those, so a host without a mirror installs too. The caller defines say MESSAGE as well.
install_missing_packages() {
    local list=$1 package status missing=()
    while read -r package; do
        [[ -z $package || $package == \#* ]] && continue
        status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
        [[ $status == "install ok installed" ]] || missing+=("$package")
    done <"$list"
    ((${#missing[@]} > 0)) || return 0
    say "installing packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
        die "apt-get could not install ${missing[*]}"
}

# Prints db_timeout_seconds for the db_host list HOSTS: on a Galera cluster (several hosts) above
# its evs.suspect_timeout (5 s), as commits wait that long after a node dies; else 2.
db_timeout_for() {
    if [[ $1 == *,* ]]; then
        echo 8
    else
        echo 2
    fi
}

# Prints the value of KEY in the configuration FILE (`key = value` lines, # comments), or
# DEFAULT when the key is absent. Read as text, never run: the file is data.
config_value() {
    local file=$1 key=$2 default=${3-}
    awk -v key="$key" -v fallback="$default" '
        /^[ \t]*#/ { next }
        {
            line = $0
            eq = index(line, "=")
            if (eq == 0) next
            name = substr(line, 1, eq - 1); value = substr(line, eq + 1)
            gsub(/^[ \t]+|[ \t\r]+$/, "", name); gsub(/^[ \t]+|[ \t\r]+$/, "", value)
            if (name == key) { print value; found = 1; exit }
        }
        END { if (!found) print fallback }' "$file"
}

# Replaces DEST with SOURCE when they differ (mode MODE, owner OWNER), and then sets the
# variable VAR to 1; leaves both alone when DEST is already right, so a second install changes
# nothing. Called as a command, never as a condition, so that set -e stops the caller when
# install or mv fails.
install_if_changed() {
    local var=$1 source=$2 dest=$3 mode=$4 owner=${5:-root:root} state=
    if [[ -f $dest ]] && cmp -s -- "$source" "$dest"; then
        state=$(stat -c '%a %U:%G' -- "$dest")
        [[ $state != "${mode#0} $owner" ]] || return 0
    fi
    install -m "$mode" -o "${owner%%:*}" -g "${owner#*:}" -- "$source" "$dest.new"
    mv -f -- "$dest.new" "$dest"
    printf -v "$var" 1
}

# Sets the variable VAR to the number KEY of the configuration FILE (DEFAULT when absent), checked
# to be from LEAST to 100000 as the programs check it (core/server/config.cpp): nginx is configured
# before any program reads the file.
config_number() {
    local var=$1 file=$2 key=$3 default=$4 least=$5 value
    value=$(config_value "$file" "$key" "$default")
    if ! [[ $value =~ ^[0-9]{1,6}$ ]] || ((10#$value < least || 10#$value > 100000)); then
        die "$file: $key must be a number from $least to 100000, not '$value'"
    fi
    printf -v "$var" '%d' "$((10#$value))"
}

# Sets NGINX_LIMITS to the NAME=VALUE pairs that fill the abuse limits of the configuration FILE
# (login_rate_per_minute, register_rate_per_minute, rate_burst; docs/configuration.md) into
# nginx/microblog.conf with fill_template.
nginx_limits() {
    local file=$1 login register burst
    config_number login "$file" login_rate_per_minute 10 1
    config_number register "$file" register_rate_per_minute 5 1
    config_number burst "$file" rate_burst 5 0
    # A client refused by either limit may post again once the slower one lets one more through.
    local slower=$((login < register ? login : register))
    # nginx refuses burst=0: no burst is the option left out.
    local burst_option=
    ((burst == 0)) || burst_option="burst=$burst"
    # shellcheck disable=SC2034  # read by the caller
    NGINX_LIMITS=("LOGIN_RATE=$login" "REGISTER_RATE=$register" "BURST_OPTION=$burst_option"
        "RETRY_AFTER=$(((60 + slower - 1) / slower))")
}

# Writes nginx's real-ip.conf to OUTPUT from the configuration FILE: with trusted_proxies (its
# addresses or CIDR ranges, space-separated), the client address of a request from one of them
# is the last untrusted one in real_ip_header; without, no directive at all, so no header is
# believed and the connecting address is the client's.
write_real_ip_conf() {
    local file=$1 output=$2 header proxy proxies=()
    read -ra proxies <<<"$(config_value "$file" trusted_proxies "")"
    header=$(config_value "$file" real_ip_header X-Forwarded-For)
    if ((${#proxies[@]} == 0)); then
        printf "# none: trusted_proxies is empty, so the connecting address is the client's\n" >"$output"
        return 0
    fi
    [[ $header =~ ^[A-Za-z0-9-]{1,64}$ ]] ||
        die "$file: real_ip_header must be an HTTP header name, not '$header'"
    {
        printf '# From trusted_proxies and real_ip_header in %s.\n' "$file"
        for proxy in "${proxies[@]}"; do
            if ! [[ $proxy =~ ^([0-9]{1,3}(\.[0-9]{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)(/[0-9]{1,3})?$ ]]; then
                die "$file: trusted_proxies must list IP addresses or CIDR ranges, not '$proxy'"
            fi
            printf 'set_real_ip_from %s;\n' "$proxy"
        done
        printf 'real_ip_header %s;\nreal_ip_recursive on;\n' "$header"
    } >"$output"
}
