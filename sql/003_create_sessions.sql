-- Signed-in sessions. The cookie carries a random token; only its SHA-256 is stored, so a copy
-- of this table cannot be replayed as cookies. Deleting a row signs that browser out.
CREATE TABLE sessions (
    token_hash BINARY(32) NOT NULL PRIMARY KEY,
    user_id INT UNSIGNED NOT NULL,
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL,
    remember_me BOOLEAN NOT NULL,
    KEY sessions_user_id (user_id),
    KEY sessions_expires_at (expires_at),
    CONSTRAINT sessions_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
