#!/usr/bin/python3
"""tools/admin: the microblog-admin command against a private stack: accounts, migrations, check."""
import http.server
import os
import re
import select
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import CSRF_PATTERN, Visitor, unique_name  # noqa: E402
from routes import routes  # noqa: E402
from stack import BUILD_DIR, REPO_DIR, Stack, free_port, sql_text  # noqa: E402
import totp  # noqa: E402

ADMIN = os.path.join(BUILD_DIR, "bin", "microblog-admin")
stack = Stack("tools-admin")


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def config_path():
    return os.path.join(stack.var_dir, "microblog.conf")


def admin(*args, stdin_text=None, config=None):
    """Runs microblog-admin with `stdin_text` as its standard input (not a terminal)."""
    return subprocess.run([ADMIN, "--config", config or config_path(), *args],
                          input=stdin_text if stdin_text is not None else "",
                          capture_output=True, text=True, timeout=120)


def read_until(fd, expected, deadline):
    """What the terminal shows up to and including `expected` (or up to its end, if None)."""
    seen = b""
    while expected is None or expected not in seen:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise AssertionError("waited in vain for %r; the terminal showed %r" % (expected, seen))
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the program has closed its end of the terminal
            chunk = b""
        if not chunk:
            if expected is None:
                break
            raise AssertionError("the terminal closed before %r; it showed %r" % (expected, seen))
        seen += chunk
    return seen


def admin_at_terminal(args, answers, timeout=60):
    """Runs microblog-admin with a terminal as stdin and stderr, typing each answer once its
    prompt (a bytes fragment) has appeared. Returns (exit status, what the terminal showed)."""
    master, slave = os.openpty()
    process = subprocess.Popen([ADMIN, "--config", config_path(), *args], stdin=slave,
                               stdout=subprocess.DEVNULL, stderr=slave, start_new_session=True)
    os.close(slave)
    deadline = time.monotonic() + timeout
    shown = b""
    try:
        for prompt, answer in answers:
            shown += read_until(master, prompt, deadline)
            os.write(master, answer.encode() + b"\n")
        shown += read_until(master, None, deadline)
        return process.wait(timeout=timeout), shown.decode(errors="replace")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)


def new_user(prefix="adm", password=None):
    """Creates a user through microblog-admin; returns (name, password)."""
    name = unique_name(prefix)
    password = password or "an admin-made passphrase"
    result = admin("create-user", name, name + "@example.com", stdin_text=password + "\n")
    assert result.returncode == 0, result.stderr
    return name, password


def user_id(name):
    rows = stack.sql("SELECT id FROM users WHERE username = %s" % sql_text(name))
    return int(rows[0][0]) if rows else None


def count(sql):
    return int(stack.sql(sql)[0][0])


def signed_in(visitor, name):
    page = visitor.get("/index")
    return page.status_code == 200 and ("Hi, %s!" % name) in page.text


def signed_in_visitor(name, password):
    visitor = Visitor(stack.url)
    assert visitor.login(name, password).headers.get("Location") == "/index"
    assert signed_in(visitor, name)
    return visitor


