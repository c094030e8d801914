-- Fees and online payment (三). See docs/payment.md.
--
-- An order is what an approved candidate owes: one line per subject at the
-- year's fee. Each attempt to pay is a transaction opened with the payment
-- provider (its out_trade_no). Money received and money returned are
-- recorded in append-only tables: payments (one row per provider
-- transaction, however often the provider notifies) and refunds with their
-- results. Nothing here is ever updated or deleted.

-- +goose Up
CREATE TABLE orders (
    id              TEXT PRIMARY KEY,
    application_id  TEXT NOT NULL UNIQUE REFERENCES applications (id),
    candidate_id    TEXT NOT NULL REFERENCES users (id),
    year            BIGINT NOT NULL,
    subjects        TEXT NOT NULL,
    per_subject_fen BIGINT NOT NULL CHECK (per_subject_fen > 0),
    amount_fen      BIGINT NOT NULL CHECK (amount_fen > 0),
    due_at          TIMESTAMP NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX orders_year ON orders (year, id);

CREATE TABLE payment_attempts (
    out_trade_no TEXT PRIMARY KEY,
    order_id     TEXT NOT NULL REFERENCES orders (id),
    code_url     TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);
CREATE INDEX payment_attempts_order ON payment_attempts (order_id, created_at);

-- disposition: applied (the application became paid), restored (paid
-- inside the window, notified after forfeiture: the application is
-- restored), duplicate (the order was paid already: to refund), held (amount
-- or order does not match: held for the site office, never applied).
CREATE TABLE payments (
    id             TEXT PRIMARY KEY,
    transaction_id TEXT NOT NULL UNIQUE,
    out_trade_no   TEXT NOT NULL REFERENCES payment_attempts (out_trade_no),
    order_id       TEXT NOT NULL REFERENCES orders (id),
    amount_fen     BIGINT NOT NULL,
    payer          TEXT NOT NULL,
    paid_at        TIMESTAMP NOT NULL,
    source         TEXT NOT NULL CHECK (source IN ('notify', 'query')),
    disposition    TEXT NOT NULL CHECK (disposition IN ('applied', 'restored', 'duplicate', 'held')),
    note           TEXT NOT NULL DEFAULT '',
    recorded_at    TIMESTAMP NOT NULL
);
CREATE INDEX payments_order ON payments (order_id);
CREATE INDEX payments_recorded ON payments (recorded_at);

CREATE TABLE refunds (
    out_refund_no TEXT PRIMARY KEY,
    payment_id    TEXT NOT NULL REFERENCES payments (id),
    order_id      TEXT NOT NULL REFERENCES orders (id),
    amount_fen    BIGINT NOT NULL CHECK (amount_fen > 0),
    reason        TEXT NOT NULL,
    requested_by  TEXT NOT NULL,
    requested_at  TIMESTAMP NOT NULL
);
CREATE INDEX refunds_payment ON refunds (payment_id);

-- One row per refund result the provider reports (notification or query).
CREATE TABLE refund_results (
    out_refund_no TEXT NOT NULL REFERENCES refunds (out_refund_no),
    status        TEXT NOT NULL,
    refund_id     TEXT NOT NULL,
    recorded_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (out_refund_no, status)
);

-- Nonces of the provider's notifications already seen (replays refused).
CREATE TABLE payment_nonces (
    nonce   TEXT PRIMARY KEY,
    seen_at TIMESTAMP NOT NULL
);

-- Idempotency-Key: the stored answer to a POST, kept 24 hours; state
-- 'pending' while the first request is in flight.
CREATE TABLE idempotency_keys (
    actor      TEXT NOT NULL,
    idem_key   TEXT NOT NULL,
    request    TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('pending', 'done')),
    status     BIGINT NOT NULL DEFAULT 0,
    location   TEXT NOT NULL DEFAULT '',
    ctype      TEXT NOT NULL DEFAULT '',
    body       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (actor, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE payment_nonces;
DROP TABLE refund_results;
DROP TABLE refunds;
DROP TABLE payments;
DROP TABLE payment_attempts;
DROP TABLE orders;
