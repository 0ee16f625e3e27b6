-- Password reset by email (docs/email.md). A reset link carries 32 random bytes; only their
-- SHA-256 is kept, with the user and the end of its validity. A row is used once: the reset
-- deletes it with every other row of its user, and so does any change of the password.
CREATE TABLE password_reset_tokens (
    token_hash BINARY(32) NOT NULL PRIMARY KEY,
    user_id INT UNSIGNED NOT NULL,
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL,
    KEY password_reset_tokens_user_id (user_id),
    KEY password_reset_tokens_expires_at (expires_at),
    CONSTRAINT password_reset_tokens_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

-- The mail still to send, and what became of the mail sent, written by a page in the same
-- transaction as what the mail is about (a token and its mail exist together or not at all).
-- message is the whole RFC 5322 message, headers and body, as it goes on the wire; the mailer
-- (tools/mailer) only delivers it. recipient is the envelope's RCPT TO, recipient_key its lower
-- case for the send budget, which counts the rows of the last hour that are `budgeted` (mail
-- anyone can ask for by typing an address; not a notice to the account's own address). Once
-- sent or failed, message is emptied: a waiting reset mail holds a working link, a sent one
-- no longer needs to. A mail is due while state is 'waiting' and next_attempt_at has
-- come; a mailer claims it by moving next_attempt_at past its send (a lease), so a mailer that
-- dies mid-send leaves it due again once the lease ends. All times are UTC_TIMESTAMP().
CREATE TABLE outbox (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    kind VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    recipient VARCHAR(254) NOT NULL,
    recipient_key VARCHAR(254) COLLATE utf8mb4_nopad_bin AS (LOWER(recipient)) STORED,
    budgeted BOOLEAN NOT NULL,
    message MEDIUMBLOB NOT NULL,
    state ENUM('waiting', 'sent', 'failed') CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'waiting',
    created_at DATETIME NOT NULL,
    next_attempt_at DATETIME NOT NULL,
    attempts INT UNSIGNED NOT NULL DEFAULT 0,
    claimed_by VARCHAR(64) NOT NULL DEFAULT '',
    sent_at DATETIME NULL,
    last_error VARCHAR(255) NOT NULL DEFAULT '',
    KEY outbox_due (state, next_attempt_at),
    KEY outbox_recipient (recipient_key, created_at),
    KEY outbox_created_at (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
