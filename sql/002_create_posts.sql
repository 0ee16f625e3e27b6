-- Short posts; the home page lists the newest first, so the timestamp is indexed.
CREATE TABLE posts (
    id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    body VARCHAR(140) NOT NULL,
    timestamp DATETIME(6) NOT NULL,
    user_id INT UNSIGNED NOT NULL,
    KEY posts_timestamp (timestamp),
    KEY posts_user_id (user_id),
    CONSTRAINT posts_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
