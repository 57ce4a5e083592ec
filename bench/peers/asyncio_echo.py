"""The lab's echo server done right in Python: asyncio + ssl, every client served at once.

usage: asyncio_echo.py CERT KEY        (listens on 127.0.0.1, port from the OS, printed)
Echoes every byte until the client closes; used by bench/compare as the Python baseline.
"""

import asyncio
import ssl
import sys


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


async def main() -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[1], sys.argv[2])
    server = await asyncio.start_server(echo, "127.0.0.1", 0, ssl=context, backlog=4096)
    print(f"listening on 127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
