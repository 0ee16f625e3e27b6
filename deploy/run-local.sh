#!/usr/bin/env bash
# Runs a complete private Microblog stack (MariaDB, FastCGI route programs, the mailer, nginx) in the
# foreground.
set -euo pipefail

REPO_DIR=$(cd -- "$(dirname -- "$0")/.." && pwd -P)
VAR_DIR=${VAR_DIR:-$REPO_DIR/var}
PORT=${PORT:-8080}
BUILD_DIR=${BUILD_DIR:-$REPO_DIR/build}
# Worker processes per route: one per core, so that sign-in's password hashing can use every core,
# and at least two, so that one slow request never holds up a whole route. The pages themselves are
# CPU-bound: more processes than cores only add switching (docs/performance.md).
WORKERS=${WORKERS:-$(($(nproc) > 2 ? $(nproc) : 2))}
# An app host of a cluster (docs/scaling.md): DB_HOSTS names the database servers (comma-separated,
# reached over TCP, with TLS when DB_TLS_CA_FILE is given) instead of a private MariaDB, and nginx
# listens on LISTEN_ADDRESS. The database and its accounts must exist; the administrator's password
# is in VAR_DIR/secrets/db_admin_password, and the application's in VAR_DIR/secrets/db_password.
DB_HOSTS=${DB_HOSTS:-}
DB_PORT=${DB_PORT:-3306}
DB_TLS_CA_FILE=${DB_TLS_CA_FILE:-}
LISTEN_ADDRESS=${LISTEN_ADDRESS:-127.0.0.1}

DB_NAME=microblog
DB_USER=microblog
READY_TIMEOUT=20
DB_TIMEOUT=30
STOP_TIMEOUT=10

# Secrets, logs, sockets and data of a stack are for the user running it and nobody else.
umask 077

say() {
    printf 'run-local: %s\n' "$*" >&2
}

# shellcheck source=deploy/lib/steps.sh
source "$REPO_DIR/deploy/lib/steps.sh"
# ROUTES, the route programs.
# shellcheck source=deploy/lib/routes.sh
source "$REPO_DIR/deploy/lib/routes.sh"

# --- Processes this script started, so that it stops exactly those and nothing else. ---
MARIADB_PID=
NGINX_PID=
MAILER_PID=
ROUTE_PIDS=()
ALL_PIDS=()
declare -A NAME_OF=() LOG_OF=() REAPED=()
FAILURE_REPORTED=

# Starts a command in the background, in a session of its own: a Ctrl-C in the terminal then
# reaches only this script, which stops the stack in order (nginx before the programs it talks to,
# the database last) instead of every process dying at once. It also gives each program a process
# group, which is how leftovers of a crashed program are found.
# With --stdout-here the program's standard output stays this script's (the mailer's lines for
# people: the terminal of make run); its standard error still goes to the log.
start_background() {
    local here=
    if [[ $1 == --stdout-here ]]; then
        here=1
        shift
    fi
    local name=$1 log=$2
    shift 2
    # Logs grow across runs; the marker shows where this run's lines begin.
    printf -- '--- %s run-local: starting %s\n' "$(date -u '+%F %T')" "$name" >>"$log"
    (
        hand_over_socket "$name"
        if [[ -n $here ]]; then
            exec setsid "$@" </dev/null 2>>"$log"
        fi
        exec setsid "$@" </dev/null >>"$log" 2>&1
    ) &
    STARTED_PID=$!
    NAME_OF[$STARTED_PID]=$name
    LOG_OF[$STARTED_PID]=$log
    ALL_PIDS+=("$STARTED_PID")
}

# The route sockets this script holds (see "One socket per route" below): route name -> fd.
declare -A SOCKET_FD=()

