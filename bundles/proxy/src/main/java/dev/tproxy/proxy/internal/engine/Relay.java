package dev.tproxy.proxy.internal.engine;

import dev.tproxy.proxy.api.ConnectionInfo;
import dev.tproxy.proxy.api.ConnectionState;
import dev.tproxy.proxy.api.DropMode;
import dev.tproxy.proxy.api.UpstreamFailure;
import dev.tproxy.proxy.internal.config.ListenerSettings;
import dev.tproxy.socket.api.EpollEvents;
import dev.tproxy.socket.api.Errno;
import dev.tproxy.socket.api.NativeException;
import dev.tproxy.socket.api.StreamSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;

/**
 * One proxied connection: the client socket, the upstream socket and a {@link Direction} each way. Lives on
 * one event loop from accept to close. Connecting → relaying (→ half-closed one way) → closed; a failure on
 * one side resets the other, so each peer sees what it would have seen without the proxy.
 */
final class Relay implements EventLoop.Handler {
    static final int CLIENT = 0;
    static final int UPSTREAM = 1;
    private static final int SOCKET_EVENTS = EpollEvents.IN | EpollEvents.PRI | EpollEvents.OUT | EpollEvents.RDHUP
            | EpollEvents.EDGE_TRIGGERED;
    private static final int BUDGET = 16;
    private static final int DEFAULT_PIPE_SIZE = 262144;

    final long id;
    final ListenerRuntime listener;
    private final EventLoop loop;
    private final StreamSocket client;
    private final StreamSocket upstream;
    private final InetSocketAddress clientAddress;
    private final InetSocketAddress destination;
    private final Instant started;
    private final long startNanos;
    private final long connectDeadline;
    private final Endings endings;
    private InetSocketAddress upstreamSource;
    private ConnectionState state;
    /** The client's readiness reported while the upstream connect was in progress. */
    private int clientEventsWhileConnecting;
    private Direction fromClient;
    private Direction fromServer;
    private long lastActivity;
    /** Its place in the loop's epoll registrations; none until {@link #start}. */
    private int slot = -1;
    private boolean queued;

    /** A new connection whose upstream connect is in progress. */
    Relay(long id, ListenerRuntime listener, EventLoop loop, StreamSocket client, StreamSocket upstream,
            InetSocketAddress clientAddress, InetSocketAddress destination, Endings endings) {
        this.id = id;
        this.listener = listener;
        this.loop = loop;
        this.client = client;
        this.upstream = upstream;
        this.clientAddress = clientAddress;
        this.destination = destination;
        this.endings = endings;
        this.started = Instant.now();
        this.startNanos = System.nanoTime();
        this.lastActivity = startNanos;
        this.connectDeadline = startNanos + listener.settings().connectTimeout().toNanos();
        this.state = ConnectionState.CONNECTING;
    }

    /** A connection carried over from the previous version, where it stopped (see {@link RelayParking}). */
    Relay(Parts parts, ListenerRuntime listener, EventLoop loop, Endings endings) {
        Facts facts = parts.facts();
        this.id = facts.id();
        this.listener = listener;
        this.loop = loop;
        this.client = parts.client();
        this.upstream = parts.upstream();
        this.clientAddress = facts.client();
        this.destination = facts.destination();
        this.endings = endings;
        this.started = facts.started();
        this.startNanos = facts.startNanos();
        this.lastActivity = facts.lastActivity();
        this.connectDeadline = facts.connectDeadline();
        this.upstreamSource = facts.upstreamSource();
        this.state = facts.state();
        this.fromClient = parts.fromClient();
        this.fromServer = parts.fromServer();
    }

    /**
     * Registers both sockets; the upstream's first writable edge says the connect finished. The client goes first:
     * when both are ready at once, epoll reports them in this order, so the connect finishes knowing whether the
     * client has sent something yet (see {@link #connected}).
     */
    void start() {
        int registered = loop.register(client, SOCKET_EVENTS, this, CLIENT);
        try {
            loop.register(upstream, SOCKET_EVENTS, registered, UPSTREAM);
        } catch (RuntimeException e) {
            loop.unregister(client);
            loop.freeSlot(registered);
            throw e;
        }
        slot = registered;
    }

    @Override
    public void onReady(int side, int events) {
        if (state == ConnectionState.CLOSED) {
            return;
        }
        if (state == ConnectionState.CONNECTING) {
            if (side == UPSTREAM) {
                connectDone(events);
            } else if ((events & (EpollEvents.ERR | EpollEvents.HUP)) != 0) {
                end(Ending.clientGone());
            } else {
                clientEventsWhileConnecting |= events;
            }
            return;
        }
        boolean broken = (events & (EpollEvents.ERR | EpollEvents.HUP | EpollEvents.RDHUP)) != 0;
        boolean readable = broken || (events & (EpollEvents.IN | EpollEvents.PRI)) != 0;
        boolean writable = broken || (events & EpollEvents.OUT) != 0;
        if (readable) {
            (side == CLIENT ? fromClient : fromServer).sourceReadable(events);
        }
        pump(side == CLIENT ? readable : writable, side == CLIENT ? writable : readable);
    }

