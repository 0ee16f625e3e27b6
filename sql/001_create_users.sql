-- Accounts. Username and email are unique regardless of letter case, so each has a lower-cased
-- key column with a unique index; the columns themselves keep the spelling the user registered.
CREATE TABLE users (
    id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username VARCHAR(64) NOT NULL,
    email VARCHAR(120) NOT NULL,
    -- A crypt(3) string; 255 is wider than any method libxcrypt produces.
    password_hash VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    username_key VARCHAR(64) COLLATE utf8mb4_nopad_bin AS (LOWER(username)) STORED,
    email_key VARCHAR(120) COLLATE utf8mb4_nopad_bin AS (LOWER(email)) STORED,
    UNIQUE KEY users_username_key (username_key),
    UNIQUE KEY users_email_key (email_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
