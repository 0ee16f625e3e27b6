-- Passkeys (WebAuthn discoverable credentials). Credential ids are at most 1023 bytes (the
-- specification's limit); 2048 bytes hold an RSA key of 8192 bits. The public key is the SubjectPublicKeyInfo the
-- browser gave at registration (getPublicKey()), with its COSE algorithm. sign_count is the
-- authenticator's counter from the last sign-in; 0 throughout for synced passkeys.
CREATE TABLE passkeys (
    id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id INT UNSIGNED NOT NULL,
    credential_id VARBINARY(1023) NOT NULL,
    public_key VARBINARY(2048) NOT NULL,
    algorithm INT NOT NULL,
    sign_count INT UNSIGNED NOT NULL DEFAULT 0,
    name VARCHAR(64) NOT NULL,
    created_at DATETIME NOT NULL,
    last_used_at DATETIME NULL,
    UNIQUE KEY passkeys_credential_id (credential_id),
    KEY passkeys_user_id (user_id),
    CONSTRAINT passkeys_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

-- The challenges the server issued, each used once: bound to the browser that asked (the key is
-- the SHA-256 of a random token in its signed cookie), to a ceremony, and for a registration to
-- the signed-in user. They live two minutes.
CREATE TABLE webauthn_challenges (
    token_hash BINARY(32) NOT NULL PRIMARY KEY,
    challenge BINARY(32) NOT NULL,
    ceremony VARCHAR(16) NOT NULL,
    user_id INT UNSIGNED NULL,
    expires_at DATETIME NOT NULL,
    KEY webauthn_challenges_expires_at (expires_at),
    CONSTRAINT webauthn_challenges_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
