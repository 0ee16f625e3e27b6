#!/usr/bin/python3
"""install.sh on four throwaway Debian 12 hosts (tests/support/throwaway_host.py) on one private
network: three database nodes that form a Galera cluster (install.sh --database-node), and an
app host installed against them (install.sh --db-host with the three addresses, over TLS). The
steps run in order, each from where the one before left the hosts."""
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from cluster import Network, make_certificates  # noqa: E402
from stack import BUILD_DIR, REPO_DIR  # noqa: E402
from throwaway_host import ThrowawayHost  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
VERSION = "galera-test"
RELEASE = "/root/microblog-%s" % VERSION
USER, PASSWORD = "susan", "a long passphrase for the cluster test"
APP_PASSWORD, ADMIN_PASSWORD = "app-account-password-0123", "owner-account-password-4567"

# The hosts' own veths reach their client namespaces; the bridge is the cluster's network.
network = Network("mbg", subnet=78)
nodes = [ThrowawayHost("galera-db%d" % i, subnet_index=60 + i) for i in (1, 2, 3)]
app = ThrowawayHost("galera-app", subnet_index=64)
NODE_ADDRESSES = [network.address(10 + i) for i in (1, 2, 3)]
CLUSTER_ADDRESS = ",".join(NODE_ADDRESSES)
work_dir = tempfile.mkdtemp(prefix="microblog-galera-test-")


def setUpModule():
    unittest.addModuleCleanup(shutil.rmtree, work_dir, ignore_errors=True)
    unittest.addModuleCleanup(network.stop)
    for host in nodes + [app]:
        unittest.addModuleCleanup(host.stop)
    network.start()
    tarball = subprocess.run(
        [os.path.join(REPO_DIR, "deploy", "make-release.sh"), "--build-dir", BUILD_DIR,
         "--output-dir", work_dir, "--version", VERSION],
        check=True, capture_output=True, text=True).stdout.strip()
    tls = make_certificates(os.path.join(work_dir, "tls"), NODE_ADDRESSES)
    for host, octet in zip(nodes + [app], (11, 12, 13, 21)):
        host.start()
        network.attach(host.netns, octet, device="lan0")
        copy(host, tarball, "/root/")
        on(host, "tar -C /root -xzf /root/%s" % os.path.basename(tarball))
        copy(host, tls["ca"], "/root/ca.pem")
    for node in nodes:
        copy(node, tls["cert"], "/root/node.pem")
        copy(node, tls["key"], "/root/node.key")
    for host in (nodes[0], app):
        on(host, "umask 077 && printf %s > /root/app.pw && printf %s > /root/owner.pw"
           % (APP_PASSWORD, ADMIN_PASSWORD))


def copy(host, source, target):
    host.client(["scp", *host.ssh_options(), source, "%s:%s" % (host.ssh_target, target)])


