//! What each exhibit is, and what each client says to it: the index's table, and what the tests
//! assert.

use serde::Serialize;

/// One exhibit.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Exhibit {
    /// Its name: it is served at `NAME.localhost`.
    pub name: &'static str,
    /// Whether this server can serve it (when not, `what` says why and what to do instead).
    pub served: bool,
    /// What is wrong on purpose, and why a client minds.
    pub what: &'static str,
    /// What the clients say to it, trusting the gallery's CA; `None` when it is not served.
    pub expect: Option<Expect>,
}

/// What four clients say to an exhibit, each trusting the gallery's CA and asking for the exhibit's
/// name: as measured here (curl 7.88 and Python 3.11 on OpenSSL 3.0, Chromium 156).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Expect {
    /// `curl --cacert ca.pem [flags] https://NAME.localhost:PORT/`: its exit code.
    pub curl: Curl,
    /// Python's `ssl` (`create_default_context(cafile=...)`, `server_hostname=NAME.localhost`): `ok`,
    /// or the error's reason and, for a certificate, OpenSSL's verify message.
    pub python: &'static str,
    /// `openssl s_client -verify_hostname NAME.localhost -CAfile ca.pem`: the verify return code and
    /// its text, or `no handshake` when the handshake failed before a certificate was checked.
    pub openssl: &'static str,
    /// Headless Chromium with the CA in its NSS database: `OK`, or the net error it shows.
    pub chromium: &'static str,
}

/// curl's command line for an exhibit and its exit code.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Curl {
    /// Flags besides `--cacert` (such as `--cert-status`).
    pub flags: &'static [&'static str],
    /// Its exit code: 0 fine, 35 a handshake failure, 60 a certificate refused, 91 a bad OCSP status.
    pub exit: i32,
}

const fn curl(exit: i32) -> Curl {
    Curl { flags: &[], exit }
}

const fn served(name: &'static str, what: &'static str, expect: Expect) -> Exhibit {
    Exhibit {
        name,
        served: true,
        what,
        expect: Some(expect),
    }
}

/// curl reading the stapled OCSP status, and refusing what it says (or that there is none).
const CERT_STATUS_REFUSED: Curl = Curl {
    flags: &["--cert-status"],
    exit: 91,
};

const OK: Expect = Expect {
    curl: curl(0),
    python: "ok",
    openssl: "0 (ok)",
    chromium: "OK",
};

