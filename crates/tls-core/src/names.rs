//! The names of TLS's numbers, as the IANA registries and RFC 8446 write them.

/// Whether a 16-bit value is one of RFC 8701's GREASE values (0x0a0a, 0x1a1a, ... 0xfafa).
pub(crate) fn is_grease(value: u16) -> bool {
    let [high, low] = value.to_be_bytes();
    high == low && low & 0x0f == 0x0a
}

/// A cipher suite by name, GREASE as such, else its number.
pub(crate) fn cipher_suite(code: u16) -> String {
    let name = match code {
        0x1301 => "TLS_AES_128_GCM_SHA256",
        0x1302 => "TLS_AES_256_GCM_SHA384",
        0x1303 => "TLS_CHACHA20_POLY1305_SHA256",
        0x1304 => "TLS_AES_128_CCM_SHA256",
        0x1305 => "TLS_AES_128_CCM_8_SHA256",
        0xc02b => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        0xc02c => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        0xc02f => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        0xc030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        0xcca8 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xcca9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        0xc013 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        0xc014 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        0xc009 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        0xc00a => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        0x009c => "TLS_RSA_WITH_AES_128_GCM_SHA256",
        0x009d => "TLS_RSA_WITH_AES_256_GCM_SHA384",
        0x002f => "TLS_RSA_WITH_AES_128_CBC_SHA",
        0x0035 => "TLS_RSA_WITH_AES_256_CBC_SHA",
        0x003c => "TLS_RSA_WITH_AES_128_CBC_SHA256",
        0x003d => "TLS_RSA_WITH_AES_256_CBC_SHA256",
        0x000a => "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        0x0033 => "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
        0x0039 => "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
        0x0067 => "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
        0x006b => "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
        0x009e => "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
        0x009f => "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
        0xccaa => "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xc023 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        0xc024 => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        0xc027 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        0xc028 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
        0xc0ac => "TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
        0xc0ad => "TLS_ECDHE_ECDSA_WITH_AES_256_CCM",
        0x5600 => "TLS_FALLBACK_SCSV",
        0x00ff => "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
        // The rest of the IANA registry, as rustls names it.
        _ => {
            return rustls::CipherSuite::from(code)
                .as_str()
                .map_or_else(|| other(code), str::to_owned);
        }
    };
    name.to_owned()
}

/// A named group (supported_groups, key_share), GREASE as such, else its number.
pub(crate) fn group(code: u16) -> String {
    let name = match code {
        0x0017 => "secp256r1",
        0x0018 => "secp384r1",
        0x0019 => "secp521r1",
        0x001d => "X25519",
        0x001e => "X448",
        0x0100 => "ffdhe2048",
        0x0101 => "ffdhe3072",
        0x0102 => "ffdhe4096",
        0x0103 => "ffdhe6144",
        0x0104 => "ffdhe8192",
        0x001a => "brainpoolP256r1",
        0x001b => "brainpoolP384r1",
        0x001c => "brainpoolP512r1",
        0x001f => "brainpoolP256r1tls13",
        0x0020 => "brainpoolP384r1tls13",
        0x0021 => "brainpoolP512r1tls13",
        0x0200 => "MLKEM512",
        0x0201 => "MLKEM768",
        0x0202 => "MLKEM1024",
        0x11eb => "SecP256r1MLKEM768",
        0x11ec => "X25519MLKEM768",
        0x11ed => "SecP384r1MLKEM1024",
        0x6399 => "X25519Kyber768Draft00",
        _ => return other(code),
    };
    name.to_owned()
}

/// A signature scheme, GREASE as such, else its number.
pub(crate) fn signature_scheme(code: u16) -> String {
    let name = match code {
        0x0401 => "rsa_pkcs1_sha256",
        0x0501 => "rsa_pkcs1_sha384",
        0x0601 => "rsa_pkcs1_sha512",
        0x0201 => "rsa_pkcs1_sha1",
        0x0403 => "ecdsa_secp256r1_sha256",
        0x0503 => "ecdsa_secp384r1_sha384",
        0x0603 => "ecdsa_secp521r1_sha512",
        0x0203 => "ecdsa_sha1",
        0x0202 => "dsa_sha1 (legacy)",
        // TLS 1.2's (hash, signature) pairs with SHA-224 and DSA, which RFC 8446 left unnamed.
        0x0301 => "rsa_pkcs1_sha224 (legacy)",
        0x0302 => "dsa_sha224 (legacy)",
        0x0303 => "ecdsa_sha224 (legacy)",
        0x0402 => "dsa_sha256 (legacy)",
        0x0502 => "dsa_sha384 (legacy)",
        0x0602 => "dsa_sha512 (legacy)",
        0x081a => "ecdsa_brainpoolP256r1tls13_sha256",
        0x081b => "ecdsa_brainpoolP384r1tls13_sha384",
        0x081c => "ecdsa_brainpoolP512r1tls13_sha512",
        0x0804 => "rsa_pss_rsae_sha256",
        0x0805 => "rsa_pss_rsae_sha384",
        0x0806 => "rsa_pss_rsae_sha512",
        0x0807 => "ed25519",
        0x0808 => "ed448",
        0x0809 => "rsa_pss_pss_sha256",
        0x080a => "rsa_pss_pss_sha384",
        0x080b => "rsa_pss_pss_sha512",
        0x0904 => "mldsa44",
        0x0905 => "mldsa65",
        0x0906 => "mldsa87",
        _ => return other(code),
    };
    name.to_owned()
}

