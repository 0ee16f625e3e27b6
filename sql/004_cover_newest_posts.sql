-- The home page reads the newest posts with their author ids and bodies. An index holding all of
-- that, newest-first order included, answers the read without visiting each post's row.
ALTER TABLE posts
    ADD KEY posts_newest_first (timestamp, id, user_id, body),
    DROP KEY posts_timestamp;
