//! `HOST:PORT` as every program takes it, parsed once: `127.0.0.1:7777`, `localhost:7777`, `[::1]:7777`,
//! with a sentence for each way it can be wrong (a URL, IPv6 without brackets, no port).

/// A `HOST:PORT` address as the programs take it: `127.0.0.1:7777`, `localhost:7777`, `[::1]:7777`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPort {
    /// The host: a DNS name or an IP address, IPv6 without its brackets.
    pub host: String,
    /// The TCP port.
    pub port: u16,
}

impl HostPort {
    /// The host to look up: `localhost` for every name under it (`expired.localhost`), which RFC 6761
    /// gives the loopback addresses; else the host.
    pub fn lookup_host(&self) -> &str {
        if self.under_localhost().is_some() {
            "localhost"
        } else {
            &self.host
        }
    }

    /// For `localhost` and every name under it (`expired.localhost`), the loopback addresses to try,
    /// 127.0.0.1 then ::1, as curl and Chromium do without asking DNS (RFC 6761; a hosts file may give
    /// `localhost` one of them only); `None` for any other host.
    pub fn under_localhost(&self) -> Option<[std::net::SocketAddr; 2]> {
        let lower = self.host.trim_end_matches('.').to_ascii_lowercase();
        (lower == "localhost" || lower.ends_with(".localhost")).then(|| {
            [
                (std::net::Ipv4Addr::LOCALHOST, self.port).into(),
                (std::net::Ipv6Addr::LOCALHOST, self.port).into(),
            ]
        })
    }

    /// Parses `text`; each refusal is a sentence naming the text and what to write instead.
    ///
    /// # Errors
    /// No port, a port that is not a number from 0 to 65535, no host, an IPv6 address without its
    /// brackets, or a host with spaces or control characters in it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let refuse = |why: &str| {
            Err(format!(
                "{text:?} is not HOST:PORT ({why}); write it like 127.0.0.1:7777 or [::1]:7777"
            ))
        };
        if let Some((scheme, rest)) = text.split_once("://") {
            let mut bare = rest.split('/').next().unwrap_or(rest).to_owned();
            if Self::parse(&bare).is_err() {
                bare.push_str(if scheme.eq_ignore_ascii_case("http") {
                    ":80"
                } else {
                    ":443"
                });
            }
            return Err(format!(
                "{text:?} is not HOST:PORT (it is a URL: drop the {scheme}:// in front); write it like {bare}"
            ));
        }
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            match rest.split_once("]:") {
                Some((host, port)) if host.parse::<std::net::Ipv6Addr>().is_ok() => (host, port),
                Some(_) => return refuse("only an IPv6 address goes in brackets"),
                None => return refuse("no :PORT after the bracketed address"),
            }
        } else {
            match text.rsplit_once(':') {
                Some((host, _)) if host.contains(':') => return refuse("an IPv6 address goes in brackets"),
                Some(pair) => pair,
                None => return refuse("no :PORT"),
            }
        };
        if host.is_empty() {
            return refuse(
                "no host before the port: 127.0.0.1:PORT is this machine (to listen on every address: 0.0.0.0:PORT or [::]:PORT)",
            );
        }
        if host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return refuse("the host has spaces or control characters");
        }
        if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
            return refuse("the port is not a number");
        }
        match port.parse() {
            Ok(port) => Ok(Self {
                host: host.to_owned(),
                port,
            }),
            Err(_) => refuse("the port is above 65535"),
        }
    }
}

impl std::str::FromStr for HostPort {
    type Err = String;

    /// As [`HostPort::parse`]: `"[::1]:7777".parse::<HostPort>()`.
    fn from_str(text: &str) -> Result<Self, String> {
        Self::parse(text)
    }
}

/// Where to connect or listen: a [`HostPort`] or a [`SocketAddr`](std::net::SocketAddr) as they are,
/// or `HOST:PORT` text, parsed once here into a [`HostPort`] (its mistakes said as the programs say
/// them).
pub trait ToAddress {
    /// The address as a [`HostPort`].
    ///
    /// # Errors
    /// [`crate::Error::InvalidAddress`] for text that is not `HOST:PORT`.
    fn to_address(&self) -> crate::Result<HostPort>;
}