/// An extension by its RFC name, GREASE as such, else its number.
pub(crate) fn extension(code: u16) -> String {
    let name = match code {
        0 => "server_name",
        1 => "max_fragment_length",
        5 => "status_request",
        10 => "supported_groups",
        11 => "ec_point_formats",
        13 => "signature_algorithms",
        14 => "use_srtp",
        15 => "heartbeat",
        16 => "application_layer_protocol_negotiation",
        18 => "signed_certificate_timestamp",
        21 => "padding",
        22 => "encrypt_then_mac",
        23 => "extended_master_secret",
        27 => "compress_certificate",
        28 => "record_size_limit",
        34 => "delegated_credential",
        35 => "session_ticket",
        41 => "pre_shared_key",
        42 => "early_data",
        43 => "supported_versions",
        44 => "cookie",
        45 => "psk_key_exchange_modes",
        47 => "certificate_authorities",
        48 => "oid_filters",
        49 => "post_handshake_auth",
        50 => "signature_algorithms_cert",
        51 => "key_share",
        57 => "quic_transport_parameters",
        17513 => "application_settings",
        17613 => "application_settings",
        65037 => "encrypted_client_hello",
        65281 => "renegotiation_info",
        _ => return other(code),
    };
    name.to_owned()
}

/// A protocol version as TLS writes it.
pub(crate) fn version(code: u16) -> String {
    let name = match code {
        0x0300 => "SSLv3",
        0x0301 => "TLSv1.0",
        0x0302 => "TLSv1.1",
        0x0303 => "TLSv1.2",
        0x0304 => "TLSv1.3",
        _ => return other(code),
    };
    name.to_owned()
}

/// A handshake message type as RFC 8446 names it (`client_hello`, ...).
pub(crate) fn handshake_type(code: u8) -> String {
    let name = match code {
        0 => "hello_request",
        1 => "client_hello",
        2 => "server_hello",
        4 => "new_session_ticket",
        5 => "end_of_early_data",
        8 => "encrypted_extensions",
        11 => "certificate",
        12 => "server_key_exchange",
        13 => "certificate_request",
        14 => "server_hello_done",
        15 => "certificate_verify",
        16 => "client_key_exchange",
        20 => "finished",
        24 => "key_update",
        25 => "compressed_certificate",
        254 => "message_hash",
        _ => return format!("handshake type {code}"),
    };
    name.to_owned()
}

/// A record's content type.
pub(crate) fn content_type(code: u8) -> String {
    let name = match code {
        20 => "change_cipher_spec",
        21 => "alert",
        22 => "handshake",
        23 => "application_data",
        24 => "heartbeat",
        _ => return format!("content type {code}"),
    };
    name.to_owned()
}

/// An alert's description.
pub(crate) fn alert(code: u8) -> String {
    let name = match code {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        22 => "record_overflow",
        40 => "handshake_failure",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        100 => "no_renegotiation",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        113 => "bad_certificate_status_response",
        115 => "unknown_psk_identity",
        116 => "certificate_required",
        120 => "no_application_protocol",
        _ => return code.to_string(),
    };
    name.to_owned()
}

fn other(code: u16) -> String {
    if is_grease(code) {
        format!("GREASE (0x{code:04x})")
    } else {
        format!("0x{code:04x}")
    }
}

/// A TLS number as the registries name it, for JSON and text: [`Named::name`].
pub trait Named {
    /// Its name (`TLSv1.3`, `TLS_AES_128_GCM_SHA256`, `X25519MLKEM768`, `handshake`, ...), GREASE as
    /// such, else its number.
    fn name(&self) -> String;
}

impl Named for rustls::ProtocolVersion {
    fn name(&self) -> String {
        version(u16::from(*self))
    }
}

impl Named for rustls::CipherSuite {
    fn name(&self) -> String {
        cipher_suite(u16::from(*self))
    }
}

impl Named for rustls::NamedGroup {
    fn name(&self) -> String {
        group(u16::from(*self))
    }
}

impl Named for rustls::ContentType {
    fn name(&self) -> String {
        content_type(u8::from(*self))
    }
}

impl Named for rustls::SignatureScheme {
    fn name(&self) -> String {
        signature_scheme(u16::from(*self))
    }
}

impl Named for rustls::AlertDescription {
    fn name(&self) -> String {
        alert(u8::from(*self))
    }
}

impl Named for rustls::HandshakeType {
    fn name(&self) -> String {
        handshake_type(u8::from(*self))
    }
}

/// A rustls or webpki error value's name as words, for the rare ones nothing else explains:
/// `MissingData("Random")` is `missing data (random)`, `SelectedUnofferedCipherSuite` is `selected
/// unoffered cipher suite`; fields in braces are left out.
pub(crate) fn words(debug: &str) -> String {
    let head = debug.split('{').next().unwrap_or(debug).trim();
    let mut out = String::with_capacity(head.len() + 8);
    let mut previous: Option<char> = None;
    for c in head.chars().filter(|c| *c != '"') {
        match c {
            '(' => out.push_str(" ("),
            c if c.is_ascii_uppercase() => {
                if previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit()) {
                    out.push(' ');
                }
                out.push(c.to_ascii_lowercase());
            }
            c => out.push(c),
        }
        previous = Some(c);
    }
    out
}
