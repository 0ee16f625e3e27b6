-- Per-account sign-in throttling. One row per username that failed to sign in recently, keyed
-- like the sign-in lookup (LOWER() of what was typed, binary collation, as users.username_key),
-- for names with and without an account alike, so the throttle tells nobody which names exist.
-- failures counts the failed sign-ins of the window that ends at window_ends_at; reaching
-- throttle_failures sets locked_until, and until then every sign-in to the name is refused.
-- All times are the database's UTC_TIMESTAMP(), so every worker on every host agrees.
-- A row is dead once its window and its lock are both over (expires_at): it then counts as
-- fresh, and core/accounts/throttle.cpp deletes dead rows whenever a failure adds a row, so the table
-- holds about as many rows as names that failed in the last throttle_window_minutes or
-- throttle_minutes, however many random names are tried.
CREATE TABLE login_throttle (
    username_key VARCHAR(64) NOT NULL PRIMARY KEY,
    failures INT UNSIGNED NOT NULL,
    window_ends_at DATETIME NOT NULL,
    locked_until DATETIME NULL,
    expires_at DATETIME AS (GREATEST(window_ends_at, COALESCE(locked_until, window_ends_at))) STORED,
    KEY login_throttle_expires_at (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
