"""make bench SCALE=large: gives the bench stack's database 100,000 users and 1,000,000 posts, so
the pages are measured against tables of a real site's size rather than a handful of rows."""
import re
import secrets
import subprocess
import time

USERS = 100_000
POSTS = 1_000_000
MARKER_USER = "seed%06d" % USERS  # made in the one transaction that makes all the rest
SECONDS_PER_POST = 31  # 1,000,000 posts 31 s apart span the past year
POST_PHRASES = ("Beautiful day in Portland!", "The Avengers movie was so cool!",
                "Reading about FastCGI and nginx tonight.", "Coffee first, then code.",
                "Who else is going to the meetup on Thursday?")


def already_seeded(stack):
    return bool(stack.sql("SELECT 1 FROM users WHERE username_key = '%s';" % MARKER_USER))


def unusable_password_hash(hash_password_bin, cost):
    """One hash shared by every seeded user: of a random password nobody keeps, so nobody can
    sign in as them, and made once because hashing is slow on purpose."""
    result = subprocess.run([hash_password_bin, str(cost)], input=secrets.token_urlsafe(24),
                            check=True, capture_output=True, text=True, timeout=60)
    password_hash = result.stdout.strip()
    # It goes into an SQL string literal; crypt(3) output never needs anything else.
    if not re.fullmatch(r"[A-Za-z0-9./$]+", password_hash):
        raise RuntimeError("%s printed something that is not a crypt hash" % hash_password_bin)
    return password_hash


def seed_sql(password_hash):
    """Users and posts from MariaDB's SEQUENCE engine tables with INSERT ... SELECT, in one
    transaction: no row travels through the client, and an interrupted seeding leaves nothing.
    Users get explicit ids after the highest existing one, so each post can name its author by
    arithmetic instead of a join."""
    phrases = ", ".join("'%s'" % phrase for phrase in POST_PHRASES)
    return """
START TRANSACTION;
SELECT COALESCE(MAX(id), 0) INTO @base FROM users;
INSERT INTO users (id, username, email, password_hash)
    SELECT @base + seq, CONCAT('seed', LPAD(seq, 6, '0')),
           CONCAT('seed', LPAD(seq, 6, '0'), '@example.com'), '{hash}'
    FROM seq_1_to_{users};
INSERT INTO posts (body, timestamp, user_id)
    SELECT LEFT(REPEAT(CONCAT('Post ', seq, ': ', ELT(1 + seq % {phrase_count}, {phrases}), ' '),
                       1 + seq % 5), 140),
           UTC_TIMESTAMP(6) - INTERVAL seq * {spacing} SECOND,
           @base + 1 + seq % {users}
    FROM seq_1_to_{posts};
COMMIT;
""".format(hash=password_hash, users=USERS, posts=POSTS, phrases=phrases,
           phrase_count=len(POST_PHRASES), spacing=SECONDS_PER_POST)


def seed_large(stack, hash_password_bin, say):
    """Seeds once; returns the seconds it took (0 when the data was already there)."""
    if already_seeded(stack):
        say("SCALE=large: the database already holds the seeded users and posts")
        return 0
    say("SCALE=large: seeding %d users and %d posts" % (USERS, POSTS))
    started = time.monotonic()
    stack.sql(seed_sql(unusable_password_hash(hash_password_bin, stack.password_cost())))
    seconds = time.monotonic() - started
    say("SCALE=large: seeded in %.0f s" % seconds)
    return seconds
