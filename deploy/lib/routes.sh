# The route programs of a Debian host as systemd runs them (deploy/systemd/microblog@.service):
# their names, and restarting them without a failed request. Sourced, not run; the caller
# defines say MESSAGE and die MESSAGE, which must not return.
# shellcheck shell=bash

# One line: CMakeLists.txt and tests/support/routes.py read it.
ROUTES=(login register logout index account account_password account_sessions confirm login_two_factor account_two_factor login_passkey account_passkeys reset_password_request reset_password)

# One route at a time: the others keep serving, and this one's socket (held by systemd) keeps
# its connections queued until the new program accepts them.
restart_routes() {
    local route unit
    for route in "${ROUTES[@]}"; do
        unit=microblog@$route.service
        # A program that kept failing (a broken release) has hit systemd's start limit.
        systemctl reset-failed "$unit" 2>/dev/null || true
        if systemctl is-active --quiet "$unit"; then
            say "restarting $unit"
            systemctl restart "$unit"
        else
            systemctl start "$unit"
        fi
        systemctl is-active --quiet "$unit" || die "$unit did not start: journalctl -u $unit"
    done
}