    /** The upstream socket's first edge: connected, unless it reports an error or a hang-up. */
    private void connectDone(int events) {
        // A connecting socket turns writable only once connected; only an error or hang-up needs SO_ERROR read.
        if ((events & (EpollEvents.ERR | EpollEvents.HUP)) != 0) {
            int error = upstream.socketError();
            failUpstream(error == 0 ? Errno.ECONNREFUSED : error);
        } else {
            connected(true, events);
        }
    }

    /**
     * @param edgesSeen every readable edge since registration reached {@link #onReady}: a side without one has
     *        nothing to read yet (false after a hot update, where edges may have been missed)
     * @param upstreamEvents the upstream socket's readiness at connect
     */
    private void connected(boolean edgesSeen, int upstreamEvents) {
        ListenerSettings settings = listener.settings();
        int pipeSize = settings == null ? DEFAULT_PIPE_SIZE : settings.pipeSize();
        fromClient = Direction.fromClient(client, upstream, loop.transits, pipeSize);
        fromServer = Direction.fromServer(upstream, client, loop.transits, pipeSize);
        state = ConnectionState.RELAYING;
        // The handshake's last ACK waits for the first bytes sent upstream (docs/design.md); with nothing from the
        // client yet (a server that speaks first), it goes now.
        if (!edgesSeen || (clientEventsWhileConnecting & (EpollEvents.IN | EpollEvents.RDHUP)) == 0) {
            upstream.sendPendingAck();
        }
        // Bytes the client sent while we were connecting are waiting in the kernel: no edge will announce them
        // again. A side that had no readable edge yet has nothing to read: reading it would only say EAGAIN.
        if (edgesSeen) {
            readableSoFar(fromClient, clientEventsWhileConnecting);
            readableSoFar(fromServer, upstreamEvents);
        }
        pump(true, true);
    }

    private static void readableSoFar(Direction direction, int events) {
        if ((events & (EpollEvents.IN | EpollEvents.PRI | EpollEvents.RDHUP)) == 0) {
            direction.awaitSourceEdge();
        } else {
            direction.sourceReadable(events);
        }
    }

    /** The sweep: connect timeout, idle timeout. */
    void checkTimers(long now) {
        if (state == ConnectionState.CONNECTING) {
            if (now - connectDeadline > 0) {
                failUpstream(UpstreamFailure.TIMEOUT, "no answer within the connect timeout");
            }
            return;
        }
        ListenerSettings settings = listener.settings();
        if (settings == null) {
            return;
        }
        Duration idle = settings.idleTimeout();
        Duration halfClosed = settings.halfClosedTimeout();
        boolean isHalfClosed = state == ConnectionState.CLIENT_HALF_CLOSED || state == ConnectionState.SERVER_HALF_CLOSED;
        if (isHalfClosed && !halfClosed.isZero() && now - lastActivity > halfClosed.toNanos()) {
            end(Ending.halfClosedTimeout(halfClosed));
        } else if (!idle.isZero() && state != ConnectionState.CLOSED && now - lastActivity > idle.toNanos()) {
            end(Ending.idleTimeout(idle));
        }
    }

    void resume() {
        queued = false;
        if (state != ConnectionState.CLOSED && state != ConnectionState.CONNECTING) {
            pump(true, true);
        }
    }

    /**
     * After a hot update: epoll reports the current readiness of a freshly registered edge-triggered socket, but a
     * connect that completed while parked is checked at once too.
     */
    void resumeAfterUpdate() {
        if (state == ConnectionState.CONNECTING) {
            int error = upstream.socketError();
            if (error != 0) {
                failUpstream(error);
            } else if (isConnected()) {
                connected(false, 0);
            }
        } else {
            resume();
        }
    }

    private boolean isConnected() {
        try {
            upstream.remoteAddress();
            return true;
        } catch (NativeException e) {
            return false;
        }
    }

