//! The address guard: webhook URLs are plain http(s) without credentials, and (unless
//! private delivery is allowed) never reach loopback, private or link-local addresses, both
//! when a webhook is registered and, through the delivery client's DNS resolver, when it is
//! called: the address checked is the address connected to.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// Addresses a webhook may not reach unless private delivery is allowed: loopback, private,
/// link-local, carrier-grade NAT, unique-local, unspecified, broadcast and multicast.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && v4.octets()[2] == 0)
                || (a == 198 && (18..20).contains(&b))
                || a >= 240
        }
        IpAddr::V6(v6) => {
            // IPv4-mapped and IPv4-compatible forms are their IPv4 address.
            if let Some(v4) = v6.to_ipv4() {
                return v6.is_loopback() || is_forbidden(IpAddr::V4(v4));
            }
            let segments = v6.segments();
            let first = segments[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                // 6to4 and NAT64 wrap IPv4 addresses: refuse them rather than unwrap each form.
                || first == 0x2002
                // Teredo, NAT64 (well-known and local-use) and SIIT forms wrap IPv4 too.
                || (first == 0x2001 && segments[1] == 0)
                || (first == 0x64 && segments[1] == 0xff9b)
                || segments[..6] == [0, 0, 0, 0, 0xffff, 0]
        }
    }
}

/// Why a webhook URL cannot be used.
pub fn check_url(url: &str) -> Result<reqwest::Url, String> {
    if url.len() > 2048 {
        return Err("must be at most 2048 characters".to_owned());
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("is not an absolute URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("must be an http or https URL".to_owned());
    }
    if parsed.host().is_none() {
        return Err("must name a host".to_owned());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("must not carry credentials; the signature authenticates faqd".to_owned());
    }
    Ok(parsed)
}

/// Resolves the URL's host and refuses it when an address is forbidden. A host that does not
/// resolve now is let through: the check runs again at every delivery.
pub async fn check_destination(url: &reqwest::Url, allow_private: bool) -> Result<(), String> {
    if allow_private {
        return Ok(());
    }
    let addrs: Vec<IpAddr> = match url.host() {
        Some(url::Host::Ipv4(ip)) => vec![IpAddr::V4(ip)],
        Some(url::Host::Ipv6(ip)) => vec![IpAddr::V6(ip)],
        Some(url::Host::Domain(name)) => {
            let lookup = tokio::net::lookup_host((name, 0));
            match tokio::time::timeout(Duration::from_secs(3), lookup).await {
                Ok(Ok(found)) => found.map(|a| a.ip()).collect(),
                _ => return Ok(()),
            }
        }
        None => return Err("must name a host".to_owned()),
    };
    match addrs.into_iter().find(|ip| is_forbidden(*ip)) {
        Some(ip) => Err(format!(
            "resolves to {ip}, a loopback, private or link-local address \
             (FAQD_WEBHOOK_ALLOW_PRIVATE=true allows it)"
        )),
        None => Ok(()),
    }
}

/// A DNS resolver for deliveries that refuses forbidden addresses, so that the address
/// checked is the address connected to.
pub(super) struct GuardedResolver;

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some(bad) = addrs.iter().find(|a| is_forbidden(a.ip())) {
                return Err(format!("{host} resolves to {}, a private address", bad.ip()).into());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_are_forbidden() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "224.0.0.1",
        ] {
            assert!(is_forbidden(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:2800:220:1::1", "8.8.8.8"] {
            assert!(!is_forbidden(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn urls_must_be_plain_http() {
        assert!(check_url("https://example.com/hook").is_ok());
        assert!(check_url("ftp://example.com/").is_err());
        assert!(check_url("/relative").is_err());
        assert!(check_url("https://user:pw@example.com/").is_err());
    }
}
