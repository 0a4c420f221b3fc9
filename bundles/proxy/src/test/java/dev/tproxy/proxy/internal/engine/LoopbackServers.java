package dev.tproxy.proxy.internal.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/** Servers on loopback for engine tests, each behaving one way with every connection, on a thread of its own. */
final class LoopbackServers implements AutoCloseable {
    private final List<ServerSocket> servers = new ArrayList<>();
    private final List<Socket> held = new ArrayList<>();

    /** What a server does with one accepted connection. */
    interface Behaviour {
        void serve(Socket socket) throws IOException;
    }

    /** Echoes until the client's end of stream, then closes. */
    static final Behaviour ECHO = socket -> {
        socket.getInputStream().transferTo(socket.getOutputStream());
        socket.close();
    };

    /** Reads until the client's end of stream, then answers how many bytes it got, then closes. */
    static final Behaviour COUNT_THEN_ANSWER = socket -> {
        long count = socket.getInputStream().transferTo(OutputStream.nullOutputStream());
        socket.getOutputStream().write(("got " + count).getBytes());
        socket.close();
    };

    /** Reads until the client's end of stream, then keeps the connection open, silent (its own half never ends). */
    final Behaviour readThenHold = socket -> {
        socket.getInputStream().readAllBytes();
        synchronized (held) {
            held.add(socket);
        }
    };

    /** Reads one byte, then resets the connection. */
    static final Behaviour RESET_AFTER_ONE_BYTE = socket -> {
        socket.getInputStream().read();
        socket.setSoLinger(true, 0);
        socket.close();
    };

    /** Reads the client's one-byte request, sends {@code bytes} of a known pattern ({@link #pattern}), then closes. */
    static Behaviour push(int bytes) {
        return socket -> {
            socket.getInputStream().read();
            OutputStream out = socket.getOutputStream();
            byte[] chunk = new byte[65536];
            for (int sent = 0; sent < bytes; ) {
                int n = Math.min(chunk.length, bytes - sent);
                for (int i = 0; i < n; i++) {
                    chunk[i] = pattern(sent + i);
                }
                out.write(chunk, 0, n);
                sent += n;
            }
            socket.close();
        };
    }

    /** Holds the connection open without reading or writing until the servers close. */
    final Behaviour hold = socket -> {
        synchronized (held) {
            held.add(socket);
        }
    };

    static byte pattern(long offset) {
        return (byte) (offset * 31 + (offset >>> 11));
    }

    /** Starts a server with {@code behaviour}; returns its address. */
    InetSocketAddress start(Behaviour behaviour) {
        try {
            ServerSocket server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
            servers.add(server);
            Thread thread = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket socket = server.accept();
                        Thread connection = new Thread(() -> {
                            try {
                                behaviour.serve(socket);
                            } catch (IOException e) {
                                // The test decides what a failure means.
                            }
                        }, "loopback-server-connection");
                        connection.setDaemon(true);
                        connection.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "loopback-server");
            thread.setDaemon(true);
            thread.start();
            return (InetSocketAddress) server.getLocalSocketAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A loopback address where nothing listens: connecting is refused. */
    InetSocketAddress closedPort() {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return (InetSocketAddress) probe.getLocalSocketAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A loopback server that never accepts and whose accept queue is full: the kernel drops further SYNs, so a
     * connect to it stays in progress until it times out.
     */
    InetSocketAddress blackHole() {
        try {
            ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            servers.add(server);
            for (int i = 0; i < 3; i++) {
                Socket filler = new Socket();
                try {
                    filler.connect(server.getLocalSocketAddress(), 200);
                    held.add(filler);
                } catch (IOException e) {
                    filler.close();
                    break;
                }
            }
            return (InetSocketAddress) server.getLocalSocketAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] readAll(InputStream in) throws IOException {
        return in.readAllBytes();
    }

    @Override
    public void close() throws IOException {
        for (ServerSocket server : servers) {
            server.close();
        }
        synchronized (held) {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }
}
