# What backup.sh and restore.sh share: messages, a reader for the configuration file and the
# fingerprint of the session-signing key. Sourced, not run; the caller sets CONFIG_FILE.
# shellcheck shell=bash

# Messages start with the script's name: backup, restore.
say() {
    local name=${0##*/}
    printf '%s: %s\n' "${name%.sh}" "$*" >&2
}

die() {
    say "$*"
    exit 1
}

usage_error() {
    say "$*"
    say "see --help"
    exit 2
}

# --- The configuration: `key = value` lines, # comments, read as data and never run. ---
declare -A CONFIG=()

trim() {
    local s=$1
    s=${s#"${s%%[!$' \t\r\n']*}"}
    s=${s%"${s##*[!$' \t\r\n']}"}
    printf '%s' "$s"
}

# Keeps the keys named after FILE; the route programs check the rest of the file.
read_config() {
    local file=$1 line key value number=0
    shift
    local wanted=" $* "
    [[ -f $file && -r $file ]] || die "cannot read the configuration file $file"
    while IFS= read -r line || [[ -n $line ]]; do
        number=$((number + 1))
        line=$(trim "$line")
        [[ -z $line || $line == '#'* ]] && continue
        [[ $line == *=* ]] || die "$file:$number: expected key = value"
        key=$(trim "${line%%=*}")
        value=$(trim "${line#*=}")
        [[ $wanted == *" $key "* ]] || continue
        [[ -z ${CONFIG[$key]+set} ]] || die "$file:$number: $key is set twice"
        CONFIG[$key]=$value
    done <"$file"
}

# The value of KEY, which must be set and match PATTERN (names end up in SQL and in file names).
required_setting() {
    local key=$1 pattern=$2 allowed=$3
    [[ -n ${CONFIG[$key]:-} ]] || die "$CONFIG_FILE does not set $key"
    [[ ${CONFIG[$key]} =~ $pattern ]] ||
        die "$CONFIG_FILE: $key is '${CONFIG[$key]}'; it may only hold $allowed"
    printf '%s' "${CONFIG[$key]}"
}

# A fingerprint of the secret key that signs the session cookies, recorded in the backup so that
# restore.sh can tell whether the sessions in it still verify. It reveals nothing of a random
# 256-bit key. Empty when the key file cannot be read. The key travels through a pipe, never
# through a command line.
secret_key_fingerprint() {
    local file=$1 key
    [[ -n $file && -f $file && -r $file ]] || return 0
    key=$(trim "$(<"$file")")
    [[ -n $key ]] || return 0
    printf 'microblog session key fingerprint\n%s' "$key" | sha256sum | cut -d' ' -f1
}
