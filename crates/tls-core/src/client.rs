//! Connecting, verifying, and echo round trips, each phase with its own timeout.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::ClientConfig;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::diagnose::{self, Side};
use crate::echo::{Echo, Escaped, Mode};
use crate::error::{Error, Result};
use crate::session::SessionInfo;

/// Time limits for each phase of a client session.
#[derive(Debug, Clone, Copy)]
pub struct ClientOptions {
    /// TCP connect.
    pub connect_timeout: Duration,
    /// TLS handshake.
    pub handshake_timeout: Duration,
    /// Each write and each wait for the echo.
    pub io_timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            handshake_timeout: Duration::from_secs(10),
            io_timeout: Duration::from_secs(10),
        }
    }
}

/// The host part of `HOST:PORT` (`[::1]:7777` gives `::1`), as the name to verify the server against.
///
/// # Errors
/// [`Error::InvalidAddress`] when `addr` is not `HOST:PORT`, [`Error::InvalidServerName`] when the host
/// is neither a DNS name nor an IP address.
pub fn server_name_for(addr: &str) -> Result<ServerName<'static>> {
    let address = crate::args::HostPort::parse(addr).map_err(Error::InvalidAddress)?;
    parse_server_name(&address.host)
}

/// Parses a DNS name or IP address to verify the server's certificate against.
///
/// # Errors
/// [`Error::InvalidServerName`] when it is neither.
pub fn parse_server_name(name: &str) -> Result<ServerName<'static>> {
    ServerName::try_from(name.to_owned()).map_err(|_| Error::InvalidServerName(name.to_owned()))
}

/// An established, verified TLS session with an echo server.
#[derive(Debug)]
pub struct Connection {
    stream: TlsStream<TcpStream>,
    peer: SocketAddr,
    info: SessionInfo,
    options: ClientOptions,
    /// The server's echo rule, mirrored to know what the answer must be.
    expected: Echo,
}

/// Connects to `addr`, completes the handshake and verifies the server as `server_name`.
///
/// # Errors
/// [`Error::Connect`] (with a hint when nothing listens), [`Error::Timeout`] naming the phase, or
/// [`Error::Handshake`] whose reason explains a rejected certificate in words.
pub async fn connect(
    addr: &str,
    server_name: ServerName<'static>,
    config: Arc<ClientConfig>,
    options: ClientOptions,
) -> Result<Connection> {
    let connect_error = |cause: std::io::Error| {
        let hint = match cause.kind() {
            std::io::ErrorKind::ConnectionRefused => {
                "; is echo-server running there? start it with: cargo run -p echo-server"
            }
            _ if cause.to_string().contains("invalid socket address") => "; give HOST:PORT such as 127.0.0.1:7777",
            _ => "",
        };
        Error::Connect {
            addr: addr.to_owned(),
            cause,
            hint,
        }
    };
    let tcp = tokio::time::timeout(options.connect_timeout, TcpStream::connect(addr))
        .await
        .map_err(|_| {
            connect_error(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!(
                    "no answer within {}",
                    crate::error::fmt_duration(options.connect_timeout)
                ),
            ))
        })?
        .map_err(connect_error)?;
    let peer = tcp.peer_addr().map_err(connect_error)?;
    let _ = tcp.set_nodelay(true);
    let stream = tokio::time::timeout(
        options.handshake_timeout,
        TlsConnector::from(config).connect(server_name, tcp),
    )
    .await
    .map_err(|_| Error::Timeout {
        phase: "TLS handshake",
        peer,
        after: options.handshake_timeout,
    })?
    .map_err(|cause| Error::Handshake {
        peer,
        reason: diagnose::handshake_error(&cause, Side::Client),
        cause,
    })?;
    let info = SessionInfo::from_connection(stream.get_ref().1, None);
    Ok(Connection {
        stream,
        peer,
        info,
        options,
        expected: Echo::new(Mode::Line),
    })
}

impl Connection {
    /// What the session negotiated; `peer_subject` is the server certificate's subject.
    pub fn info(&self) -> &SessionInfo {
        &self.info
    }

