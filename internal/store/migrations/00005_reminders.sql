-- To-do reminders (待办事项提醒, 二（一）): the in-app inbox and the record of
-- deliveries through external channels. See docs/reminders.md.
--
-- A reminder row is written in the same transaction as the state change it
-- reports, together with one background job per external channel (River's
-- river_job table, created by rivermigrate after these migrations). A
-- delivery row is written in the same transaction that completes its job:
-- its primary key (reminder_id, channel) is the idempotency key that keeps a
-- redelivered job from sending twice.

-- +goose Up
CREATE TABLE reminders (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    link       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    read_at    TIMESTAMP
);
-- The inbox, newest first.
CREATE INDEX reminders_inbox ON reminders (user_id, created_at, id);
CREATE INDEX reminders_unread ON reminders (user_id) WHERE read_at IS NULL;

CREATE TABLE reminder_deliveries (
    reminder_id  TEXT NOT NULL REFERENCES reminders (id),
    channel      TEXT NOT NULL,
    -- sent: the channel accepted it; skipped: the user has no address on
    -- this channel (no email on file, WeChat not bound); failed: the channel
    -- refused it for good (e.g. the user unfollowed the official account).
    status       TEXT NOT NULL CHECK (status IN ('sent', 'skipped', 'failed')),
    detail       TEXT NOT NULL DEFAULT '',
    attempt      BIGINT NOT NULL,
    delivered_at TIMESTAMP NOT NULL,
    PRIMARY KEY (reminder_id, channel)
);

-- +goose Down
DROP TABLE reminder_deliveries;
DROP INDEX reminders_unread;
DROP INDEX reminders_inbox;
DROP TABLE reminders;
