//! `/search`: ranked hits over what readers see, and what readers search for.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{Caller, Role};
use crate::domain::{Cursor, Lang, Limit};
use crate::error::{ApiError, ApiResult};
use crate::http::conditional::Cacheable;
use crate::model::Audience;
use crate::search::facets::{Facet, Facets};
use crate::search::hit::{Engine, Hit, Scope};
use crate::search::query::Terms;
use crate::search::searcher::Searched;
use crate::search::suggest::{Suggestion, Typed};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(search_insights)
        .service(suggest_questions)
        .service(search_faqs);
}

/// Deepest offset a cursor may reach: search is for finding, not for crawling.
const MAX_OFFSET: i64 = 10_000;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// What the reader typed: any text (operators and quotes are plain text). Required.
    #[param(
        required = true,
        example = "how many teams",
        min_length = 1,
        pattern = "\\S"
    )]
    pub q: Option<String>,
    /// Only entries of the page with this slug.
    pub page: Option<String>,
    /// Only entries of pages in this language.
    #[param(value_type = Option<String>, example = "en", pattern = "^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$")]
    pub lang: Option<Lang>,
    /// Hits per response, 1 to 100.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<Limit>,
    /// The `next_cursor` of the previous response.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
    /// Only entries of this section.
    #[param(example = "Billing")]
    pub section: Option<String>,
    /// Only entries with this tag.
    #[param(example = "billing")]
    pub tag: Option<String>,
    /// Count the matches per value of these fields, among every match of the query (not
    /// only this cursor page): any of `page`, `section`, `tag`, `lang`, separated by commas.
    #[param(example = "tag,lang")]
    pub facets: Option<String>,
}

/// Where a search cursor points: the offset of the next hit, and the engine that ranked the
/// pages before it (the next page keeps to it). A bare offset is a cursor issued before the
/// engine was kept: still accepted, with no engine to keep to.
#[derive(Debug, Deserialize, Serialize)]
#[serde(untagged)]
enum Position {
    Kept {
        #[serde(rename = "o")]
        offset: i64,
        #[serde(rename = "e")]
        engine: Engine,
    },
    Offset(i64),
}

/// Search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    /// The query as given.
    #[schema(example = "how many teams")]
    pub query: String,
    /// The terms searched after typo correction: present only when a correction changed
    /// the query that was run (and it found hits).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "technical coach")]
    pub corrected: Option<String>,
    /// Every hit of the query actually run (after correction or fallback), across cursor pages;
    /// when `total_is_estimate`, a lower bound.
    pub total: i64,
    /// More entries matched than one search ranks (2,000 by words): `total` is a lower
    /// bound, and cursor pages end there.
    pub total_is_estimate: bool,
    pub hits: Vec<Hit>,
    pub next_cursor: Option<String>,
    /// With `facets`: per field asked for, how many matches hold each value (entries found
    /// only by meaning, not by words, are not counted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<Facets>,
}

/// Search entries
///
/// Ranked by relevance (a question match outweighs an answer match; entries with
/// all the terms come before those with some, which are shown only when none has
/// all), tolerant of typos, with the unfinished last word matched as a prefix and
/// stemming in each page's language. Only what readers see is found.
#[utoipa::path(
    tag = "search",
    params(SearchQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Ranked hits.", body = SearchResults, headers(
            ("ETag" = String, description = "Weak validator of this representation."),
            ("Cache-Control" = String, description = "Public and short-lived for anonymous readers."),
        )),
        (status = 304, response = crate::api::NotModified),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[get("/search")]
