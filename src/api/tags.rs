//! `/tags`: the tags of what readers see, with their counts.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::domain::Lang;
use crate::error::ApiResult;
use crate::http::conditional::Cacheable;
use crate::state::AppState;
use crate::store::tags::{self, TagCount};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_tags);
}

/// Every tag readers can see.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagList {
    /// Most used first, then by name.
    pub items: Vec<TagCount>,
    pub total: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TagsQuery {
    /// Only entries of the page with this slug.
    pub page: Option<String>,
    /// Only entries of pages in this language.
    #[param(value_type = Option<String>, example = "en", pattern = "^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$")]
    pub lang: Option<Lang>,
}

/// List tags
///
/// The tags of published entries, with their counts: what readers see, whoever asks.
#[utoipa::path(
    tag = "faqs",
    params(TagsQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The tags.", body = TagList, headers(
            ("ETag" = String, description = "Weak validator of this representation."),
            ("Cache-Control" = String, description = "Public and short-lived for anonymous readers."),
        )),
        (status = 304, response = crate::api::NotModified),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[get("/tags")]
pub async fn list_tags(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<TagsQuery>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let items = tags::counts(
        &mut conn,
        query.page.as_deref(),
        query.lang.as_ref().map(Lang::as_str),
    )
    .await?;
    let last_modified = tags::pages_last_modified(&mut conn).await?;
    // The counts are readers' view for every caller; a token only makes the answer private.
    Cacheable {
        req: &req,
        state: &state,
        audience: caller.audience(),
        etag: None,
        last_modified,
    }
    .json(&TagList {
        total: items.len() as i64,
        items,
    })
}
