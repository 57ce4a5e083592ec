//! What a TLS session negotiated, in words for logs and `-v` output.

use std::fmt;

use rustls::CommonState;

use crate::x509;

/// The negotiated parameters of one TLS session.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SessionInfo {
    /// "TLSv1.3" or "TLSv1.2".
    pub version: String,
    /// The IANA name, such as "TLS_AES_256_GCM_SHA384" (as the x-ray, openssl and Wireshark write it).
    pub cipher_suite: String,
    /// Key-exchange group, such as "X25519MLKEM768" (post-quantum hybrid) or "X25519".
    pub group: String,
    /// The server name the client asked for (SNI), when it sent one.
    pub sni: Option<String>,
    /// The ALPN protocol agreed, when there was one.
    pub alpn: Option<String>,
    /// Subject of the peer's certificate, when it sent one.
    pub peer_subject: Option<String>,
    /// Whether the session was resumed (no full handshake).
    pub resumed: bool,
}

impl SessionInfo {
    /// Reads what `conn` negotiated; `sni` comes from the server side's connection.
    pub fn from_connection(conn: &CommonState, sni: Option<&str>) -> Self {
        let unknown = || "unknown".to_owned();
        Self {
            version: conn.protocol_version().map_or_else(unknown, |v| match v {
                rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".into(),
                rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".into(),
                other => format!("{other:?}"),
            }),
            cipher_suite: conn
                .negotiated_cipher_suite()
                .map_or_else(unknown, |s| crate::names::cipher_suite(u16::from(s.suite()))),
            group: conn.negotiated_key_exchange_group().map_or_else(
                || match conn.handshake_kind() {
                    // A resumed TLS 1.2 session exchanges no keys: its secret is the earlier one's.
                    Some(rustls::HandshakeKind::Resumed) => "none".to_owned(),
                    _ => unknown(),
                },
                |g| format!("{:?}", g.name()),
            ),
            sni: sni.map(str::to_owned),
            alpn: conn.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned()),
            peer_subject: conn.peer_certificates().and_then(|c| c.first()).map(x509::subject),
            resumed: conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed),
        }
    }

    /// Whether the key exchange was a post-quantum hybrid.
    pub fn is_post_quantum(&self) -> bool {
        self.group.contains("MLKEM")
    }
}

impl fmt::Display for SessionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} group {}", self.version, self.cipher_suite, self.group)?;
        if self.is_post_quantum() {
            f.write_str(" (post-quantum hybrid)")?;
        }
        if let Some(alpn) = &self.alpn {
            write!(f, " ALPN {alpn}")?;
        }
        if let Some(sni) = &self.sni {
            write!(f, " SNI {sni}")?;
        }
        Ok(())
    }
}