class CreateUserTest(unittest.TestCase):
    def test_a_created_user_signs_in_over_http(self):
        name = unique_name("adm")
        result = admin("create-user", name, name + "@example.com", stdin_text="s3cret pass\n")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "")
        self.assertIn("microblog-admin: created user %s (id %d)" % (name, user_id(name)), result.stderr)
        self.assertNotIn("s3cret", result.stderr)
        stored = stack.sql("SELECT email, password_hash FROM users WHERE username = %s" % sql_text(name))
        self.assertEqual(stored[0][0], name + "@example.com")
        self.assertTrue(stored[0][1].startswith("$y$"), stored[0][1])
        visitor = Visitor(stack.url)
        self.assertEqual(visitor.login(name, "s3cret pass").headers.get("Location"), "/index")
        self.assertTrue(signed_in(visitor, name))
        self.assertEqual(Visitor(stack.url).login(name, "s3cret pas").headers.get("Location"), "/login")

    def test_only_the_first_line_of_standard_input_is_the_password(self):
        name = unique_name("adm")
        result = admin("create-user", name, name + "@example.com", stdin_text="first line\nsecond\n")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(Visitor(stack.url).login(name, "first line").headers.get("Location"), "/index")

    def test_at_a_terminal_the_password_is_asked_twice_and_not_shown(self):
        name = unique_name("tty")
        status, shown = admin_at_terminal(
            ["create-user", name, name + "@example.com"],
            [(b"New password for %s: " % name.encode(), "typed secretly"),
             (b"again: ", "typed secretly")])
        self.assertEqual(status, 0, shown)
        self.assertNotIn("typed secretly", shown)
        self.assertIn("created user " + name, shown)
        self.assertEqual(Visitor(stack.url).login(name, "typed secretly").headers.get("Location"), "/index")

    def test_different_passwords_at_the_prompts_are_refused(self):
        name = unique_name("tty")
        status, shown = admin_at_terminal(
            ["create-user", name, name + "@example.com"],
            [(b"New password", "one password"), (b"again: ", "another password")])
        self.assertEqual(status, 1, shown)
        self.assertIn("microblog-admin: repeated password: Field must be equal to password.", shown)
        self.assertIsNone(user_id(name))

    def test_a_taken_username_or_email_is_refused_in_any_letter_case(self):
        name, _ = new_user()
        other = unique_name("adm")
        taken_name = admin("create-user", name.upper(), other + "@example.com", stdin_text="pw\n")
        self.assertEqual(taken_name.returncode, 1)
        self.assertIn("microblog-admin: username: Please use a different username.", taken_name.stderr)
        taken_email = admin("create-user", other, name.upper() + "@EXAMPLE.COM", stdin_text="pw\n")
        self.assertEqual(taken_email.returncode, 1)
        self.assertIn("microblog-admin: email: Please use a different email address.", taken_email.stderr)
        self.assertIsNone(user_id(other))
        self.assertEqual(count("SELECT COUNT(*) FROM users WHERE username_key = LOWER(%s)" % sql_text(name)), 1)

    def test_a_bad_email_address_is_refused(self):
        name = unique_name("adm")
        result = admin("create-user", name, "not-an-address", stdin_text="pw\n")
        self.assertEqual(result.returncode, 1)
        self.assertIn("microblog-admin: email: Invalid email address.", result.stderr)
        self.assertIsNone(user_id(name))

    def test_the_registration_limits_apply(self):
        name = unique_name("adm")
        too_long = admin("create-user", "u" * 65, name + "@example.com", stdin_text="pw\n")
        self.assertEqual(too_long.returncode, 1)
        self.assertIn("username: Field cannot be longer than 64 characters.", too_long.stderr)
        empty = admin("create-user", name, name + "@example.com", stdin_text="\n")
        self.assertEqual(empty.returncode, 1)
        self.assertIn("password: This field is required.", empty.stderr)
        long_password = admin("create-user", name, name + "@example.com", stdin_text="p" * 1025 + "\n")
        self.assertEqual(long_password.returncode, 1)
        self.assertIn("password: Field cannot be longer than 1024 bytes.", long_password.stderr)
        self.assertIsNone(user_id(name))

    def test_the_password_policy_applies(self):
        name = unique_name("adm")
        for password, message in (
                ("password1", "password: This password is too common or too easy to guess. Please choose another."),
                ("12345678", "password: This password is too common or too easy to guess. Please choose another."),
                ("short1", "password: Please choose a longer password (at least 8 characters).")):
            with self.subTest(password=password):
                result = admin("create-user", name, name + "@example.com", stdin_text=password + "\n")
                self.assertEqual(result.returncode, 1, result.stderr)
                self.assertIn("microblog-admin: " + message, result.stderr)
                self.assertNotIn(password, result.stderr + result.stdout)
                self.assertIsNone(user_id(name))

    def test_a_password_on_the_command_line_is_a_usage_error(self):
        name = unique_name("adm")
        for args in (["create-user", name, name + "@example.com", "argv-secret"],
                     ["create-user", "--password=argv-secret", name, name + "@example.com"],
                     ["set-password", "john", "argv-secret"]):
            with self.subTest(args=args):
                result = admin(*args, stdin_text="pw\n")
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertNotIn("argv-secret", result.stderr + result.stdout)
                self.assertIn("microblog-admin: ", result.stderr)
        self.assertIsNone(user_id(name))


