"""What Python's ssl says to each gallery exhibit: one line of JSON, {name: result}.

usage: gallery_client.py PORT CAFILE NAME...

Each NAME is asked for as NAME.localhost on 127.0.0.1:PORT, trusting CAFILE; the session sends one
HTTP request and reads the first bytes of the answer. The result is "ok", or the error's reason with,
for a certificate, OpenSSL's verify message (as the gallery's index writes them).
"""

import json
import socket
import ssl
import sys


def said(port: int, cafile: str, name: str) -> str:
    context = ssl.create_default_context(cafile=cafile)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=15) as raw:
            with context.wrap_socket(raw, server_hostname=f"{name}.localhost") as tls:
                tls.sendall(b"GET / HTTP/1.0\r\nHost: " + name.encode() + b".localhost\r\n\r\n")
                tls.recv(64)
        return "ok"
    except ssl.SSLCertVerificationError as err:
        return f"{err.reason}: {err.verify_message}"
    except ssl.SSLError as err:
        return err.reason or str(err)
    except OSError as err:
        return f"{type(err).__name__}: {err}"


def main() -> int:
    port, cafile, names = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    print(json.dumps({name: said(port, cafile, name) for name in names}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
