//! The x-ray as one self-contained HTML page: a ladder diagram of the connection, one row per record
//! between a client column and a server column, coloured by the keys that protected it; each message
//! a block that opens (`<details>`, no script) to what it is for, its fields and its annotated bytes;
//! then the key schedule, the JA4 fingerprint in parts, and what is not shown. No script and no
//! external resource: the page is the same from `/handshake` and from `echo-client --trace-html`.
//!
//! For tools: each record is an element with `class="record"`, each handshake message (or alert) an
//! element with `class="message"` and `data-type` its type as the JSON names it (`client_hello`).

use std::fmt::Write as _;

use rustls::{HandshakeType, ProtocolVersion};

use super::Direction;
use super::message::{Body, Extension, ExtensionData};
use super::model::{FinishedCheck, KeyDerivation, Message, MessageKind, Record, Trace, bytes};
use super::render::{Shown, annotated_hex, close_words, message_fields, summary};
use crate::names::Named;

/// What the page says around the trace: its title, a sentence on whose connection it is, rows of its
/// own for the summary table (before the trace's), and links at the end.
#[derive(Debug, Clone, Default)]
pub struct HtmlPage {
    /// The page's title and heading.
    pub title: String,
    /// One sentence: whose connection, seen from where.
    pub intro: String,
    /// Rows of the caller's own, shown first in the summary table.
    pub rows: Vec<(String, String)>,
    /// Links at the end: the address and its text.
    pub links: Vec<(String, String)>,
}

impl Trace {
    /// The page: the summary, the ladder, the keys, the fingerprint (see the module's documentation).
    pub fn html(&self, page: &HtmlPage) -> String {
        let mut out = String::with_capacity(64 * 1024);
        let _ = write!(
            out,
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
             <meta name=\"color-scheme\" content=\"light dark\"><link rel=\"icon\" href=\"data:,\"><title>{}</title>\n<style>{STYLE}</style></head><body>\n<h1>{}</h1>\n<p>{}</p>\n",
            escape(&page.title),
            escape(&page.title),
            escape(&page.intro)
        );
        out.push_str("<table class=\"summary\">\n");
        let rows = page
            .rows
            .iter()
            .map(|(label, value)| (label.as_str(), value.clone()))
            .chain(summary_rows(self));
        for (label, value) in rows {
            let _ = writeln!(out, "<tr><th>{}</th><td>{}</td></tr>", escape(label), marked(&value));
        }
        out.push_str("</table>\n");
        self.ladder(&mut out);
        self.key_schedule(&mut out);
        self.fingerprint(&mut out);
        self.not_shown(&mut out);
        if !page.links.is_empty() {
            let links: Vec<String> = page
                .links
                .iter()
                .map(|(href, text)| format!("<a href=\"{}\">{}</a>", escape(href), escape(text)))
                .collect();
            let _ = writeln!(out, "<p class=\"links\">{}</p>", links.join(" · "));
        }
        out.push_str("</body></html>\n");
        out
    }

    /// The records in time order, between the client's column and the server's, with the FINs and
    /// resets where they came.
    fn ladder(&self, out: &mut String) {
        let _ = write!(
            out,
            "<h2>The connection, record by record</h2>\n<p class=\"legend\">Each row is one TLS record, in the order \
             it crossed the socket; its colour says what protected it: <span class=\"key plain\">nothing \
             (plaintext)</span> <span class=\"key hs\">the handshake keys</span> <span class=\"key app\">the \
             application keys</span> <span class=\"key sealed\">keys not known here</span>.{} Open a message to read \
             what it is for, its fields and its bytes.</p>\n<table class=\"ladder\">\n<caption>The records of the \
             connection in time order: when, who sent it, and what it holds</caption>\n<thead><tr><th scope=\"col\">Time</th>\
             <th scope=\"col\">Client</th><th scope=\"col\"><span class=\"sr\">Either side</span></th><th scope=\"col\">Server</th></tr></thead>\n<tbody>\n",
            if self.version == Some(ProtocolVersion::TLSv1_2) {
                " In TLS 1.2 there are no handshake keys: one key block protects all that follows ChangeCipherSpec, Finished included."
            } else {
                ""
            }
        );
        if self.records.is_empty() && self.closed.is_empty() {
            out.push_str(
                "<tr><td colspan=\"4\">Nothing was exchanged: no TLS record crossed the connection.</td></tr>\n",
            );
        }
        self.closes(out, 0);
        for (at, record) in self.records.iter().enumerate() {
            self.record_row(out, record);
            if at + 1 == self.more_application_after && self.more_application_records > 0 {
                let more = self.more_application_records;
                let _ = writeln!(
                    out,
                    "<tr class=\"gap\"><td></td><td colspan=\"3\">and {more} more application data record{} (not shown one by one)</td></tr>",
                    if more == 1 { "" } else { "s" }
                );
            }
            if at + 1 == self.records.len() && self.bytes_not_captured > 0 {
                let _ = writeln!(
                    out,
                    "<tr class=\"gap\"><td></td><td colspan=\"3\">the capture's {} KiB were full here: the {} after are not read</td></tr>",
                    self.capture_limit / 1024,
                    bytes(self.bytes_not_captured)
                );
            }
            self.closes(out, at + 1);
        }
        out.push_str("</tbody></table>\n");
        if let Some(problem) = &self.problem {
            let _ = writeln!(
                out,
                "<p class=\"bad\">Decoding stopped: {}</p>",
                escape(&problem.to_string())
            );
        }
    }