class PasswordAndSessionsTest(unittest.TestCase):
    def test_set_password_changes_it_and_signs_the_user_out_at_once(self):
        name, old = new_user()
        visitor = signed_in_visitor(name, old)
        result = admin("set-password", name, stdin_text="brand new pw\n")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("ended 1 session", result.stderr)
        self.assertNotIn("brand new pw", result.stderr + result.stdout)
        self.assertFalse(signed_in(visitor, name))
        self.assertEqual(count("SELECT COUNT(*) FROM sessions WHERE user_id = %d" % user_id(name)), 0)
        self.assertEqual(Visitor(stack.url).login(name, old).headers.get("Location"), "/login")
        self.assertEqual(Visitor(stack.url).login(name, "brand new pw").headers.get("Location"), "/index")

    def test_set_password_lifts_a_sign_in_lock(self):
        name, old = new_user()
        for _ in range(5):  # throttle_failures
            self.assertEqual(Visitor(stack.url).login(name, "wrong guess").headers.get("Location"), "/login")
        self.assertEqual(Visitor(stack.url).login(name, old).headers.get("Location"), "/login", "locked")
        result = admin("set-password", name, stdin_text="brand new pw\n")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(Visitor(stack.url).login(name, "brand new pw").headers.get("Location"), "/index")

    def test_set_password_refuses_a_common_password_and_keeps_the_old_one(self):
        name, old = new_user()
        visitor = signed_in_visitor(name, old)
        result = admin("set-password", name, stdin_text="qwertyui\n")
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("microblog-admin: password: This password is too common or too easy to guess. "
                      "Please choose another.", result.stderr)
        self.assertNotIn("qwertyui", result.stderr + result.stdout)
        self.assertTrue(signed_in(visitor, name))
        self.assertEqual(Visitor(stack.url).login(name, "qwertyui").headers.get("Location"), "/login")
        signed_in_visitor(name, old)

    def test_set_password_for_an_unknown_user_fails(self):
        result = admin("set-password", unique_name("nobody"), stdin_text="pw\n")
        self.assertEqual(result.returncode, 1)
        self.assertIn("no user named", result.stderr)

    def test_end_sessions_signs_the_user_out_everywhere_and_leaves_others(self):
        name, password = new_user()
        browsers = [signed_in_visitor(name, password), signed_in_visitor(name, password)]
        other, other_password = new_user()
        bystander = signed_in_visitor(other, other_password)
        result = admin("end-sessions", name)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("ended 2 sessions of " + name, result.stderr)
        for browser in browsers:
            self.assertFalse(signed_in(browser, name))
        self.assertTrue(signed_in(bystander, other))
        # The password still works.
        signed_in_visitor(name, password)

    def test_reset_two_factor_lets_a_user_who_lost_their_device_sign_in_with_the_password(self):
        name, password = new_user()
        visitor = signed_in_visitor(name, password)
        token = CSRF_PATTERN.search(visitor.get("/account/two-factor").text).group(1)
        visitor.post("/account/two-factor", {"csrf_token": token, "action": "setup"})
        secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', visitor.get("/account/two-factor").text).group(1)
        enabled = visitor.post("/account/two-factor", {"csrf_token": token, "action": "enable",
                                                       "code": totp.code(secret, totp.steady_step() - 1)})
        self.assertIn('<ul id="recovery-codes">', enabled.text)
        waiting = Visitor(stack.url)
        self.assertEqual(waiting.login(name, password).headers.get("Location"), "/login/two-factor")
        result = admin("reset-two-factor", name)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("turned off two-factor sign-in for " + name, result.stderr)
        self.assertRegex(result.stderr, r'two-factor reset user="%s" by=microblog-admin' % name)
        # The sign-in that was waiting for a code is gone; a new one needs the password alone.
        self.assertEqual(waiting.get("/login/two-factor").headers.get("Location"), "/login")
        signed_in_visitor(name, password)
        uid = user_id(name)
        for table in ("two_factor", "recovery_codes", "pending_sign_ins"):
            self.assertEqual(count("SELECT COUNT(*) FROM %s WHERE user_id = %d" % (table, uid)), 0)
        again = admin("reset-two-factor", name)
        self.assertEqual(again.returncode, 0)
        self.assertIn("had no two-factor sign-in; nothing changed", again.stderr)
        self.assertEqual(admin("reset-two-factor", unique_name("nobody")).returncode, 1)

    def test_end_sessions_for_an_unknown_user_fails(self):
        result = admin("end-sessions", unique_name("nobody"))
        self.assertEqual(result.returncode, 1)
        self.assertIn("no user named", result.stderr)

    def test_list_users_prints_id_name_email_and_live_sessions_tab_separated(self):
        name, password = new_user()
        signed_in_visitor(name, password)
        signed_in_visitor(name, password)
        signed_in_visitor(name, password)
        uid = user_id(name)
        # An expired session is not live.
        stack.sql("UPDATE sessions SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 HOUR "
                  "WHERE user_id = %d LIMIT 1" % uid)
        result = admin("list-users")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr, "")
        lines = [line.split("\t") for line in result.stdout.splitlines()]
        self.assertIn([str(uid), name, name + "@example.com", "2"], lines)
        self.assertIn(["1", "john", "john@example.com", "0"], lines)
        self.assertEqual(len(lines), count("SELECT COUNT(*) FROM users"))
        self.assertEqual([int(line[0]) for line in lines], sorted(int(line[0]) for line in lines))


