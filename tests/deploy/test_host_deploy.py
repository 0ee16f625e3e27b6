#!/usr/bin/python3
"""The deployment scripts against a throwaway Debian 12 host (tests/support/throwaway_host.py):
deploy.sh over ssh, an upgrade under load with no failed request, the automatic rollback of a
broken release, rollback.sh, backup.sh and restore.sh into a fresh database, systemd restarting
a killed program, and the lint of what gets installed. The steps run in order on one host."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from routes import routes  # noqa: E402
from stack import BUILD_DIR, REPO_DIR  # noqa: E402
from throwaway_host import ThrowawayHost  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROUTES = routes()
USER, PASSWORD = "susan", "a long passphrase for the host test"

host = ThrowawayHost("deploy", subnet_index=41)
releases = {}
work_dir = tempfile.mkdtemp(prefix="microblog-deploy-test-")


def make_release(version, break_login=False):
    out = subprocess.run(
        [os.path.join(REPO_DIR, "deploy", "make-release.sh"), "--build-dir", BUILD_DIR,
         "--output-dir", work_dir, "--version", version],
        check=True, capture_output=True, text=True).stdout.strip()
    if break_login:
        # A release whose sign-in program cannot start: the health check must catch it.
        unpacked = os.path.join(work_dir, "unpacked-" + version)
        subprocess.run(["tar", "-C", work_dir, "-xzf", out], check=True)
        os.rename(os.path.join(work_dir, "microblog-" + version), unpacked)
        with open(os.path.join(unpacked, "bin", "login"), "w") as program:
            program.write("#!/bin/sh\necho 'broken on purpose' >&2\nexit 1\n")
        subprocess.run(["tar", "-C", unpacked, "--transform", "s,^\\.,microblog-%s," % version,
                        "-czf", out, "."], check=True)
    return out


def setUpModule():
    unittest.addModuleCleanup(shutil.rmtree, work_dir, ignore_errors=True)
    unittest.addModuleCleanup(host.stop)
    releases["a"] = make_release("test-a")
    releases["b"] = make_release("test-b")
    releases["broken"] = make_release("test-broken", break_login=True)
    host.start()


def site_url():
    return "http://%s" % host.address


def deploy(release, check=True, install_options=()):
    options = [word for option in install_options for word in ("--install-option", option)]
    result = host.client([os.path.join(REPO_DIR, "deploy", "deploy.sh"), "--release", release,
                          *options, host.ssh_target], env=host.ssh_env(), check=False, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError("deploy.sh exited with %d:\n%s" % (result.returncode, result.stderr))
    return result


def on_host(command, check=True, input=None):
    result = host.ssh(command, check=False, input=input)
    if check and result.returncode != 0:
        raise AssertionError("on the host, %r exited with %d:\n%s%s" % (
            command, result.returncode, result.stdout, result.stderr))
    return result


def current_release():
    return on_host("readlink /opt/microblog/current").stdout.strip()


def history():
    """The versions /opt/microblog/history records, oldest first."""
    return [line.split()[1] for line in on_host("cat /opt/microblog/history").stdout.splitlines()]


def main_pids():
    units = ["microblog@%s.service" % route for route in ROUTES] + ["microblog-mailer.service", "nginx.service"]
    out = on_host("systemctl show -p MainPID --value " + " ".join(units)).stdout.split()
    return dict(zip(units, out))


def browser(*args, check=True, timeout=300):
    return host.client(["/usr/bin/python3", os.path.join(HERE, "host_client.py"), *args],
                       check=check, timeout=timeout)


class HostDeployTest(unittest.TestCase):
    """Numbered: each step starts from where the one before left the host."""

    def test_01_first_deploy_serves_the_site(self):
        result = deploy(releases["a"])
        self.assertIn("test-a is live", result.stderr)
        self.assertEqual(current_release(), "releases/test-a")
        on_host("microblog-admin create-user %s %s@example.org" % (USER, USER),
                input="%s\n" % PASSWORD)
        self.assertEqual(browser("sign-in", site_url(), USER, PASSWORD).stdout.strip(), USER)
        self.assertEqual(browser("sign-in", site_url(), USER, "wrong", check=False).returncode, 1)

    def test_02_files_units_and_site_are_as_documented(self):
        stat = on_host("stat -c '%a %U:%G %n' /etc/microblog /etc/microblog/microblog.conf "
                       "/etc/microblog/secret_key /etc/microblog/db_password "
                       "/etc/microblog/two_factor_key").stdout.split("\n")
        self.assertEqual(stat[:5], ["750 root:microblog /etc/microblog",
                                    "640 root:microblog /etc/microblog/microblog.conf",
                                    "600 microblog:microblog /etc/microblog/secret_key",
                                    "600 microblog:microblog /etc/microblog/db_password",
                                    "600 microblog:microblog /etc/microblog/two_factor_key"])
        units = ["/etc/systemd/system/microblog.target", "/etc/systemd/system/microblog-mailer.service"] + [
            "/etc/systemd/system/microblog@%s.%s" % (route, kind)
            for route in ROUTES for kind in ("service", "socket")]
        verify = on_host("systemd-analyze verify " + " ".join(units), check=False)
        self.assertEqual((verify.returncode, verify.stderr.strip()), (0, ""))
        self.assertEqual(on_host("nginx -t -q", check=False).returncode, 0)
        users = on_host("ps -o user= -C %s | sort -u" % ",".join(ROUTES)).stdout.split()
        self.assertEqual(users, ["microblog"])
        grants = on_host("mariadb -N -e \"SHOW GRANTS FOR 'microblog'@'localhost'\"").stdout
        self.assertIn("GRANT SELECT, INSERT, UPDATE, DELETE ON `microblog`.*", grants)
        self.assertNotRegex(grants, r"ALTER|DROP|CREATE|ALL PRIVILEGES")
        check = on_host("microblog-admin check")
        self.assertIn("ok:", check.stdout + check.stderr)
        # The programs log to the journal; nginx's site logs are in logrotate's nginx rule.
        self.assertIn("serving the socket it was given",
                      on_host("journalctl -u microblog@index.service --no-pager").stdout)
        self.assertIn("/var/log/nginx/microblog-access.log",
                      on_host("logrotate -d /etc/logrotate.conf 2>&1").stdout)

    def test_03_installing_again_changes_nothing(self):
        before = main_pids()
        config_before = on_host("stat -c %Y /etc/microblog/microblog.conf").stdout
        on_host("/opt/microblog/current/deploy/install.sh")
        self.assertEqual(main_pids(), before)
        self.assertEqual(on_host("stat -c %Y /etc/microblog/microblog.conf").stdout, config_before)

    def test_03a_a_failing_step_stops_the_install(self):
        # The release b, unpacked on the host, with a folder where switching to it puts its new
        # link: the mv -T that makes b current fails, and nothing after it may run.
        host.client(["scp", "-q", *host.ssh_options(), releases["b"], host.ssh_target + ":/root/"])
        on_host("tar -C /root -xzf /root/microblog-test-b.tar.gz")
        self.addCleanup(on_host, "rm -rf /root/microblog-test-b /root/microblog-test-b.tar.gz")
        on_host("mkdir -p /opt/microblog/current.new/in-the-way")
        self.addCleanup(on_host, "rm -rf /opt/microblog/current.new")
        result = on_host("/root/microblog-test-b/deploy/install.sh", check=False)
        self.assertNotEqual(result.returncode, 0, result.stderr)
        self.assertIn("install: stopped while switching to the release", result.stderr)
        self.assertNotIn("restarting", result.stderr)
        self.assertEqual(current_release(), "releases/test-a")
        self.assertEqual(history(), ["test-a"])

    def test_04_upgrade_under_load_fails_no_request(self):
        # The load signs in again and again from the one client address, far above the rate
        # limits one visitor needs: raised in the host's configuration, which install.sh carries
        # to nginx (the load would meet 429s otherwise).
        on_host("sed -i -e 's|^login_rate_per_minute = .*|login_rate_per_minute = 100000|' "
                "-e 's|^rate_burst = .*|rate_burst = 100000|' /etc/microblog/microblog.conf")
        on_host("/opt/microblog/current/deploy/install.sh")
        # A configuration written by a release before two-factor sign-in has no line for its key:
        # the upgrade adds it (the running programs read theirs at start and keep it).
        on_host("sed -i -e '/^two_factor_key_file/d' /etc/microblog/microblog.conf")
        # One from before mail may have an empty site_url, which the reset pages refuse.
        self.assertIn("site_url = http://127.0.0.1\n", on_host("cat /etc/microblog/microblog.conf").stdout)
        on_host("sed -i -e 's|^site_url =.*|site_url =|' /etc/microblog/microblog.conf")
        self.assertIn("rate=100000r/m", on_host("cat /etc/nginx/sites-available/microblog").stdout)
        before = main_pids()
        load = {}

        def run_load():
            out = browser("load", site_url(), USER, PASSWORD, "25", "4", timeout=120).stdout
            load.update(json.loads(out))

        loader = threading.Thread(target=run_load)
        loader.start()
        try:
            deploy(releases["b"])
        finally:
            loader.join()
        self.assertEqual(current_release(), "releases/test-b")
        config = on_host("cat /etc/microblog/microblog.conf").stdout
        self.assertIn("two_factor_key_file = /etc/microblog/two_factor_key", config)
        self.assertIn("site_url = http://127.0.0.1\n", config)
        after = main_pids()
        for unit in before:
            if unit.startswith("microblog"):
                self.assertNotEqual(after[unit], before[unit], "%s was not restarted" % unit)
        self.assertEqual(after["nginx.service"], before["nginx.service"], "nginx was restarted")
        self.assertEqual(load.get("failures"), [])
        self.assertGreater(load.get("ok", 0), 200)

    def test_04a_installing_a_release_again_records_it_once(self):
        on_host("/opt/microblog/current/deploy/install.sh")
        self.assertEqual(history(), ["test-a", "test-b"])

    def test_05_a_release_failing_its_health_check_is_rolled_back(self):
        result = deploy(releases["broken"], check=False)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("rolled back", result.stderr)
        self.assertEqual(current_release(), "releases/test-b")
        self.assertEqual(browser("sign-in", site_url(), USER, PASSWORD).stdout.strip(), USER)

    def test_06_rollback_goes_back_to_the_release_before(self):
        # test-b was installed twice, and rolled back to once: the release before it is test-a.
        self.assertEqual(history(), ["test-a", "test-b"])
        on_host("/opt/microblog/current/deploy/rollback.sh")
        self.assertEqual(current_release(), "releases/test-a")
        self.assertEqual(history(), ["test-a", "test-b", "test-a"])
        self.assertEqual(browser("sign-in", site_url(), USER, PASSWORD).stdout.strip(), USER)
        # Upgrades and rollbacks stopped every route: an idle one stops at once, never at the
        # supervisor's 5 s deadline for a stuck worker.
        journal = on_host("journalctl -u 'microblog@*' --no-pager").stdout
        self.assertIn("stopped", journal)
        self.assertNotIn("did not stop", journal)

    def test_07_backup_restores_into_a_fresh_database(self):
        backup = on_host("/opt/microblog/current/deploy/backup.sh").stdout.strip().splitlines()[-1]
        self.assertRegex(backup, r"^/var/backups/microblog/.+\.sql\.gz$")
        browser("register", site_url(), "latecomer", "a passphrase for the late arrival")
        on_host("mariadb -e 'DROP DATABASE microblog'")
        on_host("/opt/microblog/current/deploy/restore.sh " + backup)
        self.assertEqual(browser("sign-in", site_url(), USER, PASSWORD).stdout.strip(), USER)
        late = browser("sign-in", site_url(), "latecomer", "a passphrase for the late arrival", check=False)
        self.assertEqual(late.returncode, 1, "a user registered after the backup survived the restore")

    def test_08_a_killed_program_is_restarted_by_systemd(self):
        unit = "microblog@index.service"
        pid = main_pids()[unit]
        on_host("kill -KILL %s" % pid)
        host.run("for i in $(seq 50); do p=$(systemctl show -p MainPID --value %s); "
                 "[ \"$p\" != 0 ] && [ \"$p\" != %s ] && systemctl is-active -q %s && exit 0; "
                 "sleep 0.1; done; exit 1" % (unit, pid, unit))
        self.assertEqual(browser("sign-in", site_url(), USER, PASSWORD).stdout.strip(), USER)

    def test_08a_rotating_the_secret_key_signs_nobody_out(self):
        active = browser("session", site_url(), USER, PASSWORD).stdout.strip()
        away = browser("session", site_url(), USER, PASSWORD).stdout.strip()
        load = {}

        def run_load():
            load.update(json.loads(browser("load", site_url(), USER, PASSWORD, "15", "4").stdout))

        loader = threading.Thread(target=run_load)
        loader.start()
        try:
            on_host("/opt/microblog/current/deploy/rotate-secret-key.sh")
        finally:
            loader.join()
        self.assertEqual(load.get("failures"), [], "a request failed during the rotation")
        self.assertIn("previous_secret_key_file = /etc/microblog/previous_secret_key",
                      on_host("cat /etc/microblog/microblog.conf").stdout)
        self.assertEqual(on_host("stat -c '%a %U' /etc/microblog/secret_key "
                                 "/etc/microblog/previous_secret_key").stdout.split("\n")[:2],
                         ["600 microblog", "600 microblog"])

        answer = json.loads(browser("home", site_url(), active).stdout)
        self.assertEqual((answer["status"], answer["greeting"]), (200, USER))
        renewed = answer["renewed"]
        self.assertIsNotNone(renewed, "the cookie of the old key is signed again")
        self.assertNotEqual(renewed.split(".")[0], active.split(".")[0], "with the new key's id")

        on_host("/opt/microblog/current/deploy/rotate-secret-key.sh --retire-previous")
        self.assertEqual(json.loads(browser("home", site_url(), renewed).stdout)["greeting"], USER)
        self.assertEqual(json.loads(browser("home", site_url(), away).stdout)["status"], 302,
                         "a cookie of the retired key verifies no more")
        self.assertEqual(on_host("test -e /etc/microblog/previous_secret_key", check=False).returncode, 1)
        self.assertEqual(browser("sign-in", site_url(), USER, PASSWORD).stdout.strip(), USER)

    def test_09_uninstall_keeps_the_data_and_an_install_brings_the_site_back(self):
        on_host("/opt/microblog/current/deploy/uninstall.sh")
        units = on_host("systemctl list-unit-files 'microblog*' --no-legend", check=False)
        self.assertEqual(units.stdout.strip(), "")
        self.assertEqual(on_host("test -e /opt/microblog", check=False).returncode, 1)
        self.assertEqual(on_host("mariadb -N -e 'SELECT username FROM microblog.users'").stdout.split(),
                         [USER])
        deploy(releases["a"])
        self.assertEqual(browser("sign-in", site_url(), USER, PASSWORD).stdout.strip(), USER)

    def test_10_https_with_a_certificate(self):
        on_host("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=blog.test "
                "-keyout /etc/ssl/private/blog.key -out /etc/ssl/certs/blog.pem 2>/dev/null")
        on_host("sed -i -e 's|^https = .*|https = true|' -e 's|^listen_port = .*|listen_port = 443|' "
                "-e 's|^tls_certificate_file =.*|tls_certificate_file = /etc/ssl/certs/blog.pem|' "
                "-e 's|^tls_key_file =.*|tls_key_file = /etc/ssl/private/blog.key|' "
                "-e 's|^site_url =.*|site_url =|' "
                "-e 's|^webauthn_rp_id =.*|webauthn_rp_id = blog.test|' "
                "-e 's|^webauthn_origin =.*|webauthn_origin = https://blog.test|' "
                "/etc/microblog/microblog.conf")
        on_host("/opt/microblog/current/deploy/install.sh")
        # The empty site_url (as an HTTPS install before mail left it) is the site's address
        # now, over HTTPS: microblog-admin check fetched it.
        self.assertIn("site_url = https://127.0.0.1\n", on_host("cat /etc/microblog/microblog.conf").stdout)
        page = host.client(["curl", "-sk", "-D", "-", "https://%s/login" % host.address]).stdout
        self.assertRegex(page, r"^HTTP/1.1 200")
        self.assertRegex(page, r"(?im)^set-cookie: __Host-[a-z]+=[^;]+;.*\bSecure\b")
        # With a host name and HTTPS, the site offers passkeys.
        self.assertIn('<form id="passkey-sign-in"', page)
        # HSTS over HTTPS only, once, on pages and on nginx's own answers alike.
        hsts = r"(?im)^strict-transport-security: max-age=31536000; includeSubDomains\r?$"
        self.assertEqual(len(re.findall(hsts, page)), 1, page)
        for path in ("/index", "/no-such-page", "/static/style.css"):
            answer = host.client(["curl", "-sk", "-D", "-", "-o", "/dev/null",
                                  "https://%s%s" % (host.address, path)]).stdout
            self.assertEqual(len(re.findall(hsts, answer)), 1, answer)
            self.assertRegex(answer, r"(?im)^content-security-policy: default-src 'self';")
            self.assertRegex(answer, r"(?im)^server: nginx\r?$")
        plain = host.client(["curl", "-s", "-D", "-", "-o", "/dev/null",
                             "http://%s/index?a=1" % host.address]).stdout
        self.assertRegex(plain, r"^HTTP/1.1 301")
        self.assertIn("Location: https://%s/index?a=1" % host.address, plain)
        self.assertNotRegex(plain, r"(?im)^strict-transport-security:")
        self.assertRegex(plain, r"(?im)^x-content-type-options: nosniff\r?$")

    def test_11_purge_removes_the_data(self):
        on_host("/opt/microblog/current/deploy/uninstall.sh --purge")
        self.assertEqual(on_host("test -e /etc/microblog", check=False).returncode, 1)
        self.assertEqual(on_host("getent passwd microblog", check=False).returncode, 2)
        databases = on_host("mariadb -N -e 'SHOW DATABASES'").stdout.split()
        self.assertNotIn("microblog", databases)

    def test_12_a_database_on_another_machine(self):
        database = RemoteDatabase(host.client_netns, host.client_address)
        self.addCleanup(database.stop)
        database.start()
        database.sql("CREATE DATABASE blog CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin; "
                     "CREATE USER 'blog_app'@'%' IDENTIFIED BY 'app-secret'; "
                     "GRANT SELECT, INSERT, UPDATE, DELETE ON blog.* TO 'blog_app'@'%'; "
                     "CREATE USER 'blog_owner'@'%' IDENTIFIED BY 'owner-secret'; "
                     "GRANT ALL ON blog.* TO 'blog_owner'@'%'")
        on_host("printf app-secret > /root/app.pw && printf owner-secret > /root/owner.pw")
        options = ["--db-host", host.client_address, "--db-name", "blog", "--db-user", "blog_app",
                   "--db-password-file", "/root/app.pw", "--db-admin-user", "blog_owner",
                   "--db-admin-password-file", "/root/owner.pw"]
        deploy(releases["b"], install_options=options)
        on_host("microblog-admin create-user %s %s@example.org" % (USER, USER), input="%s\n" % PASSWORD)
        self.assertEqual(browser("sign-in", site_url(), USER, PASSWORD).stdout.strip(), USER)
        self.assertEqual(database.sql("SELECT username FROM blog.users"), USER)
        self.assertNotIn("blog", on_host("mariadb -N -e 'SHOW DATABASES'").stdout.split())
        stat = on_host("stat -c '%a %U' /etc/microblog/db_password /etc/microblog/db_admin_password").stdout
        self.assertEqual(stat.split("\n")[:2], ["600 microblog", "600 root"])


class RemoteDatabase:
    """A MariaDB server on the workstation side of the client namespace's veth: to the host, a
    database on another machine, reached over TCP."""

    def __init__(self, netns, address):
        self.netns, self.address = netns, address
        self.folder = tempfile.mkdtemp(prefix="microblog-remote-db-")
        self.socket = os.path.join(self.folder, "mysqld.sock")
        self.process = None

    def start(self):
        data = os.path.join(self.folder, "data")
        subprocess.run(["mariadb-install-db", "--no-defaults", "--datadir=" + data, "--user=root",
                        "--auth-root-authentication-method=socket", "--skip-test-db", "--force"],
                       check=True, capture_output=True)
        self.process = subprocess.Popen(
            ["ip", "netns", "exec", self.netns, "mariadbd", "--no-defaults", "--user=root",
             "--datadir=" + data, "--socket=" + self.socket, "--pid-file=" + self.folder + "/pid",
             "--bind-address=" + self.address, "--port=3306", "--skip-name-resolve",
             "--log-error=" + self.folder + "/error.log", "--innodb-buffer-pool-size=32M"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if subprocess.run(["mariadb-admin", "--no-defaults", "--socket=" + self.socket, "-uroot", "ping"],
                              capture_output=True).returncode == 0:
                return
            time.sleep(0.2)
        raise AssertionError("the remote database did not start")

    def sql(self, statement):
        return subprocess.run(["mariadb", "--no-defaults", "--socket=" + self.socket, "-uroot", "-N", "-e",
                               statement], check=True, capture_output=True, text=True).stdout.strip()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(failfast=True)
