#!/usr/bin/python3
"""Every shell script of the repository passes shellcheck, with set -e suppression reported; the
deployment scripts answer --help and refuse an option without its value as bad usage; deploy.sh
stops at a failing ssh; the systemd units pass systemd-analyze verify (warnings count). The host
tests (test_host_deploy.py) run the scripts for real."""
import glob
import re
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from stack import BUILD_DIR, REPO_DIR  # noqa: E402

DEPLOY = os.path.join(REPO_DIR, "deploy")
HOST_SCRIPTS = ["install.sh", "install-database-node.sh", "deploy.sh", "rollback.sh", "backup.sh", "restore.sh", "uninstall.sh",
                "make-release.sh", "rotate-secret-key.sh"]




def shell_scripts():
    """The repository's shell scripts, from git so that none is missed: named *.sh, or starting
    with a sh or bash #! line."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_DIR, check=True,
                            capture_output=True, text=True).stdout.split("\0")
    scripts = []
    for name in filter(None, listed):
        path = os.path.join(REPO_DIR, name)
        if not os.path.isfile(path) or os.path.islink(path):
            continue
        if name.endswith(".sh"):
            scripts.append(name)
            continue
        with open(path, "rb") as f:
            first = f.readline(200)
        if re.match(rb"#!\s*\S*/(env\s+)?(ba)?sh\b", first):
            scripts.append(name)
    return sorted(scripts)


def options_taking_a_value(help_text):
    """The options --help shows with a value after them (--release TARBALL, [--to VERSION])."""
    return sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)[ =][A-Z][A-Z_]*\b", help_text)))


class ScriptsLintTest(unittest.TestCase):
    def test_every_script_passes_shellcheck_with_set_e_suppression_reported(self):
        scripts = shell_scripts()
        for known in ("deploy/install.sh", "deploy/lib/steps.sh", ".ci/run", ".ci/slowest-tests",
                      "tests/fuzz/run.sh", "tests/fresh-host/check.sh"):
            self.assertIn(known, scripts)
        for script in scripts:
            with self.subTest(script=script):
                # A function called as a condition (f && x, f || y, if f, ! f) runs with set -e
                # off: a failing command inside it is skipped (SC2310).
                result = subprocess.run(["shellcheck", "-x", "-o", "check-set-e-suppressed", script],
                                        cwd=REPO_DIR, capture_output=True, text=True)
                self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_deploy_scripts_have_no_warning_even_without_their_sources(self):
        scripts = sorted(glob.glob(os.path.join(DEPLOY, "*.sh")))
        result = subprocess.run(["shellcheck", "-S", "warning", *scripts], cwd=REPO_DIR,
                                capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_an_option_without_its_value_is_bad_usage(self):
        # As nobody: were the check missing, a script would stop at its root check at worst.
        as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
        for name in HOST_SCRIPTS:
            path = os.path.join(DEPLOY, name)
            options = options_taking_a_value(subprocess.run([path, "--help"], capture_output=True,
                                                            text=True, timeout=30).stdout)
            self.assertTrue(options or name in ("uninstall.sh", "rotate-secret-key.sh"), name)
            for option in options:
                with self.subTest(script=name, option=option):
                    result = subprocess.run([*as_nobody, path, option], capture_output=True,
                                            text=True, timeout=30)
                    self.assertEqual(result.returncode, 2, result.stderr)
                    self.assertIn(option, result.stderr)
                    self.assertIn("needs", result.stderr)

    def test_deploy_stops_at_the_first_failing_ssh_and_says_what_to_do(self):
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder)
        tarball = os.path.join(folder, "microblog-test.tar.gz")
        with open(tarball, "wb"):
            pass
        # ssh fails as with an unknown host key or no key login: nothing is ever connected to.
        config = os.path.join(folder, "ssh_config")
        with open(config, "w") as f:
            f.write("Host *\n    ProxyCommand false\n")
        result = subprocess.run([os.path.join(DEPLOY, "deploy.sh"), "--release", tarball, "--ssh-config", config,
                                 "root@server.invalid"], capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertNotIn("copying", result.stderr)
        self.assertIn("cannot run commands on root@server.invalid over ssh", result.stderr)
        for advice in ("known_hosts", "key", "--ssh-config", "MICROBLOG_SSH_CONFIG"):
            self.assertIn(advice, result.stderr)

    def test_host_scripts_are_strict_and_answer_help(self):
        for name in HOST_SCRIPTS:
            with self.subTest(script=name):
                path = os.path.join(DEPLOY, name)
                with open(path) as f:
                    self.assertIn("set -euo pipefail", f.read())
                result = subprocess.run([path, "--help"], capture_output=True, text=True, timeout=30)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertRegex(result.stdout, r"(?i)^usage: (deploy/)?%s\b" % re.escape(name))
                wrong = subprocess.run([path, "--no-such-option"], capture_output=True, text=True, timeout=30)
                self.assertEqual(wrong.returncode, 2, name)

    def test_a_database_node_install_refuses_bad_options_before_touching_anything(self):
        # As nobody: were a check missing, the script would stop at "run me as root" (exit 1)
        # instead of going on to change this machine's MariaDB.
        as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
        with tempfile.TemporaryDirectory() as folder:
            os.chmod(folder, 0o755)
            tls = []
            for option, name in (("--tls-ca", "ca.pem"), ("--tls-certificate", "node.pem"),
                                 ("--tls-key", "node.key")):
                open(os.path.join(folder, name), "w").close()
                tls += [option, os.path.join(folder, name)]
            node = ["--cluster-address", "10.0.0.1,10.0.0.2", "--node-address", "10.0.0.1"]
            cases = {
                "a node outside the cluster": (["--cluster-address", "10.0.0.1,10.0.0.2",
                                                "--node-address", "10.0.0.3", *tls], "--node-address"),
                "a missing key": ([*node, *tls[:-2]], "--tls-ca"),
                "an address with a space": (["--cluster-address", "10.0.0.1, 10.0.0.2",
                                             "--node-address", "10.0.0.1", *tls], "--cluster-address"),
                "one password file only": ([*node, *tls, "--db-password-file", tls[1]], "go together"),
            }
            for case, (options, message) in cases.items():
                with self.subTest(case=case):
                    # Through install.sh, as an operator would call it.
                    result = subprocess.run(
                        [*as_nobody, os.path.join(DEPLOY, "install.sh"), "--database-node", *options],
                        capture_output=True, text=True, timeout=30)
                    self.assertEqual(result.returncode, 2, result.stderr)
                    self.assertIn(message, result.stderr)
            # The same options, made right, pass the checks and reach the root check.
            if as_nobody:
                result = subprocess.run([*as_nobody, os.path.join(DEPLOY, "install.sh"), "--database-node",
                                         *node, *tls], capture_output=True, text=True, timeout=30)
                self.assertEqual(result.returncode, 1, result.stderr)
                self.assertIn("run me as root", result.stderr)

    def test_an_install_refuses_bad_site_and_mail_options_before_touching_anything(self):
        # As nobody, as above: a missing check would end at "run me as root" (exit 1).
        as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
        cases = {
            "a site URL with a path": (["--site-url", "https://blog.example.org/blog"], "--site-url"),
            "a site URL of another scheme": (["--site-url", "ftp://blog.example.org"], "--site-url"),
            "a sender with no address": (["--mail-from", "Microblog"], "--mail-from"),
            "a sender with a line break": (["--mail-from", "Blog <b@example.org>\nBcc: x@example.org"],
                                           "line breaks"),
            "a sender that would end sed's replacement": (["--mail-from", "a|b@example.org"], "may not hold"),
            "an unknown TLS mode": (["--smtp-tls", "ssl"], "--smtp-tls"),
            "a port out of range": (["--smtp-port", "65536"], "--smtp-port"),
            "a relay with a space": (["--smtp-host", "smtp example.org"], "--smtp-host"),
            "a user without a password file": (["--smtp-user", "blog"], "go together"),
            "a password file without a user": (["--smtp-password-file", "/etc/hostname"], "go together"),
        }
        for case, (options, message) in cases.items():
            with self.subTest(case=case):
                result = subprocess.run([*as_nobody, os.path.join(DEPLOY, "install.sh"), *options],
                                        capture_output=True, text=True, timeout=30)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertIn(message, result.stderr)
        if as_nobody:
            good = ["--site-url", "https://blog.example.org:8443/", "--mail-from", "Blog <blog@example.org>",
                    "--smtp-host", "smtp.example.org", "--smtp-port", "587", "--smtp-tls", "starttls",
                    "--smtp-user", "blog@example.org", "--smtp-password-file", "/etc/hostname"]
            result = subprocess.run([*as_nobody, os.path.join(DEPLOY, "install.sh"), *good],
                                    capture_output=True, text=True, timeout=30)
            self.assertEqual(result.returncode, 1, result.stderr)
            self.assertIn("run me as root", result.stderr)

    def test_units_pass_systemd_analyze_verify(self):
        # verify checks that ExecStart exists, so the copies point at this build's programs;
        # everything else is the shipped text.
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder)
        units = []
        for path in glob.glob(os.path.join(DEPLOY, "systemd", "*")):
            with open(path) as f:
                text = f.read().replace("/opt/microblog/current/bin/", os.path.join(BUILD_DIR, "bin") + "/")
            names = [os.path.basename(path)]
            if "@." in names[0]:
                names = [names[0].replace("@.", "@index.")]
            for name in names:
                with open(os.path.join(folder, name), "w") as f:
                    f.write(text)
                units.append(name)
        self.assertEqual(sorted(units), ["microblog-mailer.service", "microblog.target", "microblog@index.service",
                                         "microblog@index.socket"])
        result = subprocess.run(["systemd-analyze", "verify", *units], cwd=folder, capture_output=True, text=True)
        # Units it pulls in that this machine lacks (mariadb.service) are not ours to judge.
        complaints = [line for line in result.stderr.splitlines()
                      if "microblog" in line and "mariadb.service" not in line]
        self.assertEqual(complaints, [])


if __name__ == "__main__":
    unittest.main()