class DeleteUserTest(unittest.TestCase):
    def user_with_post_and_session(self):
        name, password = new_user("del")
        visitor = signed_in_visitor(name, password)
        stack.sql("INSERT INTO posts (body, timestamp, user_id) VALUES ('bye', UTC_TIMESTAMP(6), %d)"
                  % user_id(name))
        return name, user_id(name), visitor

    def rows_of(self, uid):
        return [count("SELECT COUNT(*) FROM %s WHERE %s = %d" % (table, column, uid))
                for table, column in (("users", "id"), ("posts", "user_id"), ("sessions", "user_id"))]

    def test_delete_user_removes_the_user_their_posts_and_sessions(self):
        name, uid, visitor = self.user_with_post_and_session()
        others_posts = count("SELECT COUNT(*) FROM posts WHERE user_id <> %d" % uid)
        self.assertEqual(self.rows_of(uid), [1, 1, 1])
        result = admin("delete-user", "--yes", name)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("deleted user %s (id %d) with 1 post and 1 live session" % (name, uid), result.stderr)
        self.assertEqual(self.rows_of(uid), [0, 0, 0])
        self.assertEqual(count("SELECT COUNT(*) FROM posts"), others_posts)
        self.assertFalse(signed_in(visitor, name))

    def test_without_yes_and_without_a_terminal_nothing_is_deleted(self):
        name, uid, _ = self.user_with_post_and_session()
        result = admin("delete-user", name, stdin_text="yes\n")
        self.assertEqual(result.returncode, 2)
        self.assertIn("--yes", result.stderr)
        self.assertEqual(self.rows_of(uid), [1, 1, 1])

    def test_at_a_terminal_it_asks_first(self):
        name, uid, _ = self.user_with_post_and_session()
        status, shown = admin_at_terminal(["delete-user", name], [(b"[yes/no] ", "no")])
        self.assertEqual(status, 1, shown)
        self.assertIn("nothing deleted", shown)
        self.assertEqual(self.rows_of(uid), [1, 1, 1])
        status, shown = admin_at_terminal(["delete-user", name], [(b"[yes/no] ", "yes")])
        self.assertEqual(status, 0, shown)
        self.assertEqual(self.rows_of(uid), [0, 0, 0])

    def test_an_unknown_user_fails(self):
        result = admin("delete-user", "--yes", unique_name("nobody"))
        self.assertEqual(result.returncode, 1)
        self.assertIn("no user named", result.stderr)


