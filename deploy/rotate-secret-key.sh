#!/usr/bin/env bash
# Rotates the secret key that signs the site's cookies and form tokens, signing nobody out.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: deploy/rotate-secret-key.sh [--retire-previous]     (as root, on the host)

Without options: makes a new secret key and has the route programs sign with it, while the key
before it still verifies (previous_secret_key_file in /etc/microblog/microblog.conf). In two
rounds of restarting the programs one at a time, so no request fails and no program ever sees a
value signed with a key it does not know:
  1. every program learns the new key (it verifies, nothing signs with it yet);
  2. every program signs with the new key, and the old one only verifies.
A signed-in user's cookie is signed again with the new key on their next request.

--retire-previous: ends the grace period: the previous key is forgotten, and only what the
new key signed verifies. Anyone who has not come back since the rotation is signed out then
(their session row stays until it expires). Wait as long as you want the grace period to be:
remember_me_days lets remembered users be away that long.

If the key may have leaked, rotate and retire at once: every session signed with it ends.
Exit status: 0 done, 1 failed (the message says where), 2 bad usage.
USAGE
}

say() {
    printf 'rotate-secret-key: %s\n' "$*" >&2
}

die() {
    say "$1"
    exit 1
}

DEPLOY_DIR=$(cd -- "$(dirname -- "$0")" && pwd -P)
# shellcheck source=deploy/lib/steps.sh
source "$DEPLOY_DIR/lib/steps.sh"
# shellcheck source=deploy/lib/routes.sh
source "$DEPLOY_DIR/lib/routes.sh"

APP_USER=microblog
CONF_DIR=/etc/microblog
CONFIG_FILE=$CONF_DIR/microblog.conf
CURRENT_KEY=$CONF_DIR/secret_key
NEXT_KEY=$CONF_DIR/secret_key.next
PREVIOUS_KEY=$CONF_DIR/previous_secret_key

retire=
case ${1:-} in
--retire-previous) retire=1 ;;
-h | --help) usage; exit 0 ;;
"") ;;
*) usage >&2; exit 2 ;;
esac
(($# <= 1)) || { usage >&2; exit 2; }
((EUID == 0)) || die "run me as root"
[[ -f $CONFIG_FILE ]] || die "no $CONFIG_FILE: is the site installed (deploy/install.sh)?"
grep -Eq "^secret_key_file = $CURRENT_KEY\$" -- "$CONFIG_FILE" ||
    die "$CONFIG_FILE does not name $CURRENT_KEY as secret_key_file; rotate its key by hand"

previous_setting() {
    sed -nE 's/^previous_secret_key_file =[[:space:]]*(.*)$/\1/p' -- "$CONFIG_FILE"
}

# Sets previous_secret_key_file (adding the line to a file written before the setting existed),
# replacing the file in one rename with its owner and mode kept.
set_previous() {
    local value=$1
    cp -p -- "$CONFIG_FILE" "$CONFIG_FILE.new"
    if grep -Eq '^previous_secret_key_file =' -- "$CONFIG_FILE.new"; then
        sed -i -E "s|^previous_secret_key_file =.*\$|previous_secret_key_file = $value|" -- "$CONFIG_FILE.new"
    else
        printf '\n# The key before the current one, while a rotation is under way.\nprevious_secret_key_file = %s\n' \
            "$value" >>"$CONFIG_FILE.new"
    fi
    mv -f -- "$CONFIG_FILE.new" "$CONFIG_FILE"
}

previous=$(previous_setting)
if [[ -n $retire ]]; then
    [[ -n $previous ]] || { say "no previous key to retire"; exit 0; }
    set_previous ""
    say "forgetting the previous key"
    restart_routes
    rm -f -- "$PREVIOUS_KEY" "$NEXT_KEY"
    say "done: only the current key verifies now"
    exit 0
fi

case $previous in
"") ;;
"$NEXT_KEY") say "finishing a rotation that was interrupted" ;;
*) die "a rotation is still in its grace period; end it first: $0 --retire-previous" ;;
esac

# Round 1: the new key verifies everywhere before anything signs with it.
[[ $previous == "$NEXT_KEY" && -s $NEXT_KEY ]] || rm -f -- "$NEXT_KEY"
ensure_secret "$NEXT_KEY" 32
chown "$APP_USER:$APP_USER" -- "$NEXT_KEY"
set_previous "$NEXT_KEY"
say "round 1 of 2: every program learns the new key"
restart_routes

# Round 2: the new key signs, the old one verifies. Each step leaves a configuration a program
# restarted by systemd at that moment can start with.
cp -p -- "$CURRENT_KEY" "$PREVIOUS_KEY.new"
mv -f -- "$PREVIOUS_KEY.new" "$PREVIOUS_KEY"
set_previous "$PREVIOUS_KEY"
mv -f -- "$NEXT_KEY" "$CURRENT_KEY"
say "round 2 of 2: every program signs with the new key"
restart_routes
say "done: the new key signs, the previous one verifies until $0 --retire-previous"