    /// One record: its time, the arrow, and its content in the sender's column.
    fn record_row(&self, out: &mut String, record: &Record) {
        let (protection, words) = protection(record);
        let mut cell = String::new();
        let _ = write!(
            cell,
            "<div class=\"rh\">{}{} record, {} <span class=\"prot\">{}</span></div>",
            arrow(record.direction),
            escape(&record.content_type.name()),
            bytes(record.length),
            escape(&words)
        );
        if let Some(note) = &record.note {
            let _ = write!(cell, "<div class=\"note\">{}</div>", escape(note));
        }
        for message in &record.messages {
            self.message_block(&mut cell, message, record.direction);
        }
        self.row(
            out,
            &format!("record {protection}"),
            record.direction,
            record.offset_us,
            &cell,
        );
    }

    /// A row of the ladder: the time, and the sender's block over two thirds of the width, on its
    /// side.
    fn row(&self, out: &mut String, class: &str, direction: Direction, offset_us: u64, cell: &str) {
        let (cells, side) = match direction {
            Direction::Client => (
                format!("<td class=\"c\" colspan=\"2\">{cell}</td><td></td>"),
                "from-client",
            ),
            Direction::Server => (
                format!("<td></td><td class=\"s\" colspan=\"2\">{cell}</td>"),
                "from-server",
            ),
        };
        let _ = writeln!(
            out,
            "<tr class=\"{class} {side}\"><td class=\"t\">{:.3} ms</td>{cells}</tr>",
            offset_us as f64 / 1000.0
        );
    }

    /// The FINs and resets that came after `after` records.
    fn closes(&self, out: &mut String, after: usize) {
        for closed in self.closed.iter().filter(|c| c.after_records == after) {
            let class = if closed.reset { "end reset" } else { "end" };
            let cell = format!(
                "<div class=\"rh\">{}{}</div>",
                arrow(closed.direction),
                escape(&close_words(closed))
            );
            self.row(out, class, closed.direction, closed.offset_us, &cell);
        }
    }

    /// A message: its name, size and (for a Finished) its check; inside, what it is for, its key
    /// shares to scale, its fields and its annotated bytes.
    fn message_block(&self, out: &mut String, message: &Message, from: Direction) {
        let check = match &message.body {
            Body::Finished { check, .. } => match check {
                FinishedCheck::Verified => " <span class=\"ok\">verified</span>",
                FinishedCheck::Mismatch => " <span class=\"bad\">does not match</span>",
                FinishedCheck::NotSeen => " <span class=\"muted\">not checked</span>",
            },
            _ => "",
        };
        let said = match &message.body {
            Body::Alert(alert) => format!(" {} ({})", alert.description.name(), alert.level.name()),
            _ => String::new(),
        };
        let grease = if message.grease > 0 {
            format!(" <span class=\"muted\">{} GREASE</span>", message.grease)
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "<details class=\"message\" data-type=\"{}\"><summary><b>{}</b>{} {}{check}{grease}</summary>",
            escape(&message.kind.name()),
            escape(&title(message)),
            escape(&said),
            bytes(message.length)
        );
        let (about, section) = about(message, self, from);
        let _ = write!(
            out,
            "<p class=\"about\">{} <span class=\"ref\">{section}</span></p>",
            escape(&about)
        );
        if let Some(problem) = &message.problem {
            let _ = write!(
                out,
                "<p class=\"bad\">Not read to its end: {}</p>",
                escape(&problem.to_string())
            );
        }
        let largest = self
            .messages()
            .flat_map(shares_of)
            .map(|(_, size)| size)
            .max()
            .unwrap_or(0);
        key_shares_to_scale(out, message, largest);
        let fields = message_fields(message);
        if !fields.is_empty() {
            out.push_str("<table class=\"fields\">");
            for (name, value) in &fields {
                let _ = write!(out, "<tr><th>{}</th><td>{}</td></tr>", escape(name), shown(value));
            }
            out.push_str("</table>");
        }
        if !message.bytes.is_empty() {
            let mut hex = String::new();
            annotated_hex(&mut hex, message, 0);
            let whole = match message.bytes.len().checked_sub(message.length) {
                Some(header) if header > 0 => format!(
                    "Its {} (a {header}-byte header, then the {} above), annotated",
                    bytes(message.bytes.len()),
                    bytes(message.length)
                ),
                _ => format!("Its {}, annotated", bytes(message.bytes.len())),
            };
            let _ = write!(
                out,
                "<details class=\"hex\"><summary>{whole}</summary><pre>{}</pre></details>",
                escape(&hex)
            );
        }
        out.push_str("</details>");
    }