    private void pump(boolean clientToServer, boolean serverToClient) {
        try {
            long before = fromClient.bytes() + fromServer.bytes();
            boolean more = false;
            if (clientToServer) {
                long sent = fromClient.bytes();
                more |= fromClient.pump(BUDGET, fromServer.finished());
                listener.counters().addFromClient(fromClient.bytes() - sent);
            }
            if (serverToClient) {
                long sent = fromServer.bytes();
                more |= fromServer.pump(BUDGET, fromClient.finished());
                listener.counters().addFromServer(fromServer.bytes() - sent);
            }
            if (fromClient.bytes() + fromServer.bytes() != before) {
                lastActivity = System.nanoTime();
            }
            if (fromClient.finished() && fromServer.finished()) {
                end(Ending.COMPLETED);
                return;
            }
            state = fromClient.finished() ? ConnectionState.CLIENT_HALF_CLOSED
                    : fromServer.finished() ? ConnectionState.SERVER_HALF_CLOSED : ConnectionState.RELAYING;
            if (more && !queued) {
                queued = true;
                loop.again(this);
            }
        } catch (RelayFault fault) {
            end(Ending.socketFailed(fault.side, fault.errno));
        }
    }

    private void failUpstream(int errno) {
        failUpstream(UpstreamFailures.of(errno), Errno.name(errno));
    }

    private void failUpstream(UpstreamFailure failure, String detail) {
        end(Ending.upstreamFailed(failure, detail));
    }

    /** Closes on an operator's request. */
    void drop(DropMode mode) {
        end(Ending.dropped(mode));
    }

    /** Closes with FIN: the proxy stops for good. */
    void shutDown() {
        end(Ending.SHUTDOWN);
    }

    /** Handling this relay failed unexpectedly: it is reset, alone; the others carry on. */
    @Override
    public void onFailure(Throwable cause) {
        end(Ending.fault(cause));
    }

    void end(Ending ending) {
        if (state == ConnectionState.CLOSED) {
            return;
        }
        // Told before the sockets close, so that the log line can still name the upstream socket's address.
        endings.ended(this, ending);
        state = ConnectionState.CLOSED;
        if (slot > 0) {
            loop.freeSlot(slot);
        }
        if (fromClient != null) {
            fromClient.discard();
            fromServer.discard();
        }
        // Closing takes the sockets out of the epoll, and sends FIN (or RST when unread bytes remain), as a
        // shutdown first would: no extra syscalls per connection.
        if (ending.reset()) {
            client.resetAndClose();
            upstream.resetAndClose();
        } else {
            client.close();
            upstream.close();
        }
    }

    /** The upstream socket's local address (the client's own when spoofing), read once when first needed. */
    private InetSocketAddress upstreamSource() {
        if (upstreamSource == null && fromClient != null && upstream.isOpen()) {
            try {
                upstreamSource = upstream.localAddress();
            } catch (NativeException e) {
                // Reset meanwhile: the address is gone with it.
            }
        }
        return upstreamSource;
    }

    /** The loop this relay lives on: touch it only from there. */
    EventLoop loop() {
        return loop;
    }

    InetSocketAddress clientAddress() {
        return clientAddress;
    }

    ClosedConnection closed(String detail) {
        return new ClosedConnection(id, listener.name(), clientAddress, destination, upstreamSource(), bytesFromClient(),
                bytesFromServer(), System.nanoTime() - startNanos, detail, System.currentTimeMillis());
    }

    /** Nanoseconds since the client was accepted (across hot updates). */
    long age() {
        return System.nanoTime() - startNanos;
    }

    long bytesFromClient() {
        return fromClient == null ? 0 : fromClient.bytes();
    }

    long bytesFromServer() {
        return fromServer == null ? 0 : fromServer.bytes();
    }

    ConnectionInfo info(long now) {
        return new ConnectionInfo(id, listener.name(), clientAddress, destination, upstreamSource(), state, started,
                Duration.ofNanos(now - startNanos), Duration.ofNanos(now - lastActivity), bytesFromClient(),
                bytesFromServer(), client.descriptor(), upstream.descriptor(),
                fromClient == null ? 0 : fromClient.buffered(), fromServer == null ? 0 : fromServer.buffered());
    }

    /** Leaves the loop without closing anything and hands over its parts, for the next version to carry on. */
    Parts detach() {
        loop.unregister(client);
        loop.unregister(upstream);
        if (slot > 0) {
            loop.freeSlot(slot);
        }
        Facts facts = new Facts(id, clientAddress, destination, upstreamSource(), state, started, startNanos, lastActivity,
                connectDeadline);
        state = ConnectionState.CLOSED;
        return new Parts(facts, client, upstream, fromClient, fromServer);
    }

    ConnectionState state() {
        return state;
    }

    /** What a relay knows besides its sockets and directions. */
    record Facts(long id, InetSocketAddress client, InetSocketAddress destination, InetSocketAddress upstreamSource,
            ConnectionState state, Instant started, long startNanos, long lastActivity, long connectDeadline) {}

    /** A relay taken apart for parking, or put back together; the directions are null while connecting. */
    record Parts(Facts facts, StreamSocket client, StreamSocket upstream, Direction fromClient, Direction fromServer) {}

    /** Told of every relay that ends, before its sockets close. */
    interface Endings {
        void ended(Relay relay, Ending ending);
    }
}
