-- Scheduled tasks run once per cluster (docs/scale.md): each node's
-- minute tick claims (task, slot) before running it, and only the node
-- whose claim inserted the row runs the task for that minute. A node that
-- dies mid-task leaves the slot claimed; the next minute's slot is a new
-- row, which another node claims.

-- +goose Up
CREATE TABLE task_runs (
    task        TEXT NOT NULL,
    slot        TIMESTAMP NOT NULL,
    node        TEXT NOT NULL,
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    outcome     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (task, slot)
);
CREATE INDEX task_runs_slot ON task_runs (slot);

-- +goose Down
DROP TABLE task_runs;