    /// Which secret made which keys: for TLS 1.3, RFC 8446's schedule (7.1), the secrets the TLS
    /// library does not export struck through, each exported traffic secret with its label and its
    /// key and IV; for TLS 1.2, the master secret and the key block.
    fn key_schedule(&self, out: &mut String) {
        if self.key_derivation.is_empty() {
            return;
        }
        out.push_str("<h2>The keys</h2>\n<ul class=\"schedule\">\n");
        if self.version == Some(ProtocolVersion::TLSv1_2) {
            out.push_str(
                "<li><span class=\"hidden\">pre-master secret</span> (the (EC)DHE shared secret) → <span class=\"secret\">master secret</span> \
                 (the key log's CLIENT_RANDOM line)<ul>",
            );
            for derivation in &self.key_derivation {
                if let KeyDerivation::KeyBlock { hash } = derivation {
                    let _ = write!(
                        out,
                        "<li>→ key block: <code>PRF-{}(master secret, \"key expansion\", server random + client random)</code>, cut \
                         into the client's key, the server's key, the client's IV, the server's IV <span class=\"ref\">RFC 5246 6.3</span></li>",
                        escape(hash)
                    );
                }
            }
            out.push_str("</ul></li>\n</ul>\n");
        } else {
            let early = if self.resumed {
                "the pre-shared key of the resumed session"
            } else {
                "zeros (no pre-shared key)"
            };
            let shared = match self.group {
                Some(group) if group.name().contains("MLKEM") => {
                    "the hybrid key exchange's shared secret (X25519 and ML-KEM)"
                }
                _ => "the (EC)DHE shared secret",
            };
            let _ = write!(
                out,
                "<li><span class=\"hidden\">early secret</span> = HKDF-Extract(0, {early}) → <code>Derive-Secret(., \"derived\", \"\")</code> →</li>\n\
                 <li><span class=\"hidden\">handshake secret</span> = HKDF-Extract(that, {shared}) →<ul>{}</ul> → <code>Derive-Secret(., \"derived\", \"\")</code> →</li>\n\
                 <li><span class=\"hidden\">master secret</span> = HKDF-Extract(that, 0) →<ul>{}</ul></li>\n</ul>\n",
                self.traffic_keys(true),
                self.traffic_keys(false)
            );
        }
        out.push_str(
            "<p class=\"note\"><span class=\"hidden\">Struck through</span>: secrets the TLS library does not export. \
             What it exports is what SSLKEYLOGFILE holds, the secrets named here; the others stay inside it, so \
             this page derives every key from the exported ones. <span class=\"ref\">RFC 8446 7.1, 7.3</span></p>\n",
        );
    }

    /// The traffic secrets of one stage (the handshake's, or the application's), each with the label
    /// that derived it, the transcript it covers, and its key and IV.
    fn traffic_keys(&self, handshake: bool) -> String {
        let mut items = String::new();
        for derivation in &self.key_derivation {
            let KeyDerivation::Traffic {
                secret,
                key_len,
                iv_len,
                hash,
            } = derivation
            else {
                continue;
            };
            if derivation.is_handshake() != handshake {
                continue;
            }
            let client = secret.starts_with("CLIENT");
            let made = match (handshake, client) {
                _ if !handshake && !secret.ends_with("_0") => {
                    "<code>HKDF-Expand-Label(the one before, \"traffic upd\", \"\", its length)</code> (a KeyUpdate)"
                        .to_owned()
                }
                (true, true) => {
                    "<code>Derive-Secret(., \"c hs traffic\", ClientHello to ServerHello)</code>".to_owned()
                }
                (true, false) => {
                    "<code>Derive-Secret(., \"s hs traffic\", ClientHello to ServerHello)</code>".to_owned()
                }
                (false, true) => {
                    "<code>Derive-Secret(., \"c ap traffic\", ClientHello to the server's Finished)</code>".to_owned()
                }
                (false, false) => {
                    "<code>Derive-Secret(., \"s ap traffic\", ClientHello to the server's Finished)</code>".to_owned()
                }
            };
            let _ = write!(
                items,
                "<li>{made} → <span class=\"secret\">{secret}</span> → key ({key_len} bytes) \
                 and IV ({iv_len} bytes): <code>HKDF-Expand-Label(secret, \"key\", \"\", {key_len})</code>, \
                 <code>HKDF-Expand-Label(secret, \"iv\", \"\", {iv_len})</code>, HKDF-{hash}</li>",
                secret = escape(secret),
                hash = escape(hash)
            );
        }
        items
    }

    /// The ClientHello's JA4 and what each part of it says.
    fn fingerprint(&self, out: &mut String) {
        let (Some(ja4), Some(raw)) = (&self.ja4, &self.ja4_r) else {
            return;
        };
        let _ = write!(
            out,
            "<h2>The ClientHello's fingerprint (JA4)</h2>\n<p><code class=\"wrap\">{}</code></p>\n<ul>",
            escape(ja4)
        );
        for part in ja4_parts(ja4, raw) {
            let _ = write!(out, "<li>{}</li>", escape(&part));
        }
        out.push_str("</ul>\n");
        if let Some(hash) = &self.certificate_verify_transcript {
            let _ = writeln!(
                out,
                "<p>The server's CertificateVerify signs the transcript hash <code class=\"wrap\">{}</code> (ClientHello to Certificate).</p>",
                escape(hash)
            );
        }
    }

