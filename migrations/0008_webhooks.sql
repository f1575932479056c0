-- Webhooks: admins register receivers; every change readers can see becomes one delivery
-- per matching webhook, written by a trigger on the change log in the transaction that makes
-- the change (an outbox: a crash loses nothing). A worker in every faqd instance claims due
-- deliveries with FOR UPDATE SKIP LOCKED (never twice), POSTs them signed, and records each
-- attempt.
CREATE TABLE webhooks (
    id          uuid        PRIMARY KEY,
    url         text        NOT NULL,
    -- Change kinds, or '*' for every kind.
    events      text[]      NOT NULL,
    secret      text        NOT NULL,
    active      boolean     NOT NULL DEFAULT true,
    description text        NOT NULL DEFAULT '',
    created_by  text,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE webhook_deliveries (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    webhook_id      uuid        NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    change_id       bigint      NOT NULL REFERENCES changes (id),
    -- pending: waits for its next attempt; delivered: a 2xx came back; failed: retries ran
    -- past the horizon (a redelivery makes it pending again).
    state           text        NOT NULL DEFAULT 'pending'
                                CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- Retries stop this long (the configured horizon) after this moment.
    retry_from      timestamptz NOT NULL DEFAULT clock_timestamp(),
    last_status     integer,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    delivered_at    timestamptz,
    UNIQUE (webhook_id, change_id)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
    WHERE state = 'pending';
CREATE INDEX webhook_deliveries_change_idx ON webhook_deliveries (change_id);

CREATE TABLE webhook_attempts (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id uuid        NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- The receiver's HTTP status, or NULL when none came back (see error).
    status      integer,
    error       text,
    duration_ms integer     NOT NULL
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id);

-- The fan-out: one statement-level trigger, so that an import logging thousands of changes
-- queues their deliveries in one INSERT.
CREATE FUNCTION faqd_webhook_fanout() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_deliveries (webhook_id, change_id)
    SELECT w.id, c.id
    FROM new_changes c
    JOIN webhooks w ON w.active AND ('*' = ANY (w.events) OR c.kind = ANY (w.events))
    ORDER BY c.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER changes_webhooks
    AFTER INSERT ON changes
    REFERENCING NEW TABLE AS new_changes
    FOR EACH STATEMENT EXECUTE FUNCTION faqd_webhook_fanout();

-- A reorder is its own kind of change: the writer says so for its transaction
-- (`SET LOCAL faqd.page_change = 'page.reordered'`), the page trigger logs that kind. Entry
-- changes no longer log a page.updated beside their own event.
CREATE OR REPLACE FUNCTION faqd_page_change_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM faqd_log_change('page.imported', NULL, NEW.id);
    ELSIF OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN
        PERFORM faqd_log_change('page.deleted', NULL, NEW.id);
    ELSIF OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS NULL THEN
        PERFORM faqd_log_change('page.restored', NULL, NEW.id);
    ELSIF NEW.version > OLD.version AND NEW.deleted_at IS NULL
          AND current_setting('faqd.page_change', true) = 'page.reordered' THEN
        PERFORM faqd_log_change('page.reordered', NULL, NEW.id);
    -- An entry's change bumps its page's version too (the page's ETag covers its entries),
    -- but only a change of the page's own fields is a page.updated.
    ELSIF NEW.version > OLD.version AND NEW.deleted_at IS NULL
          AND (to_jsonb(NEW) - 'version' - 'updated_at')
              IS DISTINCT FROM (to_jsonb(OLD) - 'version' - 'updated_at') THEN
        PERFORM faqd_log_change('page.updated', NULL, NEW.id);
    END IF;
    RETURN NULL;
END
$$;