impl ToAddress for HostPort {
    fn to_address(&self) -> crate::Result<HostPort> {
        Ok(self.clone())
    }
}

impl ToAddress for std::net::SocketAddr {
    fn to_address(&self) -> crate::Result<HostPort> {
        Ok(HostPort {
            host: self.ip().to_string(),
            port: self.port(),
        })
    }
}

impl ToAddress for str {
    fn to_address(&self) -> crate::Result<HostPort> {
        HostPort::parse(self).map_err(|reason| crate::Error::InvalidAddress { reason })
    }
}

impl ToAddress for String {
    fn to_address(&self) -> crate::Result<HostPort> {
        self.as_str().to_address()
    }
}

impl<T: ToAddress + ?Sized> ToAddress for &T {
    fn to_address(&self) -> crate::Result<HostPort> {
        (**self).to_address()
    }
}

impl std::fmt::Display for HostPort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A HostPort and a SocketAddr are taken as they are; text is parsed once, its mistakes said as
    /// InvalidAddress (not a socket error later).
    #[test]
    fn addresses_come_typed_or_as_text() {
        let expected = HostPort {
            host: "::1".into(),
            port: 7777,
        };
        let socket: std::net::SocketAddr = "[::1]:7777".parse().expect("a socket address");
        assert_eq!(socket.to_address().expect("typed"), expected);
        assert_eq!(expected.to_address().expect("typed"), expected);
        assert_eq!("[::1]:7777".to_address().expect("text"), expected);
        assert_eq!(String::from("[::1]:7777").to_address().expect("text"), expected);
        match "localhost".to_address() {
            Err(crate::Error::InvalidAddress { reason }) => assert!(reason.contains("no :PORT"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn addresses_parse_and_print_back() {
        for (text, host, port) in [
            ("127.0.0.1:7777", "127.0.0.1", 7777),
            ("localhost:0", "localhost", 0),
            ("[::1]:443", "::1", 443),
        ] {
            let parsed = HostPort::parse(text).expect(text);
            assert_eq!(text.parse::<HostPort>().as_ref(), Ok(&parsed), "FromStr is parse");
            assert_eq!((parsed.host.as_str(), parsed.port), (host, port));
            assert_eq!(parsed.to_string(), text);
        }
    }

    #[test]
    fn names_under_localhost_are_looked_up_as_localhost() {
        for (text, looked_up) in [
            ("expired.localhost:7777", "localhost"),
            ("A.B.LocalHost.:1", "localhost"),
            ("localhost:1", "localhost"),
            ("notlocalhost:1", "notlocalhost"),
            ("localhost.example:1", "localhost.example"),
            ("127.0.0.1:1", "127.0.0.1"),
        ] {
            let parsed = HostPort::parse(text).expect(text);
            assert_eq!(parsed.lookup_host(), looked_up, "{text}");
            let loopback = parsed.under_localhost().map(|addrs| addrs.map(|addr| addr.to_string()));
            let port = parsed.port;
            let expected = [format!("127.0.0.1:{port}"), format!("[::1]:{port}")];
            assert_eq!(loopback, (looked_up == "localhost").then_some(expected), "{text}");
        }
    }

    #[test]
    fn bad_addresses_say_what_is_wrong() {
        for (text, why) in [
            ("127.0.0.1", "no :PORT"),
            ("::1", "an IPv6 address goes in brackets"),
            ("::1:7777", "an IPv6 address goes in brackets"),
            ("[::1]", "no :PORT after the bracketed address"),
            ("[localhost]:1", "only an IPv6 address goes in brackets"),
            ("[fe80::1%eth0]:1", "only an IPv6 address goes in brackets"),
            (":7777", "no host before the port"),
            ("host:", "the port is not a number"),
            ("host:+1", "the port is not a number"),
            ("host:65536", "the port is above 65535"),
            ("a b:1", "the host has spaces"),
        ] {
            let err = HostPort::parse(text).expect_err(text);
            assert!(err.contains(why) && err.contains(&format!("{text:?}")), "{text}: {err}");
        }
    }
}
