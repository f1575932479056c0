//! Webhooks: registration (admins only, private addresses refused), signed deliveries checked
//! by a receiver written from the documented scheme, retries after an outage, delivery after a
//! restart, no double delivery by two instances, the delivery log and redelivery.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use faqd::config::ServeSettings;
use faqd::server::Application;
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::{
    TestApp, paths, problem_fields, send_json, spawn_app, spawn_app_with, wait_for,
};

/// One request the receiver got.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: Vec<u8>,
}

impl Received {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// A webhook receiver on loopback: records every request; answers 503 while `down`.
pub(crate) struct Receiver {
    pub(crate) url: String,
    got: Arc<Mutex<Vec<Received>>>,
    down: Arc<AtomicBool>,
    _handle: actix_web::dev::ServerHandle,
}

impl Receiver {
    pub(crate) async fn start() -> Self {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let down = Arc::new(AtomicBool::new(false));
        let (g, d) = (got.clone(), down.clone());
        let server = HttpServer::new(move || {
            let (g, d) = (g.clone(), d.clone());
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let (g, d) = (g.clone(), d.clone());
                async move {
                    if d.load(Ordering::SeqCst) {
                        return HttpResponse::ServiceUnavailable().body("down for maintenance");
                    }
                    let header = |name: &str| {
                        req.headers()
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    g.lock().unwrap().push(Received {
                        id: header("webhook-id"),
                        timestamp: header("webhook-timestamp"),
                        signature: header("webhook-signature"),
                        body: body.to_vec(),
                    });
                    HttpResponse::NoContent().finish()
                }
            }))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .expect("bind the receiver");
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            url: format!("http://127.0.0.1:{port}/hook"),
            got,
            down,
            _handle: handle,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `n` requests have come (or fails after a while).
    pub(crate) async fn wait_for(&self, n: usize) -> Vec<Received> {
        wait_for(
            &format!("{n} deliveries"),
            Duration::from_secs(10),
            || async {
                let got = self.received();
                if got.len() >= n {
                    Ok(got)
                } else {
                    Err(format!("(the receiver got {})", got.len()))
                }
            },
        )
        .await
    }
}

/// Verifies a request as the README tells receivers to: HMAC-SHA256 over
/// `id.timestamp.body`, the key being the secret's bytes (`whsec_`: base64-decoded).
fn verify(secret: &str, got: &Received) -> bool {
    let key = match secret.strip_prefix("whsec_") {
        Some(b64) => STANDARD.decode(b64).expect("a base64 secret"),
        None => secret.as_bytes().to_vec(),
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.", got.id, got.timestamp).as_bytes());
    mac.update(&got.body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    got.signature.split(' ').any(|s| s == expected)
}

async fn register(app: &TestApp, admin: &str, body: Value) -> Value {
    let res = send_json(app, Method::POST, paths::WEBHOOKS, admin, None, Some(body)).await;
    assert_eq!(res.status(), 201);
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with(&paths::webhook(""))
    );
    res.json().await.unwrap()
}

async fn publish_one(app: &TestApp, editor: &str, question: &str) -> Value {
    app.create_entry_ok(
        editor,
        json!({"page": "help", "question": question, "answer": "Yes.", "status": "published"}),
    )
    .await
}

async fn app_with_page() -> (TestApp, String, String) {
    let app = spawn_app().await;
    app.import_markdown("## First?\n\nOne.\n", "help", "en", None)
        .await;
    let admin = app.admin().await;
    let editor = app.editor().await;
    (app, admin, editor)
}

#[tokio::test]
async fn only_admins_manage_webhooks() {
    let (app, admin, editor) = app_with_page().await;
    let body = json!({"url": "http://127.0.0.1:9/hook"});
    let res = app
        .client
        .post(app.url(paths::WEBHOOKS))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let res = send_json(
        &app,
        Method::POST,
        paths::WEBHOOKS,
        &editor,
        None,
        Some(body.clone()),
    )
    .await;
    assert_eq!(res.status(), 403);
    let res = send_json(&app, Method::GET, paths::WEBHOOKS, &editor, None, None).await;
    assert_eq!(res.status(), 403);

    let created = register(&app, &admin, body).await;
    assert_eq!(created["events"], json!(["*"]));
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));
    let id = created["id"].as_str().unwrap();