# In the child about to become program NAME: its own socket, if it has one, as fd 3 with the
# variables of systemd's socket activation, which the programs take; the others' closed. $BASHPID
# is the program's pid: exec keeps it, and setsid runs in place outside a process group leader.
hand_over_socket() {
    local name=$1 fd
    if [[ -n ${SOCKET_FD[$name]:-} ]]; then
        exec 3<&"${SOCKET_FD[$name]}"
        export LISTEN_FDS=1 LISTEN_PID=$BASHPID
    fi
    for fd in "${SOCKET_FD[@]}"; do
        exec {fd}<&-
    done
}

# kill -0 also succeeds for a zombie, and the programs stay zombies until this script reaps them.
alive() {
    local stat
    [[ -z ${REAPED[$1]:-} ]] || return 1
    { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

# Live processes in process group $1: what is left of a program whose own stop went wrong.
group_members() {
    local file stat state pgrp
    for file in /proc/[0-9]*/stat; do
        { read -r stat <"$file"; } 2>/dev/null || continue
        stat=${stat##*) }
        read -r state _ pgrp _ <<<"$stat"
        if [[ $pgrp == "$1" && $state != Z ]]; then
            file=${file#/proc/}
            printf '%s\n' "${file%/stat}"
        fi
    done
}

# Waits until a program that was asked to stop is gone with everything it started, killing
# whatever is still there at the deadline, then reaps it.
# shellcheck disable=SC2310  # alive and group_members are tests: their status is the answer
await_stop() {
    local pid=$1 deadline=$2 name=${NAME_OF[$1]}
    while alive "$pid" && ((SECONDS < deadline)); do
        sleep 0.1
    done
    while [[ -n $(group_members "$pid") ]] && ((SECONDS < deadline)); do
        sleep 0.1
    done
    if alive "$pid"; then
        say "$name (pid $pid) ignored the request to stop for ${STOP_TIMEOUT} s; killing it"
    elif [[ -n $(group_members "$pid") ]]; then
        say "$name (pid $pid) left processes behind; killing them"
    fi
    if [[ -n $(group_members "$pid") ]]; then
        kill -KILL -- "-$pid" 2>/dev/null || true
        local kill_deadline=$((SECONDS + 5))
        while [[ -n $(group_members "$pid") ]] && ((SECONDS < kill_deadline)); do
            sleep 0.1
        done
    fi
    if [[ -z ${REAPED[$pid]:-} ]]; then
        wait "$pid" 2>/dev/null || true
        REAPED[$pid]=1
    fi
}

# shellcheck disable=SC2310  # alive and group_members are tests: their status is the answer
stop_all() {
    local pid deadline
    ((${#ALL_PIDS[@]} > 0)) || return 0
    if [[ -n $NGINX_PID ]]; then
        # QUIT lets requests in progress finish; idle keep-alive connections close at once.
        kill -QUIT "$NGINX_PID" 2>/dev/null || true
        await_stop "$NGINX_PID" $((SECONDS + STOP_TIMEOUT))
    fi
    for pid in "${ROUTE_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    # The mailer finishes the mail in hand: at most one send (mail_send_timeout_seconds).
    if [[ -n $MAILER_PID ]]; then
        kill -TERM "$MAILER_PID" 2>/dev/null || true
    fi
    deadline=$((SECONDS + STOP_TIMEOUT))
    for pid in "${ROUTE_PIDS[@]}"; do
        await_stop "$pid" "$deadline"
    done
    if [[ -n $MAILER_PID ]]; then
        await_stop "$MAILER_PID" "$deadline"
    fi
    if [[ -n $MARIADB_PID ]]; then
        if alive "$MARIADB_PID" &&
            ! timeout 20 mariadb-admin --no-defaults --connect-timeout=2 --socket="$DB_SOCKET" \
                -u "$DB_ADMIN" shutdown >/dev/null 2>&1; then
            kill -TERM "$MARIADB_PID" 2>/dev/null || true
        fi
        await_stop "$MARIADB_PID" $((SECONDS + STOP_TIMEOUT))
    fi
    ALL_PIDS=()
}

show_log_tail() {
    local log
    for log in "$@"; do
        if [[ -s $log ]]; then
            say "last lines of $log:"
            tail -n 20 -- "$log" >&2
        fi
    done
}

# Reports a failure with the logs that explain it; leaving through exit runs the stop below.
die() {
    say "$1"
    shift
    show_log_tail "$@"
    FAILURE_REPORTED=1
    exit 1
}

stop_stack() {
    # Once stopping has begun it runs to the end: a half-stopped stack is the one thing worse.
    # That includes a failed write to a terminal that has gone away.
    set +e
    trap '' INT TERM HUP
    if ((${#ALL_PIDS[@]} > 0)); then
        say "stopping"
        stop_all
        say "stopped"
    fi
    # Only once this run holds the sockets: a run refused by the lock must leave another's alone.
    if ((${#SOCKET_FD[@]} > 0)); then
        rm -f -- "${socket_paths[@]}"
    fi
}

# shellcheck disable=SC2317  # called by the EXIT trap
on_exit() {
    local status=$?
    set +e
    trap - EXIT
    if ((status != 0)) && [[ -z $FAILURE_REPORTED ]]; then
        say "failed (exit status $status; see the messages above)"
    fi
    stop_stack
    exit "$status"
}

# shellcheck disable=SC2317  # called by the signal traps
on_signal() {
    exit 0
}

trap on_exit EXIT
trap on_signal INT TERM HUP

# --- Settings. ---
if ! [[ $PORT =~ ^[0-9]{1,5}$ ]] || ((10#$PORT < 1 || 10#$PORT > 65535)); then
    die "PORT must be a TCP port number from 1 to 65535, not '$PORT'"
fi
PORT=$((10#$PORT))
if ! [[ $WORKERS =~ ^[1-9][0-9]{0,2}$ ]]; then
    die "WORKERS must be a number of processes from 1 to 999, not '$WORKERS'"
fi

missing=()
for program in "${ROUTES[@]}" hash-password microblog-admin microblog-mailer listen-sockets; do
    [[ -x $BUILD_DIR/bin/$program ]] || missing+=("$program")
done
if ((${#missing[@]} > 0)); then
    die "$BUILD_DIR/bin lacks ${missing[*]}; run make first (or set BUILD_DIR)"
fi
BUILD_DIR=$(cd -- "$BUILD_DIR" && pwd -P)

mkdir -p -- "$VAR_DIR"
VAR_DIR=$(cd -- "$VAR_DIR" && pwd -P)
check_path VAR_DIR "$VAR_DIR"
check_path "the checkout's folder" "$REPO_DIR"

RUN_DIR=$VAR_DIR/run
LOG_DIR=$VAR_DIR/log
SECRETS_DIR=$VAR_DIR/secrets
CONF_DIR=$VAR_DIR/nginx/conf
DATA_DIR=$VAR_DIR/mysql/data
# A private temporary folder: several stacks installing their databases at once through a
# shared /tmp collide on MariaDB's temporary table names and fail.
DB_TMP_DIR=$VAR_DIR/mysql/tmp
DB_SOCKET=$RUN_DIR/mysqld.sock
CONFIG_FILE=$VAR_DIR/microblog.conf

if [[ -n $DB_HOSTS ]]; then
    [[ $DB_HOSTS =~ ^[A-Za-z0-9.:,-]+$ ]] || die "DB_HOSTS must be host names or addresses separated by commas"
    [[ $LISTEN_ADDRESS =~ ^[0-9.]+$ ]] || die "LISTEN_ADDRESS must be an IPv4 address"
    DB_ADMIN=${DB_ADMIN:-microblog_admin}
    [[ -s $SECRETS_DIR/db_admin_password && -s $SECRETS_DIR/db_password ]] ||
        die "with DB_HOSTS, $SECRETS_DIR needs db_admin_password and db_password of the cluster's accounts"
    as_root=()
elif ((EUID == 0)); then
    # mariadbd refuses to run as root unless told to; the data folder belongs to root anyway.
    DB_ADMIN=root
    as_root=(--user=root)
else
    # root's socket login would need the OS root account, so the database gets an
    # administrator named after whoever runs the stack.
    DB_ADMIN=$(id -un)
    as_root=()
fi

# A Unix socket path must fit in sun_path: 107 bytes plus the terminating NUL.
for name in mysqld "${ROUTES[@]}"; do
    socket_bytes=$(printf '%s' "$RUN_DIR/$name.sock" | LC_ALL=C wc -c)
    if ((socket_bytes > 107)); then
        die "VAR_DIR is too long: $RUN_DIR/$name.sock would be $socket_bytes bytes, and socket paths are limited to 107; choose a shorter VAR_DIR"
    fi
done

# --- One stack per VAR_DIR. ---
# The lock is inherited by every program started below, so it is held until the last of them
# is gone, even if this script itself was killed.
# After the re-run through listen-sockets below, fd 9 is the lock already taken.
[[ -n ${RUN_LOCAL_SOCKETS_FROM:-} ]] || exec 9>>"$VAR_DIR/stack.lock"
if ! flock -n 9; then
    printf 'run-local: a stack is already running in %s; stop it first (Ctrl-C in its terminal)\n' \
        "$VAR_DIR" >&2
    # When the run-local.sh that started them was killed outright, its programs still hold the
    # lock and there is no terminal to press Ctrl-C in: name them.
    orphans=()
    for fd in /proc/[0-9]*/fd/9; do
        pid=${fd#/proc/}
        pid=${pid%%/*}
        if [[ $pid != "$$" && $fd -ef $VAR_DIR/stack.lock ]]; then
            { cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline"); } 2>/dev/null || continue
            if [[ $cmdline == *run-local.sh* ]]; then
                orphans=()
                break
            fi
            orphans+=("$pid ${cmdline:0:100}")
        fi
    done
    if ((${#orphans[@]} > 0)); then
        say "its run-local.sh is gone, but these of its processes still run; stop them (kill PID) first:"
        printf '  %s\n' "${orphans[@]}" >&2
    fi
    FAILURE_REPORTED=1
    exit 1
fi
mkdir -p -- "$RUN_DIR" "$LOG_DIR" "$SECRETS_DIR" "$VAR_DIR/nginx/conf" "$VAR_DIR/nginx/tmp" \
    "$VAR_DIR/mysql" "$DB_TMP_DIR"
chmod 700 -- "$SECRETS_DIR"

# --- One socket per route, held by this script for the whole run, as systemd's socket units
# hold them on a host: a program that stops or dies leaves its connections queued for the next
# one instead of nginx finding no socket (a 502). Bash cannot make a socket, so the script runs
# again through listen-sockets, which binds them at fds from 10 on (the lock, fd 9, stays). ---
socket_paths=()
for route in "${ROUTES[@]}"; do
    socket_paths+=("$RUN_DIR/$route.sock")
done
if [[ -z ${RUN_LOCAL_SOCKETS_FROM:-} ]]; then
    RUN_LOCAL_SOCKETS_FROM=10 exec "$BUILD_DIR/bin/listen-sockets" 10 "${socket_paths[@]}" -- \
        "$BASH" "${BASH_SOURCE[0]}"
fi
fd=$RUN_LOCAL_SOCKETS_FROM
unset RUN_LOCAL_SOCKETS_FROM
for route in "${ROUTES[@]}"; do
    SOCKET_FD[$route]=$fd
    fd=$((fd + 1))
done

# nginx would fail too, but with a message in its log; this one says what to do.
if timeout 2 bash -c ": </dev/tcp/$LISTEN_ADDRESS/$PORT" 2>/dev/null; then
    die "port $PORT on $LISTEN_ADDRESS is already in use; stop what uses it or choose another PORT"
fi

# --- Secrets, made once and kept, so sessions and the database account survive restarts. ---
ensure_secret "$SECRETS_DIR/secret_key" 32
ensure_secret "$SECRETS_DIR/two_factor_key" 32
ensure_secret "$SECRETS_DIR/db_password" 16
db_password=$(<"$SECRETS_DIR/db_password")

# --- Configuration files, rewritten on every start so they follow the checkout. Written and
# checked before the database starts, so a mistake in them costs no start and stop of MariaDB. ---
if [[ -n $DB_HOSTS ]]; then
    db_settings=("DB_SOCKET=" "DB_HOST=$DB_HOSTS" "DB_PORT=$DB_PORT" "DB_TLS_CA_FILE=$DB_TLS_CA_FILE"
        "DB_ADMIN_PASSWORD_FILE=$SECRETS_DIR/db_admin_password"
        "DB_TIMEOUT_SECONDS=$(db_timeout_for "$DB_HOSTS")")
else
    db_settings=("DB_SOCKET=$DB_SOCKET" "DB_HOST=" "DB_PORT=3306" "DB_TLS_CA_FILE="
        "DB_ADMIN_PASSWORD_FILE=" "DB_TIMEOUT_SECONDS=$(db_timeout_for "")")
fi
fill_template "$REPO_DIR/deploy/microblog.conf.in" "$CONFIG_FILE" "${db_settings[@]}" \
    "DB_NAME=$DB_NAME" "DB_USER=$DB_USER" \
    "SECRETS_DIR=$SECRETS_DIR" "APP_DIR=$REPO_DIR" "DB_ADMIN=$DB_ADMIN" \
    "HTTPS=false" "WORKERS=$WORKERS" "SOCKET_DIR=$RUN_DIR" "SITE_URL=http://$LISTEN_ADDRESS:$PORT" \
    "SERVER_NAME=localhost" "LISTEN_PORT=$PORT" "TLS_CERTIFICATE=" "TLS_KEY=" \
    "WEBAUTHN_RP_ID=localhost" "WEBAUTHN_ORIGIN=http://localhost:$PORT" \
    "MAIL_TRANSPORT=file" "MAIL_DIR=$VAR_DIR/mail" "MAIL_FROM=Microblog <microblog@localhost>" \
    "SMTP_HOST=127.0.0.1" "SMTP_PORT=25" "SMTP_TLS=none" "SMTP_USER=" "SMTP_PASSWORD_FILE="
# CONFIG_OVERRIDES="key=value ..." replaces settings of the written file (tests use it for
# limits they need lower or higher); a key the template lacks is a mistake, not a new setting.
for pair in ${CONFIG_OVERRIDES:-}; do
    key=${pair%%=*}
    [[ $pair == *=* && $key =~ ^[a-z_]+$ && ${pair#*=} =~ ^[A-Za-z0-9._/:-]*$ ]] ||
        die "CONFIG_OVERRIDES holds '$pair'; expected key=value with a plain value"
    # A setting that is empty in the template (trusted_proxies) has nothing after its =.
    grep -Eq "^$key =( |$)" -- "$CONFIG_FILE" || die "CONFIG_OVERRIDES names $key, which is no setting"
    sed -i -E "s|^$key =( .*)?$|$key = ${pair#*=}|" -- "$CONFIG_FILE"
done
chmod 600 -- "$CONFIG_FILE"

if ((EUID == 0)); then
    # As root, nginx would run its workers as nobody; but the checkout may sit in a folder only
    # root can traverse, and the workers must reach the sockets and static files.
    user_directive='user root root;'
else
    user_directive=
fi
nginx_workers=$(($(nproc) / 2 > 1 ? $(nproc) / 2 : 1))
# Starting from an empty folder drops files that were removed from nginx/ in the checkout.
rm -rf -- "$CONF_DIR"
mkdir -p -- "$CONF_DIR" "$VAR_DIR"/nginx/tmp/{client_body,proxy,fastcgi,uwsgi,scgi}
# The abuse limits and trusted proxies come from the configuration file, as on a host: make run
# has the production limits (tests/support/stack.py raises them for test stacks).
nginx_limits "$CONFIG_FILE"
for template in "$REPO_DIR"/nginx/*.conf "$REPO_DIR"/nginx/mime.types "$REPO_DIR"/nginx/nginx.conf.in; do
    output=$(basename -- "$template" .in)
    fill_template "$template" "$CONF_DIR/$output" \
        "PORT=$PORT" "VAR_DIR=$VAR_DIR" "CONF_DIR=$CONF_DIR" "RUN_DIR=$RUN_DIR" \
        "LOG_DIR=$LOG_DIR" "STATIC_DIR=$REPO_DIR/static" "USER_DIRECTIVE=$user_directive" \
        "NGINX_WORKERS=$nginx_workers" "SERVER_NAME=localhost" \
        "ACCESS_LOG=$LOG_DIR/nginx-access.log" "ERROR_LOG=$LOG_DIR/nginx-error.log" \
        "${NGINX_LIMITS[@]}"
done
printf 'listen %s:%s;\n' "$LISTEN_ADDRESS" "$PORT" >"$CONF_DIR/listen.conf"
write_real_ip_conf "$CONFIG_FILE" "$CONF_DIR/real-ip.conf"
printf '# none: the local stack serves plain HTTP only\n' >"$CONF_DIR/other-servers.conf"
# -e: without it nginx first opens the distribution's error log, which is not ours to write.
nginx_args=(-p "$VAR_DIR/nginx/" -c "$CONF_DIR/nginx.conf" -e "$LOG_DIR/nginx-error.log")
if ! nginx -t -q "${nginx_args[@]}" >"$LOG_DIR/nginx-test.log" 2>&1; then
    die "nginx rejected its configuration in $CONF_DIR" "$LOG_DIR/nginx-test.log"
fi

# The lock proves no server of this stack is running, so a socket left here is stale.
# The thread pool serves the route programs' many short statements with fewer thread switches
# than a thread per connection (docs/performance.md).
start_mariadb() {
    rm -f -- "$DB_SOCKET"
    start_background mariadbd "$LOG_DIR/mariadb.log" \
        mariadbd --no-defaults "${as_root[@]}" --datadir="$DATA_DIR" --socket="$DB_SOCKET" \
        --pid-file="$RUN_DIR/mysqld.pid" --log-error="$LOG_DIR/mariadb.log" --skip-networking \
        --tmpdir="$DB_TMP_DIR" --skip-name-resolve \
        --innodb-buffer-pool-size=64M --thread-handling=pool-of-threads
    MARIADB_PID=$STARTED_PID
}

# --- MariaDB: a private server, unless the stack uses the cluster named by DB_HOSTS. ---
# shellcheck disable=SC2310  # alive and group_members are tests: their status is the answer
start_private_database() {
    if [[ ! -d $DATA_DIR/mysql ]]; then
        if [[ -e $DATA_DIR ]]; then
            die "$DATA_DIR exists but holds no MariaDB system tables; move it away to start with a new database"
        fi
        say "creating the database files in $DATA_DIR"
        # Built beside its final place and renamed when complete, so an interrupted first start
        # never leaves a half-made data folder that a later start would take as ready.
        rm -rf -- "$DATA_DIR.new"
        # --force skips the check that the machine's hostname resolves, which fails on a system
        # without an /etc/hosts entry for it; the server listens on a socket only and never needs it.
        install_args=(--no-defaults --datadir="$DATA_DIR.new" --tmpdir="$DB_TMP_DIR"
            --auth-root-authentication-method=socket --skip-test-db --force)
        if ((EUID == 0)); then
            install_args+=(--user=root)
        else
            install_args+=(--auth-root-socket-user="$DB_ADMIN")
        fi
        if ! mariadb-install-db "${install_args[@]}" >"$LOG_DIR/mariadb-install.log" 2>&1; then
            die "mariadb-install-db failed" "$LOG_DIR/mariadb-install.log"
        fi
        mv -- "$DATA_DIR.new" "$DATA_DIR"
    fi

    start_mariadb

    deadline=$((SECONDS + DB_TIMEOUT))
    until mariadb-admin --no-defaults --connect-timeout=2 --socket="$DB_SOCKET" -u "$DB_ADMIN" \
        ping >/dev/null 2>&1; do
        if ! alive "$MARIADB_PID"; then
            die "MariaDB exited during start-up" "$LOG_DIR/mariadb.log"
        fi
        if ((SECONDS >= deadline)); then
            die "MariaDB did not answer within ${DB_TIMEOUT} s" "$LOG_DIR/mariadb.log"
        fi
        sleep 0.1
    done
}

# --- The database, the application's account and the schema. ---
if [[ -n $DB_HOSTS ]]; then
    # Every app host runs the migrations; microblog-admin migrate applies each once per cluster.
    "$BUILD_DIR/bin/microblog-admin" --config "$CONFIG_FILE" migrate --sql-dir "$REPO_DIR/sql" >&2 ||
        die "the database migrations failed"
else
    start_private_database
    # shellcheck disable=SC2310  # its one statement's status is its own
    setup_database "$DB_SOCKET" "$DB_ADMIN" "$DB_NAME" "$DB_USER" "$db_password" ||
        die "could not create the database $DB_NAME or its account $DB_USER" "$LOG_DIR/mariadb.log"
    # Their progress lines go to stderr: stdout carries only the line that says the stack is ready.
    "$BUILD_DIR/bin/microblog-admin" --config "$CONFIG_FILE" migrate --sql-dir "$REPO_DIR/sql" >&2 ||
        die "the database migrations failed"
    "$REPO_DIR/deploy/seed-demo.sh" "$DB_SOCKET" "$DB_NAME" "$BUILD_DIR/bin/hash-password" \
        "$DB_ADMIN" >&2 || die "seeding the demo data failed"
fi

# --- The route programs, then nginx in front of them. ---
start_route() {
    local route=$1
    # --socket too: it names the program's stack in ps, and the socket it would bind without one.
    start_background "$route" "$LOG_DIR/$route.log" \
        "$BUILD_DIR/bin/$route" --config "$CONFIG_FILE" --socket "$RUN_DIR/$route.sock"
    ROUTE_PIDS+=("$STARTED_PID")
}
for route in "${ROUTES[@]}"; do
    start_route "$route"
done
# The mailer delivers what the pages queue (the file transport by default: each message in
# VAR_DIR/mail, and its links printed here).
start_mailer() {
    start_background --stdout-here microblog-mailer "$LOG_DIR/mailer.log" \
        "$BUILD_DIR/bin/microblog-mailer" --config "$CONFIG_FILE"
    MAILER_PID=$STARTED_PID
}
start_mailer
rm -f -- "$RUN_DIR/nginx.pid"
start_background nginx "$LOG_DIR/nginx-error.log" nginx "${nginx_args[@]}"
NGINX_PID=$STARTED_PID

# --- Ready when a page goes through our nginx to a program and back. nginx writes its pid file
# only once it holds the port: until then an answer may come from another server that took the
# port after the check above. ---
deadline=$((SECONDS + READY_TIMEOUT))
while :; do
    for pid in "${ALL_PIDS[@]}"; do
        # shellcheck disable=SC2310  # a test
        if ! alive "$pid"; then
            die "${NAME_OF[$pid]} exited during start-up" "${LOG_OF[$pid]}"
        fi
    done
    missing=()
    missing_logs=()
    for route in "${ROUTES[@]}"; do
        if [[ ! -S $RUN_DIR/$route.sock ]]; then
            missing+=("$RUN_DIR/$route.sock")
            missing_logs+=("$LOG_DIR/$route.log")
        fi
    done
    nginx_pid=
    [[ ! -r $RUN_DIR/nginx.pid ]] || nginx_pid=$(<"$RUN_DIR/nginx.pid")
    if [[ $nginx_pid != "$NGINX_PID" ]]; then
        curl_error="nginx does not hold port $PORT yet"
    elif ((${#missing[@]} == 0)) &&
        curl_error=$(curl -fsS -o /dev/null --max-time 2 "http://$LISTEN_ADDRESS:$PORT/login" 2>&1); then
        break
    fi
    if ((SECONDS >= deadline)); then
        if ((${#missing[@]} > 0)); then
            die "after ${READY_TIMEOUT} s these sockets still do not exist: ${missing[*]}" \
                "${missing_logs[@]}"
        fi
        die "after ${READY_TIMEOUT} s http://127.0.0.1:$PORT/login still fails: $curl_error" \
            "$LOG_DIR/nginx-error.log" "$LOG_DIR/login.log"
    fi
    sleep 0.2
done
echo "Microblog is running at http://127.0.0.1:$PORT/ (Ctrl-C to stop)"

# --- In the foreground until asked to stop. A route program or MariaDB that dies is started
# again, as systemd does on a host (docs/operations.md); one that keeps dying, or nginx, stops
# the stack. ---
RESTART_LIMIT=5          # restarts of one program...
RESTART_WINDOW=60        # ...within this many seconds
declare -A RESTART_TIMES=()

# Whether NAME may start again: fewer than RESTART_LIMIT restarts in the last RESTART_WINDOW s.
may_restart() {
    local name=$1 time recent=()
    [[ $name != nginx ]] || return 1
    for time in ${RESTART_TIMES[$name]:-}; do
        ((SECONDS - time < RESTART_WINDOW)) && recent+=("$time")
    done
    ((${#recent[@]} < RESTART_LIMIT)) || return 1
    RESTART_TIMES[$name]="${recent[*]} $SECONDS"
}

without_pid() {
    local gone=$1 pid
    shift
    for pid in "$@"; do
        [[ $pid == "$gone" ]] || printf '%s\n' "$pid"
    done
}

while :; do
    died=
    status=0
    # Bash's own "Killed" notice would name a line of this script; the message below says more.
    wait -n -p died "${ALL_PIDS[@]}" 2>/dev/null || status=$?
    if [[ -z $died ]]; then
        die "lost track of the stack's processes (wait exited with status $status)"
    fi
    REAPED[$died]=1
    if ((status > 128)); then
        how="was killed by SIG$(kill -l "$status")"
    else
        how="exited with status $status"
    fi
    name=${NAME_OF[$died]}
    # shellcheck disable=SC2310  # a test, which also records the restart
    if ! may_restart "$name"; then
        say "$name (pid $died) $how; it should have run until the stack was stopped"
        show_log_tail "${LOG_OF[$died]}"
        FAILURE_REPORTED=1
        stop_stack
        exit 1
    fi
    say "$name (pid $died) $how; starting it again"
    printf -- '--- %s run-local: %s (pid %s) %s\n' "$(date -u '+%F %T')" "$name" "$died" "$how" \
        >>"${LOG_OF[$died]}"
    mapfile -t ALL_PIDS < <(without_pid "$died" "${ALL_PIDS[@]}")
    if [[ $name == mariadbd ]]; then
        start_mariadb
    elif [[ $name == microblog-mailer ]]; then
        start_mailer
    else
        mapfile -t ROUTE_PIDS < <(without_pid "$died" "${ROUTE_PIDS[@]}")
        start_route "$name"
    fi
done
