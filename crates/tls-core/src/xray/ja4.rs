//! JA4, the TLS client fingerprint of FoxIO's specification, from a ClientHello: `a_b_c` where `a` is
//! readable (protocol, version, SNI or not, counts of suites and extensions, ALPN's first and last
//! character), `b` a hash of the sorted cipher suites, `c` a hash of the sorted extensions and the
//! signature algorithms in order. The raw form (JA4_r) shows what the hashes are of.

use super::keys::Hash;
use crate::names::is_grease;

/// (JA4, JA4_r) of a ClientHello's body, or `None` when it does not parse.
pub(super) fn fingerprint(body: &[u8]) -> Option<(String, String)> {
    let mut at = 2 + 32;
    let session = usize::from(*body.get(at)?);
    at += 1 + session;
    let suites_len = usize::from(u16::from_be_bytes([*body.get(at)?, *body.get(at + 1)?]));
    let suites: Vec<u16> = pairs(body.get(at + 2..at + 2 + suites_len)?)
        .into_iter()
        .filter(|&c| !is_grease(c))
        .collect();
    at += 2 + suites_len;
    let compression = usize::from(*body.get(at)?);
    at += 1 + compression;
    let mut extensions = Vec::new();
    let (mut sni, mut alpn, mut versions, mut schemes) = (false, None, Vec::new(), Vec::new());
    if let Some(len) = body.get(at..at + 2) {
        let end = at + 2 + usize::from(u16::from_be_bytes([len[0], len[1]]));
        let mut cursor = at + 2;
        while cursor + 4 <= end {
            let code = u16::from_be_bytes([*body.get(cursor)?, *body.get(cursor + 1)?]);
            let n = usize::from(u16::from_be_bytes([*body.get(cursor + 2)?, *body.get(cursor + 3)?]));
            let data = body.get(cursor + 4..cursor + 4 + n)?;
            cursor += 4 + n;
            if is_grease(code) {
                continue;
            }
            extensions.push(code);
            match code {
                0 => sni = true,
                16 if data.len() > 3 => {
                    let first = usize::from(data[2]);
                    alpn = data.get(3..3 + first).map(<[u8]>::to_vec);
                }
                43 if !data.is_empty() => versions = pairs(data.get(1..)?),
                13 if data.len() >= 2 => schemes = pairs(data.get(2..)?),
                _ => {}
            }
        }
    }
    let version = versions
        .iter()
        .copied()
        .filter(|&v| !is_grease(v))
        .max()
        .unwrap_or_else(|| u16::from_be_bytes([body[0], body[1]]));
    let version = match version {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        _ => "00",
    };
    let alpn = match alpn.as_deref() {
        Some([one]) => format!("{}{}", char::from(*one), char::from(*one)),
        Some([first, .., last]) if first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric() => {
            format!("{}{}", char::from(*first), char::from(*last))
        }
        Some([first, .., last]) => format!("{:x}{:x}", first >> 4, last & 0x0f),
        _ => "00".to_owned(),
    };
    let a = format!(
        "t{version}{}{:02}{:02}{alpn}",
        if sni { 'd' } else { 'i' },
        suites.len().min(99),
        extensions.len().min(99)
    );
    let mut sorted_suites: Vec<String> = suites.iter().map(|c| format!("{c:04x}")).collect();
    sorted_suites.sort();
    let mut sorted_extensions: Vec<String> = extensions
        .iter()
        .filter(|&&e| e != 0 && e != 16)
        .map(|e| format!("{e:04x}"))
        .collect();
    sorted_extensions.sort();
    let schemes: Vec<String> = schemes
        .iter()
        .filter(|&&s| !is_grease(s))
        .map(|s| format!("{s:04x}"))
        .collect();
    let suites_text = sorted_suites.join(",");
    let mut extensions_text = sorted_extensions.join(",");
    if !schemes.is_empty() {
        extensions_text = format!("{extensions_text}_{}", schemes.join(","));
    }
    let short = |text: &str| {
        if text.is_empty() {
            "000000000000".to_owned()
        } else {
            Hash::Sha256.digest(text.as_bytes())[..6]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        }
    };
    Some((
        format!("{a}_{}_{}", short(&suites_text), short(&extensions_text)),
        format!("{a}_{suites_text}_{extensions_text}"),
    ))
}

fn pairs(data: &[u8]) -> Vec<u16> {
    data.chunks_exact(2).map(|p| u16::from_be_bytes([p[0], p[1]])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FoxIO's published example: Chrome's ClientHello gives `t13d1516h2_8daaf6152771_e5627efa2ab1`;
    /// rebuilt here from the values the specification lists (its suites, extensions and signature
    /// algorithms), the hashes must come out the same.
    #[test]
    fn the_specification_example_hashes_as_published() {
        let suites = "002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9";
        let rest = "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601";
        let short = |text: &str| -> String {
            Hash::Sha256.digest(text.as_bytes())[..6]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        };
        assert_eq!(short(suites), "8daaf6152771");
        assert_eq!(short(rest), "e5627efa2ab1");
    }
}