    // Listed and read without the secret.
    let list: Value = send_json(&app, Method::GET, paths::WEBHOOKS, &admin, None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(list["items"][0].get("secret").is_none());

    // Changed, then deleted.
    let res = send_json(
        &app,
        Method::PATCH,
        &paths::webhook(id),
        &admin,
        None,
        Some(
            json!({"events": ["entry.updated", "entry.created", "entry.updated"], "active": false}),
        ),
    )
    .await;
    assert_eq!(res.status(), 200);
    let changed: Value = res.json().await.unwrap();
    assert_eq!(changed["events"], json!(["entry.created", "entry.updated"]));
    assert_eq!(changed["active"], false);
    assert!(changed.get("secret").is_none());
    let res = send_json(
        &app,
        Method::DELETE,
        &paths::webhook(id),
        &admin,
        None,
        None,
    )
    .await;
    assert_eq!(res.status(), 204);
    let res = send_json(&app, Method::GET, &paths::webhook(id), &admin, None, None).await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn bad_webhooks_are_refused_with_every_reason_and_nothing_stored() {
    let mut settings = ServeSettings::for_tests();
    settings.webhook_allow_private = false;
    let app = spawn_app_with(settings).await;
    let admin = app.admin().await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.0.0.7/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:192.168.0.1]/hook",
    ] {
        let res = send_json(
            &app,
            Method::POST,
            paths::WEBHOOKS,
            &admin,
            None,
            Some(json!({"url": url})),
        )
        .await;
        assert_eq!(res.status(), 422, "{url}");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "url", "{url}");
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("private"),
            "{problem}"
        );
    }
    let res = send_json(
        &app,
        Method::POST,
        paths::WEBHOOKS,
        &admin,
        None,
        Some(json!({"url": "ftp://example.com/", "events": ["entry.exploded"], "secret": " "})),
    )
    .await;
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    let fields = problem_fields(&problem);
    assert_eq!(fields, ["url", "events[0]", "secret"]);
    let res = send_json(
        &app,
        Method::POST,
        paths::WEBHOOKS,
        &admin,
        None,
        Some(json!({"url": "https://example.com/hook", "secret": "whsec_not base64!"})),
    )
    .await;
    assert_eq!(
        res.status(),
        422,
        "a whsec_ secret receivers could not decode"
    );
    let res = send_json(
        &app,
        Method::POST,
        paths::WEBHOOKS,
        &admin,
        None,
        Some(json!({"url": 5})),
    )
    .await;
    assert_eq!(res.status(), 400);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM webhooks")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn deliveries_are_signed_as_documented_and_logged() {
    let (app, admin, editor) = app_with_page().await;
    let receiver = Receiver::start().await;
    let secret = "a shared secret, not whsec";
    let hook = register(
        &app,
        &admin,
        json!({"url": receiver.url, "events": ["entry.created", "entry.updated"], "secret": secret}),
    )
    .await;
    let created = publish_one(&app, &editor, "Second?").await;
    let got = receiver.wait_for(1).await;
    let delivery = &got[0];
    assert!(verify(secret, delivery), "the signature verifies");
    let mut tampered = delivery.clone();
    tampered.body = br#"{"type":"entry.deleted"}"#.to_vec();
    assert!(!verify(secret, &tampered), "a changed body does not verify");
    let now = chrono::Utc::now().timestamp();
    let ts: i64 = delivery.timestamp.parse().unwrap();
    assert!((now - ts).abs() < 60, "the timestamp is now");
    let event = delivery.json();
    assert_eq!(event["type"], "entry.created");
    assert_eq!(event["id"], delivery.id.as_str());
    assert_eq!(event["data"]["entry_id"], created["id"]);
    assert_eq!(event["data"]["page"], "help");
    assert!(event["event_id"].as_i64().unwrap() > 0);
    assert!(event["timestamp"].as_str().is_some());

    // The log lists the delivery with its attempt.
    let id = hook["id"].as_str().unwrap();
    let deliveries = paths::webhook(format!("{id}/deliveries"));
    let log = wait_for(
        "the delivery logged as delivered",
        Duration::from_secs(10),
        || async {
            let log: Value = send_json(&app, Method::GET, &deliveries, &admin, None, None)
                .await
                .json()
                .await
                .unwrap();
            if log["items"][0]["state"] == "delivered" {
                Ok(log)
            } else {
                Err(format!("({log})"))
            }
        },
    )
    .await;
    let item = &log["items"][0];
    assert_eq!(item["state"], "delivered", "{log}");
    assert_eq!(item["id"], delivery.id.as_str());
    assert_eq!(item["attempt_count"], 1);
    assert_eq!(item["attempts"][0]["status"], 204);

    // Events not asked for are not sent: a deletion is not entry.created/updated.
    let res = send_json(
        &app,
        Method::DELETE,
        &paths::faq(created["id"].as_str().unwrap()),
        &editor,
        Some("*"),
        None,
    )
    .await;
    assert_eq!(res.status(), 204);
    // The worker sends changes in the log's order: once a later entry.created has come, the
    // deletion had its chance.
    let later = publish_one(&app, &editor, "Later?").await;
    let got = receiver.wait_for(2).await;
    assert_eq!(got.len(), 2, "the deletion was not sent");
    assert_eq!(got[1].json()["type"], "entry.created");
    assert_eq!(got[1].json()["data"]["entry_id"], later["id"]);

    // Redelivery sends the same message again, with the same id.
    let res = send_json(
        &app,
        Method::POST,
        &paths::webhook(format!("{id}/deliveries/{}/redeliver", delivery.id)),
        &admin,
        None,
        None,
    )
    .await;
    assert_eq!(res.status(), 202);
    let got = receiver.wait_for(3).await;
    assert_eq!(got[2].id, delivery.id);
    assert_eq!(got[2].body, delivery.body);
    assert!(verify(secret, &got[2]));
}

