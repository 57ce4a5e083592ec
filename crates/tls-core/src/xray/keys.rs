//! TLS 1.3's record keys from the traffic secrets the TLS library logged (RFC 8446 7.1, 7.3), record
//! decryption (5.2, 5.3) and the Finished value (4.4.4), with aws-lc-rs, the library rustls uses.

use aws_lc_rs::{aead, digest, hkdf, hmac};

/// The hash of a TLS 1.3 cipher suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Hash {
    Sha256,
    Sha384,
}

impl Hash {
    pub(super) fn len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "SHA-256",
            Self::Sha384 => "SHA-384",
        }
    }

    pub(super) fn digest(self, data: &[u8]) -> Vec<u8> {
        let algorithm = match self {
            Self::Sha256 => &digest::SHA256,
            Self::Sha384 => &digest::SHA384,
        };
        digest::digest(algorithm, data).as_ref().to_vec()
    }

    fn hkdf(self) -> hkdf::Algorithm {
        match self {
            Self::Sha256 => hkdf::HKDF_SHA256,
            Self::Sha384 => hkdf::HKDF_SHA384,
        }
    }

    fn hmac(self) -> hmac::Algorithm {
        match self {
            Self::Sha256 => hmac::HMAC_SHA256,
            Self::Sha384 => hmac::HMAC_SHA384,
        }
    }
}

/// A TLS 1.3 cipher suite's AEAD and hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Suite {
    pub(super) aead: &'static aead::Algorithm,
    pub(super) key_len: usize,
    pub(super) hash: Hash,
}

impl Suite {
    /// The TLS 1.3 suite with code `code`, when it is one of RFC 8446's AEAD suites rustls speaks.
    pub(super) fn tls13(code: u16) -> Option<Self> {
        Some(match code {
            0x1301 => Self {
                aead: &aead::AES_128_GCM,
                key_len: 16,
                hash: Hash::Sha256,
            },
            0x1302 => Self {
                aead: &aead::AES_256_GCM,
                key_len: 32,
                hash: Hash::Sha384,
            },
            0x1303 => Self {
                aead: &aead::CHACHA20_POLY1305,
                key_len: 32,
                hash: Hash::Sha256,
            },
            _ => return None,
        })
    }
}

/// An output length for aws-lc-rs' HKDF.
struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// HKDF-Expand-Label(secret, label, context, length) of RFC 8446 7.1.
pub(super) fn expand_label(hash: Hash, secret: &[u8], label: &str, context: &[u8], length: usize) -> Vec<u8> {
    let full = format!("tls13 {label}");
    let mut info = Vec::with_capacity(4 + full.len() + context.len());
    info.extend_from_slice(&u16::try_from(length).unwrap_or(u16::MAX).to_be_bytes());
    info.push(u8::try_from(full.len()).unwrap_or(u8::MAX));
    info.extend_from_slice(full.as_bytes());
    info.push(u8::try_from(context.len()).unwrap_or(u8::MAX));
    info.extend_from_slice(context);
    let prk = hkdf::Prk::new_less_safe(hash.hkdf(), secret);
    let mut out = vec![0u8; length];
    let info = [info.as_slice()];
    // Fails only for a length past 255 hashes, which no caller asks for.
    if prk
        .expand(&info, Len(length))
        .and_then(|okm| okm.fill(&mut out))
        .is_err()
    {
        out.clear();
    }
    out
}

/// A TLS 1.2 AEAD suite (RFC 5288, RFC 7905): its AEAD, key and IV sizes, and the PRF's hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Suite12 {
    aead: &'static aead::Algorithm,
    key_len: usize,
    /// 4 for AES-GCM (the rest of the nonce is sent with each record), 12 for ChaCha20-Poly1305.
    iv_len: usize,
    pub(super) hash: Hash,
}

impl Suite12 {
    /// The TLS 1.2 suite with code `code`, when it is one of the AEAD suites rustls speaks.
    pub(super) fn new(code: u16) -> Option<Self> {
        let (aead, key_len, iv_len, hash) = match code {
            0xc02b | 0xc02f => (&aead::AES_128_GCM, 16, 4, Hash::Sha256),
            0xc02c | 0xc030 => (&aead::AES_256_GCM, 32, 4, Hash::Sha384),
            0xcca8 | 0xcca9 => (&aead::CHACHA20_POLY1305, 32, 12, Hash::Sha256),
            _ => return None,
        };
        Some(Self {
            aead,
            key_len,
            iv_len,
            hash,
        })
    }
}

