-- What the account page shows of each session: an opaque public id that names it in forms
-- (never the token or the token's hash), the browser's User-Agent and the address it signed in
-- from, and when this session last confirmed the password (sudo mode; signing in counts).
-- Sessions from before count as confirmed when they began.
ALTER TABLE sessions ADD COLUMN public_id BINARY(16) NULL AFTER token_hash,
    ADD COLUMN user_agent VARCHAR(255) NOT NULL DEFAULT '',
    ADD COLUMN ip_address VARCHAR(45) NOT NULL DEFAULT '',
    ADD COLUMN confirmed_at DATETIME NULL;
UPDATE sessions SET public_id = RANDOM_BYTES(16), confirmed_at = created_at;
ALTER TABLE sessions MODIFY public_id BINARY(16) NOT NULL, MODIFY confirmed_at DATETIME NOT NULL,
    ADD UNIQUE KEY sessions_public_id (public_id);
