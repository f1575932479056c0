//! Embeddings from an OpenAI-compatible endpoint (`POST …/v1/embeddings`), for operators who
//! run their own embedding service instead of the in-process model.
//!
//! Request: `{"model": M, "input": [texts…]}`, with `Authorization: Bearer KEY` when a key is
//! set. Answer: `{"data": [{"embedding": [floats…], "index": i}, …]}`, one vector per text,
//! put back in `index` order and L2-normalised here. Every request is bounded by a timeout;
//! every failure is an [`EmbedError`], never a panic.

use std::error::Error as _;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{EmbedError, clip};

/// A client of one endpoint. Requests run on the runtime that created it (the one that runs
/// the semantic worker): its pooled connections then never outlive the runtime that opened
/// them, whichever HTTP worker thread asks for a query embedding.
pub struct Remote {
    client: reqwest::Client,
    url: reqwest::Url,
    api_key: Option<String>,
    model: String,
    timeout: Duration,
    runtime: tokio::runtime::Handle,
}

#[derive(Serialize)]
struct Request<'a> {
    model: &'a str,
    input: &'a [String],
}

#[derive(Deserialize)]
struct Response {
    data: Vec<Datum>,
}

#[derive(Deserialize)]
struct Datum {
    embedding: Vec<f32>,
    /// The text's position in `input`; taken as the datum's own position when absent.
    #[serde(default)]
    index: Option<usize>,
}

pub use crate::config::embeddings_endpoint as endpoint;

impl Remote {
    /// A client of the endpoint at `url` (see [`endpoint`]). Call it inside a Tokio runtime.
    pub fn new(
        url: &str,
        api_key: Option<String>,
        model: String,
        timeout: Duration,
    ) -> Result<Self, String> {
        let url = endpoint(url)?;
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| "no async runtime to run the embedding requests on".to_owned())?;
        Ok(Self {
            client,
            url,
            api_key: api_key.filter(|k| !k.is_empty()),
            model,
            timeout,
            runtime,
        })
    }

    /// The `model` asked of the endpoint.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The endpoint's URL, without any password it holds: for logs.
    pub fn url_for_logs(&self) -> String {
        let mut url = self.url.clone();
        if url.password().is_some() {
            // Cannot fail: an URL with a password has a host.
            let _ = url.set_password(Some("***"));
        }
        url.to_string()
    }

    /// The L2-normalised embeddings of `texts`, in their order.
    pub async fn embed(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let texts: Vec<String> = texts.iter().map(|t| clip(t).to_owned()).collect();
        let request = self.client.post(self.url.clone());
        let request = match &self.api_key {
            Some(key) => request.bearer_auth(key),
            None => request,
        };
        let model = self.model.clone();
        let timeout = self.timeout;
        let task = self.runtime.spawn(async move {
            let n = texts.len();
            let response = request
                .json(&Request {
                    model: &model,
                    input: &texts,
                })
                .send()
                .await
                .map_err(|e| describe(&e, timeout))?;
            let status = response.status();
            if !status.is_success() {
                return Err(EmbedError::Status(status.to_string()));
            }
            let body: Response = response.json().await.map_err(|e| describe(&e, timeout))?;
            vectors(body, n)
        });
        task.await
            .map_err(|_| EmbedError::Unreachable("the request was cancelled".to_owned()))?
    }
}

