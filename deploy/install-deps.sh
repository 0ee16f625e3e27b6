#!/usr/bin/env bash
# Installs the Debian packages Microblog needs to build, run and test; a no-op when all are there.
set -euo pipefail

packages=(
    # Build: compiler, build tools and the libraries the route programs link against.
    g++ cmake make pkg-config ccache
    libfcgi-dev libcgicc-dev libctemplate-dev libmariadb-dev libcrypt-dev libssl-dev
    libpwquality-dev liboath-dev libqrencode-dev nlohmann-json3-dev libgtest-dev clang-format
    # The mailer's SMTP client (tools/mailer).
    libcurl4-openssl-dev
    # Run: the private stack deploy/run-local.sh starts, and the tools it calls (util-linux:
    # flock for the one-stack-per-folder lock, setsid so Ctrl-C reaches only run-local.sh).
    mariadb-server mariadb-client nginx-light libnginx-mod-http-set-misc curl openssl util-linux
    # The password policy's library and its word list: cracklib-runtime is only a Recommends
    # of libpwquality1, and it ships /usr/share/dict/cracklib-small.
    libpwquality1 cracklib-runtime
    # Tests: HTTP and browser clients (with a font, or screenshots show no text), HTML validation.
    python3 python3-requests python3-cryptography tidy chromium chromium-driver python3-selenium
    fonts-dejavu-core
    # A real SMTP server for the mail tests, on loopback (tests/support/smtp_server.py).
    python3-aiosmtpd
    # Load generator: test_overload's burst of clients, and make bench.
    wrk
    # Fuzzing (make fuzz): clang's libFuzzer and its sanitizer runtimes.
    clang libclang-rt-14-dev
    # Throwaway Debian hosts for the deployment tests (tests/support/throwaway_host.py): a
    # debootstrapped root cached as a zstd tarball, booted with systemd-nspawn in network
    # namespaces, reached over ssh.
    debootstrap systemd-container zstd iproute2 openssh-client
    # The cluster tests (tests/cluster): Galera, and what its state transfers use (rsync, and
    # stunnel to encrypt them when the nodes have TLS).
    galera-4 rsync stunnel4
)

# dpkg -s also succeeds for a package that was removed but left its configuration behind,
# so ask for the exact state instead.
missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    if [ "$status" != "install ok installed" ]; then
        missing+=("$package")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
# mariadb-server and nginx try to start their system services when installed. Where
# policy-rc.d forbids that (containers), invoke-rc.d reports it and succeeds; the private
# stack never uses those services, so this script neither starts nor stops them.
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