class MigrateTest(unittest.TestCase):
    def sql_dir_with(self, files):
        """A temporary migrations folder: the project's migrations plus `files` (name: text)."""
        folder = tempfile.mkdtemp(prefix="admin-sql-")
        self.addCleanup(shutil.rmtree, folder)
        for name in os.listdir(os.path.join(REPO_DIR, "sql")):
            shutil.copy(os.path.join(REPO_DIR, "sql", name), folder)
        for name, text in files.items():
            with open(os.path.join(folder, name), "w") as f:
                f.write(text)
        return folder

    def test_an_up_to_date_database_is_left_as_it_is(self):
        before = stack.sql("SELECT version, applied_at FROM schema_migrations ORDER BY version")
        tables = stack.sql("SHOW TABLES")
        result = admin("migrate")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "migrate: up to date\n")
        self.assertEqual(stack.sql("SELECT version, applied_at FROM schema_migrations ORDER BY version"), before)
        self.assertEqual(stack.sql("SHOW TABLES"), tables)
        versions = [row[0] for row in before]
        for name in os.listdir(os.path.join(REPO_DIR, "sql")):
            self.assertIn(name[:-4], versions)

    def test_two_runs_at_once_apply_a_new_migration_once(self):
        # Several statements, with a pause between the DDL and the insert: two runs that both
        # found the migration pending would both insert.
        folder = self.sql_dir_with({"900_admin_once.sql": (
            "-- A test migration.\n"
            "CREATE TABLE IF NOT EXISTS admin_once (n INT NOT NULL);\n"
            "DO SLEEP(1);\n"
            "INSERT INTO admin_once VALUES (1);\n")})
        command = [ADMIN, "--config", config_path(), "migrate", "--sql-dir", folder]
        runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]
        outputs = [run.communicate(timeout=120) for run in runs]
        for run, (out, err) in zip(runs, outputs):
            self.assertEqual(run.returncode, 0, err)
        self.assertEqual(sorted(out for out, _ in outputs),
                         ["migrate: applied 900_admin_once\n", "migrate: up to date\n"])
        self.assertEqual(count("SELECT COUNT(*) FROM admin_once"), 1)
        rows = stack.sql("SELECT version, applied_at IS NOT NULL FROM schema_migrations "
                         "WHERE version LIKE '900%'")
        self.assertEqual(rows, [["900_admin_once", "1"]])
        again = admin("migrate", "--sql-dir", folder)
        self.assertEqual(again.stdout, "migrate: up to date\n")
        self.assertEqual(count("SELECT COUNT(*) FROM admin_once"), 1)

    def test_a_failing_migration_stops_the_run_unrecorded_and_is_named(self):
        folder = self.sql_dir_with({"910_admin_broken.sql": (
            "CREATE TABLE admin_before (n INT);\nSELEC oops;\nCREATE TABLE admin_after (n INT);\n"),
            "911_admin_later.sql": "CREATE TABLE admin_later (n INT);\n"})
        result = admin("migrate", "--sql-dir", folder)
        self.assertEqual(result.returncode, 1)
        self.assertIn("910_admin_broken.sql", result.stderr)
        tables = [row[0] for row in stack.sql("SHOW TABLES")]
        self.assertIn("admin_before", tables)
        self.assertNotIn("admin_after", tables)
        self.assertNotIn("admin_later", tables)
        self.assertEqual(count("SELECT COUNT(*) FROM schema_migrations WHERE version LIKE '91%'"), 0)

    def test_two_files_with_one_number_are_refused_before_anything_runs(self):
        folder = self.sql_dir_with({"920_admin_a.sql": "CREATE TABLE admin_a (n INT);\n",
                                    "920_admin_b.sql": "CREATE TABLE admin_b (n INT);\n"})
        result = admin("migrate", "--sql-dir", folder)
        self.assertEqual(result.returncode, 1)
        self.assertIn("two migrations are numbered 920", result.stderr)
        self.assertEqual(count("SELECT COUNT(*) FROM schema_migrations WHERE version LIKE '92%'"), 0)


