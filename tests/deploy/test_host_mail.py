#!/usr/bin/python3
"""Mail on a throwaway Debian 12 host (tests/support/throwaway_host.py) with a real MTA: the
image's exim4, delivering local mail only (to /var/mail/USER) and relaying nothing. install.sh
installs and enables microblog-mailer.service, hardened like the route units; the mail it and
microblog-admin send-test-mail send arrives in a local mailbox; the mail options reach the
configuration; the password reset journey over HTTP, from the mail in the mailbox. The steps run
in order on one host. Run as `test_host_mail.py client ...`, it is the browser side, inside the
client namespace (host.client)."""
import email.utils
import mailbox
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from stack import BUILD_DIR, REPO_DIR  # noqa: E402
from throwaway_host import ThrowawayHost  # noqa: E402

host = ThrowawayHost("mail", subnet_index=43)
work_dir = tempfile.mkdtemp(prefix="microblog-mail-test-")
releases = {}
READER = "alice"  # a local user of the host, whose mailbox the mail lands in
# Her address: the site takes only dotted domains, so exim is told this one is its own too.
ADDRESS = READER + "@mail.test"
MAILER = "microblog-mailer.service"
# What the route units harden (deploy/systemd/microblog@.service), as systemctl shows it.
HARDENING = ["NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp", "PrivateDevices",
             "ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups",
             "ProtectClock", "ProtectHostname", "RestrictAddressFamilies", "RestrictNamespaces",
             "RestrictRealtime", "RestrictSUIDSGID", "LockPersonality", "MemoryDenyWriteExecute",
             "SystemCallArchitectures", "CapabilityBoundingSet", "UMask", "User", "Group"]


def setUpModule():
    unittest.addModuleCleanup(shutil.rmtree, work_dir, ignore_errors=True)
    unittest.addModuleCleanup(host.stop)
    releases["a"] = subprocess.run(
        [os.path.join(REPO_DIR, "deploy", "make-release.sh"), "--build-dir", BUILD_DIR,
         "--output-dir", work_dir, "--version", "mail-a"],
        check=True, capture_output=True, text=True).stdout.strip()
    host.start()


def site_url():
    return "http://%s" % host.address


