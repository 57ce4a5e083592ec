//! Turning rustls and socket errors into one sentence a person can act on: a [`Diagnosis`], what
//! happened in words with what to do as a typed [`Remedy`] that each program says with its own flags.

use std::io;

use rustls::{AlertDescription, Error as TlsError, InvalidMessage};

use crate::error::Diagnosis;
use crate::remedy::Remedy;
use crate::verifier::CertificateRejected;

/// Which end of the connection is asking, since the same alert means different things to each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The echo server, explaining a client's failure.
    Server,
    /// The echo client, explaining a server's failure.
    Client,
}

impl Side {
    /// The other end, as the explanations name it.
    fn peer(self) -> &'static str {
        match self {
            Self::Server => "the client",
            Self::Client => "the server",
        }
    }
}

/// The rustls error inside an I/O error from tokio-rustls, if there is one.
pub(crate) fn tls_error(err: &io::Error) -> Option<&TlsError> {
    err.get_ref()?.downcast_ref::<TlsError>()
}

/// The alert the peer sent, when the error is one.
#[cfg(feature = "net")]
pub(crate) fn alert_received(err: &io::Error) -> Option<AlertDescription> {
    match tls_error(err)? {
        TlsError::AlertReceived(alert) => Some(*alert),
        _ => None,
    }
}