/// A transport error, without its URL (it may hold credentials), with its causes.
fn describe(err: &reqwest::Error, timeout: Duration) -> EmbedError {
    if err.is_timeout() {
        return EmbedError::Timeout(timeout.as_millis());
    }
    let mut text = String::new();
    let mut source: Option<&dyn std::error::Error> = err.source();
    while let Some(cause) = source {
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    if err.is_decode() {
        return EmbedError::BadResponse(if text.is_empty() {
            "not the expected JSON".to_owned()
        } else {
            text
        });
    }
    if text.is_empty() {
        text = "the request failed".to_owned();
    }
    EmbedError::Unreachable(text)
}

/// The vectors of an answer to `n` texts: in `index` order, all of one non-zero length,
/// finite, L2-normalised.
fn vectors(body: Response, n: usize) -> Result<Vec<Vec<f32>>, EmbedError> {
    if body.data.len() != n {
        return Err(EmbedError::BadResponse(format!(
            "{} vectors for {n} texts",
            body.data.len()
        )));
    }
    let mut data: Vec<(usize, Vec<f32>)> = body
        .data
        .into_iter()
        .enumerate()
        .map(|(at, d)| (d.index.unwrap_or(at), d.embedding))
        .collect();
    data.sort_by_key(|(index, _)| *index);
    if data.iter().enumerate().any(|(at, (index, _))| at != *index) {
        return Err(EmbedError::BadResponse(format!(
            "the indices are not 0 to {}",
            n - 1
        )));
    }
    let dim = data.first().map_or(0, |(_, v)| v.len());
    if dim == 0 {
        return Err(EmbedError::BadResponse("empty vectors".to_owned()));
    }
    data.into_iter()
        .map(|(_, mut vector)| {
            if vector.len() != dim {
                return Err(EmbedError::BadResponse(format!(
                    "vectors of {dim} and {} dimensions in one answer",
                    vector.len()
                )));
            }
            let norm = vector
                .iter()
                .map(|x| f64::from(*x) * f64::from(*x))
                .sum::<f64>()
                .sqrt();
            if !norm.is_finite() || norm == 0.0 {
                return Err(EmbedError::BadResponse(
                    "a vector is zero or not finite".to_owned(),
                ));
            }
            for x in &mut vector {
                *x = (f64::from(*x) / norm) as f32;
            }
            Ok(vector)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Response {
        match serde_json::from_str(json) {
            Ok(body) => body,
            Err(err) => panic!("{json}: {err}"),
        }
    }

    #[test]
    fn the_endpoint_is_the_full_url_or_the_base_url_with_embeddings_added() {
        let url = |s: &str| endpoint(s).map(|u| u.to_string());
        assert_eq!(
            url("http://embedder:8000/v1/embeddings").as_deref(),
            Ok("http://embedder:8000/v1/embeddings")
        );
        assert_eq!(
            url("http://embedder:8000/v1").as_deref(),
            Ok("http://embedder:8000/v1/embeddings")
        );
        assert_eq!(
            url("https://embedder/v1/?api-version=2").as_deref(),
            Ok("https://embedder/v1/embeddings?api-version=2")
        );
        assert!(endpoint("embedder:8000/v1").is_err());
        assert!(endpoint("ftp://embedder/v1").is_err());
        assert!(endpoint("not a url").is_err());
    }

    #[test]
    fn vectors_come_back_in_index_order_normalised() {
        let body =
            parse(r#"{"data":[{"embedding":[0,2],"index":1},{"embedding":[3,4],"index":0}]}"#);
        let found = vectors(body, 2).map_err(|e| e.to_string());
        assert_eq!(found, Ok(vec![vec![0.6, 0.8], vec![0.0, 1.0]]));
        // Without indices: in the answer's order.
        let body = parse(r#"{"data":[{"embedding":[1,0]},{"embedding":[0,5]}]}"#);
        let found = vectors(body, 2).map_err(|e| e.to_string());
        assert_eq!(found, Ok(vec![vec![1.0, 0.0], vec![0.0, 1.0]]));
    }

    #[test]
    fn unusable_answers_are_errors() {
        for (json, n) in [
            (r#"{"data":[{"embedding":[1,0],"index":0}]}"#, 2),
            (
                r#"{"data":[{"embedding":[1,0],"index":0},{"embedding":[1,0],"index":0}]}"#,
                2,
            ),
            (
                r#"{"data":[{"embedding":[1,0],"index":0},{"embedding":[1],"index":1}]}"#,
                2,
            ),
            (r#"{"data":[{"embedding":[],"index":0}]}"#, 1),
            (r#"{"data":[{"embedding":[0,0],"index":0}]}"#, 1),
            (r#"{"data":[{"embedding":[1e39,1],"index":0}]}"#, 1),
        ] {
            let result = vectors(parse(json), n);
            assert!(
                matches!(result, Err(EmbedError::BadResponse(_))),
                "{json}: {:?}",
                result.map_err(|e| e.to_string())
            );
        }
    }
}
