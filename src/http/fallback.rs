//! Extractor errors, unknown routes and wrong methods, all as problem+json; the safety net
//! that turns any other error body into one.

use actix_web::body::MessageBody;
use actix_web::dev::{ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{ErrorHandlerResponse, Next};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

use utoipa::openapi::path::{Parameter, ParameterIn};

use crate::error::{ApiError, PROBLEM_JSON};

/// Query strings that do not parse are 400s naming the problem.
pub fn query_error(err: actix_web::error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    ApiError::BadRequest(format!("invalid query string: {err}")).into()
}

/// Path segments that do not parse name nothing that exists: 404.
pub fn path_error(err: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::NotFound(format!("no such resource: {err}")).into()
}

/// The routes of the service and their methods, to tell a wrong method (405
/// with `Allow`) from an unknown route (404). Built from the OpenAPI document, so
/// that it cannot drift from what is served.
#[derive(Clone, Default)]
pub struct RouteTable {
    routes: Vec<(ResourceDef, Vec<Method>)>,
    /// The documented operations that declare no query parameter: any query there is a 400.
    queryless: Vec<(ResourceDef, Method)>,
}

impl RouteTable {
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi, extra: &[(&str, Method)]) -> Self {
        let mut routes: Vec<(String, Vec<Method>)> = Vec::new();
        let mut queryless: Vec<(ResourceDef, Method)> = Vec::new();
        let mut add = |path: &str, method: Method| match routes.iter_mut().find(|(p, _)| p == path)
        {
            Some((_, methods)) => {
                if !methods.contains(&method) {
                    methods.push(method);
                }
            }
            None => routes.push((path.to_owned(), vec![method])),
        };
        for (path, item) in &doc.paths.paths {
            let ops = [
                (&item.get, Method::GET),
                (&item.post, Method::POST),
                (&item.put, Method::PUT),
                (&item.patch, Method::PATCH),
                (&item.delete, Method::DELETE),
            ];
            let takes_query = |params: &Option<Vec<Parameter>>| {
                params
                    .iter()
                    .flatten()
                    .any(|p| matches!(p.parameter_in, ParameterIn::Query))
            };
            for (op, method) in ops {
                if let Some(op) = op {
                    if !takes_query(&op.parameters) && !takes_query(&item.parameters) {
                        queryless.push((ResourceDef::new(path.as_str()), method.clone()));
                    }
                    add(path, method);
                }
            }
        }
        for (path, method) in extra {
            add(path, method.clone());
        }
        Self {
            routes: routes
                .into_iter()
                .map(|(path, mut methods)| {
                    if let Some(i) = methods.iter().position(|m| m == Method::GET) {
                        methods.insert(i + 1, Method::HEAD);
                    }
                    (ResourceDef::new(path), methods)
                })
                .collect(),
            queryless,
        }
    }

    /// Whether `method path` is a documented operation that declares no query parameter.
    pub fn takes_no_query(&self, method: &Method, path: &str) -> bool {
        self.queryless
            .iter()
            .any(|(def, m)| m == method && def.is_match(path))
    }

    /// The methods `path` answers, if it is a route at all.
    pub fn allowed(&self, path: &str) -> Option<&[Method]> {
        self.routes
            .iter()
            .find(|(def, _)| def.is_match(path))
            .map(|(_, methods)| methods.as_slice())
    }
}

/// The default service: 405 with `Allow` for a known route, else 404.
pub async fn fallback(req: HttpRequest, routes: web::Data<RouteTable>) -> HttpResponse {
    match routes.allowed(req.path()) {
        Some(methods) if !methods.contains(req.method()) => {
            ApiError::MethodNotAllowed(methods.to_vec()).error_response()
        }
        _ => ApiError::NotFound(format!(
            "no route {}",
            crate::domain::truncate_for_message(req.path())
        ))
        .error_response(),
    }
}

/// Middleware: a query string on an operation that declares no query parameter is a 400
/// ("a bad or unknown query parameter, on every route"); the operations that declare some
/// check theirs in their own extractors. Runs after authentication (401 comes first) and
/// before the handler of a write, so that nothing is written; a read runs, and answers its
/// own 404 (or 403, 405) if it has one, the 400 otherwise.
pub async fn refuse_undeclared_query(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let query = req.query_string();
    if !query.is_empty()
        && req
            .app_data::<web::Data<RouteTable>>()
            .is_some_and(|routes| routes.takes_no_query(req.method(), req.path()))
    {
        let names: Vec<String> = url::form_urlencoded::parse(query.as_bytes())
            .map(|(name, _)| crate::domain::truncate_for_message(&name))
            .collect();
        if !names.is_empty() {
            let refusal = ApiError::BadRequest(format!(
                "this operation takes no query parameter: not {}",
                names.join(", ")
            ));
            // A read may run first, as it writes nothing: an unknown resource is a 404
            // before the query's 400 (the contract's order: 401, 403, 404, 405, then 400).
            if req.method() == Method::GET || req.method() == Method::HEAD {
                let first = |status: StatusCode| matches!(status.as_u16(), 401 | 403 | 404 | 405);
                return match next.call(req).await {
                    Ok(res) if first(res.status()) => Ok(res.map_into_boxed_body()),
                    Err(err) if first(err.as_response_error().status_code()) => Err(err),
                    _ => Err(refusal.into()),
                };
            }
            return Err(refusal.into());
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

/// Rewrites `HEAD` as `GET` before routing, so that every `GET` answers `HEAD`;
/// actix-http still sends no body, because it remembers the request was a HEAD.
pub fn head_as_get(req: &mut ServiceRequest) {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
}

/// Turns any error response that is not already problem+json (from actix itself
/// or a library) into one, keeping its status and headers.
pub fn problem_for_foreign_errors<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    // The MCP endpoint answers JSON-RPC errors in JSON, as its protocol says.
    let is_jsonrpc = res.request().path() == crate::http::MCP_PATH
        && res
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_problem || is_jsonrpc {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let detail = match status {
        StatusCode::NOT_FOUND => "no such resource".to_owned(),
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is too large".to_owned(),
        other => other.canonical_reason().unwrap_or("error").to_lowercase(),
    };
    let problem = crate::error::Problem {
        kind: crate::error::problem_type(status),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail,
        errors: None,
    };
    let (req, old) = res.into_parts();
    let mut new = HttpResponse::build(status);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.append_header((name.clone(), value.clone()));
        }
    }
    let new = new.content_type(PROBLEM_JSON).json(problem);
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, new).map_into_right_body(),
    ))
}