/// The client refused the certificate this server sent, `chain`, as signed by a CA it does not trust:
/// what to give it, from what the chain ends at (a self-signed certificate, a root, or a certificate
/// whose issuer was not sent, which may be an intermediate the server should send).
#[cfg(feature = "net")]
pub(crate) fn unknown_ca(chain: &[rustls::pki_types::CertificateDer<'static>]) -> Diagnosis {
    use crate::x509;
    let Some(top) = chain.last() else {
        return Diagnosis::with(
            "the client does not trust the CA that signed this server's certificate (alert unknown_ca)",
            Remedy::ClientTrustsCa,
        );
    };
    let subject = x509::subject(top);
    match (chain.len(), x509::is_self_issued(top)) {
        (1, true) => Diagnosis::with(
            format!("the client does not trust this server's self-signed certificate {subject} (alert unknown_ca)"),
            Remedy::ClientTrustsCertificate,
        ),
        (_, true) => Diagnosis::with(
            format!("the client does not trust {subject}, the root this server's chain ends at (alert unknown_ca)"),
            Remedy::ClientTrustsCa,
        ),
        (_, false) => {
            let issuer = x509::issuer(top);
            Diagnosis::with(
                format!(
                    "the client does not trust {issuer}, which signed {subject} (alert unknown_ca): if {issuer} is an intermediate CA, this server must send it after {subject}, where its chain ends now"
                ),
                Remedy::ClientTrustsCa,
            )
        }
    }
}

/// Explains an error from a TLS handshake.
pub fn handshake_error(err: &io::Error, side: Side) -> Diagnosis {
    match (tls_error(err), side, err.kind()) {
        (Some(tls), ..) => explain_tls(tls, side),
        (None, Side::Client, io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset) => Diagnosis::says(
            "the server closed the connection during the TLS handshake without a word (is it at its connection limit, or does it refuse this client?)",
        ),
        (None, ..) => io_error(err, side),
    }
}

/// Explains an error from reading or writing an established session.
pub fn io_error(err: &io::Error, side: Side) -> Diagnosis {
    match tls_error(err) {
        // Alerts that explain a failed handshake mean something else once it has succeeded: a peer
        // whose renegotiation was refused, say, ends the session with handshake_failure.
        Some(TlsError::AlertReceived(
            alert @ (AlertDescription::HandshakeFailure | AlertDescription::ProtocolVersion),
        )) => {
            return Diagnosis::says(format!(
                "{} ended the established session with alert {}",
                side.peer(),
                crate::names::alert(u8::from(*alert))
            ));
        }
        Some(tls) => return explain_tls(tls, side),
        None => {}
    }
    Diagnosis::says(match err.kind() {
        io::ErrorKind::UnexpectedEof => "the peer closed the connection without close_notify".into(),
        io::ErrorKind::ConnectionReset => "the peer reset the connection".into(),
        io::ErrorKind::BrokenPipe => "the peer closed the connection while data was being sent".into(),
        _ => err.to_string(),
    })
}

fn explain_tls(err: &TlsError, side: Side) -> Diagnosis {
    let peer = side.peer();
    if let Some(rejected) = CertificateRejected::find(err) {
        return Diagnosis::from(&rejected.refusal);
    }
    Diagnosis::says(match err {
        TlsError::InvalidCertificate(kind) => format!("{peer}'s certificate was rejected: {kind}"),
        TlsError::NoCertificatesPresented => match side {
            Side::Server => "the client sent no certificate, and this server requires one (mutual TLS)".into(),
            Side::Client => "the server sent no certificate".into(),
        },
        TlsError::AlertReceived(alert) => return explain_alert(*alert, side),
        // A record header that is not TLS's (a content type or version TLS does not have, a length
        // past TLS's limit): what a plain TCP or HTTP service's first bytes look like. Any other
        // malformed message came inside well-formed records: a TLS peer that got something wrong.
        TlsError::InvalidMessage(
            InvalidMessage::InvalidContentType
            | InvalidMessage::UnknownProtocolVersion
            | InvalidMessage::MessageTooLarge,
        ) if side == Side::Client => {
            "the server did not answer with TLS (is it a plain TCP or HTTP service, or the wrong port?)".into()
        }
        TlsError::InappropriateHandshakeMessage {
            got_type: rustls::HandshakeType::ClientHello,
            ..
        } if side == Side::Client => {
            "the server did not answer with TLS: it sent our own ClientHello back (a plain TCP echo service?)".into()
        }
        TlsError::InvalidMessage(detail) => format!(
            "{peer} sent a malformed TLS message (rustls: {})",
            crate::names::words(&format!("{detail:?}"))
        ),
        TlsError::PeerIncompatible(detail) => format!(
            "{peer} has no TLS version, cipher suite or key exchange in common with us (rustls: {})",
            crate::names::words(&format!("{detail:?}"))
        ),
        TlsError::PeerMisbehaved(detail) => format!(
            "{peer} broke the TLS protocol (rustls: {})",
            crate::names::words(&format!("{detail:?}"))
        ),
        TlsError::NoApplicationProtocol => match side {
            Side::Server => "the client offered ALPN protocols, none of which this server takes: it was answered no_application_protocol".into(),
            Side::Client => "the server takes none of the ALPN protocols offered".into(),
        },
        other => crate::names::words(&other.to_string()),
    })
}

fn explain_alert(alert: AlertDescription, side: Side) -> Diagnosis {
    let peer = side.peer();
    // As RFC 8446 and the x-ray write it: unknown_ca, not rustls' UnknownCA.
    let name = crate::names::alert(u8::from(alert));
    let (says, remedy) = match (alert, side) {
        (AlertDescription::CertificateRequired, Side::Client) => (
            "the server requires a client certificate (mutual TLS) and none was sent".into(),
            Some(Remedy::SendClientCertificate),
        ),
        (AlertDescription::UnknownCA, Side::Server) => (
            format!("the client does not trust the CA that signed this server's certificate (alert {name})"),
            Some(Remedy::ClientTrustsCa),
        ),
        (AlertDescription::CertificateExpired, Side::Server) => (
            format!(
                "the client found this server's certificate expired or not yet valid (alert {name}), by its own clock"
            ),
            None,
        ),
        (AlertDescription::DecryptError, Side::Server) => (
            format!(
                "the client could not verify a signature (alert {name}): most often a CA it trusts has the name of the one that signed this server's certificate but another key (was the CA made again?); give it the CA that signed this certificate"
            ),
            None,
        ),
        (AlertDescription::AccessDenied, Side::Server) => (
            format!(
                "the client refused this server's certificate by a rule of its own (alert {name}), such as a pinned key that this certificate's chain does not have"
            ),
            None,
        ),
        (AlertDescription::BadCertificate | AlertDescription::CertificateUnknown, Side::Server) => (
            format!(
                "the client rejected this server's certificate (alert {name}), without saying why: a name the certificate does not hold, dates, a CA it does not trust, an incomplete chain or a CA certificate served as the server's own; the client's own error says which"
            ),
            None,
        ),
        (AlertDescription::UnknownCA, Side::Client) => (
            format!("the server does not trust the CA that signed our client certificate (alert {name})"),
            Some(Remedy::ServerTrustsClientCa),
        ),
        (AlertDescription::DecryptError, Side::Client) => (
            format!(
                "the server could not verify our client certificate's signature (alert {name}): it is likely signed by another CA with the same name as the one the server trusts (a CA made again?)"
            ),
            None,
        ),
        (AlertDescription::UnsupportedCertificate, Side::Client) => (
            format!(
                "the server refused our client certificate as unsuitable (alert {name}): it is not made for clients (no clientAuth usage; a server certificate?)"
            ),
            Some(Remedy::ClientCertificate),
        ),
        (AlertDescription::BadCertificate | AlertDescription::CertificateUnknown, Side::Client) => (
            format!("the server rejected our client certificate (alert {name})"),
            None,
        ),
        (AlertDescription::CertificateRevoked, Side::Client) => (
            format!("the server found our client certificate revoked by a CRL it reads (alert {name})"),
            Some(Remedy::ReplaceRevoked),
        ),
        (AlertDescription::CertificateRevoked, Side::Server) => (
            format!("the client found this server's certificate revoked (alert {name})"),
            Some(Remedy::ReplaceRevoked),
        ),
        (AlertDescription::CertificateExpired, Side::Client) => (
            format!("the server found our client certificate expired or not yet valid (alert {name})"),
            None,
        ),
        (AlertDescription::ProtocolVersion, _) => {
            (format!("{peer} supports no TLS version we accept (alert {name})"), None)
        }
        (AlertDescription::NoApplicationProtocol, Side::Client) => (
            format!("the server speaks none of the application protocols offered by ALPN (alert {name})"),
            Some(Remedy::OfferAnotherProtocol),
        ),
        (AlertDescription::HandshakeFailure, Side::Client) => (
            format!(
                "the server ended the handshake (alert {name}): it found no cipher suite, key exchange or signature scheme in common, or, over TLS 1.2, it requires a client certificate (mutual TLS)"
            ),
            Some(Remedy::MaybeSendClientCertificate),
        ),
        (AlertDescription::HandshakeFailure, Side::Server) => (
            format!("{peer} found no cipher suite, key exchange or signature scheme in common (alert {name})"),
            None,
        ),
        _ => (format!("{peer} sent alert {name}"), None),
    };
    Diagnosis {
        says,
        remedy,
        refusal: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_required_tells_the_client_what_to_pass() {
        let err = io::Error::new(
            io::ErrorKind::InvalidData,
            TlsError::AlertReceived(AlertDescription::CertificateRequired),
        );
        let diagnosis = handshake_error(&err, Side::Client);
        assert_eq!(diagnosis.remedy, Some(Remedy::SendClientCertificate));
        assert_eq!(
            diagnosis.to_string(),
            "the server requires a client certificate (mutual TLS) and none was sent; send a client certificate and its key"
        );
    }

    /// rustls' finer errors are said in words, never as the values' names.
    #[test]
    fn malformed_and_misbehaving_peers_are_said_in_words() {
        for (error, said) in [
            (
                TlsError::InvalidMessage(InvalidMessage::MissingData("Random")),
                "the server sent a malformed TLS message (rustls: missing data (random))",
            ),
            (
                TlsError::PeerMisbehaved(rustls::PeerMisbehaved::SelectedUnofferedCipherSuite),
                "the server broke the TLS protocol (rustls: selected unoffered cipher suite)",
            ),
        ] {
            let err = io::Error::new(io::ErrorKind::InvalidData, error);
            assert_eq!(handshake_error(&err, Side::Client).to_string(), said);
        }
        let err = io::Error::new(
            io::ErrorKind::InvalidData,
            TlsError::AlertReceived(AlertDescription::NoApplicationProtocol),
        );
        assert_eq!(
            handshake_error(&err, Side::Client).remedy,
            Some(Remedy::OfferAnotherProtocol)
        );
    }

    #[test]
    fn garbage_from_a_server_is_called_not_tls() {
        let err = io::Error::new(
            io::ErrorKind::InvalidData,
            TlsError::InvalidMessage(InvalidMessage::InvalidContentType),
        );
        assert!(
            handshake_error(&err, Side::Client)
                .says
                .contains("did not answer with TLS")
        );
    }
}