/// TLS 1.2's PRF (RFC 5246 5): P_hash(secret, label + seed), `length` bytes.
pub(super) fn prf(hash: Hash, secret: &[u8], label: &str, seed: &[u8], length: usize) -> Vec<u8> {
    let key = hmac::Key::new(hash.hmac(), secret);
    let mut label_seed = label.as_bytes().to_vec();
    label_seed.extend_from_slice(seed);
    let mut out = Vec::with_capacity(length + hash.len());
    let mut a = hmac::sign(&key, &label_seed).as_ref().to_vec();
    while out.len() < length {
        let mut input = a.clone();
        input.extend_from_slice(&label_seed);
        out.extend_from_slice(hmac::sign(&key, &input).as_ref());
        a = hmac::sign(&key, &a).as_ref().to_vec();
    }
    out.truncate(length);
    out
}

/// Both directions' record keys of a TLS 1.2 session from its master secret (the key block of RFC 5246
/// 6.3, MAC keys empty for AEAD suites): (client's, server's).
pub(super) fn tls12_keys(
    suite: Suite12,
    master: &[u8],
    client_random: &[u8],
    server_random: &[u8],
) -> Option<(RecordKeys, RecordKeys)> {
    let seed = [server_random, client_random].concat();
    let block = prf(
        suite.hash,
        master,
        "key expansion",
        &seed,
        2 * (suite.key_len + suite.iv_len),
    );
    let (client_key, rest) = block.split_at(suite.key_len);
    let (server_key, rest) = rest.split_at(suite.key_len);
    let (client_iv, server_iv) = rest.split_at(suite.iv_len);
    let keys = |key: &[u8], iv: &[u8], label: &str| -> Option<RecordKeys> {
        let mut fixed = [0u8; 12];
        fixed[..iv.len()].copy_from_slice(iv);
        Some(RecordKeys {
            key: aead::LessSafeKey::new(aead::UnboundKey::new(suite.aead, key).ok()?),
            iv: fixed,
            sequence: 0,
            label: label.to_owned(),
            secret: master.to_vec(),
            nonce: if suite.iv_len == 4 {
                NonceStyle::Tls12Explicit
            } else {
                NonceStyle::Tls12Xor
            },
        })
    };
    Some((
        keys(client_key, client_iv, "CLIENT_RANDOM (client write key)")?,
        keys(server_key, server_iv, "CLIENT_RANDOM (server write key)")?,
    ))
}

/// How a record's nonce is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NonceStyle {
    /// TLS 1.3 (and TLS 1.2 ChaCha20-Poly1305 below): the IV XOR the sequence number; inner content type.
    Tls13,
    /// TLS 1.2 AES-GCM: the 4-byte salt, then 8 bytes sent at the start of each record.
    Tls12Explicit,
    /// TLS 1.2 ChaCha20-Poly1305: the IV XOR the sequence number, no inner content type.
    Tls12Xor,
}

/// One direction's record protection under one traffic secret: key, IV and the next sequence number.
pub(super) struct RecordKeys {
    key: aead::LessSafeKey,
    iv: [u8; 12],
    nonce: NonceStyle,
    pub(super) sequence: u64,
    /// The secret's label (`SERVER_HANDSHAKE_TRAFFIC_SECRET`, ...), said with what it opened.
    pub(super) label: String,
    pub(super) secret: Vec<u8>,
}

impl RecordKeys {
    /// The key (`key`, `suite.key_len` bytes) and IV (`iv`, 12 bytes) derived from `secret`.
    pub(super) fn new(suite: Suite, secret: &[u8], label: &str) -> Option<Self> {
        let key = expand_label(suite.hash, secret, "key", &[], suite.key_len);
        let iv: [u8; 12] = expand_label(suite.hash, secret, "iv", &[], 12).try_into().ok()?;
        let key = aead::LessSafeKey::new(aead::UnboundKey::new(suite.aead, &key).ok()?);
        Some(Self {
            key,
            iv,
            sequence: 0,
            label: label.to_owned(),
            secret: secret.to_vec(),
            nonce: NonceStyle::Tls13,
        })
    }