pub async fn search_faqs(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<SearchQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let q = query.q.as_deref().map(str::trim).unwrap_or_default();
    if q.is_empty() {
        return Err(ApiError::BadRequest("q must not be empty".to_owned()));
    }
    let (offset, engine) = match query.cursor.as_deref() {
        Some(cursor) => match Cursor::decode::<Position>(cursor)? {
            Position::Kept { offset, engine } => (offset, Some(engine)),
            Position::Offset(offset) => (offset, None),
        },
        None => (0, None),
    };
    if !(0..=MAX_OFFSET).contains(&offset) {
        return Err(ApiError::BadRequest(
            "the cursor is not one this endpoint issued".to_owned(),
        ));
    }
    let limit = i64::from(query.limit.unwrap_or_default().get());
    let facets_asked = match query.facets.as_deref() {
        Some(list) => Some(Facet::parse_list(list).map_err(ApiError::BadRequest)?),
        None => None,
    };
    let terms = Terms::parse(q);
    let scope = Scope {
        page: query.page.as_deref(),
        lang: query.lang.as_ref().map(Lang::as_str),
        section: query.section.as_deref(),
        tag: query.tag.as_deref(),
    };

    let Searched {
        found,
        facets,
        engine,
    } = state
        .searcher
        .find_with_facets(
            q,
            &terms,
            &scope,
            (offset, limit),
            facets_asked.as_deref(),
            engine,
        )
        .await?;
    let next = offset + found.hits.len() as i64;
    let next_cursor = (next < found.total && next <= MAX_OFFSET).then(|| {
        Cursor::encode(&Position::Kept {
            offset: next,
            engine,
        })
    });
    // Results are what readers see, whoever asks.
    let audience = caller.audience();
    Cacheable {
        req: &req,
        state: &state,
        audience,
        etag: None,
        last_modified: found.last_modified,
    }
    .json(&SearchResults {
        query: q.chars().take(1000).collect(),
        corrected: found.corrected,
        total: found.total,
        total_is_estimate: found.total_is_estimate,
        hits: found.hits,
        next_cursor,
        facets,
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    /// The letters typed so far: the last word, unless a space or punctuation follows it, is
    /// still being typed. Required.
    #[param(
        required = true,
        example = "how many te",
        min_length = 1,
        pattern = "\\S"
    )]
    pub q: Option<String>,
    /// Suggestions, 1 to 10.
    #[param(minimum = 1, maximum = 10, default = 5)]
    pub limit: Option<u32>,
    /// Only entries of the page with this slug.
    pub page: Option<String>,
    /// Only entries of pages in this language.
    #[param(value_type = Option<String>, example = "en", pattern = "^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$")]
    pub lang: Option<Lang>,
}

/// Questions that complete what was typed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Suggestions {
    /// Best first: questions that begin with what was typed, then the others.
    pub suggestions: Vec<Suggestion>,
}

/// The most suggestions one response holds.
const MAX_SUGGESTIONS: u32 = 10;

/// Suggest questions
///
/// Question completions for a search box, as one types: every finished word is a word of
/// the question and the unfinished last word starts one of its words; questions that begin
/// with what was typed come first. Only what readers see is suggested. Answered from
/// memory (a change shows within a fraction of a second).
#[utoipa::path(
    tag = "search",
    params(SuggestQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Suggested questions.", body = Suggestions, headers(
            ("ETag" = String, description = "Weak validator of this representation."),
            ("Cache-Control" = String, description = "Public and short-lived for anonymous readers."),
        )),
        (status = 304, response = crate::api::NotModified),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[get("/search/suggest")]
pub async fn suggest_questions(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<SuggestQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let q = query.q.as_deref().unwrap_or_default();
    let typed = Typed::parse(q);
    if typed.is_empty() {
        return Err(ApiError::BadRequest(
            "q must hold a letter or a digit".to_owned(),
        ));
    }
    let limit = query.limit.unwrap_or(5);
    if !(1..=MAX_SUGGESTIONS).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be from 1 to {MAX_SUGGESTIONS}"
        )));
    }
    let limit = limit as usize;
    let scope = Scope {
        page: query.page.as_deref(),
        lang: query.lang.as_ref().map(Lang::as_str),
        ..Scope::default()
    };
    let suggestions = state.searcher.suggest(&typed, &scope, limit).await?;
    Cacheable {
        req: &req,
        state: &state,
        audience: caller.audience(),
        etag: None,
        last_modified: None,
    }
    .json(&Suggestions { suggestions })
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InsightsQuery {
    /// How many days back, today included (1 to 366).
    #[param(minimum = 1, maximum = 366, default = 30)]
    pub days: Option<u32>,
    /// Queries per list (1 to 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<Limit>,
}

/// How often a query was searched.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueryCount {
    /// The normalised query: lowercase terms joined by spaces.
    #[schema(example = "remote coaching")]
    pub query: String,
    pub searches: i64,
    /// Searches of it that found nothing.
    pub no_hits: i64,
}

