//! Editors' helpers for the desk: the existing questions nearest to a new one (the
//! duplicate warning) and a preview of an answer rendered as readers will get it.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::responses;
use crate::auth::{Caller, Role};
use crate::domain::Lang;
use crate::error::{ApiError, ApiResult};
use crate::http::body;
use crate::http::body::{JSON, MAX_JSON_BYTES};
use crate::model::EntryStatus;
use crate::search::semantic::SemanticScope;
use crate::state::AppState;
use crate::store::similar::{self, SimilarRow};

/// Registered before `/faqs/{ref}`, so that `similar` is never taken for an entry's slug.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(similar_faqs).service(render_markdown);
}

/// Near questions answered at most.
const MAX_SIMILAR: usize = 5;
/// The longest question compared (characters): a question is a line, not a document.
const MAX_QUERY_CHARS: usize = 500;
/// Cosine similarities of the embedding model below this mean nothing alike (unrelated
/// sentences of e5-like models are rarely under 0.7); from here to 1 maps onto [0, 1].
const MEANING_FLOOR: f32 = 0.70;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SimilarQuery {
    /// The question being written (at most 500 characters). Required.
    #[param(
        required = true,
        example = "What does a technical coach do?",
        min_length = 1,
        max_length = 500,
        pattern = "\\S"
    )]
    pub q: Option<String>,
    /// Only entries of the page with this slug.
    #[param(example = "faq")]
    pub page: Option<String>,
    /// Only entries of pages in this language.
    #[param(value_type = Option<String>, example = "en", pattern = "^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$")]
    pub lang: Option<Lang>,
}

/// An existing question near the one asked.
#[derive(Debug, Serialize, ToSchema)]
pub struct SimilarQuestion {
    pub id: Uuid,
    #[schema(example = "what-is-a-technical-coach")]
    pub slug: String,
    /// The page's slug.
    #[schema(example = "faq")]
    pub page: String,
    #[schema(example = "en")]
    pub lang: String,
    #[schema(example = "What is a technical coach?")]
    pub question: String,
    /// As editors see it: drafts are compared too.
    pub status: EntryStatus,
    /// How alike, from 0 (nothing in common) to 1 (the same question).
    #[schema(example = 0.82, minimum = 0.0, maximum = 1.0)]
    pub similarity: f32,
    /// What found it: `meaning` (embeddings) or `words` (trigrams).
    #[schema(example = "words")]
    pub by: &'static str,
}

/// The nearest existing questions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SimilarQuestions {
    /// Best first, at most 5.
    pub items: Vec<SimilarQuestion>,
    /// Whether meaning was compared (embeddings available), or words only.
    pub semantic: bool,
}

