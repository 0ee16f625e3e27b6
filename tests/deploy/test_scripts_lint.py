#!/usr/bin/python3
"""The deployment scripts pass shellcheck and answer --help; the systemd units pass
systemd-analyze verify (warnings count). The host tests (test_host_deploy.py) run them for real."""
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
SCRIPTS = sorted(glob.glob(os.path.join(DEPLOY, "*.sh")) + glob.glob(os.path.join(DEPLOY, "lib", "*.sh")))
HOST_SCRIPTS = ["install.sh", "install-database-node.sh", "deploy.sh", "rollback.sh", "backup.sh", "restore.sh", "uninstall.sh",
                "make-release.sh", "rotate-secret-key.sh"]


class ScriptsLintTest(unittest.TestCase):
    def test_every_script_passes_shellcheck(self):
        self.assertGreater(len(SCRIPTS), 8)
        result = subprocess.run(["shellcheck", "-x", *SCRIPTS], cwd=REPO_DIR, capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

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
        self.assertEqual(sorted(units), ["microblog.target", "microblog@index.service", "microblog@index.socket"])
        result = subprocess.run(["systemd-analyze", "verify", *units], cwd=folder, capture_output=True, text=True)
        # Units it pulls in that this machine lacks (mariadb.service) are not ours to judge.
        complaints = [line for line in result.stderr.splitlines()
                      if "microblog" in line and "mariadb.service" not in line]
        self.assertEqual(complaints, [])


if __name__ == "__main__":
    unittest.main()
