//! Embeddings from an OpenAI-compatible endpoint (`FAQD_EMBEDDINGS_URL`), against a fake one
//! run here: semantic hits, the key and the model sent, a vector per source (switching embeds
//! again), and search by words when the endpoint fails, is down or is slow.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

use crate::helpers::{TestApp, hit_questions, paths, spawn_app_with, wait_for};
use crate::relevance::wait_for_embeddings;

const PRICING: &str = "---\ntitle: Pricing\n---\n## How much does it cost?\n\nNothing: the service is free for everyone.\n\n## Can I get a refund?\n\nYes, within 30 days we give your money back.\n\n## Can I use it online?\n\nYes, in any browser.\n\n## Who runs the servers?\n\nA small team in Lyon.\n";

/// The fake's meaning: words of one topic weigh 1 on the topic's component, any other word
/// 0.05 on a component of its own (hashed), so that the topic decides: "reimbursement" is
/// nearest to the refund entry, which does not hold the word.
const TOPICS: [&[&str]; 4] = [
    &["refund", "refunded", "reimbursement", "reimbursed", "money"],
    &["cost", "price", "free", "pay", "nothing"],
    &["online", "browser", "web"],
    &["team", "servers", "lyon", "staff"],
];
const DIM: usize = 64;

fn meaning(text: &str) -> Vec<f32> {
    let mut vector = vec![0f32; DIM];
    let lower = text.to_lowercase();
    for word in lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        match TOPICS.iter().position(|topic| topic.contains(&word)) {
            Some(topic) => vector[topic] += 1.0,
            None => {
                let hash = word.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                    (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
                });
                vector[8 + (hash % (DIM as u64 - 8)) as usize] += 0.05;
            }
        }
    }
    if vector.iter().all(|x| *x == 0.0) {
        vector[DIM - 1] = 1.0;
    }
    // Not normalised: faqd normalises.
    vector.iter().map(|x| x * 3.0).collect()
}

#[derive(Clone, Copy)]
enum Behaviour {
    Answer,
    /// 500 to the first requests, then answers.
    FailFirst(usize),
    Fail,
    /// Answers after this long.
    Slow(Duration),
}

/// A request the fake received.
#[derive(Debug, Clone)]
struct Seen {
    authorization: Option<String>,
    model: Value,
    input: Vec<String>,
}

struct FakeState {
    behaviour: Behaviour,
    calls: AtomicUsize,
    seen: Mutex<Vec<Seen>>,
}

/// A fake OpenAI-compatible embeddings endpoint at `{address}/v1/embeddings`.
struct Fake {
    address: String,
    state: Arc<FakeState>,
    handle: actix_web::dev::ServerHandle,
}