def on(host, command, check=True, input=None, timeout=120):
    result = host.ssh(command, check=False, input=input, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError("on %s, %r exited with %d:\n%s%s" % (
            host.machine, command, result.returncode, result.stdout, result.stderr))
    return result


def install_command(index, *options):
    return [RELEASE + "/deploy/install.sh", "--database-node",
            "--cluster-address", CLUSTER_ADDRESS, "--node-address", NODE_ADDRESSES[index],
            "--tls-ca", "/root/ca.pem", "--tls-certificate", "/root/node.pem",
            "--tls-key", "/root/node.key", *options]


def install_node(index, *options):
    return on(nodes[index], shlex.join(install_command(index, *options)), timeout=600)


def sql(node, statement):
    """As the node's root, over its local socket (no network)."""
    return node.run(["mariadb", "-N", "-B", "-e", statement]).stdout.strip()


def status(node, name):
    result = node.run(["mariadb", "-N", "-B", "-e", "SHOW GLOBAL STATUS LIKE '%s'" % name], check=False)
    fields = result.stdout.split()
    return fields[1] if len(fields) > 1 else None


def wait_synced(node, size, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if status(node, "wsrep_local_state_comment") == "Synced" and \
                status(node, "wsrep_cluster_size") == str(size):
            return
        time.sleep(1)
    raise AssertionError("%s is not synced in a cluster of %d after %d s:\n%s" % (
        node.machine, size, timeout, node.journal("mariadb.service", lines=40)))


def mariadb_pid(node):
    return node.run(["systemctl", "show", "-p", "MainPID", "--value", "mariadb.service"]).stdout.strip()


def browser(*args, check=True):
    return app.client(["/usr/bin/python3", os.path.join(HERE, "host_client.py"), *args],
                      check=check, timeout=300)


def site_url():
    return "http://%s" % app.address


class GaleraHostsTest(unittest.TestCase):
    """Numbered: each step starts from where the one before left the hosts."""

    def test_01_the_first_node_starts_a_new_cluster_with_the_accounts(self):
        result = install_node(0, "--bootstrap", "--db-password-file", "/root/app.pw",
                              "--db-admin-password-file", "/root/owner.pw")
        self.assertIn("synced in the cluster microblog of 1 nodes", result.stderr)
        self.assertEqual(status(nodes[0], "wsrep_cluster_status"), "Primary")
        # Only the cluster's address listens, and only over TLS may the accounts connect.
        self.assertEqual(sql(nodes[0], "SELECT @@bind_address"), NODE_ADDRESSES[0])
        self.assertEqual(sql(nodes[0], "SELECT user, ssl_type FROM mysql.user WHERE user LIKE 'microblog%' "
                                       "ORDER BY user").split("\n"),
                         ["microblog\tANY", "microblog_admin\tANY"])
        grants = sql(nodes[0], "SHOW GRANTS FOR 'microblog'@'%'")
        self.assertIn("GRANT SELECT, INSERT, UPDATE, DELETE ON `microblog`.*", grants)
        # Replication between nodes is encrypted with the node's certificate.
        self.assertIn("socket.ssl = YES", sql(nodes[0], "SELECT @@wsrep_provider_options"))

    def test_02_the_other_nodes_join_by_an_encrypted_state_transfer(self):
        sql(nodes[0], "CREATE TABLE microblog.before_join (id INT PRIMARY KEY); "
                      "INSERT INTO microblog.before_join VALUES (42)")
        for index in (1, 2):
            install_node(index)
        for node in nodes:
            wait_synced(node, 3)
        # The joiners have what was written before they came: a full state transfer.
        self.assertEqual(sql(nodes[2], "SELECT id FROM microblog.before_join"), "42")
        self.assertIn("microblog_admin", sql(nodes[2], "SELECT user FROM mysql.user"))
        sql(nodes[0], "DROP TABLE microblog.before_join")
        transfer = nodes[2].journal("mariadb.service", lines=400)
        self.assertIn("Using stunnel for SSL encryption", transfer)

    def test_03_installing_a_node_again_changes_nothing(self):
        before = mariadb_pid(nodes[1])
        result = install_node(1)
        self.assertEqual(mariadb_pid(nodes[1]), before, result.stderr)
        self.assertNotIn("starting", result.stderr)
        self.assertIn("synced in the cluster microblog of 3 nodes", result.stderr)

    def test_03a_a_stopped_node_is_not_made_a_second_cluster(self):
        nodes[2].run(["systemctl", "stop", "mariadb.service"])
        wait_synced(nodes[0], 2)
        refused = on(nodes[2], shlex.join(install_command(2, "--bootstrap")), check=False)
        self.assertEqual(refused.returncode, 1, refused.stderr)
        self.assertIn("is running the cluster: join it", refused.stderr)
        self.assertEqual(nodes[2].run(["systemctl", "is-active", "mariadb.service"], check=False).stdout.strip(),
                         "inactive")
        install_node(2)
        for node in nodes:
            wait_synced(node, 3)

    def test_04_an_app_host_installs_against_the_cluster_and_serves(self):
        on(app, shlex.join([RELEASE + "/deploy/install.sh", "--db-host", CLUSTER_ADDRESS,
                            "--db-tls-ca", "/root/ca.pem", "--db-password-file", "/root/app.pw",
                            "--db-admin-user", "microblog_admin",
                            "--db-admin-password-file", "/root/owner.pw"]), timeout=600)
        config = on(app, "cat /etc/microblog/microblog.conf").stdout
        self.assertRegex(config, r"(?m)^db_host = %s$" % CLUSTER_ADDRESS.replace(".", r"\."))
        self.assertRegex(config, r"(?m)^db_timeout_seconds = 8$")
        on(app, "microblog-admin create-user %s %s@example.org" % (USER, USER), input="%s\n" % PASSWORD)
        self.assertEqual(browser("sign-in", site_url(), USER, PASSWORD).stdout.strip(), USER)
        # The migrations and the user reached every node.
        for node in nodes:
            self.assertEqual(sql(node, "SELECT username FROM microblog.users"), USER)
            self.assertGreater(int(sql(node, "SELECT COUNT(*) FROM microblog.schema_migrations")), 0)

    def test_05_a_killed_node_is_restarted_and_rejoins_while_the_site_serves(self):
        cookie = browser("session", site_url(), USER, PASSWORD).stdout.strip()
        killed = mariadb_pid(nodes[0])
        nodes[0].run(["systemctl", "kill", "--signal=SIGKILL", "mariadb.service"])
        # The app host's first node is gone: its workers move on, and a sign-in still works.
        self.assertEqual(browser("sign-in", site_url(), USER, PASSWORD).stdout.strip(), USER)
        home = json.loads(browser("home", site_url(), cookie).stdout)
        self.assertEqual((home["status"], home["greeting"]), (200, USER))
        on(app, "microblog-admin create-user while_down while_down@example.org",
           input="%s\n" % PASSWORD)
        # systemd brings it back (Restart=on-abnormal), and it catches up on what it missed.
        wait_synced(nodes[0], 3)
        self.assertNotEqual(mariadb_pid(nodes[0]), killed)
        self.assertEqual(sql(nodes[0], "SELECT COUNT(*) FROM microblog.users WHERE username = 'while_down'"), "1")


if __name__ == "__main__":
    unittest.main(failfast=True)
