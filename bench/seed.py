"""make bench SCALE=large: gives a bench stack's database seeded users and posts. The large seed
(100,000 users, 1,000,000 posts) measures the pages against tables of a real site's size; the
full-page seed (30 of each) gives a small database whose home page is as full as the large one's,
so the two differ in table size only, not in page size."""
import re
import secrets
import subprocess
import time

SECONDS_PER_POST = 31  # 1,000,000 posts 31 s apart span the past year
POST_PHRASES = ("Beautiful day in Portland!", "The Avengers movie was so cool!",
                "Reading about FastCGI and nginx tonight.", "Coffee first, then code.",
                "Who else is going to the meetup on Thursday?")


class Seeding:
    """How many users and posts to add. Post n (the n-th newest) has the same author number and
    body in every seeding of at least n posts and users, so the newest posts, the ones the home
    page shows, are alike whatever the size."""

    def __init__(self, name, users, posts):
        self.name = name
        self.users = users
        self.posts = posts

    @property
    def marker_user(self):
        """The last user, made in the one transaction that makes all the rest."""
        return "seed%06d" % self.users


LARGE = Seeding("large", users=100_000, posts=1_000_000)
# More posts than the home page shows (cgi-bin/index.cpp's kPostsShown, 25).
FULL_PAGE = Seeding("full page", users=30, posts=30)


def already_seeded(stack, seeding):
    return bool(stack.sql("SELECT 1 FROM users WHERE username_key = '%s';" % seeding.marker_user))


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


def seed_sql(password_hash, seeding):
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
""".format(hash=password_hash, users=seeding.users, posts=seeding.posts, phrases=phrases,
           phrase_count=len(POST_PHRASES), spacing=SECONDS_PER_POST)


def seed(stack, seeding, hash_password_bin, say):
    """Seeds once; returns the seconds it took (0 when the data was already there)."""
    if already_seeded(stack, seeding):
        say("%s seed: the database already holds its users and posts" % seeding.name)
        return 0
    say("%s seed: adding %d users and %d posts" % (seeding.name, seeding.users, seeding.posts))
    started = time.monotonic()
    stack.sql(seed_sql(unusable_password_hash(hash_password_bin, stack.password_cost()), seeding))
    seconds = time.monotonic() - started
    say("%s seed: done in %.0f s" % (seeding.name, seconds))
    return seconds