async fn embeddings(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<FakeState>,
) -> HttpResponse {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let input: Vec<String> = body["input"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    state.seen.lock().expect("lock").push(Seen {
        authorization: req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        model: body["model"].clone(),
        input: input.clone(),
    });
    let call = state.calls.fetch_add(1, Ordering::SeqCst);
    match state.behaviour {
        Behaviour::Fail => return HttpResponse::InternalServerError().body("boom"),
        Behaviour::FailFirst(n) if call < n => {
            return HttpResponse::InternalServerError().body("boom");
        }
        Behaviour::Slow(wait) => tokio::time::sleep(wait).await,
        _ => {}
    }
    // Last text first: faqd must put them back in `index` order.
    let data: Vec<Value> = input
        .iter()
        .enumerate()
        .rev()
        .map(|(index, text)| json!({"object": "embedding", "index": index, "embedding": meaning(text)}))
        .collect();
    HttpResponse::Ok().json(json!({"object": "list", "data": data, "model": body["model"]}))
}

impl Fake {
    fn start(behaviour: Behaviour) -> Self {
        let state = Arc::new(FakeState {
            behaviour,
            calls: AtomicUsize::new(0),
            seen: Mutex::new(Vec::new()),
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("address"));
        let data = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/v1/embeddings", web::post().to(embeddings))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .expect("listen")
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            address,
            state,
            handle,
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().expect("lock").clone()
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

fn settings(url: String) -> faqd::config::ServeSettings {
    let mut settings = faqd::config::ServeSettings::for_tests();
    settings.embeddings = true;
    settings.embeddings_url = Some(url);
    settings.embeddings_remote_model = "fake-e5".to_owned();
    // Never the installed model, should the endpoint be ignored.
    settings.embeddings_model = std::path::PathBuf::from("/nonexistent/model");
    settings
}

/// `/readyz`'s semantic status once `done` holds of it (10 s at most).
async fn semantic_status(app: &TestApp, done: impl Fn(&Value) -> bool) -> Value {
    wait_for("/readyz to say so", Duration::from_secs(10), || async {
        let status = app.get_json("/readyz").await["semantic_search"].clone();
        if done(&status) {
            Ok(status)
        } else {
            Err(format!("(said {status})"))
        }
    })
    .await
}

/// The models and vector sizes stored.
async fn stored(app: &TestApp) -> Vec<(String, i32)> {
    sqlx::query_as(
        "SELECT DISTINCT model, octet_length(embedding) FROM entry_embeddings ORDER BY 1, 2",
    )
    .fetch_all(&app.pool)
    .await
    .expect("stored embeddings")
}

#[tokio::test]
async fn remote_embeddings_find_entries_by_meaning() {
    let fake = Fake::start(Behaviour::Answer);
    // The base URL form: `/embeddings` is added.
    let mut settings = settings(format!("{}/v1", fake.address));
    settings.embeddings_api_key = Some("sk-test".to_owned());
    let app = spawn_app_with(settings).await;
    let token = app.editor().await;
    app.import_ok(&token, "slug=pricing", "text/markdown", PRICING)
        .await;
    wait_for_embeddings(&app).await;

    let status = app.get_json("/readyz").await["semantic_search"].clone();
    assert_eq!(status["model"], "remote:fake-e5", "{status}");
    assert_eq!(status["indexed"], 4, "{status}");
    assert!(status.get("error").is_none(), "{status}");
    assert_eq!(
        stored(&app).await,
        [("remote:fake-e5".to_owned(), 4 * DIM as i32)]
    );

    // By meaning: the word is in no entry.
    let found = app.search("reimbursement").await;
    assert_eq!(hit_questions(&found), ["Can I get a refund?"], "{found}");
    let found = app.search("who is the staff").await;
    assert_eq!(hit_questions(&found)[0], "Who runs the servers?", "{found}");

    let seen = fake.seen();
    assert!(!seen.is_empty());
    for request in &seen {
        assert_eq!(request.authorization.as_deref(), Some("Bearer sk-test"));
        assert_eq!(request.model, "fake-e5");
    }
    let texts: Vec<&String> = seen.iter().flat_map(|r| &r.input).collect();
    // Entries and queries go without e5 prefixes: the service owns its prompts.
    assert!(
        texts.iter().any(|t| t.starts_with("Can I get a refund?\n")),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| *t == "reimbursement"), "{texts:?}");
    assert!(
        !texts
            .iter()
            .any(|t| t.starts_with("query:") || t.starts_with("passage:")),
        "{texts:?}"
    );
}

#[tokio::test]
async fn switching_the_embedding_source_embeds_every_entry_again() {
    let fake = Fake::start(Behaviour::Answer);
    // The full URL form; no key.
    let app = spawn_app_with(settings(format!("{}/v1/embeddings", fake.address))).await;
    let token = app.editor().await;
    app.import_ok(&token, "slug=pricing", "text/markdown", PRICING)
        .await;
    wait_for_embeddings(&app).await;
    assert!(fake.seen().iter().all(|r| r.authorization.is_none()));

    // Vectors of another source (the in-process model's 384 dimensions) replace them, as an
    // instance with the other source would store them: they are embedded again, and never
    // loaded into this index.
    sqlx::query(
        "UPDATE entry_embeddings
         SET model = 'multilingual-e5-small-q4', embedding = decode(repeat('00', 1536), 'hex'),
             embedded_at = clock_timestamp()",
    )
    .execute(&app.pool)
    .await
    .expect("update");
    let calls = fake.state.calls.load(Ordering::SeqCst);
    wait_for("embedded again", Duration::from_secs(20), || async {
        let stored = stored(&app).await;
        if stored == [("remote:fake-e5".to_owned(), 4 * DIM as i32)] {
            Ok(())
        } else {
            Err(format!("(stored {stored:?})"))
        }
    })
    .await;
    assert!(fake.state.calls.load(Ordering::SeqCst) > calls);
    let status = app.get_json("/readyz").await["semantic_search"].clone();
    assert!(status.get("error").is_none(), "{status}");
    assert_eq!(status["indexed"], 4, "{status}");
    let found = app.search("reimbursement").await;
    assert_eq!(hit_questions(&found), ["Can I get a refund?"], "{found}");
}

#[tokio::test]
async fn search_answers_by_words_when_the_endpoint_fails() {
    let fake = Fake::start(Behaviour::Fail);
    let app = spawn_app_with(settings(format!("{}/v1", fake.address))).await;
    let token = app.editor().await;
    app.import_ok(&token, "slug=pricing", "text/markdown", PRICING)
        .await;
    let status = semantic_status(&app, |s| s["error"].is_string() && s["pending"] == 4).await;
    assert!(
        status["error"].as_str().is_some_and(|e| e.contains("500")),
        "{status}"
    );
    assert_eq!(status["indexed"], 0, "{status}");

    let found = app.search("refund").await;
    assert_eq!(hit_questions(&found), ["Can I get a refund?"], "{found}");
    // Nothing by meaning.
    let found = app.search("reimbursement").await;
    assert_eq!(found["total"], 0, "{found}");
    assert_eq!(stored(&app).await, []);
}

#[tokio::test]
async fn search_answers_by_words_when_the_endpoint_is_down() {
    // A port nobody listens on.
    let address = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let app = spawn_app_with(settings(format!("http://{address}/v1"))).await;
    let token = app.editor().await;
    app.import_ok(&token, "slug=pricing", "text/markdown", PRICING)
        .await;
    let found = app.search("refund").await;
    assert_eq!(hit_questions(&found), ["Can I get a refund?"], "{found}");
    let status = semantic_status(&app, |s| s["error"].is_string()).await;
    assert!(
        status["error"]
            .as_str()
            .is_some_and(|e| e.contains("unreachable")),
        "{status}"
    );
    assert_eq!(status["indexed"], 0, "{status}");
}

#[tokio::test]
async fn a_slow_endpoint_delays_search_by_its_timeout_at_most() {
    let fake = Fake::start(Behaviour::Slow(Duration::from_secs(30)));
    let mut settings = settings(format!("{}/v1", fake.address));
    settings.embeddings_timeout_ms = 300;
    let app = spawn_app_with(settings).await;
    let token = app.editor().await;
    app.import_ok(&token, "slug=pricing", "text/markdown", PRICING)
        .await;
    let started = Instant::now();
    let found = app.search("refund").await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(hit_questions(&found), ["Can I get a refund?"], "{found}");
    let status = semantic_status(&app, |s| s["error"].is_string()).await;
    assert!(
        status["error"]
            .as_str()
            .is_some_and(|e| e.contains("within 300 ms")),
        "{status}"
    );
}

#[tokio::test]
async fn the_worker_retries_until_the_endpoint_recovers() {
    let fake = Fake::start(Behaviour::FailFirst(2));
    let app = spawn_app_with(settings(format!("{}/v1", fake.address))).await;
    let token = app.editor().await;
    app.import_ok(&token, "slug=pricing", "text/markdown", PRICING)
        .await;
    wait_for_embeddings(&app).await;
    assert!(fake.state.calls.load(Ordering::SeqCst) >= 3);
    let status = app.get_json("/readyz").await["semantic_search"].clone();
    assert!(status.get("error").is_none(), "{status}");
    let found = app.search("reimbursement").await;
    assert_eq!(hit_questions(&found), ["Can I get a refund?"], "{found}");
}

/// The duplicate warning of the editors' desk by meaning: a question none of whose words an
/// entry holds still finds the entry it duplicates.
#[tokio::test]
async fn similar_questions_are_found_by_meaning_where_embeddings_exist() {
    let fake = Fake::start(Behaviour::Answer);
    let app = spawn_app_with(settings(format!("{}/v1", fake.address))).await;
    let token = app.editor().await;
    app.import_ok(&token, "slug=pricing", "text/markdown", PRICING)
        .await;
    wait_for_embeddings(&app).await;

    let res = app
        .with_token(reqwest::Method::GET, &paths::faq("similar"), &token)
        .query(&[("q", "Will I be reimbursed?")])
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("JSON");
    assert_eq!(body["semantic"], true, "{body}");
    assert_eq!(
        body["items"][0]["question"], "Can I get a refund?",
        "{body}"
    );
    assert_eq!(body["items"][0]["by"], "meaning", "{body}");
    let similarity = body["items"][0]["similarity"].as_f64().expect("number");
    assert!(similarity > 0.5 && similarity <= 1.0, "{body}");
}

#[tokio::test]
async fn a_vector_committed_after_a_later_transaction_is_still_loaded() {
    let fake = Fake::start(Behaviour::Answer);
    let app = spawn_app_with(settings(format!("{}/v1", fake.address))).await;
    let token = app.editor().await;
    app.import_ok(&token, "slug=pricing", "text/markdown", PRICING)
        .await;
    wait_for_embeddings(&app).await;
    let found = app.search("reimbursement").await;
    assert_eq!(hit_questions(&found), ["Can I get a refund?"], "{found}");

    // Another instance's long transaction: it begins (and takes its transaction id) first,
    // stores a vector (the refund topic's, for the servers' entry) stamped now...
    let mut late = app.pool.begin().await.expect("begin");
    sqlx::query("SELECT pg_current_xact_id()")
        .execute(&mut *late)
        .await
        .expect("xid");
    let blob: Vec<u8> = meaning("refund money")
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    sqlx::query(
        "UPDATE entry_embeddings ee
         SET embedding = $1, embedded_at = clock_timestamp(), xid = pg_current_xact_id()
         FROM entries e WHERE e.id = ee.entry_id AND e.question = 'Who runs the servers?'",
    )
    .bind(&blob)
    .execute(&mut *late)
    .await
    .expect("store the late vector");

    // ...while a later write is embedded, stored, committed and pulled into the index.
    app.patch_entry(
        &token,
        "can-i-use-it-online",
        json!({"answer": "Yes, in any web browser."}),
        false,
    )
    .await;
    wait_for(
        "the later vector stored",
        Duration::from_secs(20),
        || async {
            let stored: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM entry_embeddings ee JOIN entries e ON e.id = ee.entry_id
             WHERE e.slug = 'can-i-use-it-online' AND ee.version = e.version",
            )
            .fetch_one(&app.pool)
            .await
            .expect("count");
            if stored == 1 {
                Ok(())
            } else {
                Err("(not yet)".to_owned())
            }
        },
    )
    .await;
    // A few of the worker's idle rounds (500 ms each): it has pulled past the later write.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let found = app.search("reimbursement").await;
    assert_eq!(hit_questions(&found), ["Can I get a refund?"], "{found}");

    // The long transaction commits last, with a timestamp older than the later write's: the
    // index still loads its vector (a watermark by timestamp would skip it for good).
    late.commit().await.expect("commit");
    wait_for(
        "the late vector loaded",
        Duration::from_secs(10),
        || async {
            let found = app.search("reimbursement").await;
            if hit_questions(&found)
                .iter()
                .any(|q| q == "Who runs the servers?")
            {
                Ok(())
            } else {
                Err(format!("({found})"))
            }
        },
    )
    .await;
}
