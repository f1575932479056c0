//! Facets: counts of the matches of a query per page, section, tag and language.
