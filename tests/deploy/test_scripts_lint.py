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
HOST_SCRIPTS = ["install.sh", "deploy.sh", "rollback.sh", "backup.sh", "restore.sh", "uninstall.sh",
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
