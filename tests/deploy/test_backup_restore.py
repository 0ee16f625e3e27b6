#!/usr/bin/python3
"""deploy/backup.sh and deploy/restore.sh against running stacks: what a backup holds, what a
restore brings back (users, and sessions only where their cookies can be valid), and what
either refuses."""
import glob
import gzip
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import Visitor  # noqa: E402
from stack import BUILD_DIR, REPO_DIR, Stack  # noqa: E402

BACKUP = os.path.join(REPO_DIR, "deploy", "backup.sh")
RESTORE = os.path.join(REPO_DIR, "deploy", "restore.sh")
# restore.sh ends with `microblog-admin migrate`: the one of the build under test.
ADMIN = os.path.join(BUILD_DIR, "bin", "microblog-admin")
BACKUP_NAME = re.compile(r"^microblog-\d{8}T\d{6}Z\.sql\.gz$")
APP_GRANT = "GRANT SELECT, INSERT, UPDATE, DELETE ON `microblog`.* TO `microblog`@`localhost`"

stack = Stack("deploy-backup")


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def config_of(s):
    return os.path.join(s.var_dir, "microblog.conf")


def run(script, *args, env=None):
    full_env = dict(os.environ, MICROBLOG_ADMIN=ADMIN)
    full_env.update(env or {})
    return subprocess.run([script, *args], env=full_env, capture_output=True, text=True, timeout=300)


def secret_key(s):
    with open(os.path.join(s.var_dir, "secrets", "secret_key")) as f:
        return f.read()


def can_sign_in(s, name):
    return Visitor(s.url).login(name).headers.get("Location") == "/index"


def app_grants(s):
    """The application account's rights, without the USAGE line that every account has."""
    return [row[0] for row in s.sql("SHOW GRANTS FOR 'microblog'@'localhost'")
            if not row[0].startswith("GRANT USAGE ON *.* ")]


def fingerprint(s):
    """The tables' contents, to show that something changed nothing."""
    return s.sql("CHECKSUM TABLE users, posts, sessions, schema_migrations EXTENDED")


