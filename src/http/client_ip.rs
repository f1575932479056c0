//! The client's address behind reverse proxies. `X-Forwarded-For` is anyone's to write, so it
//! counts only when the peer is a proxy the operator trusts (`FAQD_TRUSTED_PROXIES`); the
//! client is then the right-most address of the header that is not itself a trusted proxy
//! (each proxy appends the address it received the request from: everything left of the
//! first untrusted hop may be forged).

use std::net::{IpAddr, SocketAddr};

use actix_web::HttpRequest;
use actix_web::http::header::HeaderMap;
use actix_web::web;

use crate::config::TrustedProxies;

/// The client of a request that came from `peer` with these `X-Forwarded-For` headers.
pub fn forwarded_client(trusted: &TrustedProxies, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    let peer = peer.to_canonical();
    if !trusted.contains(peer) {
        return peer;
    }
    // Several header lines make one list, in order.
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        // A hop a trusted proxy did not write well: keep the last address known, that of
        // the trusted proxy that passed it on.
        let Some(ip) = parse_hop(hop) else {
            return client;
        };
        client = ip;
        if !trusted.contains(ip) {
            return ip;
        }
    }
    // Every hop trusted (or none given): the left-most one.
    client
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5678`, `[::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// The client address of `req`: its peer, or behind a trusted proxy the address that proxy
/// forwarded. `None` only when the connection has no peer address (never over TCP).
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    Some(match req.app_data::<web::Data<TrustedProxies>>() {
        Some(trusted) => forwarded_client(trusted, peer, req.headers()),
        None => peer.to_canonical(),
    })
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            if let Ok(value) = HeaderValue::from_str(v) {
                headers.append(HeaderName::from_static("x-forwarded-for"), value);
            }
        }
        headers
    }

    fn trusted(s: &str) -> TrustedProxies {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn parses_addresses_and_networks() {
        let t = trusted(" 127.0.0.1, 10.0.0.0/8 ,fd00::/8,, ");
        assert!(t.contains(ip("127.0.0.1")));
        assert!(!t.contains(ip("127.0.0.2")));
        assert!(t.contains(ip("10.20.30.40")));
        assert!(t.contains(ip("fd12::1")));
        assert!(t.contains(ip("::ffff:10.1.2.3")), "IPv4-mapped IPv6");
        assert!(!t.contains(ip("203.0.113.5")));
        assert_eq!(t.to_string(), "127.0.0.1/32,10.0.0.0/8,fd00::/8");
        assert!(trusted("").is_empty());
        assert!(trusted(" , ").is_empty());
        for bad in ["10.0.0.0/33", "localhost", "10.0.0", "1.2.3.4:80", "*"] {
            assert!(bad.parse::<TrustedProxies>().is_err(), "{bad}");
        }
    }

    #[test]
    fn with_no_trusted_proxy_the_header_is_ignored() {
        let none = TrustedProxies::default();
        let peer = ip("127.0.0.1");
        assert_eq!(forwarded_client(&none, peer, &xff(&["203.0.113.9"])), peer);
        // A peer that is not trusted cannot forward for anyone either.
        let t = trusted("10.0.0.1");
        assert_eq!(forwarded_client(&t, peer, &xff(&["203.0.113.9"])), peer);
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let t = trusted("127.0.0.1,10.0.0.0/8");
        let peer = ip("127.0.0.1");
        assert_eq!(
            forwarded_client(&t, peer, &xff(&["203.0.113.9"])),
            ip("203.0.113.9")
        );
        // The client forged a left part; the trusted proxies appended what they saw.
        assert_eq!(
            forwarded_client(&t, peer, &xff(&["1.1.1.1, 198.51.100.7, 10.0.0.5"])),
            ip("198.51.100.7")
        );
        // Several header lines are one list.
        assert_eq!(
            forwarded_client(&t, peer, &xff(&["1.1.1.1", "198.51.100.7", "10.0.0.5"])),
            ip("198.51.100.7")
        );
        // Ports and IPv6 forms.
        assert_eq!(
            forwarded_client(&t, peer, &xff(&["198.51.100.7:4711"])),
            ip("198.51.100.7")
        );
        assert_eq!(
            forwarded_client(&t, peer, &xff(&["[2001:db8::1]:443"])),
            ip("2001:db8::1")
        );
        assert_eq!(
            forwarded_client(&t, peer, &xff(&["::ffff:198.51.100.7"])),
            ip("198.51.100.7")
        );
        // No header: the peer; every hop trusted: the left-most.
        assert_eq!(forwarded_client(&t, peer, &HeaderMap::new()), peer);
        assert_eq!(
            forwarded_client(&t, peer, &xff(&["10.0.0.9, 10.0.0.5"])),
            ip("10.0.0.9")
        );
        // Garbage written where a trusted proxy should have written an address: the last
        // trusted hop, never the garbage nor anything left of it.
        assert_eq!(
            forwarded_client(&t, peer, &xff(&["198.51.100.7, bogus"])),
            peer
        );
        assert_eq!(
            forwarded_client(&t, peer, &xff(&["198.51.100.7, unknown, 10.0.0.5"])),
            ip("10.0.0.5")
        );
        assert_eq!(forwarded_client(&t, peer, &xff(&[""])), peer);
    }
}
