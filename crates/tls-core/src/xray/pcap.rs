//! A capture as a pcapng file Wireshark and tshark open decrypted with no other file: the real bytes
//! of the connection in synthetic IPv4/TCP packets (a three-way handshake first, then each run of
//! bytes in segments, acknowledged), and the connection's secrets in a Decryption Secrets Block
//! (pcapng, draft-ietf-opsawg-pcapng 4.7) before the packets that need them.
//!
//! Only the TLS bytes and their times are the connection's own: the framing is made up (127.0.0.1:49152
//! to 127.0.0.2:443 whatever the real addresses, segments of 1,460 bytes, a FIN where a side closed
//! its half). Port 443 is where Wireshark looks for TLS without being told; the real address is in the
//! file's comment.

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use super::{Chunk, Direction, Secret};
use crate::x509::hex;

/// The largest TCP payload per synthetic packet: an Ethernet MTU's worth.
const SEGMENT: usize = 1460;
/// The client's port in the packets.
const CLIENT_PORT: u16 = 49152;
/// The server's port in the packets: TLS's.
const SERVER_PORT: u16 = 443;

/// The pcapng file of `chunks` with `secrets` embedded; `comment` says where it was captured, and
/// `epoch_us` is when (microseconds since 1970), the packets' times counting from there.
pub(super) fn pcapng(chunks: &[Chunk], secrets: &[Secret], comment: &str, epoch_us: u64) -> Vec<u8> {
    let mut out = Vec::new();
    section_header(&mut out, comment);
    interface(&mut out);
    let mut keylog = String::new();
    for secret in secrets {
        let _ = writeln!(
            keylog,
            "{} {} {}",
            secret.label,
            hex(&secret.client_random),
            hex(&secret.secret)
        );
    }
    if !keylog.is_empty() {
        decryption_secrets(&mut out, keylog.as_bytes());
    }
    // Loopback addresses, whatever the real ones were (IPv6 too): the file stands for one connection.
    let client = Ipv4Addr::new(127, 0, 0, 1);
    let server = Ipv4Addr::new(127, 0, 0, 2);
    let mut tcp = Tcp {
        out: &mut out,
        client,
        server,
        seq: [1_000, 5_000],
    };
    // The three-way handshake at the capture's start, when the connection was made: the times after it
    // are the x-ray's offsets.
    tcp.packet(Direction::Client, epoch_us, SYN, &[]);
    tcp.packet(Direction::Server, epoch_us, SYN | ACK, &[]);
    tcp.packet(Direction::Client, epoch_us, ACK, &[]);
    for chunk in chunks {
        if chunk.bytes.is_empty() && chunk.reset {
            // That side's reset of the connection: nothing answers it.
            tcp.packet(chunk.direction, epoch_us + chunk.offset_us, RST | ACK, &[]);
            continue;
        }
        if chunk.bytes.is_empty() {
            // That side's FIN, when it closed its half.
            tcp.packet(chunk.direction, epoch_us + chunk.offset_us, FIN | ACK, &[]);
        }
        for segment in chunk.bytes.chunks(SEGMENT) {
            tcp.packet(chunk.direction, epoch_us + chunk.offset_us, ACK | PSH, segment);
        }
        let other = match chunk.direction {
            Direction::Client => Direction::Server,
            Direction::Server => Direction::Client,
        };
        tcp.packet(other, epoch_us + chunk.offset_us, ACK, &[]);
    }
    out
}

/// Appends a block: type, total length, body padded to 32 bits, total length again.
fn block(out: &mut Vec<u8>, kind: u32, body: &[u8]) {
    let padded = body.len().div_ceil(4) * 4;
    let total = u32::try_from(12 + padded).unwrap_or(u32::MAX);
    out.extend_from_slice(&kind.to_le_bytes());
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(body);
    out.resize(out.len() + padded - body.len(), 0);
    out.extend_from_slice(&total.to_le_bytes());
}

/// An option (code, value padded to 32 bits).
fn option(body: &mut Vec<u8>, code: u16, value: &[u8]) {
    body.extend_from_slice(&code.to_le_bytes());
    body.extend_from_slice(&u16::try_from(value.len()).unwrap_or(u16::MAX).to_le_bytes());
    body.extend_from_slice(value);
    body.resize(body.len() + value.len().div_ceil(4) * 4 - value.len(), 0);
}

