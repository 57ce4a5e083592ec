"""The lab's Python TLS echo server, used as a real peer for echo-client: serves one connection on
127.0.0.1 with a port from the OS, printed as "listening on 127.0.0.1:PORT".

usage: lab_server.py CERT KEY [echo|linger|hold|reset|truncate|plain|bad-hello]

echo      TLS, echo everything until the client closes, then close_notify (Python's unwrap)
linger    as echo, then keep the TCP connection open (no FIN) for 30 s, as a stalled peer would
hold      TLS, echo the first read, then neither read nor close for 30 s
reset     TLS, echo the first read, then reset the connection (RST: SO_LINGER with a zero timeout)
truncate  TLS, echo only the first 3 bytes, then close the TCP connection without close_notify
plain     no TLS at all: answer like a plain HTTP server would
bad-hello a well-formed TLS record holding a ServerHello cut short: a broken TLS server
"""

import socket
import ssl
import struct
import sys
import time


def main() -> int:
    cert, key = sys.argv[1], sys.argv[2]
    mode = sys.argv[3] if len(sys.argv) > 3 else "echo"
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        print(f"listening on 127.0.0.1:{listener.getsockname()[1]}", flush=True)
        conn, _ = listener.accept()
        conn.settimeout(10)
        if mode == "plain":
            conn.recv(4096)
            conn.sendall(b"HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            conn.close()
            return 0
        if mode == "bad-hello":
            conn.recv(4096)
            # Record: handshake, TLS 1.2, 6 bytes; message: server_hello of 2 bytes (0x0303, no random).
            conn.sendall(bytes.fromhex("16030300060200000203 03".replace(" ", "")))
            conn.recv(4096)
            conn.close()
            return 0
        tls = context.wrap_socket(conn, server_side=True)
        data = tls.recv(4096)
        if mode == "truncate":
            tls.sendall(data[:3])
            tls.close()
            return 0
        if mode == "hold":
            tls.sendall(data)
            time.sleep(30)
            return 0
        if mode == "reset":
            tls.sendall(data)
            tls.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            tls.close()
            return 0
        while data:
            tls.sendall(data)
            data = tls.recv(4096)
        raw = tls.unwrap()
        if mode == "linger":
            time.sleep(30)
        raw.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
