package dev.tproxy.console.internal;

import dev.tproxy.console.internal.protocol.Frame;
import dev.tproxy.console.internal.protocol.FrameCodec;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.service.log.Logger;

/**
 * An owner-only Unix-domain socket server: one acceptor thread, one thread per connection (an administrator's
 * console sees a handful of connections, so threads are simpler than a selector here).
 */
final class ConsoleServer implements AutoCloseable {
    static final int MAX_CONNECTIONS = 16;

    /** Serves one accepted connection until it ends; the server closes the channel afterwards. */
    interface Handler {
        void serve(SocketChannel channel, int id) throws IOException;
    }

    private final Path path;
    private final ServerSocketChannel server;
    private final Object fileKey;
    private final Handler handler;
    private final Logger log;
    private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger ids = new AtomicInteger();
    private final Thread acceptor;
    private volatile boolean closed;

    private ConsoleServer(Path path, ServerSocketChannel server, Handler handler, Logger log) throws IOException {
        this.path = path;
        this.server = server;
        this.fileKey = SocketFiles.fileKey(path);
        this.handler = handler;
        this.log = log;
        this.acceptor = new Thread(this::acceptLoop, "tproxy-console-acceptor");
        this.acceptor.setDaemon(true);
    }

    static ConsoleServer open(Path path, Handler handler, Logger log) throws IOException {
        Path socket = path.toAbsolutePath();
        if (SocketFiles.prepareDirectory(socket.getParent())) {
            log.warn("console: {} was accessible to group or others; now 0700", socket.getParent());
        }
        if (SocketFiles.removeStale(socket)) {
            log.info("console: removed stale socket {}", socket);
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        boolean bound = false;
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
            bound = true;
            SocketFiles.restrictToOwner(socket);
            ConsoleServer console = new ConsoleServer(socket, server, handler, log);
            console.acceptor.start();
            return console;
        } catch (IOException | RuntimeException e) {
            server.close();
            if (bound) {
                Files.deleteIfExists(socket);
            }
            throw e;
        }
    }

    Path path() {
        return path;
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    log.error("console: accept on {} failed: {}", path, e.toString());
                }
                return;
            }
            int id = ids.incrementAndGet();
            if (connections.size() >= MAX_CONNECTIONS) {
                refuse(channel, id);
                continue;
            }
            connections.add(channel);
            Thread thread = new Thread(() -> serve(channel, id), "tproxy-console-" + id);
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void serve(SocketChannel channel, int id) {
        try (channel) {
            log.debug("console: session {} opened", id);
            handler.serve(channel, id);
        } catch (IOException e) {
            if (!closed) {
                log.debug("console: session {} ended: {}", id, e.toString());
            }
        } catch (RuntimeException e) {
            log.error("console: session {} failed", id, e);
        } finally {
            connections.remove(channel);
            log.debug("console: session {} closed", id);
        }
    }

    private void refuse(SocketChannel channel, int id) {
        log.warn("console: refused session {}: already {} sessions", id, MAX_CONNECTIONS);
        try (channel) {
            OutputStream out = Channels.newOutputStream(channel);
            FrameCodec.write(out, Frame.err("too many console sessions (" + MAX_CONNECTIONS + ")\n"));
            FrameCodec.write(out, Frame.status(1));
        } catch (IOException ignored) {
            // the client is gone already
        }
    }

    /**
     * Deletes the socket, then stops accepting and disconnects every session (a running command finishes on its
     * own). In that order a runtime taking over the path (bin/restart) never finds a node that no longer answers
     * and is not yet deleted: it finds either a live console or no node.
     */
    @Override
    public void close() {
        closed = true;
        try {
            SocketFiles.deleteIfSame(path, fileKey);
        } catch (IOException e) {
            log.warn("console: cannot delete {}: {}", path, e.toString());
        }
        try {
            server.close();
        } catch (IOException e) {
            log.warn("console: closing {} failed: {}", path, e.toString());
        }
        for (SocketChannel channel : connections) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        try {
            acceptor.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