fn section_header(out: &mut Vec<u8>, comment: &str) {
    let mut body = Vec::new();
    body.extend_from_slice(&0x1A2B_3C4Du32.to_le_bytes());
    body.extend_from_slice(&1u16.to_le_bytes());
    body.extend_from_slice(&0u16.to_le_bytes());
    body.extend_from_slice(&(-1i64).to_le_bytes());
    option(&mut body, 1, comment.as_bytes());
    // shb_userappl: the application that wrote the file.
    option(&mut body, 4, b"tls-echo x-ray (tls-core)");
    option(&mut body, 0, &[]);
    block(out, 0x0A0D_0D0A, &body);
}

fn interface(out: &mut Vec<u8>) {
    let mut body = Vec::new();
    // LINKTYPE_RAW: each packet begins with its IP header.
    body.extend_from_slice(&101u16.to_le_bytes());
    body.extend_from_slice(&0u16.to_le_bytes());
    body.extend_from_slice(&0u32.to_le_bytes());
    block(out, 1, &body);
}

fn decryption_secrets(out: &mut Vec<u8>, keylog: &[u8]) {
    let mut body = Vec::new();
    // "TLSK": the secrets are NSS key log lines.
    body.extend_from_slice(&0x544C_534Bu32.to_le_bytes());
    body.extend_from_slice(&u32::try_from(keylog.len()).unwrap_or(u32::MAX).to_le_bytes());
    body.extend_from_slice(keylog);
    block(out, 0x0000_000A, &body);
}

const FIN: u8 = 0x01;
const RST: u8 = 0x04;
const SYN: u8 = 0x02;
const PSH: u8 = 0x08;
const ACK: u8 = 0x10;

/// The synthetic TCP connection: each side's next sequence number.
struct Tcp<'a> {
    out: &'a mut Vec<u8>,
    client: Ipv4Addr,
    server: Ipv4Addr,
    seq: [u32; 2],
}

impl Tcp<'_> {
    fn packet(&mut self, from: Direction, offset_us: u64, flags: u8, payload: &[u8]) {
        let (me, other) = match from {
            Direction::Client => (0, 1),
            Direction::Server => (1, 0),
        };
        let (source, destination, source_port, destination_port) = match from {
            Direction::Client => (self.client, self.server, CLIENT_PORT, SERVER_PORT),
            Direction::Server => (self.server, self.client, SERVER_PORT, CLIENT_PORT),
        };
        let total = 40 + payload.len();
        let mut packet = Vec::with_capacity(total);
        // IPv4: version 4, header of 5 words, no options, don't fragment, TTL 64, TCP.
        packet.extend_from_slice(&[0x45, 0]);
        packet.extend_from_slice(&u16::try_from(total).unwrap_or(u16::MAX).to_be_bytes());
        packet.extend_from_slice(&[0, 0, 0x40, 0, 64, 6, 0, 0]);
        packet.extend_from_slice(&source.octets());
        packet.extend_from_slice(&destination.octets());
        let checksum = ip_checksum(&packet[..20]);
        packet[10..12].copy_from_slice(&checksum.to_be_bytes());
        // TCP: ports, sequence, acknowledgement, header of 5 words, flags, window; checksum left 0
        // (Wireshark does not check it unless asked).
        packet.extend_from_slice(&source_port.to_be_bytes());
        packet.extend_from_slice(&destination_port.to_be_bytes());
        packet.extend_from_slice(&self.seq[me].to_be_bytes());
        let ack = if flags & ACK != 0 { self.seq[other] } else { 0 };
        packet.extend_from_slice(&ack.to_be_bytes());
        packet.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
        packet.extend_from_slice(payload);
        // SYN and FIN each take a sequence number of their own.
        let advance = u32::try_from(payload.len()).unwrap_or(0) + u32::from(flags & (SYN | FIN) != 0);
        self.seq[me] = self.seq[me].wrapping_add(advance);
        // An Enhanced Packet Block: interface 0, the time in microseconds, the lengths, the packet.
        let mut body = Vec::with_capacity(20 + packet.len());
        body.extend_from_slice(&0u32.to_le_bytes());
        body.extend_from_slice(&u32::try_from(offset_us >> 32).unwrap_or(0).to_le_bytes());
        body.extend_from_slice(&(offset_us as u32).to_le_bytes());
        let length = u32::try_from(packet.len()).unwrap_or(u32::MAX).to_le_bytes();
        body.extend_from_slice(&length);
        body.extend_from_slice(&length);
        body.extend_from_slice(&packet);
        block(self.out, 6, &body);
    }
}

/// The IPv4 header checksum (RFC 791): the ones' complement of the ones' complement sum of its words.
fn ip_checksum(header: &[u8]) -> u16 {
    let mut sum: u32 = header
        .chunks(2)
        .map(|pair| u32::from(u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}
