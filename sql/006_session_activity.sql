-- When each session was last used, for the idle timeout (config session_idle_minutes). Written
-- at most about once a minute per session, never on every request. Existing sessions count as
-- last used when they began. created_at gains microseconds: which of a user's sessions are the
-- newest (config max_sessions_per_user) must not depend on two sign-ins' order within a second.
ALTER TABLE sessions ADD COLUMN last_seen_at DATETIME NULL AFTER created_at,
    MODIFY created_at DATETIME(6) NOT NULL, MODIFY expires_at DATETIME(6) NOT NULL;
UPDATE sessions SET last_seen_at = created_at;
ALTER TABLE sessions MODIFY last_seen_at DATETIME NOT NULL, ADD KEY sessions_last_seen_at (last_seen_at);