    /// The server's address.
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// The certificates the server presented, its own first.
    pub fn peer_chain(&self) -> Vec<CertificateDer<'static>> {
        self.stream
            .get_ref()
            .1
            .peer_certificates()
            .map(<[_]>::to_vec)
            .unwrap_or_default()
    }

    /// Sends `data` and reads back its echo, which must be exactly what the server's line rule gives
    /// for it (all of it, up to an empty line).
    ///
    /// # Errors
    /// [`Error::Timeout`], [`Error::Truncated`] when the server closes early without close_notify,
    /// [`Error::NotAnEcho`] when the answer differs, or [`Error::Session`].
    pub async fn echo(&mut self, data: &[u8]) -> Result<Vec<u8>> {
        let mut expected = Vec::with_capacity(data.len());
        self.expected.feed(data, &mut expected);
        timed(
            "sending",
            self.peer,
            self.options.io_timeout,
            self.stream.write_all(data),
        )
        .await?;
        let mut received = Vec::with_capacity(expected.len());
        let mut buf = [0u8; 16 * 1024];
        while received.len() < expected.len() {
            let read = self.stream.read(&mut buf);
            let n = match timed("reading the echo", self.peer, self.options.io_timeout, read).await {
                Ok(n) => n,
                Err(Error::Session { cause, .. }) if cause.kind() == std::io::ErrorKind::UnexpectedEof => 0,
                Err(err) => return Err(err),
            };
            if n == 0 {
                return Err(Error::Truncated {
                    peer: self.peer,
                    received: received.len(),
                    expected: expected.len(),
                });
            }
            received.extend_from_slice(&buf[..n]);
            if !expected.starts_with(&received[..received.len().min(expected.len())]) || received.len() > expected.len()
            {
                return Err(Error::NotAnEcho {
                    peer: self.peer,
                    expected: Escaped(&expected).to_string(),
                    received: Escaped(&received).to_string(),
                });
            }
        }
        Ok(received)
    }

    /// The TLS stream itself, for callers that want to drive it directly.
    pub fn into_stream(self) -> TlsStream<TcpStream> {
        self.stream
    }

    /// Ends the session: sends close_notify and waits (bounded) for the server to close its side.
    ///
    /// # Errors
    /// [`Error::Timeout`] or [`Error::Session`] when close_notify cannot be sent.
    pub async fn close(mut self) -> Result<()> {
        timed(
            "sending close_notify",
            self.peer,
            self.options.io_timeout,
            self.stream.shutdown(),
        )
        .await?;
        let mut buf = [0u8; 1024];
        // Whatever the server still sends is not an echo we asked for; its close (clean or not) ends it.
        loop {
            match tokio::time::timeout(self.options.io_timeout, self.stream.read(&mut buf)).await {
                Ok(Ok(0) | Err(_)) | Err(_) => return Ok(()),
                Ok(Ok(_)) => {}
            }
        }
    }
}

/// Bounds one step of an established session and names it in the error.
async fn timed<T>(
    step: &'static str,
    peer: SocketAddr,
    limit: Duration,
    fut: impl Future<Output = std::io::Result<T>>,
) -> Result<T> {
    match tokio::time::timeout(limit, fut).await {
        Err(_) => Err(Error::Timeout {
            phase: step,
            peer,
            after: limit,
        }),
        Ok(Err(cause)) => Err(Error::Session {
            step,
            peer,
            reason: diagnose::io_error(&cause, Side::Client),
            cause,
        }),
        Ok(Ok(value)) => Ok(value),
    }
}

/// Fetches the certificate chain `addr` presents, without trusting it (so untrusted and broken servers
/// can be examined), and what the session negotiated. Sends no data; closes with close_notify.
///
/// # Errors
/// As [`connect`]; certificate problems do not stop it.
pub async fn fetch_chain(
    addr: &str,
    server_name: ServerName<'static>,
    tls: &crate::config::TlsOptions,
    options: ClientOptions,
) -> Result<(Vec<CertificateDer<'static>>, SessionInfo)> {
    let config = crate::config::inspection_client_config(tls)?;
    let conn = connect(addr, server_name, config, options).await?;
    let chain = conn.peer_chain();
    let info = conn.info().clone();
    // The chain is what was asked for; a server that answers the goodbye badly changes nothing.
    let _ = conn.close().await;
    Ok((chain, info))
}

/// Connects, sends `message`, reads back its echo and closes with close_notify: the lab's client in one
/// call.
///
/// # Errors
/// Any error of [`connect`], [`Connection::echo`] or [`Connection::close`].
pub async fn round_trip(
    addr: &str,
    server_name: ServerName<'static>,
    config: Arc<ClientConfig>,
    message: &[u8],
    options: ClientOptions,
) -> Result<Vec<u8>> {
    let mut conn = connect(addr, server_name, config, options).await?;
    let echoed = conn.echo(message).await?;
    conn.close().await?;
    Ok(echoed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_name_is_the_host_part() {
        assert_eq!(
            server_name_for("127.0.0.1:7777").ok(),
            parse_server_name("127.0.0.1").ok()
        );
        assert_eq!(server_name_for("[::1]:7777").ok(), parse_server_name("::1").ok());
        assert_eq!(server_name_for("localhost:1").ok(), parse_server_name("localhost").ok());
        assert!(matches!(
            server_name_for("bad!name:1"),
            Err(Error::InvalidServerName(_))
        ));
        assert!(matches!(server_name_for("bad name:1"), Err(Error::InvalidAddress(_))));
        assert!(matches!(server_name_for("::1"), Err(Error::InvalidAddress(_))));
    }
}
