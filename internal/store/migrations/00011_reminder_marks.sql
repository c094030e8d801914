-- Reminders sent on a schedule rather than on a state change (the payment
-- window's opening and its last days, 三): one mark per application and
-- kind, written in the transaction that writes the reminder, so that each
-- is sent once however often and on however many nodes the schedule runs.

-- +goose Up
CREATE TABLE reminder_marks (
    application_id TEXT NOT NULL REFERENCES applications (id),
    kind           TEXT NOT NULL,
    sent_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (application_id, kind)
);

-- +goose Down
DROP TABLE reminder_marks;
