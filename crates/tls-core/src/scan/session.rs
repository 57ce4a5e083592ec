//! What only a whole handshake shows, made with rustls over a plain socket: the certificate chain the
//! server presents (and, given its CA, whether it verifies), the ALPN protocols it takes, and
//! whether it resumes a session from the ticket it gave.

use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection};
use serde::Serialize;

use crate::config::{self, TlsOptions};
use crate::refusal::Presenter;

/// One certificate of the chain the server presented.
#[derive(Debug, Clone, Serialize)]
pub struct Certificate {
    /// Its subject.
    pub subject: String,
    /// Its issuer.
    pub issuer: String,
    /// Its public key (`ECDSA P-256`, `RSA 2048 bits`).
    pub key: String,
    /// The end of its validity (RFC 3339).
    pub not_after: String,
    /// Its subject alternative names (`DNS localhost`, `IP 127.0.0.1`).
    pub names: Vec<String>,
}

/// What a whole handshake showed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sessions {
    pub(crate) certificates: Vec<Certificate>,
    /// Whether the chain verifies against the CA given, in a sentence (none without a CA).
    pub(crate) verdict: Option<String>,
    /// The ALPN protocols the server takes, each offered alone.
    pub(crate) alpn: Vec<String>,
    /// Whether a second connection resumed the first's session (`None`: not known).
    pub(crate) resumed: Option<bool>,
    /// What could not be learned, and why.
    pub(crate) unknown: Vec<String>,
}

/// The protocols asked for one at a time.
const PROTOCOLS: [&str; 3] = ["h2", "http/1.1", "http/1.0"];

/// Handshakes with `addr` as `name`: one for the chain and a ticket, one to resume it, one per ALPN
/// protocol. `ca`: the CAs to verify the chain against, when given.
pub(crate) fn sessions(
    addr: SocketAddr,
    name: &ServerName<'static>,
    timeout: Duration,
    ca: &[CertificateDer<'static>],
) -> Sessions {
    let mut found = Sessions::default();
    let config = match config::inspection_client_config(&TlsOptions::default()) {
        Ok(config) => config,
        Err(err) => {
            found.unknown.push(format!("no handshake could be made: {err}"));
            return found;
        }
    };
    match handshake(addr, name, &config, timeout) {
        Ok(conn) => {
            let chain: Vec<CertificateDer<'static>> = conn.peer_certificates().unwrap_or_default().to_vec();
            found.certificates = chain.iter().map(describe).collect();
            found.verdict = (!ca.is_empty()).then(|| verdict(ca, &chain, name));
            found.resumed = match handshake(addr, name, &config, timeout) {
                Ok(again) => Some(again.handshake_kind() == Some(rustls::HandshakeKind::Resumed)),
                Err(why) => {
                    found.unknown.push(format!("resumption: {why}"));
                    None
                }
            };
        }
        Err(why) => found.unknown.push(format!("a whole handshake: {why}")),
    }
    for protocol in PROTOCOLS {
        let options = TlsOptions {
            alpn: vec![protocol.as_bytes().to_vec()],
            ..TlsOptions::default()
        };
        let Ok(config) = config::inspection_client_config(&options) else {
            continue;
        };
        match handshake(addr, name, &config, timeout) {
            Ok(conn) if conn.alpn_protocol() == Some(protocol.as_bytes()) => found.alpn.push(protocol.to_owned()),
            Ok(_) => {}
            // A server that takes none of the protocols offered refuses the handshake (RFC 7301's
            // no_application_protocol): the protocol is not taken.
            Err(why) if why.contains("no_application_protocol") || why.contains("NoApplicationProtocol") => {}
            Err(why) => found.unknown.push(format!("ALPN {protocol}: {why}")),
        }
    }
    found
}

/// A whole handshake with rustls over a socket, within `timeout` for each read and write.
fn handshake(
    addr: SocketAddr,
    name: &ServerName<'static>,
    config: &Arc<ClientConfig>,
    timeout: Duration,
) -> Result<ClientConnection, String> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(|err| format!("cannot connect: {err}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|err| err.to_string())?;
    let mut conn = ClientConnection::new(Arc::clone(config), name.clone()).map_err(|err| err.to_string())?;
    while conn.is_handshaking() {
        conn.complete_io(&mut stream).map_err(|err| match err.kind() {
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                format!("no answer within {} ms", timeout.as_millis())
            }
            _ => err.to_string(),
        })?;
    }
    // The tickets of TLS 1.3 come after the handshake: read what has come, briefly.
    let _ = stream.set_read_timeout(Some(timeout.min(Duration::from_millis(200))));
    let _ = conn.complete_io(&mut stream);
    conn.send_close_notify();
    let _ = conn.complete_io(&mut stream);
    Ok(conn)
}

fn describe(der: &CertificateDer<'_>) -> Certificate {
    let info = crate::inspect::inspect(der, crate::inspect::Position::Alone).ok();
    Certificate {
        subject: crate::x509::subject(der),
        issuer: crate::x509::issuer(der),
        key: info
            .as_ref()
            .map(|info| info.public_key.to_string())
            .unwrap_or_default(),
        not_after: crate::x509::validity(der).map(|(_, to)| to).unwrap_or_default(),
        names: crate::x509::alt_names(der),
    }
}

/// Whether `chain` verifies against `ca` for `name`, said as `tls-cert verify` says it.
fn verdict(ca: &[CertificateDer<'static>], chain: &[CertificateDer<'static>], name: &ServerName<'_>) -> String {
    let name = name.to_str();
    match crate::verify::verify(ca, chain, Some(&name), None, Presenter::Server) {
        Ok(Ok(verified)) => format!("valid for {}", verified.name),
        Ok(Err(invalid)) => format!("invalid: {invalid}"),
        Err(err) => format!("not checked: {err}"),
    }
}