def on_host(command, check=True, input=None, timeout=120):
    result = host.ssh(command, check=False, input=input, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError("on the host, %r exited with %d:\n%s%s" % (
            command, result.returncode, result.stdout, result.stderr))
    return result


def deploy(install_options=()):
    options = [word for option in install_options for word in ("--install-option", option)]
    result = host.client([os.path.join(REPO_DIR, "deploy", "deploy.sh"), "--release", releases["a"],
                          *options, host.ssh_target], env=host.ssh_env(), check=False, timeout=600)
    if result.returncode != 0:
        raise AssertionError("deploy.sh exited with %d:\n%s" % (result.returncode, result.stderr))
    return result


def config_line(key):
    return re.search(r"(?m)^%s =(.*)$" % key, on_host("cat /etc/microblog/microblog.conf").stdout).group(1).strip()


def unit_properties(unit, names):
    out = on_host("systemctl show %s %s" % (unit, " ".join("-p " + name for name in names))).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def mails(user=READER):
    """The messages in USER's mailbox on the host (mbox), oldest first."""
    text = on_host("cat /var/mail/%s 2>/dev/null || true" % user).stdout
    path = os.path.join(work_dir, "mbox-%s" % user)
    with open(path, "w") as f:
        f.write(text)
    box = mailbox.mbox(path, create=False)
    try:
        return list(box)
    finally:
        box.close()


def wait_for_mail(subject, user=READER, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in mails(user) if m["Subject"] == subject]
        if found:
            return found[-1]
        if time.monotonic() > deadline:
            raise AssertionError("no mail %r reached /var/mail/%s in %d s; the mailer's journal:\n%s\nexim:\n%s" % (
                subject, user, timeout, host.journal(MAILER, lines=30),
                on_host("tail -n 20 /var/log/exim4/mainlog", check=False).stdout))
        time.sleep(0.5)


def queue(subject, recipient):
    """Puts a mail in the outbox as a page would (one row, the whole message); returns its id."""
    message = ("From: Microblog <microblog@%s>\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@test>\r\n"
               "Date: Mon, 07 Dec 2026 12:00:00 +0000\r\nAuto-Submitted: auto-generated\r\n"
               "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nQueued by the test.\r\n"
               % (host.machine, recipient, subject, subject.replace(" ", "-")))
    sql = ("INSERT INTO outbox (kind, recipient, budgeted, message, created_at, next_attempt_at) "
           "VALUES ('test', '%s', 0, X'%s', UTC_TIMESTAMP(), UTC_TIMESTAMP()); SELECT LAST_INSERT_ID();"
           % (recipient, message.encode().hex()))
    return int(on_host("mariadb -N microblog", input=sql).stdout.strip())


class HostMailTest(unittest.TestCase):
    """Numbered: each step starts from where the one before left the host."""

    def test_01_the_host_mta_delivers_locally_only(self):
        self.assertEqual(on_host("systemctl is-active exim4").stdout.strip(), "active")
        self.assertIn("dc_eximconfig_configtype='local'", on_host("cat /etc/exim4/update-exim4.conf.conf").stdout)
        listening = on_host("ss -Hltn 'sport = :25'").stdout.split()
        self.assertIn("127.0.0.1:25", listening)
        self.assertNotIn("0.0.0.0:25", listening)
        on_host("useradd --create-home %s" % READER)
        on_host("sed -i -e \"s|^dc_other_hostnames=.*|dc_other_hostnames='mail.test'|\" "
                "/etc/exim4/update-exim4.conf.conf && update-exim4.conf && systemctl restart exim4")

    def test_02_install_enables_a_running_hardened_mailer(self):
        deploy(["--site-url", site_url()])
        self.assertEqual(config_line("site_url"), site_url())
        self.assertEqual(config_line("mail_transport"), "smtp")
        self.assertEqual(config_line("mail_from"), "Microblog <microblog@%s>" % host.machine)
        self.assertEqual([config_line(k) for k in ("smtp_host", "smtp_port", "smtp_tls", "smtp_user",
                                                   "smtp_password_file")], ["127.0.0.1", "25", "none", "", ""])
        state = unit_properties(MAILER, ["ActiveState", "UnitFileState", "Restart", "ExecStart", "PrivateNetwork"])
        self.assertEqual((state["ActiveState"], state["UnitFileState"], state["Restart"], state["PrivateNetwork"]),
                         ("active", "enabled", "always", "no"))
        self.assertIn("/opt/microblog/current/bin/microblog-mailer --config /etc/microblog/microblog.conf",
                      state["ExecStart"])
        mailer = unit_properties(MAILER, HARDENING)
        self.assertEqual(mailer, unit_properties("microblog@index.service", HARDENING))
        self.assertEqual((mailer["User"], mailer["ProtectSystem"], mailer["NoNewPrivileges"],
                          mailer["CapabilityBoundingSet"]), ("microblog", "strict", "yes", ""))
        verify = on_host("systemd-analyze verify /etc/systemd/system/%s" % MAILER, check=False)
        self.assertEqual((verify.returncode, verify.stderr.strip()), (0, ""))
        pid = unit_properties(MAILER, ["MainPID"])["MainPID"]
        self.assertEqual(on_host("ps -o user= -p %s" % pid).stdout.strip(), "microblog")

    def test_03_send_test_mail_reaches_the_local_mailbox(self):
        result = on_host("microblog-admin send-test-mail %s" % ADDRESS)
        self.assertEqual(result.returncode, 0, result.stderr)
        # Sent at once, not through the outbox: in the mailbox as soon as exim delivered it.
        deadline = time.monotonic() + 30
        while not mails() and time.monotonic() < deadline:
            time.sleep(0.5)
        arrived = mails()
        self.assertEqual(len(arrived), 1, [m["Subject"] for m in arrived])
        self.assertEqual(email.utils.parseaddr(arrived[0]["To"])[1], ADDRESS)
        self.assertIn("microblog@%s" % host.machine, arrived[0]["From"])

    def test_04_the_mailer_delivers_the_outbox(self):
        row = queue("Queued mail one", ADDRESS)
        mail = wait_for_mail("Queued mail one")
        self.assertEqual(mail.get_payload().strip(), "Queued by the test.")
        self.assertEqual(on_host("mariadb -N -e 'SELECT state FROM microblog.outbox WHERE id = %d'" % row)
                         .stdout.strip(), "sent")

    def test_04a_a_password_reset_from_the_mail_in_the_mailbox(self):
        name, old, new = "alice", "an old passphrase to forget", "a brand new passphrase to keep"
        self.assertEqual(browser("register", site_url(), name, ADDRESS, old), "302 /login")
        # Another Host header: the link still starts with site_url.
        self.assertEqual(browser("request", site_url(), ADDRESS, "elsewhere.example"),
                         "302 /login")
        mail = wait_for_mail("[Microblog] Reset Your Password")
        text = mail.get_payload(decode=True).decode(mail.get_content_charset() or "utf-8")
        self.assertIn(name, text)
        link = re.search(r"(\S+/reset_password/[A-Za-z0-9_-]+)", text).group(1)
        self.assertTrue(link.startswith(site_url() + "/reset_password/"), link)
        self.assertEqual(browser("reset", link, new), "302 /login")
        self.assertEqual(browser("sign-in", site_url(), name, new), "302 /index")
        self.assertEqual(browser("sign-in", site_url(), name, old), "302 /login")  # refused
        self.assertRegex(browser("reset", link, "yet another passphrase"), r"^4[0-9][0-9] invalid$")  # used once
        # The notice that the password changed goes out through the mailer too.
        wait_for_mail("[Microblog] Your password was changed")

    def test_05_installing_again_leaves_the_mailer_and_an_upgrade_restarts_it(self):
        pid = unit_properties(MAILER, ["MainPID"])["MainPID"]
        on_host("/opt/microblog/current/deploy/install.sh")
        self.assertEqual(unit_properties(MAILER, ["MainPID"])["MainPID"], pid)
        # A changed configuration is an upgrade for the programs: they read it at start.
        on_host("sed -i -e 's|^mail_retry_seconds = .*|mail_retry_seconds = 5|' /etc/microblog/microblog.conf")
        result = on_host("/opt/microblog/current/deploy/install.sh")
        self.assertIn("restarting %s" % MAILER, result.stderr)
        self.assertNotEqual(unit_properties(MAILER, ["MainPID"])["MainPID"], pid)
        queue("Queued mail two", ADDRESS)
        wait_for_mail("Queued mail two")

    def test_06_uninstall_stops_and_removes_the_mailer(self):
        on_host("/opt/microblog/current/deploy/uninstall.sh --purge")
        self.assertEqual(on_host("systemctl list-unit-files 'microblog*' --no-legend", check=False).stdout.strip(), "")
        self.assertNotEqual(on_host("pgrep -x microblog-maile", check=False).returncode, 0)

    def test_07_a_relay_with_a_login_is_configured_from_the_options(self):
        on_host("printf 'relay secret' > /root/smtp.pw")
        # microblog-admin check fetches site_url's /login from the host: the name must lead here.
        on_host("echo '127.0.0.1 blog.test' >> /etc/hosts")
        result = deploy(["--site-url", "http://blog.test", "--mail-from", "Blog <blog@blog.test>",
                "--smtp-host", "localhost", "--smtp-port", "587", "--smtp-tls", "starttls",
                "--smtp-user", "blog@blog.test", "--smtp-password-file", "/root/smtp.pw"])
        self.assertEqual([config_line(k) for k in ("site_url", "mail_from", "smtp_host", "smtp_port", "smtp_tls",
                                                   "smtp_user", "smtp_password_file")],
                         ["http://blog.test", "Blog <blog@blog.test>", "localhost", "587", "starttls",
                          "blog@blog.test", "/etc/microblog/smtp_password"])
        self.assertEqual(on_host("stat -c '%a %U:%G' /etc/microblog/smtp_password").stdout.strip(),
                         "600 microblog:microblog")
        self.assertEqual(on_host("cat /etc/microblog/smtp_password").stdout, "relay secret")
        self.assertEqual(unit_properties(MAILER, ["ActiveState"])["ActiveState"], "active")
        self.assertIn("no mail server answers on localhost:587", result.stderr)


def browser(*args):
    """Runs the client side below in the client namespace; its one-line answer."""
    return host.client([sys.executable, os.path.abspath(__file__), "client", *args]).stdout.strip()


def client(command, url, *args):
    """What browser() runs: "STATUS LOCATION" of the answer to the form's POST ("-": none; a 4xx
    page that says the link is invalid: "STATUS invalid")."""
    from client import CSRF_PATTERN, Visitor
    import urllib.parse
    if command == "reset":
        parts = urllib.parse.urlsplit(url)
        visitor = Visitor("%s://%s" % (parts.scheme, parts.netloc))
        form = visitor.get(parts.path)
        match = CSRF_PATTERN.search(form.text)
        token = match.group(1) if match else visitor.csrf_token("/reset_password_request")
        answer = visitor.post(parts.path, {"csrf_token": token, "password": args[0], "password2": args[0]})
        if 400 <= answer.status_code < 500 and "invalid" in answer.text:
            return "%d invalid" % answer.status_code
    else:
        visitor = Visitor(url)
        if command == "register":
            name, address, password = args
            answer = visitor.register(name, email=address, password=password)
        elif command == "request":
            address, host_header = args
            token = visitor.csrf_token("/reset_password_request")
            # requests matches cookies to a Host header it is given, not to the URL: name them.
            cookies = "; ".join("%s=%s" % (cookie.name, cookie.value) for cookie in visitor.http.cookies)
            answer = visitor.post("/reset_password_request", {"csrf_token": token, "email": address},
                                  headers={"Host": host_header, "Cookie": cookies})
        elif command == "sign-in":
            answer = visitor.login(args[0], password=args[1])
        else:
            raise SystemExit("unknown client command %r" % command)
    return "%d %s" % (answer.status_code, answer.headers.get("Location", "-"))


if __name__ == "__main__":
    if sys.argv[1:2] == ["client"]:
        print(client(*sys.argv[2:]))
    else:
        unittest.main(failfast=True)
