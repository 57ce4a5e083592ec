//! The x-ray as text: the timeline (one line per record, its messages indented under it), painted for
//! a terminal, with each message's bytes as annotated hex when asked. The model it reads is
//! [`Trace`]; JSON is the model's own serde form, and the page's HTML is built from this text.

use std::fmt::{self, Write as _};

use super::model::bytes;
use rustls::ProtocolVersion;

use super::{Closed, Direction, FinishedCheck, Message, Record, Trace};
use crate::names::Named as _;

/// A value of a message's JSON, its objects' keys in the order written: what the text shows of a
/// message is read back from the JSON serde writes of it, so the text and `--trace-json` cannot tell
/// different stories (serde_json's own `Value` would sort the keys unless some crate in the build
/// turns on its `preserve_order`).
pub(super) enum Shown {
    Text(String),
    Other(String),
    List(Vec<Self>),
    Object(Vec<(String, Self)>),
}

impl<'de> serde::Deserialize<'de> for Shown {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ShownVisitor)
    }
}

struct ShownVisitor;

impl<'de> serde::de::Visitor<'de> for ShownVisitor {
    type Value = Shown;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Shown, E> {
        Ok(Shown::Other(value.to_string()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Shown, E> {
        Ok(Shown::Other(value.to_string()))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Shown, E> {
        Ok(Shown::Other(value.to_string()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Shown, E> {
        Ok(Shown::Other(value.to_string()))
    }

    fn visit_str<E>(self, value: &str) -> Result<Shown, E> {
        Ok(Shown::Text(value.to_owned()))
    }

    fn visit_unit<E>(self) -> Result<Shown, E> {
        Ok(Shown::Other("null".to_owned()))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Shown, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Shown::List(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Shown, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Shown::Object(entries))
    }
}

/// A message's fields as its JSON has them (its type and length aside), in order.
pub(super) fn message_fields(message: &Message) -> Vec<(String, Shown)> {
    let json = serde_json::to_string(message).unwrap_or_default();
    match serde_json::from_str(&json) {
        Ok(Shown::Object(entries)) => entries
            .into_iter()
            .filter(|(k, _)| k != "type" && k != "length")
            .collect(),
        _ => Vec::new(),
    }
}

/// A field's value in a line: strings as they are, lists joined, objects as `name (k v, ...)`.
pub(super) fn summary(value: &Shown) -> String {
    match value {
        Shown::Text(text) | Shown::Other(text) => text.clone(),
        Shown::List(items) => items.iter().map(summary).collect::<Vec<_>>().join(", "),
        Shown::Object(entries) => {
            let name = entries.iter().find_map(|(k, v)| match v {
                Shown::Text(name) if k == "name" => Some(name.as_str()),
                _ => None,
            });
            let rest: Vec<String> = entries
                .iter()
                .filter(|(k, _)| k.as_str() != "name" && !(name.is_some() && k.as_str() == "bytes"))
                .map(|(k, v)| field(k, v))
                .collect();
            match name {
                Some(name) if rest.is_empty() => name.to_owned(),
                Some(name) => format!("{name} ({})", rest.join(", ")),
                None => rest.join(" "),
            }
        }
    }
}

/// `name value`, or `name [a, b]` for a list.
fn field(name: &str, value: &Shown) -> String {
    match value {
        Shown::List(_) => format!("{name} [{}]", summary(value)),
        _ => format!("{name} {}", summary(value)),
    }
}

impl fmt::Display for Trace {
    /// The handshake as a timeline: one line per record, its messages indented under it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false, false))
    }
}

/// ANSI colours for a terminal, or nothing.
struct Paint(bool);

impl Paint {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn check(&self, check: FinishedCheck) -> String {
        match check {
            FinishedCheck::Verified => self.paint("32", "verified"),
            FinishedCheck::Mismatch => self.paint("1;31", "DOES NOT MATCH"),
            FinishedCheck::NotSeen => "not seen".to_owned(),
        }
    }
}

/// A message's bytes as hex, each field on lines of its own (16 bytes a line) with its name and value
/// beside its first line; bytes the decoder did not read are shown without a name.
pub(super) fn annotated_hex(out: &mut String, message: &Message, indent: usize) {
    let mut rows = |from: usize, to: usize, note: &str| {
        let Some(bytes) = message.bytes.get(from..to) else {
            return;
        };
        for (row, line) in bytes.chunks(16).enumerate() {
            let hex: Vec<String> = line.iter().map(|b| format!("{b:02x}")).collect();
            let text = if row == 0 { note } else { "" };
            let line = format!("{:indent$}{:04x}  {:<47}  {text}", "", from + row * 16, hex.join(" "));
            let _ = writeln!(out, "{}", line.trim_end());
        }
    };
    let mut at = 0;
    for note in &message.annotations {
        if note.at < at {
            continue;
        }
        rows(at, note.at, "");
        let text = if note.value.is_empty() {
            note.field.clone()
        } else {
            format!("{} {}", note.field, note.value)
        };
        rows(note.at, note.at + note.len, &text);
        at = note.at + note.len;
    }
    rows(at, message.bytes.len(), "");
}

impl Trace {
    /// The timeline as text; `full` adds each message's bytes as hex, `colour` paints directions and
    /// checks for a terminal.
    pub fn render(&self, full: bool, colour: bool) -> String {
        let paint = Paint(colour);
        let mut out = String::new();
        let _ = self.write_to(&mut out, full, &paint);
        out
    }

    fn write_to(&self, f: &mut String, full: bool, paint: &Paint) -> fmt::Result {
        if self.records.is_empty() && self.problem.is_none() && self.bytes_not_captured == 0 && self.closed.is_empty() {
            return writeln!(
                f,
                "handshake x-ray: nothing was exchanged (no TLS record crossed the connection)"
            );
        }
        self.write_headline(f, paint)?;
        self.write_closes(f, paint, 0)?;
        for (at, record) in self.records.iter().enumerate() {
            write_record(f, record, full, paint)?;
            // What came after this record, in order: records not listed, the cut, the FINs.
            if at + 1 == self.more_application_after && self.more_application_records > 0 {
                writeln!(
                    f,
                    "{:16}(and {} more application data record{})",
                    "",
                    self.more_application_records,
                    if self.more_application_records == 1 { "" } else { "s" }
                )?;
            }
            if at + 1 == self.records.len() && self.bytes_not_captured > 0 {
                writeln!(
                    f,
                    "{:16}(the capture's {} KiB were full here: the {} bytes after are not read)",
                    "",
                    self.capture_limit / 1024,
                    self.bytes_not_captured
                )?;
            }
            self.write_closes(f, paint, at + 1)?;
        }
        self.write_footer(f)
    }

    /// The first line: what was agreed, and both Finished checks.
    fn write_headline(&self, f: &mut String, paint: &Paint) -> fmt::Result {
        match &self.version {
            Some(version) => writeln!(
                f,
                "handshake x-ray: {}, {}, {}; Finished (each side's MAC over the transcript): server {}, client {}",
                version.name(),
                self.cipher_suite
                    .map_or_else(|| "unknown".to_owned(), |suite| suite.name()),
                match (&self.group, self.resumed) {
                    (Some(group), _) => group.name(),
                    (None, true) => "no key exchange (resumed)".to_owned(),
                    (None, false) => "unknown".to_owned(),
                },
                paint.check(self.finished.server),
                paint.check(self.finished.client)
            ),
            None => writeln!(
                f,
                "handshake x-ray: no ServerHello was read, so no version, cipher suite or key exchange was agreed"
            ),
        }
    }

    /// The FINs and resets that came after `after` records.
    fn write_closes(&self, f: &mut String, paint: &Paint, after: usize) -> fmt::Result {
        for closed in self.closed.iter().filter(|c| c.after_records == after) {
            let arrow = match closed.direction {
                Direction::Client => paint.paint("32", "client → server"),
                Direction::Server => paint.paint("36", "server → client"),
            };
            let at = closed.offset_us as f64 / 1000.0;
            writeln!(f, "{at:>10.3} ms  {arrow}  {}", close_words(closed))?;
        }
        Ok(())
    }

    /// After the timeline: the fingerprint, the key derivation, what is not shown and why decoding
    /// stopped.
    fn write_footer(&self, f: &mut String) -> fmt::Result {
        if let (Some(ja4), Some(raw)) = (&self.ja4, &self.ja4_r) {
            writeln!(f, "the ClientHello's JA4: {ja4} (raw: {raw})")?;
        }
        if let Some(hash) = &self.certificate_verify_transcript {
            writeln!(
                f,
                "the server's CertificateVerify signs the transcript hash {hash} (ClientHello to Certificate)"
            )?;
        }
        for line in &self.key_derivation {
            writeln!(f, "keys: {line}")?;
        }
        if self.version.is_none() {
            // Nothing was agreed: no secrets to speak of.
        } else if self.version == Some(ProtocolVersion::TLSv1_2) && self.resumed {
            writeln!(
                f,
                "not shown: this handshake resumes an earlier session, whose key exchange made the master secret (the CLIENT_RANDOM line's); that exchange is not in this capture"
            )?;
        } else if self.version == Some(ProtocolVersion::TLSv1_2) {
            writeln!(
                f,
                "not shown: the (EC)DHE shared secret (the pre-master secret) behind the master secret: the TLS library does not export it"
            )?;
        } else {
            writeln!(
                f,
                "not shown: the (EC)DHE shared secret and the early, handshake and master secrets before the traffic secrets: the TLS library does not export them"
            )?;
        }
        if self.bytes_not_captured > 0 {
            writeln!(
                f,
                "{} bytes past the capture's {} KiB limit were not read",
                self.bytes_not_captured,
                self.capture_limit / 1024
            )?;
        }
        if let Some(problem) = &self.problem {
            writeln!(f, "decoding stopped: {problem}")?;
        }
        Ok(())
    }
}

/// A FIN or a reset in words: who, and whether a close_notify (or which fatal alert) came first.
pub(super) fn close_words(closed: &Closed) -> String {
    let who = match closed.direction {
        Direction::Client => "client",
        Direction::Server => "server",
    };
    let remark = match (closed.close_notify_first, &closed.after_fatal_alert) {
        (Some(true), _) => ", after its close_notify".to_owned(),
        (_, Some(alert)) => format!(", after its fatal alert {}, which says why", alert.name()),
        // A reset is a cut connection, and says so itself.
        (Some(false), None) if closed.reset => ", with no close_notify".to_owned(),
        (Some(false), None) => {
            ", without close_notify first: the other side cannot tell this from a cut connection".to_owned()
        }
        (None, None) => {
            ", whether after a close_notify is not known: not all of its records were captured and read".to_owned()
        }
    };
    if closed.reset {
        format!("RST: the {who} reset the connection{remark}: what it had sent and was not read yet here is lost")
    } else {
        format!("FIN: the {who} closed its side of the connection{remark}")
    }
}

/// One record's line, its note, and its messages indented under it (with their bytes, `full`).
fn write_record(f: &mut String, record: &Record, full: bool, paint: &Paint) -> fmt::Result {
    let arrow = match record.direction {
        Direction::Client => paint.paint("32", "client → server"),
        Direction::Server => paint.paint("36", "server → client"),
    };
    let opened = match (&record.decrypted_with, &record.inner_content_type) {
        (Some(label), Some(inner)) => format!(", encrypted {}, opened with {label}'s keys", inner.name()),
        (Some(label), None) => format!(", encrypted, opened with the {label}"),
        _ if record.encrypted => ", encrypted".to_owned(),
        _ => String::new(),
    };
    writeln!(
        f,
        "{:>10.3} ms  {arrow}  {} record, {}{opened}",
        record.offset_us as f64 / 1000.0,
        record.content_type.name(),
        bytes(record.length)
    )?;
    if let Some(note) = &record.note {
        writeln!(f, "{:16}{note}", "")?;
    }
    for message in &record.messages {
        let fields: Vec<String> = message_fields(message).iter().map(|(k, v)| field(k, v)).collect();
        let colon = if fields.is_empty() { "" } else { ": " };
        writeln!(
            f,
            "{:16}{} ({}){colon}{}",
            "",
            paint.paint("1", &message.kind.name()),
            bytes(message.length),
            fields.join("; ")
        )?;
        if full {
            annotated_hex(f, message, 18);
        }
    }
    Ok(())
}