    /// Opens one record (`header` its 5 bytes, `body` the rest): the inner content type and the
    /// plaintext, or `None` when the record does not open with these keys.
    pub(super) fn open(&mut self, header: &[u8], body: &[u8]) -> Option<(u8, Vec<u8>)> {
        let mut nonce = self.iv;
        let ciphertext = match self.nonce {
            NonceStyle::Tls12Explicit => {
                nonce[4..].copy_from_slice(body.get(..8)?);
                &body[8..]
            }
            NonceStyle::Tls13 | NonceStyle::Tls12Xor => {
                for (byte, seq) in nonce[4..].iter_mut().zip(self.sequence.to_be_bytes()) {
                    *byte ^= seq;
                }
                body
            }
        };
        let mut data = ciphertext.to_vec();
        // TLS 1.2's additional data (RFC 5246 6.2.3.3): sequence number, type, version, plaintext length.
        let mut aad12 = self.sequence.to_be_bytes().to_vec();
        aad12.extend_from_slice(header.get(..3)?);
        aad12.extend_from_slice(&u16::try_from(ciphertext.len().checked_sub(16)?).ok()?.to_be_bytes());
        let aad = match self.nonce {
            NonceStyle::Tls13 => header,
            NonceStyle::Tls12Explicit | NonceStyle::Tls12Xor => aad12.as_slice(),
        };
        let plain = self
            .key
            .open_in_place(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(aad),
                &mut data,
            )
            .ok()?;
        self.sequence += 1;
        if self.nonce != NonceStyle::Tls13 {
            return Some((header[0], plain.to_vec()));
        }
        // TLSInnerPlaintext: content, the content type, then zero padding.
        let end = plain.iter().rposition(|&b| b != 0)?;
        Some((plain[end], plain[..end].to_vec()))
    }
}

