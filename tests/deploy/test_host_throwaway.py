#!/usr/bin/python3
"""tests/support/throwaway_host.py: the throwaway Debian 12 host the deployment tests deploy to.

Boots one host (a few seconds once the image is cached under build/hosts/; the first run builds
it, a few minutes) and checks what those tests rely on: a real systemd, ssh with the harness's
key from the client namespace only, no way out of the namespaces, the runtime packages, and
systemd restarting a killed service."""
import os
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from throwaway_host import ThrowawayHost, image_packages  # noqa: E402

host = ThrowawayHost("selftest", subnet_index=200)

CONNECT_OUTSIDE = """
import errno, socket, time
s = socket.socket()
s.settimeout(5)
started = time.monotonic()
try:
    s.connect(("192.0.2.1", 22))
    print("connected", 0.0)
except OSError as e:
    print(errno.errorcode.get(e.errno, "timeout"), time.monotonic() - started)
"""


def setUpModule():
    unittest.addModuleCleanup(host.stop)
    host.start()


class ThrowawayHostTest(unittest.TestCase):
    def test_systemd_is_pid_1_and_the_boot_finished(self):
        self.assertEqual(host.run("cat /proc/1/comm").stdout.strip(), "systemd")
        self.assertEqual(host.run("readlink /proc/1/exe").stdout.strip(), "/usr/lib/systemd/systemd")
        state = host.run("systemctl is-system-running", check=False).stdout.strip()
        self.assertIn(state, ("running", "degraded"), host.run("systemctl --failed", check=False).stdout)
        # The same machine over ssh: PID 1 as sshd's sessions see it.
        self.assertEqual(host.ssh("cat /proc/1/comm; hostname").stdout.split(), ["systemd", host.machine])

    def test_sshd_answers_from_the_client_namespace_with_the_generated_key_only(self):
        result = host.client(["ssh", *host.ssh_options(), host.ssh_target, "id -un"], check=False)
        self.assertEqual((result.returncode, result.stdout.strip()), (0, "root"), result.stderr)
        # Without the key (and no password in batch mode) the host refuses.
        refused = host.client(["ssh", "-F", "/dev/null", "-o", "PubkeyAuthentication=no", "-o", "BatchMode=yes",
                               "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                               "-o", "ConnectTimeout=5", host.ssh_target, "true"], check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("Permission denied", refused.stderr)

    def test_a_script_reaches_the_host_through_the_ssh_config_variable(self):
        script = ('set -e; printf "hello" > "$1/file"; '
                  'scp -q -F "$MICROBLOG_SSH_CONFIG" "$1/file" root@%s:/tmp/copied; '
                  'ssh -F "$MICROBLOG_SSH_CONFIG" %s cat /tmp/copied' % (host.address, host.machine))
        with tempfile.TemporaryDirectory() as scratch:
            result = host.client(["sh", "-c", script, "sh", scratch], env=host.ssh_env(), check=False)
        self.assertEqual((result.returncode, result.stdout), (0, "hello"), result.stderr)
        self.assertEqual(host.run("cat /tmp/copied").stdout, "hello")

    def test_the_client_namespace_has_no_way_out(self):
        routes = host.client(["ip", "route", "show", "default"]).stdout
        self.assertEqual(routes.strip(), "")
        started = time.monotonic()
        result = host.client(["/usr/bin/python3", "-c", CONNECT_OUTSIDE], timeout=10)
        outcome, seconds = result.stdout.split()
        self.assertEqual(outcome, "ENETUNREACH")
        self.assertLess(float(seconds), 1.0)
        self.assertLess(time.monotonic() - started, 5)
        # Nor does the host itself have a route out.
        self.assertEqual(host.run("ip route show default").stdout.strip(), "")

    def test_every_package_of_an_app_host_and_a_database_node_is_installed(self):
        packages = image_packages()
        self.assertIn("mariadb-server", packages)
        self.assertIn("stunnel4", packages)
        result = host.run(["dpkg-query", "-W", "-f", "${Package} ${Status}\\n"] + packages, check=False)
        status = dict(line.split(" ", 1) for line in result.stdout.splitlines())
        missing = [p for p in packages if status.get(p) != "install ok installed"]
        self.assertEqual(missing, [], result.stderr)

    def test_a_service_killed_with_sigkill_is_restarted_by_systemd(self):
        def main_pid():
            return int(host.run(["systemctl", "show", "-p", "MainPID", "--value", "ssh.service"]).stdout)

        self.assertEqual(host.run(["systemctl", "show", "-p", "Restart", "--value", "ssh.service"]).stdout.strip(),
                         "on-failure")
        before = main_pid()
        self.assertGreater(before, 1)
        host.run(["kill", "-KILL", str(before)])
        deadline = time.monotonic() + 20
        after = 0
        while time.monotonic() < deadline:
            after = main_pid()
            if after not in (0, before) and host.run(["systemctl", "is-active", "ssh.service"], check=False).stdout.strip() == "active":
                break
            time.sleep(0.2)
        self.assertNotIn(after, (0, before), host.journal("ssh.service", lines=20))
        restarts = host.run(["systemctl", "show", "-p", "NRestarts", "--value", "ssh.service"]).stdout.strip()
        self.assertGreaterEqual(int(restarts), 1)
        host.wait_for_unit("ssh.service", "active", timeout=10)
        self.assertEqual(host.ssh("echo back").stdout.strip(), "back")


if __name__ == "__main__":
    unittest.main(verbosity=2)