#[tokio::test]
async fn a_receiver_that_was_down_gets_the_change_once_it_is_back() {
    let (app, admin, editor) = app_with_page().await;
    let receiver = Receiver::start().await;
    receiver.down.store(true, Ordering::SeqCst);
    let hook = register(&app, &admin, json!({"url": receiver.url, "events": ["*"]})).await;
    let secret = hook["secret"].as_str().unwrap();
    publish_one(&app, &editor, "Second?").await;
    let id = hook["id"].as_str().unwrap();
    // Failed attempts are recorded, and the delivery waits for its retry.
    let deliveries = paths::webhook(format!("{id}/deliveries"));
    let log = wait_for("two attempts logged", Duration::from_secs(20), || async {
        let log: Value = send_json(&app, Method::GET, &deliveries, &admin, None, None)
            .await
            .json()
            .await
            .unwrap();
        if log["items"][0]["attempt_count"].as_i64().unwrap_or(0) >= 2 {
            Ok(log)
        } else {
            Err(format!("({log})"))
        }
    })
    .await;
    let item = &log["items"][0];
    assert_eq!(item["state"], "pending", "{log}");
    assert!(item["attempt_count"].as_i64().unwrap() >= 2, "{log}");
    assert_eq!(item["last_status"], 503);
    assert!(
        item["last_error"]
            .as_str()
            .unwrap()
            .contains("down for maintenance")
    );
    assert!(receiver.received().is_empty());

    receiver.down.store(false, Ordering::SeqCst);
    let got = receiver.wait_for(1).await;
    assert_eq!(got[0].json()["type"], "entry.created");
    assert!(verify(secret, &got[0]));
    // No later event marks "a second delivery would have come by now": a quiet period.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 1, "delivered once");
}

#[tokio::test]
async fn changes_made_while_no_worker_runs_are_delivered_after_a_restart() {
    let mut settings = ServeSettings::for_tests();
    settings.webhook_delivery = false;
    let app = spawn_app_with(settings).await;
    app.import_markdown("## First?\n\nOne.\n", "help", "en", None)
        .await;
    let admin = app.admin().await;
    let editor = app.editor().await;
    let receiver = Receiver::start().await;
    register(
        &app,
        &admin,
        json!({"url": receiver.url, "events": ["entry.created"]}),
    )
    .await;
    publish_one(&app, &editor, "Second?").await;
    publish_one(&app, &editor, "Third?").await;
    // No worker runs, so nothing can be waited for: a quiet period.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(receiver.received().is_empty(), "no worker, no delivery yet");

    // "Restart": a new instance on the same database, with its worker.
    let second = Application::build(&ServeSettings::for_tests(), app.pool.clone()).unwrap();
    tokio::spawn(second.run_until_stopped());
    let got = receiver.wait_for(2).await;
    let mut kinds: Vec<String> = got
        .iter()
        .map(|r| r.json()["type"].as_str().unwrap().to_owned())
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["entry.created", "entry.created"]);
}

#[tokio::test]
async fn two_instances_never_deliver_one_change_twice() {
    let (app, admin, editor) = app_with_page().await;
    let second = Application::build(&ServeSettings::for_tests(), app.pool.clone()).unwrap();
    tokio::spawn(second.run_until_stopped());
    let receiver = Receiver::start().await;
    register(
        &app,
        &admin,
        json!({"url": receiver.url, "events": ["entry.created"]}),
    )
    .await;
    for i in 0..12 {
        publish_one(&app, &editor, &format!("Question {i}?")).await;
    }
    receiver.wait_for(12).await;
    // A duplicate would come from the other instance at any time: a quiet period.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let got = receiver.received();
    let mut ids: Vec<&str> = got.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(got.len(), 12, "each change delivered once");
    assert_eq!(ids.len(), 12);
}

#[tokio::test]
async fn page_changes_are_their_own_events() {
    let (app, _admin, editor) = app_with_page().await;
    publish_one(&app, &editor, "Second?").await;
    let page = app.get_page("help").await;
    let mut ids: Vec<Value> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].clone())
        .collect();
    ids.reverse();
    let res = send_json(
        &app,
        Method::POST,
        &paths::page("help/order"),
        &editor,
        Some("*"),
        Some(json!({"ids": ids})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let res = app
        .with_token(Method::PATCH, &paths::page("help"), &editor)
        .header("If-Match", "*")
        .header("Content-Type", "application/merge-patch+json")
        .body(r#"{"title": "Help"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let feed = app.get_json(&paths::changes("limit=100")).await;
    let kinds: Vec<&str> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "page.imported",
            "entry.created",
            "entry.created",
            "page.reordered",
            "page.updated"
        ]
    );
}
