"""The streams of itests/bench/pause.

  pause_streams.py echo PORT             an echo server (run in the server's namespace)
  pause_streams.py streams N HOST PORT   N connections, each sending 256 random bytes every 10 ms and checking the
                                         echo; reads commands on stdin: "reset" starts a window, "report NAME"
                                         prints the longest silence any stream saw since the last reset
"""
import asyncio
import os
import sys
import time


async def echo(port):
    async def serve(reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        writer.close()

    server = await asyncio.start_server(serve, "0.0.0.0", port, backlog=1024)
    await server.serve_forever()


async def streams(count, host, port):
    longest = {}
    last = {}
    wrong = [0]

    async def stream(i):
        reader, writer = await asyncio.open_connection(host, port)
        payload = os.urandom(256)
        last[i] = time.monotonic()
        while True:
            writer.write(payload)
            await writer.drain()
            if await reader.readexactly(len(payload)) != payload:
                wrong[0] += 1
            now = time.monotonic()
            longest[i] = max(longest.get(i, 0.0), now - last[i])
            last[i] = now
            await asyncio.sleep(0.01)

    tasks = [asyncio.create_task(stream(i)) for i in range(count)]
    loop = asyncio.get_running_loop()
    commands = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(commands), sys.stdin)
    while line := (await commands.readline()).decode().strip():
        if line == "reset":
            longest.clear()
            wrong[0] = 0
        elif line.startswith("report "):
            broken = sum(1 for t in tasks if t.done())
            now = time.monotonic()
            # a stream still waiting for its echo counts with the silence so far
            silence = max([*longest.values(), *(now - t for t in last.values())], default=0.0) * 1000
            print(f"{line[7:]}: longest silence {silence:.0f} ms, wrong echoes {wrong[0]}, broken streams {broken}",
                  flush=True)
    for task in tasks:
        task.cancel()


if __name__ == "__main__":
    if sys.argv[1] == "echo":
        asyncio.run(echo(int(sys.argv[2])))
    else:
        asyncio.run(streams(int(sys.argv[2]), sys.argv[3], int(sys.argv[4])))
