//! The tap: a socket whose bytes go into a [`Capture`] as they pass (the `net` feature).

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::{Capture, Direction};

/// A socket whose bytes, both ways, go into a [`Capture`] as they pass, when it has one (without, it
/// only passes them on); `local` is the side this end is (a client's tap records what it writes as
/// [`Direction::Client`]).
#[derive(Debug)]
pub struct Tap {
    inner: TcpStream,
    capture: Option<Capture>,
    local: Direction,
    /// The socket's pending error, when [`Tap::end_here`] took it (reading it clears it): given to the
    /// next read instead of the end of the stream, as the socket itself would have, so tracing changes
    /// nothing the reader sees.
    taken: Option<std::io::ErrorKind>,
}

impl Tap {
    /// Taps `inner`, the socket of side `local`, into `capture`.
    pub fn new(inner: TcpStream, capture: Option<Capture>, local: Direction) -> Self {
        Self {
            inner,
            capture,
            local,
            taken: None,
        }
    }

    /// The socket.
    pub fn get_ref(&self) -> &TcpStream {
        &self.inner
    }

    /// Stops recording: from here on the tap only passes bytes on.
    pub fn stop(&mut self) {
        self.capture = None;
    }

    /// A read or write failing with ECONNRESET: the other side reset the connection.
    fn note_reset<T>(&self, polled: &Poll<std::io::Result<T>>) {
        if let (Poll::Ready(Err(err)), Some(capture)) = (polled, &self.capture) {
            if err.kind() == std::io::ErrorKind::ConnectionReset {
                capture.reset(self.remote());
            }
        }
    }

    /// This side's end: its FIN, or, when the other side has reset the connection meanwhile, that
    /// reset: a reset socket sends no FIN, and tokio does not say so (shutting one down succeeds). The
    /// socket's pending error tells: ECONNRESET, or EPIPE for a reset after the other side's FIN
    /// (Linux's tcp_reset).
    fn end_here(&mut self) {
        if let Some(capture) = &self.capture {
            match self.inner.take_error() {
                Ok(Some(err))
                    if matches!(
                        err.kind(),
                        std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
                    ) =>
                {
                    capture.reset(self.remote());
                    self.taken = Some(err.kind());
                }
                _ => capture.end(self.local),
            }
        }
    }

    fn remote(&self) -> Direction {
        match self.local {
            Direction::Client => Direction::Server,
            Direction::Server => Direction::Client,
        }
    }
}

impl Drop for Tap {
    /// The socket closes with the tap: that is this side's FIN, unless it shut its half down before.
    fn drop(&mut self) {
        self.end_here();
    }
}

impl AsyncRead for Tap {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let room = buf.remaining() > 0;
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        self.note_reset(&polled);
        if let (Poll::Ready(Ok(())), true) = (&polled, buf.filled().len() == before && room) {
            if let Some(kind) = self.taken.take() {
                return Poll::Ready(Err(kind.into()));
            }
        }
        if let (Poll::Ready(Ok(())), Some(capture)) = (&polled, &self.capture) {
            let read = &buf.filled()[before..];
            if read.is_empty() && room {
                // Nothing read with room to read into: the other side closed its half.
                capture.end(self.remote());
            }
            capture.record(self.remote(), read);
        }
        polled
    }
}

impl AsyncWrite for Tap {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<std::io::Result<usize>> {
        // Timed as the write begins: the peer may answer, and this process be preempted, before the
        // call returns.
        let at = self.capture.is_some().then(Instant::now);
        let polled = Pin::new(&mut self.inner).poll_write(cx, data);
        self.note_reset(&polled);
        if let (Poll::Ready(Ok(n)), Some(capture), Some(at)) = (&polled, &self.capture, at) {
            capture.record_at(self.local, &data[..*n], at);
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let at = self.capture.is_some().then(Instant::now);
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.note_reset(&polled);
        if let (Poll::Ready(Ok(written)), Some(capture), Some(at)) = (&polled, &self.capture, at) {
            let mut n = *written;
            for buf in bufs {
                let taken = n.min(buf.len());
                capture.record_at(self.local, &buf[..taken], at);
                n -= taken;
                if n == 0 {
                    break;
                }
            }
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_shutdown(cx);
        match &polled {
            Poll::Ready(Ok(())) => self.end_here(),
            _ => self.note_reset(&polled),
        }
        polled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server closes its half, then resets (its socket closed with a zero linger): the client's
    /// shutdown sends no FIN, so the capture has the server's FIN and reset and no FIN of the client's,
    /// and the next read gets the error the tap took from the socket, not an end of stream.
    #[tokio::test]
    async fn a_reset_after_the_servers_fin_is_a_reset_and_the_reader_still_hears_of_it() {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let (client, accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
        let (mut server, _) = accepted.expect("accept");
        let capture = Capture::new();
        let mut tap = Tap::new(client.expect("connect"), Some(capture.clone()), Direction::Client);
        server.shutdown().await.expect("the server's FIN");
        let mut buf = [0u8; 16];
        assert_eq!(tap.read(&mut buf).await.expect("the end of the stream"), 0);
        server.set_zero_linger().expect("zero linger");
        drop(server);
        // Loopback delivers the reset before the drop returns; the client's shutdown finds it.
        tap.shutdown().await.expect("tokio reports success");
        let read = tap.read(&mut buf).await;
        assert_eq!(
            read.map_err(|err| err.kind()).err(),
            Some(std::io::ErrorKind::BrokenPipe)
        );
        let ends: Vec<(Direction, bool)> = capture
            .snapshot()
            .0
            .iter()
            .filter(|chunk| chunk.bytes.is_empty())
            .map(|chunk| (chunk.direction, chunk.reset))
            .collect();
        assert_eq!(ends, [(Direction::Server, false), (Direction::Server, true)]);
    }
}