/// Similar questions
///
/// The existing questions nearest to `q` — by meaning where embeddings exist (published
/// entries), and by words (every entry editors see, drafts included) — with a similarity in
/// [0, 1], best first: the duplicate warning shown while an editor types a new question.
#[utoipa::path(
    tag = "faqs",
    params(SimilarQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The nearest questions.", body = SimilarQuestions),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 403, response = crate::api::Forbidden),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[get("/faqs/similar")]
pub async fn similar_faqs(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Editor)?;
    let query = web::Query::<SimilarQuery>::from_query(req.query_string())
        .map_err(|e| ApiError::BadRequest(format!("invalid query string: {e}")))?
        .into_inner();
    let q = query.q.as_deref().map(str::trim).unwrap_or_default();
    if q.is_empty() {
        return Err(ApiError::BadRequest("q must not be empty".to_owned()));
    }
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::BadRequest(format!(
            "q is over {MAX_QUERY_CHARS} characters"
        )));
    }
    let page = query.page.as_deref();
    let lang = query.lang.as_ref().map(Lang::as_str);

    let mut conn = state.conn().await?;
    let mut found: Vec<SimilarQuestion> =
        similar::by_words(&mut conn, q, page, lang, MAX_SIMILAR as i64)
            .await?
            .into_iter()
            .map(|row| {
                let words = row.words;
                question(row, words, "words")
            })
            .collect();
    let semantic = state.semantic.index();
    if let Some(index) = semantic {
        let near = index
            .search(q, SemanticScope { page, lang }, MAX_SIMILAR)
            .await;
        let scored: Vec<(Uuid, f32)> = near
            .into_iter()
            .map(|(id, cosine)| (id, meaning_similarity(cosine)))
            .filter(|(_, s)| *s >= similar::MIN_WORDS)
            .collect();
        let ids: Vec<Uuid> = scored.iter().map(|(id, _)| *id).collect();
        for row in similar::by_ids(&mut conn, &ids).await? {
            let Some(&(_, score)) = scored.iter().find(|(id, _)| *id == row.id) else {
                continue;
            };
            match found.iter_mut().find(|f| f.id == row.id) {
                Some(known) if known.similarity >= score => {}
                Some(known) => {
                    known.similarity = score;
                    known.by = "meaning";
                }
                None => found.push(question(row, score, "meaning")),
            }
        }
    }
    found.sort_by(|a, b| {
        b.similarity
            .total_cmp(&a.similarity)
            .then_with(|| a.question.cmp(&b.question))
    });
    found.truncate(MAX_SIMILAR);
    Ok(
        responses::private(HttpResponse::Ok()).json(SimilarQuestions {
            items: found,
            semantic: semantic.is_some(),
        }),
    )
}

fn question(row: SimilarRow, similarity: f32, by: &'static str) -> SimilarQuestion {
    SimilarQuestion {
        id: row.id,
        slug: row.slug,
        page: row.page,
        lang: row.lang,
        question: row.question,
        status: row.status,
        similarity: round(similarity.clamp(0.0, 1.0)),
        by,
    }
}

/// A cosine similarity of the embedding model mapped onto [0, 1] (see [`MEANING_FLOOR`]).
fn meaning_similarity(cosine: f32) -> f32 {
    ((cosine - MEANING_FLOOR) / (1.0 - MEANING_FLOOR)).clamp(0.0, 1.0)
}

/// Three decimals are all a warning needs.
fn round(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}

/// Markdown to preview.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenderRequest {
    /// An answer's Markdown (at most 20,000 characters).
    #[schema(
        example = "A **technical coach** trains developers.",
        max_length = 20000
    )]
    pub markdown: String,
}

/// The preview.
#[derive(Debug, Serialize, ToSchema)]
pub struct Rendered {
    /// The HTML readers would get: rendered and sanitised as `answer_html` is.
    #[schema(example = "<p>A <strong>technical coach</strong> trains developers.</p>")]
    pub html: String,
}

/// The longest answer previewed, as for an entry's answer.
const MAX_RENDER_CHARS: usize = 20_000;

/// Render an answer
///
/// Renders Markdown exactly as an entry's `answer_html` is rendered and sanitised, so that an
/// editor's preview is what readers get. Stores nothing.
#[utoipa::path(
    tag = "faqs",
    request_body(content = RenderRequest, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The rendered HTML.", body = Rendered),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 403, response = crate::api::Forbidden),
        (status = 413, response = crate::api::PayloadTooLarge),
        (status = 415, response = crate::api::UnsupportedMediaType),
        (status = 422, response = crate::api::Unprocessable),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[post("/render")]
pub async fn render_markdown(
    req: HttpRequest,
    caller: Caller,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Editor)?;
    let bytes = body::read_body(&req, payload, &[JSON], MAX_JSON_BYTES).await?;
    let body: RenderRequest = body::parse_typed(body::parse_json(&bytes)?)?;
    if body.markdown.chars().count() > MAX_RENDER_CHARS {
        return Err(ApiError::validation(vec![crate::error::FieldError::new(
            "markdown",
            format!("at most {MAX_RENDER_CHARS} characters"),
        )]));
    }
    Ok(responses::private(HttpResponse::Ok()).json(Rendered {
        html: crate::content::render_answer(&body.markdown),
    }))
}
