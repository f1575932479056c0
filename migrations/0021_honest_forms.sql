-- The forms of issue 20 stored under their own names: a page's question style may be
-- `details`, `accordion` (raw HTML, read as the shortcodes are) or `list` (list FAQs, read
-- with the definition lists), and a front matter written as a JSON object is `json`.
-- Every stored value keeps its meaning: `shortcode` and `definition` still read all of
-- their forms, so existing pages read and export exactly as before.

ALTER TABLE pages DROP CONSTRAINT pages_question_style_check;
ALTER TABLE pages ADD CONSTRAINT pages_question_style_check
    CHECK (question_style ~ '^(bold|h[1-6]|quote|definition|list|shortcode|details|accordion|front-matter|data)$');

ALTER TABLE pages DROP CONSTRAINT pages_front_matter_format_check;
ALTER TABLE pages ADD CONSTRAINT pages_front_matter_format_check
    CHECK (front_matter_format IN ('yaml', 'toml', 'json'));

-- JSON front matter was kept as `yaml` (JSON is YAML). Its pages are the same pages: the
-- name is corrected without a new version, a change in the feed or a webhook.
ALTER TABLE pages DISABLE TRIGGER pages_version;
ALTER TABLE pages DISABLE TRIGGER pages_changes;
UPDATE pages
   SET front_matter_format = 'json'
 WHERE front_matter_format = 'yaml'
   AND front_matter_raw ~ '^\s*\{\s*("|\})';
ALTER TABLE pages ENABLE TRIGGER pages_version;
ALTER TABLE pages ENABLE TRIGGER pages_changes;