    /// What the page cannot show, and why.
    fn not_shown(&self, out: &mut String) {
        let text = match self.version {
            None => return,
            Some(ProtocolVersion::TLSv1_2) if self.resumed => {
                "Not shown: this handshake resumes an earlier session, whose key exchange made the master secret (the CLIENT_RANDOM line's); that exchange is not in this capture."
            }
            Some(ProtocolVersion::TLSv1_2) => {
                "Not shown: the (EC)DHE shared secret (the pre-master secret) behind the master secret: the TLS library does not export it."
            }
            Some(_) => {
                "Not shown: the (EC)DHE shared secret and the early, handshake and master secrets before the traffic secrets: the TLS library does not export them."
            }
        };
        let _ = writeln!(out, "<p class=\"note\">{text}</p>");
    }
}

/// Who sent it, as the block begins: `client → server`.
fn arrow(direction: Direction) -> &'static str {
    match direction {
        Direction::Client => "<span class=\"dir\">client → server</span> ",
        Direction::Server => "<span class=\"dir\">server → client</span> ",
    }
}

/// What protected a record, as a class and in words (with what it held inside, for TLS 1.3).
fn protection(record: &Record) -> (&'static str, String) {
    let inside = record
        .inner_content_type
        .map(|inner| format!(", holding {}", inner.name()))
        .unwrap_or_default();
    match &record.decrypted_with {
        // TLS 1.2: one key block, from the master secret, protects all after ChangeCipherSpec.
        Some(label) if record.inner_content_type.is_none() && label.starts_with("CLIENT_RANDOM") => {
            let key = label
                .split_once('(')
                .map_or("keys", |(_, key)| key.trim_end_matches(')'));
            (
                "app",
                format!("encrypted with the {key} of the key block (from the master secret)"),
            )
        }
        Some(label) if label.contains("HANDSHAKE") => {
            ("hs", format!("encrypted with the handshake keys ({label}){inside}"))
        }
        Some(label) => ("app", format!("encrypted with the application keys ({label}){inside}")),
        None if record.encrypted => ("sealed", "encrypted, with keys not known here".to_owned()),
        None => ("plain", "plaintext".to_owned()),
    }
}

