"""The lab's echo server as it was written: blocking sockets, one client at a time.

usage: lab_blocking.py CERT KEY        (listens on 127.0.0.1, port from the OS, printed)
Echoes every byte until the client closes; the next client waits its turn.
"""

import socket
import ssl
import sys


def main() -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[1], sys.argv[2])
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        print(f"listening on 127.0.0.1:{listener.getsockname()[1]}", flush=True)
        while True:
            conn, _ = listener.accept()
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    while data := tls.recv(65536):
                        tls.sendall(data)
            except (OSError, ssl.SSLError):
                pass


if __name__ == "__main__":
    main()
