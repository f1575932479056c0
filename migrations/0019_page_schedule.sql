-- Scheduled publishing of pages: when a page is to go live (`draft` turns false) or to leave
-- readers (`draft` turns true), set by editors and carried out by whichever faqd instance
-- claims it first (FOR UPDATE SKIP LOCKED), through the same write path as the manual
-- `PATCH /pages/{slug}` (front matter, version, change log and webhooks, search).
--
-- A schedule is not content: it lives beside the page, not in `pages`, whose every column
-- change bumps the page's version and tells readers of a `page.updated` (0011_visibility).
-- Carrying it out does both, as the manual change does, and clears it.
CREATE TABLE page_schedules (
    page_id      bigint PRIMARY KEY REFERENCES pages (id) ON DELETE CASCADE,
    publish_at   timestamptz,
    unpublish_at timestamptz
);

-- The scheduler asks "what is due?" every second: only scheduled rows are indexed.
CREATE INDEX page_schedules_publish_at_idx ON page_schedules (publish_at)
    WHERE publish_at IS NOT NULL;
CREATE INDEX page_schedules_unpublish_at_idx ON page_schedules (unpublish_at)
    WHERE unpublish_at IS NOT NULL;
