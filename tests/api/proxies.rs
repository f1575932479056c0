//! Behind reverse proxies: `X-Forwarded-For` names the client only when the peer is a trusted
//! proxy (`FAQD_TRUSTED_PROXIES`), and then its right-most untrusted address.

use faqd::config::ServeSettings;
use faqd::config::TrustedProxies;

use crate::helpers::{TestApp, paths, spawn_app_with};

/// An app whose search budget is 10 a minute (bursts of 10), with these trusted proxies.
async fn app_trusting(proxies: &str) -> TestApp {
    let mut settings = ServeSettings::for_tests();
    settings.rate_limit_search = 10;
    settings.trusted_proxies = proxies.parse::<TrustedProxies>().unwrap();
    spawn_app_with(settings).await
}

async fn search_as(app: &TestApp, forwarded_for: Option<&str>) -> u16 {
    let mut req = app.client.get(app.url(&paths::search("q=coach")));
    if let Some(xff) = forwarded_for {
        req = req.header("X-Forwarded-For", xff);
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn with_no_trusted_proxy_a_forged_forwarded_for_does_not_escape_the_limit() {
    let app = app_trusting("").await;
    let mut statuses = Vec::new();
    for i in 0..12 {
        // A new "client" every time, as a scraper would claim.
        statuses.push(search_as(&app, Some(&format!("203.0.113.{i}"))).await);
    }
    assert_eq!(&statuses[..10], [200; 10], "{statuses:?}");
    assert_eq!(&statuses[10..], [429; 2], "{statuses:?}");
    assert_eq!(search_as(&app, None).await, 429, "one client: the peer");
}

#[tokio::test]
async fn a_trusted_proxys_forwarded_addresses_get_separate_budgets() {
    let app = app_trusting("127.0.0.1").await;
    let mut first = Vec::new();
    for _ in 0..11 {
        first.push(search_as(&app, Some("203.0.113.1")).await);
    }
    assert_eq!(&first[..10], [200; 10], "{first:?}");
    assert_eq!(first[10], 429, "{first:?}");
    // Another client behind the same proxy has a budget of its own.
    assert_eq!(search_as(&app, Some("203.0.113.2")).await, 200);
    // The first client cannot escape by prepending a forged address: the proxy appended the
    // real one, the right-most untrusted address.
    assert_eq!(
        search_as(&app, Some("198.51.100.99, 203.0.113.1")).await,
        429
    );
    // Nor by hiding behind a hop that claims to be the trusted proxy.
    assert_eq!(search_as(&app, Some("203.0.113.1, 127.0.0.1")).await, 429);
    // The proxy itself, forwarding nothing, is a client of its own.
    assert_eq!(search_as(&app, None).await, 200);
}

#[tokio::test]
async fn ipv6_clients_share_one_budget_per_64_block() {
    let app = app_trusting("127.0.0.1").await;
    // Ten addresses of one /64 (one subscriber's block) spend one budget between them.
    let mut same_block = Vec::new();
    for i in 0..10 {
        same_block.push(search_as(&app, Some(&format!("2001:db8:1:2::{:x}", i + 1))).await);
    }
    assert_eq!(same_block, [200; 10], "{same_block:?}");
    for other in ["2001:db8:1:2::ffff", "2001:db8:1:2:ffff:ffff:ffff:fffe"] {
        assert_eq!(
            search_as(&app, Some(other)).await,
            429,
            "{other} is in the spent /64"
        );
    }
    // Spelled another way (zeros written out, upper case), still the same block.
    assert_eq!(search_as(&app, Some("2001:DB8:1:2:0:0:0:abc")).await, 429);
    // The neighbouring /64 has a budget of its own.
    assert_eq!(search_as(&app, Some("2001:db8:1:3::1")).await, 200);
    // An IPv4 client behind the same proxy is not in the IPv6 block's budget, and two IPv4
    // addresses are two clients.
    assert_eq!(search_as(&app, Some("203.0.113.7")).await, 200);
    assert_eq!(search_as(&app, Some("203.0.113.8")).await, 200);
    // An IPv4-mapped IPv6 address is that IPv4 client, not the block ::ffff:0:0/64.
    for _ in 0..9 {
        search_as(&app, Some("203.0.113.7")).await;
    }
    assert_eq!(search_as(&app, Some("::ffff:203.0.113.7")).await, 429);
    assert_eq!(search_as(&app, Some("::ffff:203.0.113.9")).await, 200);
}