/// The Finished value of RFC 8446 4.4.4: HMAC over the transcript hash, keyed by the finished key
/// derived from the side's handshake traffic secret.
pub(super) fn finished(hash: Hash, traffic_secret: &[u8], transcript_hash: &[u8]) -> Vec<u8> {
    let finished_key = expand_label(hash, traffic_secret, "finished", &[], hash.len());
    let key = hmac::Key::new(hash.hmac(), &finished_key);
    hmac::sign(&key, transcript_hash).as_ref().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        let text: String = text.split_whitespace().collect();
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
            .collect()
    }

    /// RFC 8448 3 (Simple 1-RTT Handshake), the server handshake traffic secret and the key and IV it
    /// gives, then the server's first encrypted record (EncryptedExtensions ... Finished) opened with
    /// them, and its Finished recomputed.
    #[test]
    fn the_rfc_8448_server_handshake_keys_open_its_record() {
        let secret =
            hex("b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38");
        let hash = Hash::Sha256;
        assert_eq!(
            expand_label(hash, &secret, "key", &[], 16),
            hex("3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc")
        );
        assert_eq!(
            expand_label(hash, &secret, "iv", &[], 12),
            hex("5d 31 3e b2 67 12 76 ee 13 00 0b 30")
        );
        let suite = Suite::tls13(0x1301).expect("TLS_AES_128_GCM_SHA256");
        let mut keys = RecordKeys::new(suite, &secret, "SERVER_HANDSHAKE_TRAFFIC_SECRET").expect("keys");
        let record = hex(RFC8448_SERVER_HANDSHAKE_RECORD);
        let (inner, plain) = keys.open(&record[..5], &record[5..]).expect("the record opens");
        assert_eq!(inner, 22, "handshake messages inside");
        // EncryptedExtensions (8) comes first, Finished (20) last with its 32-byte verify_data.
        assert_eq!(plain[0], 8);
        let finished_at = plain.len() - 36;
        assert_eq!(&plain[finished_at..finished_at + 4], &[20, 0, 0, 32]);
        let verify_data = &plain[finished_at + 4..];
        assert_eq!(
            verify_data,
            hex("9b 9b 14 1d 90 63 37 fb d2 cb dc e7 1d f4 de da 4a b4 2c 30 95 72 cb 7f ff ee 54 54 b7 8f 07 18")
                .as_slice()
        );
        // The transcript: ClientHello and ServerHello (RFC 8448's), then this record's messages before
        // Finished.
        let mut transcript = hex(RFC8448_CLIENT_HELLO);
        transcript.extend(hex(RFC8448_SERVER_HELLO));
        transcript.extend_from_slice(&plain[..finished_at]);
        assert_eq!(finished(hash, &secret, &hash.digest(&transcript)), verify_data);
    }

    const RFC8448_CLIENT_HELLO: &str = "01 00 00 c0 03 03 cb 34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d ff a2 1a 8d 99 12 ec 18 a2 ef 62 83 02 4d ec e7 00 00 06 13 01 13 03 13 02 01 00 00 91 00 00 00 0b 00 09 00 00 06 73 65 72 76 65 72 ff 01 00 01 00 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 23 00 00 00 33 00 26 00 24 00 1d 00 20 99 38 1d e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69 1e 52 9a af 2c 00 2b 00 03 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03 02 03 08 04 08 05 08 06 04 01 05 01 06 01 02 01 04 02 05 02 06 02 02 02 00 2d 00 02 01 01 00 1c 00 02 40 01";

    const RFC8448_SERVER_HELLO: &str = "02 00 00 56 03 03 a6 af 06 a4 12 18 60 dc 5e 6e 60 24 9c d3 4c 95 93 0c 8a c5 cb 14 34 da c1 55 77 2e d3 e2 69 28 00 13 01 00 00 2e 00 33 00 24 00 1d 00 20 c9 82 88 76 11 20 95 fe 66 76 2b db f7 c6 72 e1 56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f 00 2b 00 02 03 04";

    const RFC8448_SERVER_HANDSHAKE_RECORD: &str = "17 03 03 02 a2 d1 ff 33 4a 56 f5 bf f6 59 4a 07 cc 87 b5 80 23 3f 50 0f 45 e4 89 e7 f3 3a f3 5e df 78 69 fc f4 0a a4 0a a2 b8 ea 73 f8 48 a7 ca 07 61 2e f9 f9 45 cb 96 0b 40 68 90 51 23 ea 78 b1 11 b4 29 ba 91 91 cd 05 d2 a3 89 28 0f 52 61 34 aa dc 7f c7 8c 4b 72 9d f8 28 b5 ec f7 b1 3b d9 ae fb 0e 57 f2 71 58 5b 8e a9 bb 35 5c 7c 79 02 07 16 cf b9 b1 18 3e f3 ab 20 e3 7d 57 a6 b9 d7 47 76 09 ae e6 e1 22 a4 cf 51 42 73 25 25 0c 7d 0e 50 92 89 44 4c 9b 3a 64 8f 1d 71 03 5d 2e d6 5b 0e 3c dd 0c ba e8 bf 2d 0b 22 78 12 cb b3 60 98 72 55 cc 74 41 10 c4 53 ba a4 fc d6 10 92 8d 80 98 10 e4 b7 ed 1a 8f d9 91 f0 6a a6 24 82 04 79 7e 36 a6 a7 3b 70 a2 55 9c 09 ea d6 86 94 5b a2 46 ab 66 e5 ed d8 04 4b 4c 6d e3 fc f2 a8 94 41 ac 66 27 2f d8 fb 33 0e f8 19 05 79 b3 68 45 96 c9 60 bd 59 6e ea 52 0a 56 a8 d6 50 f5 63 aa d2 74 09 96 0d ca 63 d3 e6 88 61 1e a5 e2 2f 44 15 cf 95 38 d5 1a 20 0c 27 03 42 72 96 8a 26 4e d6 54 0c 84 83 8d 89 f7 2c 24 46 1a ad 6d 26 f5 9e ca ba 9a cb bb 31 7b 66 d9 02 f4 f2 92 a3 6a c1 b6 39 c6 37 ce 34 31 17 b6 59 62 22 45 31 7b 49 ee da 0c 62 58 f1 00 d7 d9 61 ff b1 38 64 7e 92 ea 33 0f ae ea 6d fa 31 c7 a8 4d c3 bd 7e 1b 7a 6c 71 78 af 36 87 90 18 e3 f2 52 10 7f 24 3d 24 3d c7 33 9d 56 84 c8 b0 37 8b f3 02 44 da 8c 87 c8 43 f5 e5 6e b4 c5 e8 28 0a 2b 48 05 2c f9 3b 16 49 9a 66 db 7c ca 71 e4 59 94 26 f7 d4 61 e6 6f 99 88 2b d8 9f c5 08 00 be cc a6 2d 6c 74 11 6d bd 29 72 fd a1 fa 80 f8 5d f8 81 ed be 5a 37 66 89 36 b3 35 58 3b 59 91 86 dc 5c 69 18 a3 96 fa 48 a1 81 d6 b6 fa 4f 9d 62 d5 13 af bb 99 2f 2b 99 2f 67 f8 af e6 7f 76 91 3f a3 88 cb 56 30 c8 ca 01 e0 c6 5d 11 c6 6a 1e 2a c4 c8 59 77 b7 c7 a6 99 9b bf 10 dc 35 ae 69 f5 51 56 14 63 6c 0b 9b 68 c1 9e d2 e3 1c 0b 3b 66 76 30 38 eb ba 42 f3 b3 8e dc 03 99 f3 a9 f2 3f aa 63 97 8c 31 7f c9 fa 66 a7 3f 60 f0 50 4d e9 3b 5b 84 5e 27 55 92 c1 23 35 ee 34 0b bc 4f dd d5 02 78 40 16 e4 b3 be 7e f0 4d da 49 f4 b4 40 a3 0c b5 d2 af 93 98 28 fd 4a e3 79 4e 44 f9 4d f5 a6 31 ed e4 2c 17 19 bf da bf 02 53 fe 51 75 be 89 8e 75 0e dc 53 37 0d 2b";
}
