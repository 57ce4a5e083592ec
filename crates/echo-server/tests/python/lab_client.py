"""The lab's Python TLS client, used as a real peer: verify the server against a CA file, send a message,
print its echo on stdout and the TLS version on stderr.

usage: lab_client.py HOST PORT CAFILE MESSAGE [--no-close-notify] [--cert FILE --key FILE]

With --no-close-notify the socket is closed without SSL shutdown, as a plain `close()` in Python does:
the server must take that as a normal end of the session.
"""

import socket
import ssl
import sys


def main() -> int:
    host, port, cafile, message = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4].encode()
    context = ssl.create_default_context(cafile=cafile)
    if "--cert" in sys.argv:
        context.load_cert_chain(sys.argv[sys.argv.index("--cert") + 1], sys.argv[sys.argv.index("--key") + 1])
    with socket.create_connection((host, port), timeout=10) as raw:
        tls = context.wrap_socket(raw, server_hostname=host)
        print(tls.version(), file=sys.stderr, flush=True)
        tls.sendall(message)
        echoed = b""
        while len(echoed) < len(message):
            chunk = tls.recv(4096)
            if not chunk:
                break
            echoed += chunk
        print(echoed.decode(errors="replace"), flush=True)
        if "--no-close-notify" in sys.argv:
            tls.close()
        else:
            tls.unwrap()
    return 0 if echoed == message else 1


if __name__ == "__main__":
    sys.exit(main())