/// A message's name as people write it: `ClientHello`, `HelloRetryRequest`, `Alert`.
fn title(message: &Message) -> String {
    if message.is_hello_retry_request() {
        return "HelloRetryRequest".to_owned();
    }
    message
        .kind
        .name()
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// What a message is for, in a sentence or two, and where the RFC says so.
fn about(message: &Message, trace: &Trace, from: Direction) -> (String, &'static str) {
    if message.kind == HandshakeType::ClientHello {
        return client_hello_about(message, trace);
    }
    let (words, section) = fixed_about(message, trace.version == Some(ProtocolVersion::TLSv1_2), from);
    (words.to_owned(), section)
}

/// What a ClientHello is for, by what it holds: a TLS 1.3 offer (with key shares) or a TLS 1.2 one,
/// with a server name or without, the first or the answer to a HelloRetryRequest.
fn client_hello_about(message: &Message, trace: &Trace) -> (String, &'static str) {
    let has = |wanted: fn(&ExtensionData) -> bool| message.extensions().iter().any(|e| wanted(&e.data));
    let offers_13 = has(|data| matches!(data, ExtensionData::KeyShares { .. }));
    let sni = if has(|data| matches!(data, ExtensionData::ServerName { .. })) {
        ", with the name of the server it wants (SNI)"
    } else {
        ", without a server name (SNI): it connected by address"
    };
    let retry_before = trace
        .messages()
        .take_while(|earlier| !std::ptr::eq(*earlier, message))
        .any(Message::is_hello_retry_request);
    if retry_before {
        return (
            "The client's second hello, answering the HelloRetryRequest: the same offer, now with a key share for the group the server asked for.".to_owned(),
            "RFC 8446 4.1.2",
        );
    }
    if !offers_13 {
        return (
            format!("The client opens: the versions and cipher suites it can use and its random{sni}."),
            "RFC 5246 7.4.1.2",
        );
    }
    let unused = if trace.version == Some(ProtocolVersion::TLSv1_2) {
        " The server chose TLS 1.2, so these key shares went unused."
    } else {
        ""
    };
    (
        format!(
            "The client opens: the versions, cipher suites and groups it can use, and already its key shares (its half of the key exchange, one per group it guesses the server will take){sni}.{unused}"
        ),
        "RFC 8446 4.1.2",
    )
}

/// What the other messages are for: the same for every one of a type (and version).
fn fixed_about(message: &Message, tls12: bool, from: Direction) -> (&'static str, &'static str) {
    let server = from == Direction::Server;
    match message.kind {
        MessageKind::Alert => (
            "An alert: a warning, a fatal error that ends the connection, or close_notify, the goodbye that tells the end of the data from a cut connection.",
            if tls12 { "RFC 5246 7.2" } else { "RFC 8446 6" },
        ),
        MessageKind::Handshake(kind) => match kind {
            HandshakeType::ServerHello if message.is_hello_retry_request() => (
                "A ServerHello with a special random: the server takes none of the key shares offered and names the group it wants one for; the client sends its hello again.",
                "RFC 8446 4.1.4",
            ),
            HandshakeType::ServerHello if tls12 => (
                "The server picks the version and the cipher suite and sends its random; its key exchange comes in ServerKeyExchange.",
                "RFC 5246 7.4.1.3",
            ),
            HandshakeType::ServerHello => (
                "The server picks one of each (version, cipher suite, group) and sends its key share: both sides now compute the shared secret, and all the server sends after this is encrypted (but a change_cipher_spec, kept for middleboxes).",
                "RFC 8446 4.1.3",
            ),
            HandshakeType::EncryptedExtensions => (
                "The server's answers to the client's extensions that need no key (the protocol chosen by ALPN, ...): the first message under the handshake keys.",
                "RFC 8446 4.3.1",
            ),
            HandshakeType::Certificate if server => (
                "The server's certificate chain: its own certificate first, then the intermediates. The client checks it against the CAs it trusts and the name it asked for.",
                if tls12 { "RFC 5246 7.4.2" } else { "RFC 8446 4.4.2" },
            ),
            HandshakeType::Certificate => (
                "The client's certificate chain, which the server asked for; empty when the client has none to give.",
                if tls12 { "RFC 5246 7.4.6" } else { "RFC 8446 4.4.2" },
            ),
            HandshakeType::CertificateRequest => (
                "The server asks the client for a certificate (mutual TLS), with the signature algorithms (and the CAs) it accepts.",
                if tls12 { "RFC 5246 7.4.4" } else { "RFC 8446 4.3.2" },
            ),
            HandshakeType::CertificateVerify => (
                "A signature with the certificate's private key over the hash of the handshake so far: the proof that the sender holds the key of the certificate it sent.",
                if tls12 { "RFC 5246 7.4.8" } else { "RFC 8446 4.4.3" },
            ),
            HandshakeType::Finished => (
                "A MAC over the whole handshake with a key only the two sides have: each proves it saw the same messages. This page recomputes it from the transcript.",
                if tls12 { "RFC 5246 7.4.9" } else { "RFC 8446 4.4.4" },
            ),
            HandshakeType::NewSessionTicket => (
                "After the handshake, the server gives the client a ticket to resume the session later without a full handshake.",
                if tls12 { "RFC 5077 3.3" } else { "RFC 8446 4.6.1" },
            ),
            HandshakeType::KeyUpdate => (
                "The sender moves on to the next application traffic keys.",
                "RFC 8446 4.6.3",
            ),
            HandshakeType::ServerKeyExchange => (
                "The server's (EC)DHE public key and its group, signed with its certificate's key: its half of the key exchange.",
                "RFC 8422 5.4",
            ),
            HandshakeType::ClientKeyExchange => (
                "The client's (EC)DHE public key: with the server's, both sides compute the pre-master secret, and from it the master secret.",
                "RFC 8422 5.7",
            ),
            HandshakeType::ServerHelloDone => (
                "The server has sent all of its hello messages: the client's turn.",
                "RFC 5246 7.4.5",
            ),
            HandshakeType::CertificateStatus => (
                "The server's stapled OCSP response: its CA's word, signed and recent, that its certificate is not revoked.",
                "RFC 6066 8",
            ),
            HandshakeType::EndOfEarlyData => ("The client's 0-RTT data ends here.", "RFC 8446 4.5"),
            _ => ("A handshake message this page does not explain.", "RFC 8446 4"),
        },
    }
}

/// The key shares a hello holds: each one's group and size.
fn shares_of(message: &Message) -> Vec<(String, usize)> {
    message
        .extensions()
        .iter()
        .flat_map(|extension| match &extension.data {
            ExtensionData::KeyShares { shares } => shares
                .iter()
                .map(|share| (share.group.name(), share.key_exchange_bytes))
                .collect(),
            ExtensionData::ServerKeyShare(share) => vec![(share.group.name(), share.key_exchange_bytes)],
            _ => Vec::new(),
        })
        .collect()
}

/// The key shares of a hello, as bars to one scale for the whole page (`largest`, the largest share
/// of the connection, fills the width): a 1,216-byte X25519MLKEM768 share next to a 32-byte X25519
/// one, and the server's 32 bytes as small as the client's.
fn key_shares_to_scale(out: &mut String, message: &Message, largest: usize) {
    let shares = shares_of(message);
    if shares.is_empty() || largest == 0 {
        return;
    }
    out.push_str("<div class=\"shares\" role=\"img\" aria-label=\"the key shares, to one scale for the page\">");
    for (group, size) in &shares {
        let width = (*size as f64 / largest as f64 * 100.0).max(0.5);
        let _ = write!(
            out,
            "<div class=\"share\"><span class=\"bar\" style=\"width:{width:.1}%\"></span><span>{} {}</span></div>",
            marked(group),
            bytes(*size)
        );
    }
    out.push_str("</div>");
}

/// A field's value: a list of objects (extensions, certificates) as a list, the rest in a line.
fn shown(value: &Shown) -> String {
    match value {
        Shown::List(items) if items.iter().any(|item| matches!(item, Shown::Object(_))) => {
            let items: Vec<String> = items
                .iter()
                .map(|item| format!("<li>{}</li>", marked(&summary(item))))
                .collect();
            format!("<ul>{}</ul>", items.concat())
        }
        other => marked(&summary(other)),
    }
}

/// JA4's parts in words, read from the fingerprint and its raw form.
fn ja4_parts(ja4: &str, raw: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut pieces = ja4.split('_');
    let (Some(a), Some(b), Some(c)) = (pieces.next(), pieces.next(), pieces.next()) else {
        return parts;
    };
    let chars: Vec<char> = a.chars().collect();
    if chars.len() == 10 {
        let transport = match chars[0] {
            't' => "TCP",
            'q' => "QUIC",
            'd' => "DTLS",
            _ => "an unknown transport",
        };
        let version: String = chars[1..3].iter().collect();
        let sni = if chars[3] == 'd' {
            "a server name (SNI) was sent"
        } else {
            "no server name (SNI) was sent, or an IP address"
        };
        let suites: String = chars[4..6].iter().collect();
        let extensions: String = chars[6..8].iter().collect();
        let alpn: String = chars[8..10].iter().collect();
        let alpn = if alpn == "00" {
            "no ALPN protocol offered".to_owned()
        } else {
            format!(
                "the first ALPN protocol offered begins with {} and ends with {}",
                chars[8], chars[9]
            )
        };
        parts.push(format!(
            "{a}: over {transport}, highest version offered {version}, {sni}, {} cipher suites and {} extensions (GREASE left out), {alpn}",
            suites.trim_start_matches('0').parse::<u32>().unwrap_or(0),
            extensions.trim_start_matches('0').parse::<u32>().unwrap_or(0)
        ));
    }
    let raw: Vec<&str> = raw.split('_').collect();
    parts.push(format!(
        "{b}: the first 12 hex digits of the SHA-256 of the cipher suites, sorted: {}",
        raw.get(1).copied().unwrap_or("")
    ));
    parts.push(format!(
        "{c}: the same of the extensions, sorted (server_name and ALPN left out), then the signature algorithms in the order sent: {}",
        raw.get(2..).map(|rest| rest.join("_")).unwrap_or_default()
    ));
    parts
}

/// The rows of the summary: what was negotiated, and what the client's hello offered ("your": the
/// reader's client, the browser's or echo-client's).
fn summary_rows(trace: &Trace) -> Vec<(&'static str, String)> {
    let unknown = || "unknown".to_owned();
    let messages: Vec<&Message> = trace.messages().collect();
    let hellos: Vec<&Message> = messages
        .iter()
        .copied()
        .filter(|m| m.kind == HandshakeType::ClientHello)
        .collect();
    let retry = messages.iter().copied().find(|m| m.is_hello_retry_request());
    let hello = hellos.first().copied();
    let groups = hello
        .into_iter()
        .flat_map(|m| m.extensions())
        .find_map(Extension::groups)
        .unwrap_or_default()
        .iter()
        .map(Named::name)
        .collect::<Vec<_>>()
        .join(", ");
    let grease = hello.map_or(0, |m| m.grease);
    let (shares, retried) = match (retry, hellos.get(1)) {
        (Some(retry), second) => (
            format!("in your first ClientHello: {}", key_shares(hello)),
            format!(
                "yes: the server asked for a key share of {}; your second ClientHello sent {}",
                retry
                    .extensions()
                    .iter()
                    .find_map(|e| match e.data {
                        ExtensionData::RetryGroup { selected_group } => Some(selected_group.name()),
                        _ => None,
                    })
                    .unwrap_or_else(unknown),
                second.map_or_else(|| "nothing (not seen)".to_owned(), |m| key_shares(Some(m)))
            ),
        ),
        (None, _) if trace.version == Some(ProtocolVersion::TLSv1_2) => {
            (key_shares(hello), "no (TLS 1.2 has none)".to_owned())
        }
        (None, _) => (key_shares(hello), "no: the server took a key share you sent".to_owned()),
    };
    let resumed = trace.resumed;
    let shares = if resumed && trace.version == Some(ProtocolVersion::TLSv1_2) {
        "none: a TLS 1.2 ClientHello has no key_share, and a resumed TLS 1.2 handshake exchanges no keys".to_owned()
    } else {
        shares
    };
    let exchange = match (&trace.group, resumed) {
        (Some(group), _) => group.name(),
        (None, true) => "none in this handshake (resumed: the keys come from the earlier session's)".to_owned(),
        (None, false) => unknown(),
    };
    let kind = match (resumed, trace.version) {
        (_, None) => "not made: no ServerHello was read (the records below show how far it came)",
        (true, _) => "resumed from an earlier session: no certificate and no signature in this handshake",
        (false, Some(ProtocolVersion::TLSv1_2)) => {
            "full: the server sent its certificate and signed its key exchange (ServerKeyExchange)"
        }
        (false, _) => "full: the server sent its certificate and signed the transcript (CertificateVerify)",
    };
    let retried = if trace.version.is_none() && retry.is_none() {
        "not known: no ServerHello was read".to_owned()
    } else {
        retried
    };
    let mut rows = vec![
        ("Version", trace.version.map_or_else(unknown, |version| version.name())),
        (
            "Cipher suite",
            trace.cipher_suite.map_or_else(unknown, |suite| suite.name()),
        ),
        ("Key exchange", exchange),
        ("Handshake", kind.to_owned()),
        ("Your ClientHello's groups", groups),
        ("Your key shares", shares),
        ("HelloRetryRequest", retried),
        ("GREASE values in your ClientHello", grease.to_string()),
        ("JA4", trace.ja4.clone().unwrap_or_else(unknown)),
        ("Server Finished", trace.finished.server.to_string()),
        ("Your Finished", trace.finished.client.to_string()),
    ];
    if let Some(alerts) = alerts(trace) {
        rows.insert(4, ("Alerts", alerts));
    }
    rows
}

/// The alerts that ended or warned about the connection, who sent each (close_notify is a goodbye,
/// not news).
fn alerts(trace: &Trace) -> Option<String> {
    let alerts: Vec<String> = trace
        .records
        .iter()
        .flat_map(|record| record.messages.iter().map(move |message| (record.direction, message)))
        .filter_map(|(direction, message)| match &message.body {
            Body::Alert(alert) if alert.description != rustls::AlertDescription::CloseNotify => {
                let who = match direction {
                    Direction::Client => "the client",
                    Direction::Server => "the server",
                };
                Some(format!(
                    "{who} sent {} ({})",
                    alert.description.name(),
                    alert.level.name()
                ))
            }
            _ => None,
        })
        .collect();
    (!alerts.is_empty()).then(|| alerts.join("; "))
}

/// A ClientHello's key shares with their sizes, or why there are none.
fn key_shares(hello: Option<&Message>) -> String {
    let shares: Vec<String> = hello
        .into_iter()
        .flat_map(|m| m.extensions())
        .filter_map(|e| match &e.data {
            ExtensionData::KeyShares { shares } => Some(shares),
            _ => None,
        })
        .flatten()
        .map(|share| format!("{} ({})", share.group.name(), bytes(share.key_exchange_bytes)))
        .collect();
    if shares.is_empty() {
        "none: the ClientHello has no key_share (TLS 1.2's key exchange comes later, in ServerKeyExchange and ClientKeyExchange)".to_owned()
    } else {
        shares.join(", ")
    }
}

/// Text made safe for HTML, with each GREASE value marked as one (RFC 8701).
fn marked(text: &str) -> String {
    let escaped = escape(text);
    if !escaped.contains("GREASE (0x") {
        return escaped;
    }
    let mut out = String::with_capacity(escaped.len() + 64);
    let mut rest = escaped.as_str();
    while let Some(at) = rest.find("GREASE (0x") {
        let end = rest[at..].find(')').map_or(rest.len(), |close| at + close + 1);
        out.push_str(&rest[..at]);
        let _ = write!(
            out,
            "<abbr class=\"grease\" title=\"a GREASE value (RFC 8701): a made-up code a client sends so that servers keep ignoring codes they do not know\">{}</abbr>",
            &rest[at..end]
        );
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Text made safe for HTML.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The page's style: light and dark, narrow screens, print.
const STYLE: &str = "\
:root{--fg:#1b1b1b;--bg:#fff;--muted:#666;--line:#ccc;--plain:#e8e8e8;--hs:#fde7b0;--app:#cdeccd;--sealed:#f6c9c9;--ok:#176d2c;--bad:#b3141b}\
@media (prefers-color-scheme:dark){:root{--fg:#e6e6e6;--bg:#141414;--muted:#a0a0a0;--line:#444;--plain:#2b2b2b;--hs:#4d3b10;--app:#183f1c;--sealed:#4a1c1c;--ok:#6fd487;--bad:#ff8a8f}}\
body{font-family:system-ui,sans-serif;overflow-wrap:break-word;margin:1em auto;max-width:72em;padding:0 1em;line-height:1.45;color:var(--fg);background:var(--bg)}\
table{border-collapse:collapse}th{text-align:left;vertical-align:top;padding:.2em .8em .2em 0;overflow-wrap:normal}td{vertical-align:top;padding:.2em .4em}\
.summary td,.fields td{font-family:ui-monospace,monospace;overflow-wrap:anywhere}\
.ladder{width:100%;table-layout:fixed}.ladder th:nth-child(1){width:5.5em}.ladder th:nth-child(4){text-align:right}\
.ladder tr{border-top:1px solid var(--line)}.ladder td.t{font-family:ui-monospace,monospace;font-size:.85em;color:var(--muted)}\
.dir{font-weight:400;color:var(--muted)}\
.record.plain td.c,.record.plain td.s{background:var(--plain)}.record.hs td.c,.record.hs td.s{background:var(--hs)}\
.record.app td.c,.record.app td.s{background:var(--app)}.record.sealed td.c,.record.sealed td.s{background:var(--sealed)}\
.end td.c,.end td.s{font-style:italic}.gap td{color:var(--muted);font-style:italic}\
.rh{font-weight:600}.prot,.muted,.ref,.note{color:var(--muted);font-weight:400}.note{font-size:.9em}\
.key{padding:0 .4em;border-radius:.3em}.key.plain{background:var(--plain)}.key.hs{background:var(--hs)}.key.app{background:var(--app)}.key.sealed{background:var(--sealed)}\
details.message{margin:.3em 0;padding:.2em .4em;border:1px solid var(--line);border-radius:.3em;background:var(--bg)}details summary{cursor:pointer}\
.fields{font-size:.9em}.fields ul{margin:0;padding-left:1.2em}\
pre{overflow-x:auto;font-size:.8em}code,.wrap{overflow-wrap:anywhere}\
.ok{color:var(--ok);font-weight:600}.bad{color:var(--bad);font-weight:600}\
.grease{text-decoration:underline dotted}.hidden{text-decoration:line-through;color:var(--muted)}.secret{font-family:ui-monospace,monospace}\
.shares{margin:.4em 0}.share{display:flex;align-items:center;gap:.5em;font-size:.9em}.share .bar{display:inline-block;height:.9em;background:var(--fg);opacity:.55;max-width:60%}\
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}\
@media (max-width:40em){body{padding:0 .3em}.ladder,.ladder tbody,.ladder tr,.ladder td,.ladder caption{display:block;width:auto}\
.ladder thead{display:none}.ladder td:empty{display:none}.ladder td.t{padding-top:.5em}\
.ladder tr.from-client td.c{margin-right:8%}.ladder tr.from-server td.s{margin-left:8%}\
.fields th,.fields td{display:block;padding:0}.fields th{padding-top:.3em}.summary th,.summary td{display:block;padding:0}.summary th{padding-top:.3em}}\
@media print{body{max-width:none}.ladder tr{break-inside:avoid}}";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xray::{Chunk, decode};

    /// A ClientHello record with one server_name extension holding `name` as it is (any bytes).
    fn hello_naming(name: &[u8]) -> Vec<u8> {
        let mut sni = vec![0, 0];
        let list_len = u16::try_from(name.len() + 3).expect("short");
        sni.extend((list_len + 2).to_be_bytes());
        sni.extend(list_len.to_be_bytes());
        sni.push(0);
        sni.extend(u16::try_from(name.len()).expect("short").to_be_bytes());
        sni.extend(name);
        let mut body = vec![3, 3];
        body.extend([7; 32]);
        body.extend([0, 0, 4, 0x0a, 0x0a, 0x13, 0x01, 1, 0]);
        body.extend(u16::try_from(sni.len()).expect("short").to_be_bytes());
        body.extend(sni);
        let mut message = vec![1, 0];
        message.extend(u16::try_from(body.len()).expect("short").to_be_bytes());
        message.extend(body);
        let mut record = vec![22, 3, 1];
        record.extend(u16::try_from(message.len()).expect("short").to_be_bytes());
        record.extend(message);
        record
    }

    fn from_client(bytes: Vec<u8>) -> Vec<Chunk> {
        vec![Chunk {
            direction: Direction::Client,
            offset_us: 1500,
            bytes,
            reset: false,
        }]
    }

    /// What a peer sends is text on the page, never markup: a server name made of HTML is escaped,
    /// GREASE is marked, and the record and message elements are there for tools.
    #[test]
    fn a_hostile_hello_is_shown_as_text() {
        let trace = decode(&from_client(hello_naming(b"<script>alert(1)</script>\"&'")), &[], 0);
        let page = trace.html(&HtmlPage {
            title: "<b>title</b>".to_owned(),
            ..HtmlPage::default()
        });
        assert!(!page.contains("<script") && !page.contains("<b>title"), "{page}");
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;&#39;"),
            "{page}"
        );
        assert!(page.contains("<abbr class=\"grease\""), "{page}");
        // Only a ClientHello: the summary claims nothing that did not happen.
        assert!(
            page.contains("<tr><th>Handshake</th><td>not made: no ServerHello was read")
                && page.contains("<tr><th>HelloRetryRequest</th><td>not known: no ServerHello was read")
                && !page.contains("full: "),
            "{page}"
        );
        assert!(
            page.contains("without a server name (SNI)") || page.contains("with the name of the server"),
            "{page}"
        );
        assert_eq!(page.matches("<tr class=\"record ").count(), 1, "{page}");
        assert_eq!(
            page.matches("<details class=\"message\" data-type=\"client_hello\">")
                .count(),
            1,
            "{page}"
        );
        // Non-UTF-8 bytes in a name are shown, replaced, not dropped or passed on.
        let trace = decode(&from_client(hello_naming(&[0xff, 0xfe, b'x'])), &[], 0);
        assert!(trace.html(&HtmlPage::default()).contains("\u{fffd}\u{fffd}x"));
    }

    /// A fatal alert is said in the summary, with who sent it.
    #[test]
    fn an_alert_is_said_in_the_summary() {
        let mut chunks = from_client(hello_naming(b"localhost"));
        chunks.push(Chunk {
            direction: Direction::Server,
            offset_us: 2000,
            bytes: vec![21, 3, 3, 0, 2, 2, 40],
            reset: false,
        });
        let page = decode(&chunks, &[], 0).html(&HtmlPage::default());
        assert!(
            page.contains("<tr><th>Alerts</th><td>the server sent handshake_failure (fatal)</td></tr>"),
            "{page}"
        );
        assert!(
            page.contains("<b>Alert</b> handshake_failure (fatal) 2 bytes"),
            "{page}"
        );
    }

    /// Nothing exchanged says so; a record cut short says where decoding stopped.
    #[test]
    fn an_empty_or_cut_connection_is_said_in_words() {
        let empty = decode(&[], &[], 0).html(&HtmlPage::default());
        assert!(empty.contains("Nothing was exchanged"), "{empty}");
        assert!(!empty.contains("<tr class=\"record "), "{empty}");
        let mut cut = hello_naming(b"localhost");
        cut.truncate(cut.len() - 3);
        let page = decode(&from_client(cut), &[], 0).html(&HtmlPage::default());
        assert!(
            page.contains("<p class=\"bad\">Decoding stopped: the client&#39;s last "),
            "{page}"
        );
    }
}