/// Every exhibit, in the index's order.
pub const CATALOGUE: &[Exhibit] = &[
    served(
        "good",
        "Nothing is wrong: the certificate names this host, is within its dates and chains to the gallery's CA. Compare every other exhibit with this one.",
        OK,
    ),
    served(
        "expired",
        "The certificate's validity ended two days ago. Every client refuses it, however right the rest is: the fix is a new certificate, never a changed clock.",
        Expect {
            curl: curl(60),
            python: "CERTIFICATE_VERIFY_FAILED: certificate has expired",
            openssl: "10 (certificate has expired)",
            chromium: "ERR_CERT_DATE_INVALID",
        },
    ),
    served(
        "not-yet-valid",
        "The certificate becomes valid 30 days after the server started. Seen in the wild, it usually means a clock is wrong on one side.",
        Expect {
            curl: curl(60),
            python: "CERTIFICATE_VERIFY_FAILED: certificate is not yet valid",
            openssl: "9 (certificate is not yet valid)",
            chromium: "ERR_CERT_DATE_INVALID",
        },
    ),
    served(
        "wrong-host",
        "The certificate names wrong.example only, not the host asked for. It may be genuine, but it is somebody else's.",
        Expect {
            curl: curl(60),
            python: "CERTIFICATE_VERIFY_FAILED: Hostname mismatch, certificate is not valid for 'wrong-host.localhost'.",
            openssl: "62 (hostname mismatch)",
            chromium: "ERR_CERT_COMMON_NAME_INVALID",
        },
    ),
    served(
        "self-signed",
        "The certificate signed itself: no CA vouches for it. Trust it only by pinning its key, after checking its fingerprint another way.",
        Expect {
            curl: curl(60),
            python: "CERTIFICATE_VERIFY_FAILED: self-signed certificate",
            openssl: "18 (self-signed certificate)",
            chromium: "ERR_CERT_AUTHORITY_INVALID",
        },
    ),
    served(
        "untrusted-root",
        "The chain ends at a root CA nobody was told to trust. Anyone can make a root, so an unknown one proves nothing.",
        Expect {
            curl: curl(60),
            python: "CERTIFICATE_VERIFY_FAILED: self-signed certificate in certificate chain",
            openssl: "19 (self-signed certificate in certificate chain)",
            chromium: "ERR_CERT_AUTHORITY_INVALID",
        },
    ),
    served(
        "incomplete-chain",
        "The certificate is signed by an intermediate CA the server does not send, so clients cannot link it to the root they trust. Browsers that have met the intermediate before, or fetch it (AIA), pass: the bug hides until a fresh client comes.",
        Expect {
            curl: curl(60),
            python: "CERTIFICATE_VERIFY_FAILED: unable to get local issuer certificate",
            openssl: "21 (unable to verify the first certificate)",
            chromium: "ERR_CERT_AUTHORITY_INVALID",
        },
    ),
    served(
        "reversed-chain",
        "The two intermediates are sent top first, not in the order TLS 1.2 asks (each certificate followed by its issuer). Clients put the chain together themselves, so all of them pass.",
        OK,
    ),
    served(
        "no-san",
        "The certificate names its host in the common name only, with no subject alternative name. Browsers ignore the common name since 2017 (RFC 6125); OpenSSL, and so curl and Python, still read it.",
        Expect {
            curl: curl(0),
            python: "ok",
            openssl: "0 (ok)",
            chromium: "ERR_CERT_COMMON_NAME_INVALID",
        },
    ),
    served(
        "no-common-name",
        "The certificate's subject has no common name; its host is in the subject alternative name, where clients look: valid everywhere.",
        OK,
    ),
    served(
        "ca-as-leaf",
        "The server presents a CA certificate (CA:TRUE) as its own. rustls clients refuse it; OpenSSL and Chromium let it through.",
        OK,
    ),
    served(
        "client-auth-only-eku",
        "The certificate's extended key usage allows client authentication only, not serverAuth: it was made for the other end of a connection.",
        Expect {
            curl: curl(60),
            python: "CERTIFICATE_VERIFY_FAILED: unsuitable certificate purpose",
            openssl: "26 (unsuitable certificate purpose)",
            chromium: "ERR_CERT_INVALID",
        },
    ),
    Exhibit {
        name: "sha1-signature",
        served: false,
        what: "Not served. The library that signs here (aws-lc-rs through rcgen) signs with SHA-256 and up only, so a SHA-1 signature cannot be made, and a certificate made elsewhere would not chain to this gallery's CA. What clients say to one (made with openssl and served by openssl s_server here): OpenSSL 3 at its default security level refuses it, verify code 68 (CA signature digest algorithm too weak); rustls (tls-cert verify) refuses a SHA-1 signature as unsupported.",
        expect: None,
    },
    Exhibit {
        name: "rsa1024",
        served: false,
        what: "Not served. aws-lc-rs makes RSA keys of 2048 bits and up only, and rustls will not sign a handshake with a smaller one. What clients say to one (made with openssl and served by openssl s_server here): OpenSSL 3 at its default security level refuses the key, verify code 66 (EE certificate key too weak).",
        expect: None,
    },
    served(
        "rsa2048",
        "A 2048-bit RSA key, the smallest clients still take: valid everywhere.",
        OK,
    ),
    served(
        "rsa4096",
        "A 4096-bit RSA key: valid, and slower to sign with than ECDSA (every handshake pays). Compare the handshake times with good, which has an ECDSA P-256 key.",
        OK,
    ),
    served("ecdsa-p384", "An ECDSA key on the P-384 curve: valid everywhere.", OK),
    served(
        "ed25519",
        "An Ed25519 key: valid, and OpenSSL speaks it, but browsers do not offer Ed25519 signatures in TLS, so the server has no signature the browser takes and the handshake fails.",
        Expect {
            curl: curl(0),
            python: "ok",
            openssl: "0 (ok)",
            chromium: "ERR_SSL_PROTOCOL_ERROR",
        },
    ),
    served(
        "1000-sans",
        "The certificate names 1000 hosts (about 18 KB): valid, and heavy on every handshake.",
        OK,
    ),
    Exhibit {
        name: "10000-sans",
        served: false,
        what: "Not served: this is where rustls itself gives up. The certificate is made (10000 names, about 190 KB), but rustls will not load it: its certificate parser (webpki) reads DER lengths of two bytes at most, so no certificate over 64 KB. Clients would not take it either: OpenSSL takes at most 100 KB of certificates from a peer by default.",
        expect: None,
    },
    served(
        "revoked",
        "The certificate is revoked (keyCompromise): the server staples an OCSP response that says so, and the CA's CRL is at /revoked.crl (here and on the index). Chromium reads the staple and refuses; curl reads it with --cert-status; Python and openssl s_client check neither by default (openssl s_client -status shows it; with -crl_check -CRL revoked.crl.pem it refuses, verify code 23).",
        Expect {
            curl: CERT_STATUS_REFUSED,
            python: "ok",
            openssl: "0 (ok)",
            chromium: "ERR_CERT_REVOKED",
        },
    ),
    served(
        "must-staple-missing",
        "The certificate demands a stapled OCSP response (TLS Feature, \"must staple\"), and the server sends none. curl refuses it with --cert-status; the other clients here do not mind (Firefox is said to refuse it; there is no Firefox here to check).",
        Expect {
            curl: CERT_STATUS_REFUSED,
            python: "ok",
            openssl: "0 (ok)",
            chromium: "OK",
        },
    ),
    served(
        "name-constraint-violation",
        "The intermediate CA may certify names under example.test only (critical name constraints), and it signed this host's certificate anyway.",
        Expect {
            curl: curl(60),
            python: "CERTIFICATE_VERIFY_FAILED: permitted subtree violation",
            openssl: "47 (permitted subtree violation)",
            chromium: "ERR_CERT_INVALID",
        },
    ),
    served(
        "long-chain",
        "Five intermediate CAs between the root and the certificate, all sent: valid, and every client walks the whole chain.",
        OK,
    ),
    served(
        "tls12-only",
        "The server speaks TLS 1.2 only. Clients fall back to it; curl --tlsv1.3 refuses (exit 35).",
        OK,
    ),
    served(
        "tls13-only",
        "The server speaks TLS 1.3 only. Today's clients connect; one limited to TLS 1.2 (curl --tls-max 1.2) cannot (exit 35).",
        OK,
    ),
    served(
        "pq-only",
        "The server's only key exchange is the post-quantum hybrid X25519MLKEM768. Chromium and echo-client connect; OpenSSL 3.0 (and curl and Python on it) cannot.",
        Expect {
            curl: curl(35),
            python: "SSLV3_ALERT_HANDSHAKE_FAILURE",
            openssl: "no handshake",
            chromium: "OK",
        },
    ),
    served(
        "hrr",
        "The server takes P-384 key exchange only, for which clients send no key share at first: it answers with a HelloRetryRequest, and the handshake takes one round trip more.",
        OK,
    ),
    served(
        "client-cert-required",
        "The server requires a client certificate signed by the gallery's CA. A client without one is refused: in TLS 1.3 after its own handshake is done, so curl fails on its first read (56) and openssl s_client's verify of the server still says ok. A browser asks which certificate to send.",
        Expect {
            curl: curl(56),
            python: "TLSV13_ALERT_CERTIFICATE_REQUIRED",
            openssl: "0 (ok)",
            chromium: "ERR_SSL_CLIENT_AUTH_CERT_NEEDED",
        },
    ),
    served(
        "client-cert-optional",
        "The server asks for a client certificate but lets a client without one in.",
        OK,
    ),
    served(
        "alpn-h2-only",
        "The server agrees to ALPN h2 (HTTP/2) only: a client offering only http/1.1 is refused with no_application_protocol. Its page speaks HTTP/1.1 alone, so a client that gets h2 gets no answer it can read (plain curl: exit 52 or 55, as the close races its request; Chromium: ERR_HTTP2_PROTOCOL_ERROR). Python and openssl offer no ALPN and connect.",
        Expect {
            curl: Curl {
                flags: &["--http1.1"],
                exit: 35,
            },
            python: "ok",
            openssl: "0 (ok)",
            chromium: "ERR_HTTP2_PROTOCOL_ERROR",
        },
    ),
    served(
        "no-alpn",
        "The server takes no part in ALPN: clients fall back to HTTP/1.1.",
        OK,
    ),
    served(
        "slow-handshake",
        "The server waits 3 seconds before it answers the ClientHello. Clients wait; one with a shorter limit gives up (curl --max-time 1, exit 28).",
        OK,
    ),
    Exhibit {
        name: "tls10-tls11",
        served: false,
        what: "Not served: rustls speaks TLS 1.2 and 1.3 only, so this server cannot offer TLS 1.0 or 1.1. To see one, run openssl s_server -tls1 -cipher DEFAULT@SECLEVEL=0 and point tls-scan at it: it reports the old version as a finding.",
        expect: None,
    },
    Exhibit {
        name: "weak-ciphers",
        served: false,
        what: "Not served: rustls has AEAD cipher suites only (AES-GCM, ChaCha20-Poly1305), so no CBC, RC4, 3DES or NULL suite, and no static RSA key exchange, can be offered here.",
        expect: None,
    },
    Exhibit {
        name: "dh-small",
        served: false,
        what: "Not served: the crypto provider here offers no finite-field Diffie-Hellman, so no weak DH group (badssl's dh480, dh1024) can be offered.",
        expect: None,
    },
];
