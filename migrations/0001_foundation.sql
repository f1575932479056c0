-- The foundation: pages, their entries, entry history, API tokens and a small
-- key/value table for one-off facts about this database (e.g. "seeded").
--
-- Invariants the database itself enforces, so that no code path can break them:
--   * a page is identified by (slug, lang); an entry's slug is unique across the
--     service, deleted entries included (old links must never point elsewhere);
--   * `version` starts at 1 and only grows (every write bumps it in SQL);
--   * `status` is one of the three states of the contract;
--   * an entry that readers can see has a published revision to show them.

CREATE TABLE pages (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug                text        NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 100),
    -- BCP 47 tag, stored in its canonical case (language lowercase, region uppercase).
    lang                text        NOT NULL CHECK (lang ~ '^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$'),
    title               text        NOT NULL DEFAULT '',
    description         text        NOT NULL DEFAULT '',
    -- Front matter `draft: true` hides the page's entries from readers.
    draft               boolean     NOT NULL DEFAULT false,
    -- The front matter twice: parsed (every key, nested values kept) for readers,
    -- and as raw text so that an export gives back the bytes that came in.
    front_matter        jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(front_matter) = 'object'),
    front_matter_raw    text,
    front_matter_format text        CHECK (front_matter_format IN ('yaml', 'toml')),
    intro               text        NOT NULL DEFAULT '',
    -- The imported file and the question style found in it: entries keep byte
    -- spans into `source`, which is what makes a byte-exact export possible.
    source              text,
    question_style      text        NOT NULL DEFAULT 'bold' CHECK (question_style ~ '^(bold|h[1-6])$'),
    -- Grows with every change to the page or to anything readers see of it.
    version             bigint      NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    deleted_at          timestamptz,
    CONSTRAINT pages_slug_lang_key UNIQUE (slug, lang),
    CHECK ((front_matter_raw IS NULL) = (front_matter_format IS NULL))
);

CREATE TABLE entries (
    id                  uuid        PRIMARY KEY,
    page_id             bigint      NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    slug                text        NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 100),
    section             text,
    question            text        NOT NULL CHECK (length(btrim(question)) > 0 AND char_length(question) <= 500),
    answer              text        NOT NULL CHECK (char_length(answer) <= 20000),
    answer_html         text        NOT NULL,
    -- Order within the page; positions (1-based) are computed when read.
    sort_key            bigint      NOT NULL,
    tags                text[]      NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20),
    -- draft: readers see nothing; published: readers see the current version;
    -- changed: readers see `published_version`, the editor's version is staged.
    status              text        NOT NULL CHECK (status IN ('draft', 'published', 'changed')),
    version             bigint      NOT NULL DEFAULT 1 CHECK (version >= 1),
    published_version   bigint      CHECK (published_version >= 1 AND published_version <= version),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    published_at        timestamptz,
    deleted_at          timestamptz,
    -- Byte spans of the question block and of the answer in pages.source, for
    -- entries that came from an import (NULL for entries created through the API).
    question_span       int4range,
    answer_span         int4range,
    CONSTRAINT entries_slug_key UNIQUE (slug),
    CONSTRAINT entries_visible_has_published_version CHECK (status = 'draft' OR published_version IS NOT NULL)
);

CREATE INDEX entries_page_order_idx ON entries (page_id, sort_key, id) WHERE deleted_at IS NULL;

-- Every version of every entry: the history editors browse and restore, and the
-- content readers see while a newer version is staged.
CREATE TABLE entry_revisions (
    entry_id            uuid        NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
    version             bigint      NOT NULL CHECK (version >= 1),
    kind                text        NOT NULL,
    actor               text        NOT NULL,
    slug                text        NOT NULL,
    section             text,
    question            text        NOT NULL,
    answer              text        NOT NULL,
    answer_html         text        NOT NULL,
    tags                text[]      NOT NULL,
    status              text        NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (entry_id, version)
);

-- API tokens: only a SHA-256 of the secret is stored.
CREATE TABLE api_tokens (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                text        NOT NULL CHECK (length(btrim(name)) > 0 AND length(name) <= 100),
    role                text        NOT NULL CHECK (role IN ('preview', 'editor', 'admin')),
    token_hash          bytea       NOT NULL CHECK (length(token_hash) = 32),
    created_at          timestamptz NOT NULL DEFAULT now(),
    expires_at          timestamptz,
    last_used_at        timestamptz,
    revoked_at          timestamptz,
    CONSTRAINT api_tokens_hash_key UNIQUE (token_hash)
);
-- A name identifies a live token (for `faqd token revoke NAME`); revoked names may be reused.
CREATE UNIQUE INDEX api_tokens_live_name_key ON api_tokens (name) WHERE revoked_at IS NULL;

-- One-off facts about this database, e.g. when `seed/` was imported.
CREATE TABLE faqd_meta (
    key                 text        PRIMARY KEY,
    value               text        NOT NULL,
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- What anonymous readers see, defined once: the published revision of every
-- entry that is published or has a staged change, on a live, non-draft page.
-- Reader queries read this view and never `entries` directly, so that drafts
-- and staged changes cannot leak through a forgotten WHERE clause.
CREATE VIEW live_entries AS
SELECT e.id,
       e.page_id,
       e.slug,
       r.section,
       r.question,
       r.answer,
       r.answer_html,
       e.sort_key,
       r.tags,
       'published'::text AS status,
       e.published_version AS version,
       e.created_at,
       r.created_at AS updated_at,
       e.published_at
FROM entries e
JOIN pages p ON p.id = e.page_id
JOIN entry_revisions r ON r.entry_id = e.id AND r.version = e.published_version
WHERE e.status IN ('published', 'changed')
  AND e.deleted_at IS NULL
  AND p.deleted_at IS NULL
  AND NOT p.draft;

-- What editors see: the current version of every entry that is not deleted, on
-- a page that is not deleted. Same columns as `live_entries`.
CREATE VIEW current_entries AS
SELECT e.id,
       e.page_id,
       e.slug,
       e.section,
       e.question,
       e.answer,
       e.answer_html,
       e.sort_key,
       e.tags,
       e.status,
       e.version,
       e.created_at,
       e.updated_at,
       e.published_at
FROM entries e
JOIN pages p ON p.id = e.page_id
WHERE e.deleted_at IS NULL
  AND p.deleted_at IS NULL;