/// The most frequent queries and those that found nothing.
#[derive(Debug, Serialize, ToSchema)]
pub struct InsightLists {
    pub top: Vec<QueryCount>,
    /// The questions readers ask that the FAQ does not answer yet.
    pub no_hits: Vec<QueryCount>,
}

/// One day's insights.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayInsights {
    pub day: NaiveDate,
    /// Searches that day, all queries counted (not only those listed).
    pub searches: i64,
    /// Searches that day that found nothing: `searches_without_hits / searches` is the
    /// day's zero-result rate.
    pub searches_without_hits: i64,
    #[serde(flatten)]
    pub lists: InsightLists,
}

/// What readers search for.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchInsights {
    pub days: u32,
    pub overall: InsightLists,
    /// Newest day first; days without searches are left out.
    pub by_day: Vec<DayInsights>,
}

/// Search insights
///
/// What readers search for, per day and overall: the most frequent queries and
/// the queries that found nothing. Only query text and counts are stored.
#[utoipa::path(
    tag = "search",
    params(InsightsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Insights.", body = SearchInsights),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 403, response = crate::api::Forbidden),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[get("/search/insights")]
pub async fn search_insights(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Editor)?;
    let query = web::Query::<InsightsQuery>::from_query(req.query_string())
        .map_err(|e| ApiError::BadRequest(format!("invalid query string: {e}")))?
        .into_inner();
    let days = query.days.unwrap_or(30);
    if !(1..=366).contains(&days) {
        return Err(ApiError::BadRequest(
            "days must be from 1 to 366".to_owned(),
        ));
    }
    let limit = i64::from(query.limit.unwrap_or_default().get());
    if let Some(insights) = &state.insights {
        insights.flush(&state.pool).await?;
    }
    let mut conn = state.conn().await?;
    let since = i32::try_from(days - 1).unwrap_or(0);
    let report = crate::search::postgres::insights(&mut conn, since, limit).await?;
    let counts = |rows: Vec<(String, i64, i64)>| {
        rows.into_iter()
            .map(|(query, searches, no_hits)| QueryCount {
                query,
                searches,
                no_hits,
            })
            .collect()
    };
    let overall = InsightLists {
        top: counts(report.top),
        no_hits: counts(report.no_hits),
    };
    let (rows, totals) = (report.by_day, report.day_totals);
    let mut by_day: Vec<DayInsights> = Vec::new();
    for (day, no_hits_list, query, searches, no_hits) in rows {
        if by_day.last().is_none_or(|d| d.day != day) {
            let (_, day_searches, day_without_hits) = totals
                .iter()
                .find(|(d, _, _)| *d == day)
                .copied()
                .unwrap_or((day, 0, 0));
            by_day.push(DayInsights {
                day,
                searches: day_searches,
                searches_without_hits: day_without_hits,
                lists: InsightLists {
                    top: Vec::new(),
                    no_hits: Vec::new(),
                },
            });
        }
        if let Some(current) = by_day.last_mut() {
            let count = QueryCount {
                query,
                searches,
                no_hits,
            };
            if no_hits_list {
                current.lists.no_hits.push(count);
            } else {
                current.lists.top.push(count);
            }
        }
    }
    Cacheable {
        req: &req,
        state: &state,
        audience: Audience::Editor,
        etag: None,
        last_modified: None,
    }
    .json(&SearchInsights {
        days,
        overall,
        by_day,
    })
}

#[cfg(test)]
mod tests {
    use super::Position;
    use crate::domain::Cursor;
    use crate::search::hit::Engine;

    #[test]
    fn a_cursor_keeps_its_engine_and_a_bare_offset_is_still_read() {
        let kept = Cursor::encode(&Position::Kept {
            offset: 40,
            engine: Engine::Postgres,
        });
        assert!(matches!(
            Cursor::decode::<Position>(&kept),
            Ok(Position::Kept {
                offset: 40,
                engine: Engine::Postgres
            })
        ));
        let bare = Cursor::encode(&20_i64);
        assert!(matches!(
            Cursor::decode::<Position>(&bare),
            Ok(Position::Offset(20))
        ));
        for bad in [
            Cursor::encode(&serde_json::json!({"o": 1, "e": "x"})),
            Cursor::encode(&"20"),
            "zzz".to_owned(),
        ] {
            assert!(Cursor::decode::<Position>(&bad).is_err(), "{bad}");
        }
    }
}