class CheckTest(unittest.TestCase):
    def config_with(self, **settings):
        """A copy of the stack's configuration with some settings replaced."""
        folder = tempfile.mkdtemp(prefix="admin-conf-")
        self.addCleanup(shutil.rmtree, folder)
        lines = []
        with open(config_path()) as f:
            for line in f:
                key = line.split("=", 1)[0].strip()
                lines.append("%s = %s\n" % (key, settings[key]) if key in settings else line)
        path = os.path.join(folder, "microblog.conf")
        with open(path, "w") as f:
            f.writelines(lines)
        return path, folder

    def test_a_running_stack_passes(self):
        result = admin("check")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        lines = result.stdout.splitlines()
        self.assertTrue(all(line.startswith("ok: ") for line in lines), lines)
        for route in routes():
            self.assertIn("ok: %s accepts connections on %s/run/%s.sock" % (route, stack.var_dir, route), lines)
        self.assertIn("ok: %s/login answers 200" % stack.url, lines)
        self.assertEqual(len(lines), 4 + len(routes()), lines)

    def test_a_missing_route_socket_fails(self):
        empty = tempfile.mkdtemp(prefix="admin-run-")
        self.addCleanup(shutil.rmtree, empty)
        path, _ = self.config_with(socket_dir=empty)
        result = admin("check", config=path)
        self.assertEqual(result.returncode, 1)
        lines = result.stdout.splitlines()
        for route in routes():
            self.assertTrue(any(line.startswith("FAIL: %s: %s/%s.sock" % (route, empty, route)) for line in lines), lines)
        self.assertIn("ok: the configuration %s loads" % path, lines)
        self.assertIn("ok: %s/login answers 200" % stack.url, lines)

    def test_a_site_that_does_not_answer_fails(self):
        path, _ = self.config_with(site_url="http://127.0.0.1:%d" % free_port())
        result = admin("check", config=path)
        self.assertEqual(result.returncode, 1)
        self.assertRegex(result.stdout, r"FAIL: http://127\.0\.0\.1:\d+/login: ")

    def stand_in_site(self, tls):
        """A stand-in for nginx on 127.0.0.1 answering GET /blog/login with 200 and anything else
        with 404; returns (its base URL, the paths asked for)."""
        asked = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                asked.append(self.path)
                self.send_response(200 if self.path == "/blog/login" else 404)
                self.end_headers()

            def log_message(self, *args):
                pass

        server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.addCleanup(server.server_close)
        if tls:
            folder = tempfile.mkdtemp(prefix="admin-tls-")
            self.addCleanup(shutil.rmtree, folder)
            cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                            "-subj", "/CN=blog.example.org", "-keyout", key, "-out", cert],
                           check=True, capture_output=True)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            server.socket = context.wrap_socket(server.socket, server_side=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(server.shutdown)
        scheme = "https" if tls else "http"
        return "%s://127.0.0.1:%d/blog/" % (scheme, server.server_address[1]), asked

    def test_the_page_is_fetched_below_the_site_url_over_http_or_https(self):
        for tls in (False, True):
            with self.subTest(tls=tls):
                url, asked = self.stand_in_site(tls)
                path, _ = self.config_with(site_url=url)
                result = admin("check", config=path)
                self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
                self.assertIn("ok: %slogin answers 200" % url, result.stdout.splitlines())
                self.assertEqual(asked, ["/blog/login"])

    def test_a_page_answering_other_than_200_fails(self):
        url, asked = self.stand_in_site(tls=False)
        path, _ = self.config_with(site_url=url + "elsewhere")
        result = admin("check", config=path)
        self.assertEqual(result.returncode, 1)
        self.assertIn("FAIL: %selsewhere/login answers 404 instead of 200" % url, result.stdout.splitlines())

    def test_a_pending_migration_fails(self):
        folder = tempfile.mkdtemp(prefix="admin-sql-")
        self.addCleanup(shutil.rmtree, folder)
        with open(os.path.join(folder, "001_create_users.sql"), "w") as f:
            f.write("SELECT 1;\n")
        with open(os.path.join(folder, "999_admin_pending.sql"), "w") as f:
            f.write("SELECT 1;\n")
        result = admin("check", "--sql-dir", folder)
        self.assertEqual(result.returncode, 1)
        self.assertIn("FAIL: the schema lacks 999_admin_pending; run microblog-admin migrate",
                      result.stdout.splitlines())

    def test_an_unreadable_configuration_fails(self):
        result = admin("check", config=os.path.join(stack.var_dir, "no-such.conf"))
        self.assertEqual(result.returncode, 1)
        self.assertTrue(result.stdout.startswith("FAIL: "), result.stdout)


class UsageTest(unittest.TestCase):
    def test_an_unknown_command_is_a_usage_error(self):
        for args in (["frobnicate"], [], ["list-users", "extra"], ["list-users", "--yes"],
                     ["--no-such-option", "list-users"]):
            with self.subTest(args=args):
                result = admin(*args)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertTrue(result.stderr.startswith("microblog-admin: "), result.stderr)
                self.assertEqual(result.stdout, "")

    def test_help_lists_the_commands_and_exit_statuses(self):
        result = subprocess.run([ADMIN, "--help"], capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 0)
        for command in ("create-user", "set-password", "list-users", "delete-user", "end-sessions",
                        "reset-two-factor", "migrate", "check"):
            self.assertIn("  " + command, result.stdout)
            sub = subprocess.run([ADMIN, command, "--help"], capture_output=True, text=True, timeout=30)
            self.assertEqual(sub.returncode, 0)
            self.assertTrue(sub.stdout.startswith("usage: microblog-admin [--config FILE] " + command), sub.stdout)
            self.assertIn("2 usage error", sub.stdout)
        self.assertIn("2 usage error", result.stdout)
        set_password = subprocess.run([ADMIN, "help", "set-password"], capture_output=True, text=True, timeout=30)
        self.assertIn("ends all of their sessions", set_password.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
