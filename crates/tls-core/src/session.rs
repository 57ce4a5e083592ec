//! What a TLS session negotiated: typed values (rustls' enums), named for logs, `-v` output and JSON
//! as the registries name them.

use std::fmt;

use rustls::{CipherSuite, CommonState, NamedGroup, ProtocolVersion};
use serde::ser::SerializeStruct as _;

use crate::names::Named as _;
use crate::x509;

/// The negotiated parameters of one TLS session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionInfo {
    /// The version (`None`: not known).
    pub version: Option<ProtocolVersion>,
    /// The cipher suite (`None`: not known).
    pub cipher_suite: Option<CipherSuite>,
    /// The key-exchange group, such as X25519MLKEM768 (post-quantum hybrid) or X25519; `None` when no
    /// key was exchanged (a resumed TLS 1.2 session, whose secret is the earlier one's) or not known.
    pub group: Option<NamedGroup>,
    /// The server name the client asked for (SNI), when it sent one.
    pub sni: Option<String>,
    /// The ALPN protocol agreed, when there was one.
    pub alpn: Option<String>,
    /// Subject of the peer's certificate, when it sent one.
    pub peer_subject: Option<String>,
    /// Whether the session was resumed (no full handshake).
    pub resumed: bool,
    /// What the server's stapled OCSP response said, checked (the client's side; none when it stapled
    /// none).
    pub stapled: Option<crate::ocsp::Checked>,
}

impl SessionInfo {
    /// Reads what `conn` negotiated; `sni` comes from the server side's connection.
    pub fn from_connection(conn: &CommonState, sni: Option<&str>) -> Self {
        Self {
            version: conn.protocol_version(),
            cipher_suite: conn.negotiated_cipher_suite().map(|suite| suite.suite()),
            group: conn.negotiated_key_exchange_group().map(|group| group.name()),
            sni: sni.map(str::to_owned),
            alpn: conn.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned()),
            peer_subject: conn.peer_certificates().and_then(|c| c.first()).map(x509::subject),
            resumed: conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed),
            stapled: None,
        }
    }

    /// Whether the key exchange was a post-quantum hybrid (or pure ML-KEM).
    pub fn is_post_quantum(&self) -> bool {
        matches!(
            self.group,
            Some(
                NamedGroup::X25519MLKEM768
                    | NamedGroup::secp256r1MLKEM768
                    | NamedGroup::MLKEM512
                    | NamedGroup::MLKEM768
                    | NamedGroup::MLKEM1024
            )
        )
    }

    /// The version's name, `TLSv1.3`, or "unknown".
    pub fn version_name(&self) -> String {
        self.version
            .map_or_else(|| "unknown".to_owned(), |version| version.name())
    }

    /// The cipher suite's IANA name, such as `TLS_AES_256_GCM_SHA384` (as the x-ray, openssl and
    /// Wireshark write it), or "unknown".
    pub fn cipher_suite_name(&self) -> String {
        self.cipher_suite
            .map_or_else(|| "unknown".to_owned(), |suite| suite.name())
    }

    /// The group's name, such as `X25519MLKEM768`; "none" for a resumed session that exchanged no key,
    /// else "unknown" when there is none.
    pub fn group_name(&self) -> String {
        match (self.group, self.resumed) {
            (Some(group), _) => group.name(),
            (None, true) => "none".to_owned(),
            (None, false) => "unknown".to_owned(),
        }
    }
}

impl serde::Serialize for SessionInfo {
    /// The names, as the log and the page show them.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut state = serializer.serialize_struct("SessionInfo", 7)?;
        state.serialize_field("version", &self.version_name())?;
        state.serialize_field("cipher_suite", &self.cipher_suite_name())?;
        state.serialize_field("group", &self.group_name())?;
        state.serialize_field("sni", &self.sni)?;
        state.serialize_field("alpn", &self.alpn)?;
        state.serialize_field("peer_subject", &self.peer_subject)?;
        state.serialize_field("resumed", &self.resumed)?;
        state.end()
    }
}

impl fmt::Display for SessionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} group {}",
            self.version_name(),
            self.cipher_suite_name(),
            self.group_name()
        )?;
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
