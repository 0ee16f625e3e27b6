-- Two-factor sign-in with an authenticator app (TOTP). One row per user who has started or
-- finished setting it up. Secrets are sealed with the configured two_factor_key (AES-256-GCM,
-- core/crypto/secret_box.h), never stored in the clear. pending_secret is the one shown on the setup
-- page until a correct code moves it to secret; last_step is the time step of the last code
-- accepted, so a code is never accepted twice.
CREATE TABLE two_factor (
    user_id INT UNSIGNED NOT NULL PRIMARY KEY,
    secret VARBINARY(128) NULL,
    pending_secret VARBINARY(128) NULL,
    last_step BIGINT UNSIGNED NOT NULL DEFAULT 0,
    enabled_at DATETIME NULL,
    CONSTRAINT two_factor_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

-- Single-use recovery codes: only an HMAC of each (keyed with two_factor_key), deleted when used.
CREATE TABLE recovery_codes (
    user_id INT UNSIGNED NOT NULL,
    code_hash BINARY(32) NOT NULL,
    PRIMARY KEY (user_id, code_hash),
    CONSTRAINT recovery_codes_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

-- A sign-in waiting for its second step: the password was right, the code is still to come.
-- The browser holds a signed cookie with a random token; only its SHA-256 is stored. It keeps
-- Remember Me and `next` for when the sign-in completes, and lives 5 minutes.
CREATE TABLE pending_sign_ins (
    token_hash BINARY(32) NOT NULL PRIMARY KEY,
    user_id INT UNSIGNED NOT NULL,
    remember_me BOOLEAN NOT NULL,
    next_path VARCHAR(2048) NOT NULL DEFAULT '',
    expires_at DATETIME NOT NULL,
    KEY pending_sign_ins_expires_at (expires_at),
    CONSTRAINT pending_sign_ins_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