class BackupRestoreCase(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="microblog-backups-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def backup(self, s=stack, *options):
        result = run(BACKUP, "--config", config_of(s), "--output-dir", self.dir, *options)
        self.assertEqual(result.returncode, 0, result.stderr)
        return result.stdout.strip()

    def restore(self, path, *options, s=stack, status=0):
        result = run(RESTORE, "--config", config_of(s), *options, path)
        self.assertEqual(result.returncode, status, result.stderr)
        self.assertRegex(result.stderr, r"^restore: ")
        return result


class BackupTest(BackupRestoreCase):
    def test_help_exits_zero(self):
        for script in (BACKUP, RESTORE):
            with self.subTest(script=os.path.basename(script)):
                result = run(script, "--help")
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertTrue(result.stdout.startswith("Usage: "), result.stdout)
                self.assertIn("--config FILE", result.stdout)

    def test_unknown_options_are_refused(self):
        for script in (BACKUP, RESTORE):
            with self.subTest(script=os.path.basename(script)):
                result = run(script, "--frobnicate")
                self.assertEqual(result.returncode, 2)
                self.assertIn("unknown", result.stderr)

    def test_a_backup_is_a_complete_gzipped_dump_only_its_owner_can_read(self):
        result = run(BACKUP, "--config", config_of(stack), "--output-dir", self.dir)
        self.assertEqual(result.returncode, 0, result.stderr)
        path = result.stdout.strip()
        self.assertEqual(result.stdout, path + "\n", "stdout carries the path only")
        self.assertRegex(result.stderr, r"^backup: wrote ")
        self.assertEqual(os.path.dirname(path), os.path.realpath(self.dir))
        self.assertRegex(os.path.basename(path), BACKUP_NAME)
        self.assertEqual(os.listdir(self.dir), [os.path.basename(path)], "nothing else is left")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        with open(path, "rb") as f:
            self.assertEqual(f.read(2), b"\x1f\x8b")
        with gzip.open(path, "rt", encoding="utf-8") as f:
            lines = f.read().splitlines()
        self.assertTrue(lines[0].startswith("-- Microblog backup of database microblog"), lines[0])
        self.assertRegex(lines[1], r"^-- secret-key-fingerprint: [0-9a-f]{64}$")
        self.assertTrue(any(line.startswith("-- MariaDB dump") for line in lines[:10]), lines[:10])
        self.assertTrue(lines[-1].startswith("-- Dump completed"), lines[-1])
        text = "\n".join(lines)
        for table in ("users", "posts", "sessions", "schema_migrations"):
            self.assertIn("CREATE TABLE `%s`" % table, text)
        self.assertIn("'004_cover_newest_posts'", text)
        self.assertIn("'john'", text)
        self.assertNotIn("USE `microblog`", text)
        self.assertNotIn(secret_key(stack), text)

    def test_keep_prunes_only_the_older_backups_of_this_database(self):
        others = ["notes.txt", "other-20200101T000000Z.sql.gz"]
        for name in others:
            open(os.path.join(self.dir, name), "w").close()
        made = [self.backup(stack, "--keep", "2") for _ in range(3)]
        self.assertEqual(len(set(made)), 3, made)
        self.assertEqual(sorted(made), made, "the names sort by time")
        self.assertEqual(sorted(os.listdir(self.dir)),
                         sorted(others + [os.path.basename(p) for p in made[1:]]))

    def test_a_backup_that_cannot_connect_fails_and_leaves_no_file(self):
        broken = os.path.join(self.dir, "broken.conf")
        with open(config_of(stack)) as f:
            text = f.read()
        with open(broken, "w") as f:
            f.write(re.sub(r"(?m)^db_socket = .*$", "db_socket = %s/run/nowhere.sock" % stack.var_dir, text))
        output = os.path.join(self.dir, "out")
        result = run(BACKUP, "--config", broken, "--output-dir", output)
        self.assertNotEqual(result.returncode, 0)
        self.assertEqual(result.stdout, "")
        self.assertRegex(result.stderr, r"^backup: cannot connect to MariaDB at .*/nowhere\.sock")
        self.assertFalse(os.path.exists(output) and os.listdir(output))

    def test_a_dump_that_fails_or_stops_short_leaves_no_file(self):
        fake_bin = os.path.join(self.dir, "bin")
        output = os.path.join(self.dir, "out")
        os.mkdir(fake_bin)
        fakes = {
            "fails": "printf -- '-- MariaDB dump\\nCREATE TABLE `users` (\\n'; echo 'broken' >&2; exit 2",
            "stops short": "printf -- '-- MariaDB dump\\nCREATE TABLE `users` (\\n'",
        }
        for name, body in fakes.items():
            with self.subTest(name):
                fake = os.path.join(fake_bin, "mariadb-dump")
                with open(fake, "w") as f:
                    f.write("#!/bin/bash\n%s\n" % body)
                os.chmod(fake, 0o755)
                result = run(BACKUP, "--config", config_of(stack), "--output-dir", output,
                             env={"PATH": fake_bin + os.pathsep + os.environ["PATH"]})
                self.assertNotEqual(result.returncode, 0)
                self.assertEqual(result.stdout, "")
                self.assertIn("no backup was written", result.stderr)
                self.assertEqual(os.listdir(output), [])


class RestoreTest(BackupRestoreCase):
    def test_restore_with_replace_brings_back_the_backup(self):
        before = Visitor(stack.url)
        name_a = before.signed_up_and_in("a", remember_me=True)
        path = self.backup()
        after = Visitor(stack.url)
        name_b = after.signed_up_and_in("b")
        # Rights the application account should not have, at database and table level.
        stack.sql("GRANT DROP ON microblog.* TO 'microblog'@'localhost' WITH GRANT OPTION")
        stack.sql("GRANT ALTER, SELECT (id) ON microblog.users TO 'microblog'@'localhost'")

        result = self.restore(path, "--replace")

        self.assertRegex(result.stderr, r"kept the sessions \([1-9]\d*\)")
        self.assertTrue(can_sign_in(stack, name_a))
        self.assertFalse(can_sign_in(stack, name_b), "B registered after the backup")
        # The same site and key: A's session from before the backup is still good; B's is gone.
        home = before.get("/index")
        self.assertEqual(home.status_code, 200)
        self.assertIn("Hi, %s!" % name_a, home.text)
        self.assertEqual(after.get("/index").status_code, 302)
        self.assertEqual(app_grants(stack), [APP_GRANT])
        migrations = glob.glob(os.path.join(REPO_DIR, "sql", "[0-9][0-9][0-9]_*.sql"))
        self.assertEqual(stack.sql("SELECT COUNT(*) FROM schema_migrations"), [[str(len(migrations))]])

    def test_end_sessions_signs_everyone_out_but_keeps_their_accounts(self):
        visitor = Visitor(stack.url)
        name = visitor.signed_up_and_in("ended", remember_me=True)
        path = self.backup()
        result = self.restore(path, "--replace", "--end-sessions")
        self.assertRegex(result.stderr, r"ended all sessions \([1-9]\d*\)")
        self.assertEqual(stack.sql("SELECT COUNT(*) FROM sessions"), [["0"]])
        self.assertEqual(visitor.get("/index").status_code, 302)
        self.assertTrue(can_sign_in(stack, name))

    def test_restore_without_replace_into_a_database_with_tables_refuses_and_changes_nothing(self):
        name = Visitor(stack.url).signed_up_and_in("kept")
        path = self.backup()
        later = Visitor(stack.url).signed_up_and_in("later")
        contents = fingerprint(stack)
        result = self.restore(path, status=1)
        self.assertIn("--replace", result.stderr)
        self.assertIn("nothing was changed", result.stderr)
        self.assertEqual(fingerprint(stack), contents)
        self.assertTrue(can_sign_in(stack, name))
        self.assertTrue(can_sign_in(stack, later))

    def test_files_that_are_not_whole_gzipped_dumps_are_refused(self):
        path = self.backup()
        with gzip.open(path, "rb") as f:
            dump = f.read()
        with open(path, "rb") as f:
            compressed = f.read()
        whole_database = subprocess.run(
            ["mariadb-dump", "--no-defaults", "--socket=" + os.path.join(stack.var_dir, "run", "mysqld.sock"),
             "-u", "root" if os.geteuid() == 0 else os.environ["USER"], "--databases", "microblog"],
            check=True, capture_output=True).stdout
        cases = {
            "plain.sql": (dump, "not a whole gzip file"),
            "truncated.sql.gz": (compressed[:len(compressed) // 2], "not a whole gzip file"),
            "text.gz": (gzip.compress(b"hello\n"), "not a mariadb-dump"),
            "cut-short.sql.gz": (gzip.compress(dump[:dump.rindex(b"\n-- Dump completed")]), "cut short"),
            "with-use.sql.gz": (gzip.compress(whole_database), "selects or creates a database"),
            "other.sql.gz": (gzip.compress(dump.replace(b"`users`", b"`accounts`")), "no users table"),
        }
        contents = fingerprint(stack)
        for name, (data, message) in cases.items():
            with self.subTest(name):
                bad = os.path.join(self.dir, name)
                with open(bad, "wb") as f:
                    f.write(data)
                result = self.restore(bad, "--replace", status=1)
                self.assertIn(message, result.stderr)
        with self.subTest("missing"):
            self.assertIn("is not a file", self.restore(os.path.join(self.dir, "nothing.sql.gz"),
                                                        "--replace", status=1).stderr)
        self.assertEqual(fingerprint(stack), contents)

    def test_without_microblog_admin_nothing_is_changed(self):
        path = self.backup()
        contents = fingerprint(stack)
        result = run(RESTORE, "--config", config_of(stack), "--replace", path,
                     env={"MICROBLOG_ADMIN": os.path.join(self.dir, "no-such-admin")})
        self.assertEqual(result.returncode, 1)
        self.assertIn("MICROBLOG_ADMIN", result.stderr)
        self.assertEqual(fingerprint(stack), contents)


class FreshStackTest(BackupRestoreCase):
    """A second stack stands for a new host: its own database and its own secret key."""

    @classmethod
    def setUpClass(cls):
        cls.fresh = Stack("deploy-backup-fresh")
        cls.addClassCleanup(cls.fresh.stop)
        cls.fresh.start()

    def test_users_move_to_a_new_site_and_their_sessions_do_not(self):
        fresh = self.fresh
        visitor = Visitor(stack.url)
        name = visitor.signed_up_and_in("moving", remember_me=True)
        path = self.backup(stack)
        self.assertNotEqual(secret_key(stack), secret_key(fresh))
        # A database that is not there at all is made.
        fresh.sql("DROP DATABASE microblog")

        result = self.restore(path, s=fresh)

        self.assertIn("creating the database microblog", result.stderr)
        self.assertRegex(result.stderr, r"ended all sessions \([1-9]\d*\): they were signed with another")
        self.assertEqual(fresh.sql("SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM "
                                   "information_schema.SCHEMATA WHERE SCHEMA_NAME = 'microblog'"),
                         [["utf8mb4", "utf8mb4_nopad_bin"]])
        self.assertEqual(fresh.sql("SELECT COUNT(*) FROM sessions"), [["0"]])
        self.assertEqual(app_grants(fresh), [APP_GRANT])
        self.assertTrue(can_sign_in(fresh, name))
        # The cookie of the old site is worth nothing on the new one, and still works at home.
        moved = Visitor(fresh.url)
        moved.http.cookies.update(visitor.http.cookies)
        self.assertIn("session", moved.http.cookies)
        home = moved.get("/index")
        self.assertEqual(home.status_code, 302)
        self.assertTrue(home.headers["Location"].startswith("/login"), home.headers["Location"])
        self.assertEqual(visitor.get("/index").status_code, 200)

    def test_migrations_newer_than_the_backup_are_applied(self):
        fresh = self.fresh
        # The database as it was before the newest migration.
        fresh.sql("ALTER TABLE posts ADD KEY posts_timestamp (timestamp), DROP KEY posts_newest_first")
        fresh.sql("DELETE FROM schema_migrations WHERE version = '004_cover_newest_posts'")
        path = self.backup(fresh)

        self.restore(path, "--replace", s=fresh)

        self.assertIn(["004_cover_newest_posts"], fresh.sql("SELECT version FROM schema_migrations"))
        keys = {row[0] for row in fresh.sql("SELECT INDEX_NAME FROM information_schema.STATISTICS "
                                            "WHERE TABLE_SCHEMA = 'microblog' AND TABLE_NAME = 'posts'")}
        self.assertIn("posts_newest_first", keys)
        self.assertNotIn("posts_timestamp", keys)
        visitor = Visitor(fresh.url)
        visitor.signed_up_and_in("migrated")
        self.assertEqual(visitor.get("/index").status_code, 200)


if __name__ == "__main__":
    unittest.main(verbosity=2)
