package dev.tproxy.proxy.internal.engine;

import dev.tproxy.proxy.api.ConnectionInfo;
import dev.tproxy.proxy.api.ConnectionState;
import dev.tproxy.proxy.api.DropMode;
import dev.tproxy.proxy.api.Durations;
import dev.tproxy.proxy.api.UpstreamFailure;
import dev.tproxy.proxy.internal.config.ListenerSettings;
import dev.tproxy.socket.api.EpollEvents;
import dev.tproxy.socket.api.Errno;
import dev.tproxy.socket.api.NativeException;
import dev.tproxy.socket.api.NativeHandle;
import dev.tproxy.socket.api.StreamSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One proxied connection: the client socket, the upstream socket and a {@link Direction} each way. Lives on
 * one event loop from accept to close. Connecting → relaying (→ half-closed one way) → closed; a failure on
 * one side resets the other, so each peer sees what it would have seen without the proxy.
 */
final class Relay implements EventLoop.Handler {
    static final int CLIENT = 0;
    static final int UPSTREAM = 1;
    private static final int SOCKET_EVENTS = EpollEvents.IN | EpollEvents.OUT | EpollEvents.RDHUP | EpollEvents.EDGE_TRIGGERED;
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
    private final RelayEndings endings;
    private InetSocketAddress upstreamSource;
    private ConnectionState state = ConnectionState.CONNECTING;
    /** The client's readiness reported while the upstream connect was in progress. */
    private int clientEventsWhileConnecting;
    private Direction fromClient;
    private Direction fromServer;
    private long lastActivity;
    private int slot;
    private boolean queued;

    Relay(long id, ListenerRuntime listener, EventLoop loop, StreamSocket client, StreamSocket upstream,
            InetSocketAddress clientAddress, InetSocketAddress destination, RelayEndings endings) {
        this(id, listener, loop, client, upstream, clientAddress, destination, endings, Instant.now(), System.nanoTime(),
                listener.settings().connectTimeout().toNanos());
    }

    private Relay(long id, ListenerRuntime listener, EventLoop loop, StreamSocket client, StreamSocket upstream,
            InetSocketAddress clientAddress, InetSocketAddress destination, RelayEndings endings, Instant started,
            long startNanos, long connectTimeoutNanos) {
        this.id = id;
        this.listener = listener;
        this.loop = loop;
        this.client = client;
        this.upstream = upstream;
        this.clientAddress = clientAddress;
        this.destination = destination;
        this.endings = endings;
        this.started = started;
        this.startNanos = startNanos;
        this.lastActivity = startNanos;
        this.connectDeadline = startNanos + connectTimeoutNanos;
    }

    /**
     * Registers both sockets; the upstream's first writable edge says the connect finished. The client goes first:
     * when both are ready at once, epoll reports them in this order, so the connect finishes knowing whether the
     * client has sent something yet (see {@link #finishConnect}).
     */
    void start() {
        slot = loop.register(client, SOCKET_EVENTS, this, CLIENT);
        loop.register(upstream, SOCKET_EVENTS, slot, UPSTREAM);
        loop.adopt(this);
    }

    @Override
    public void onReady(int side, int events) {
        if (state == ConnectionState.CLOSED) {
            return;
        }
        if (state == ConnectionState.CONNECTING) {
            if (side == UPSTREAM) {
                finishConnect(events, true);
            } else if ((events & (EpollEvents.ERR | EpollEvents.HUP)) != 0) {
                end(Ending.reset("client went away while connecting"));
            } else {
                clientEventsWhileConnecting |= events;
            }
            return;
        }
        boolean broken = (events & (EpollEvents.ERR | EpollEvents.HUP | EpollEvents.RDHUP)) != 0;
        boolean readable = broken || (events & EpollEvents.IN) != 0;
        boolean writable = broken || (events & EpollEvents.OUT) != 0;
        if (readable) {
            (side == CLIENT ? fromClient : fromServer).sourceReadable(events);
        }
        pump(side == CLIENT ? readable : writable, side == CLIENT ? writable : readable);
    }

    /**
     * @param edgesSeen every readable edge since registration reached {@link #onReady}: a side without one has
     *        nothing to read yet (false after adoption, where edges may have been missed)
     */
    private void finishConnect(int events, boolean edgesSeen) {
        // A connecting socket turns writable only once connected; only an error or hang-up needs SO_ERROR read.
        int error = 0;
        if ((events & (EpollEvents.ERR | EpollEvents.HUP)) != 0) {
            error = upstream.finishConnect();
            if (error == 0) {
                error = Errno.ECONNREFUSED;
            }
        }
        if (error != 0) {
            failUpstream(UpstreamFailures.of(error), Errno.name(error));
            return;
        }
        ListenerSettings settings = listener.settings();
        int pipeSize = settings == null ? DEFAULT_PIPE_SIZE : settings.pipeSize();
        // The client's socket has TCP_NODELAY from its listener; the upstream gets it when it needs it (Direction).
        fromClient = new Direction(client, CLIENT, upstream, UPSTREAM, false, loop.transits, pipeSize);
        fromServer = new Direction(upstream, UPSTREAM, client, CLIENT, true, loop.transits, pipeSize);
        state = ConnectionState.RELAYING;
        // The handshake's last ACK waits for the first bytes sent upstream (ConnectOptions#withAckOnFirstData):
        // bytes or a FIN from the client carry it below; with nothing from the client yet (a server that speaks
        // first, a client that waits), it goes now, so the server is not kept waiting for the delayed-ACK timer.
        if (!edgesSeen || (clientEventsWhileConnecting & (EpollEvents.IN | EpollEvents.RDHUP)) == 0) {
            upstream.sendPendingAck();
        }
        // Bytes the client sent while we were connecting are waiting in the kernel: no edge will announce them
        // again. A side that had no readable edge yet has nothing to read: reading it would only say EAGAIN.
        if (edgesSeen) {
            readableSoFar(fromClient, clientEventsWhileConnecting);
            readableSoFar(fromServer, events);
        }
        pump(true, true);
    }

    private static void readableSoFar(Direction direction, int events) {
        if ((events & (EpollEvents.IN | EpollEvents.RDHUP)) == 0) {
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
        if (!idle.isZero() && state != ConnectionState.CLOSED && now - lastActivity > idle.toNanos()) {
            end(Ending.graceful("idle timeout " + Durations.format(idle)));
        }
    }

    void resume() {
        queued = false;
        if (state != ConnectionState.CLOSED && state != ConnectionState.CONNECTING) {
            pump(true, true);
        }
    }

    /**
     * After adoption: epoll reports the current readiness of a freshly registered edge-triggered socket, but a
     * connect that completed while parked is checked at once too.
     */
    void resumeAdopted() {
        if (state == ConnectionState.CONNECTING) {
            int error = upstream.pendingError();
            if (error != 0) {
                failUpstream(UpstreamFailures.of(error), Errno.name(error));
            } else if (isConnected()) {
                finishConnect(0, false);
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
                listener.counters().fromClient(fromClient.bytes() - sent);
            }
            if (serverToClient) {
                long sent = fromServer.bytes();
                more |= fromServer.pump(BUDGET, fromClient.finished());
                listener.counters().fromServer(fromServer.bytes() - sent);
            }
            if (fromClient.bytes() + fromServer.bytes() != before) {
                lastActivity = System.nanoTime();
            }
            if (fromClient.finished() && fromServer.finished()) {
                end(Ending.graceful("completed"));
                return;
            }
            state = fromClient.finished() ? ConnectionState.CLIENT_HALF_CLOSED
                    : fromServer.finished() ? ConnectionState.SERVER_HALF_CLOSED : ConnectionState.RELAYING;
            if (more && !queued) {
                queued = true;
                loop.again(this);
            }
        } catch (RelayFault fault) {
            String who = fault.side == CLIENT ? "client" : "server";
            end(Ending.reset(who + " " + Errno.name(fault.errno)));
        }
    }

    private void failUpstream(UpstreamFailure failure, String detail) {
        listener.counters().upstreamFailed(failure);
        end(Ending.reset("upstream " + failure.name().toLowerCase(java.util.Locale.ROOT) + " (" + detail + ")"));
    }

    /** Closes on an operator's request. */
    void drop(DropMode mode) {
        if (state != ConnectionState.CLOSED) {
            end(mode == DropMode.RESET ? Ending.reset("dropped by operator (reset)") : Ending.graceful("dropped by operator"));
        }
    }

    private void end(Ending ending) {
        if (state == ConnectionState.CLOSED) {
            return;
        }
        // Told before the sockets close, so that the log line can still name the upstream socket's address.
        endings.ended(this, ending);
        state = ConnectionState.CLOSED;
        loop.release(slot);
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
        loop.forget(this);
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

    InetSocketAddress clientAddress() {
        return clientAddress;
    }

    ClosedConnection closed(String reason) {
        return new ClosedConnection(id, listener.name(), clientAddress, destination, upstreamSource(), bytesFromClient(),
                bytesFromServer(), System.nanoTime() - startNanos, reason);
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

    /**
     * Leaves the loop without closing anything and describes itself in JDK types, with its sockets and pipes in
     * {@code handles}, so that the next version of the proxy can carry on relaying (see {@link RelayParking}).
     */
    Map<String, Object> park(List<NativeHandle> handles) {
        loop.unregister(client);
        loop.unregister(upstream);
        loop.release(slot);
        loop.forget(this);
        Map<String, Object> state = new HashMap<>();
        state.put("id", id);
        state.put("listener", listener.pid());
        state.put("client", clientAddress);
        state.put("destination", destination);
        if (upstreamSource() != null) {
            state.put("upstreamSource", upstreamSource());
        }
        state.put("state", state().name());
        state.put("started", started);
        state.put("startNanos", startNanos);
        state.put("lastActivity", lastActivity);
        state.put("connectDeadline", connectDeadline);
        handles.add(client);
        handles.add(upstream);
        if (fromClient != null) {
            fromClient.park("fromClient.", state, handles);
            fromServer.park("fromServer.", state, handles);
        }
        this.state = ConnectionState.CLOSED;
        return state;
    }

    /** The inverse of {@link #park}: a relay that carries on where a parked one stopped. */
    static Relay adopt(Map<String, Object> state, List<NativeHandle> handles, ListenerRuntime listener, EventLoop loop,
            RelayEndings endings) {
        StreamSocket client = (StreamSocket) handles.get(0);
        StreamSocket upstream = (StreamSocket) handles.get(1);
        long startNanos = (Long) state.get("startNanos");
        Relay relay = new Relay((Long) state.get("id"), listener, loop, client, upstream, (InetSocketAddress) state.get("client"),
                (InetSocketAddress) state.get("destination"), endings, (Instant) state.get("started"), startNanos,
                (Long) state.get("connectDeadline") - startNanos);
        relay.lastActivity = (Long) state.get("lastActivity");
        relay.upstreamSource = (InetSocketAddress) state.get("upstreamSource");
        relay.state = ConnectionState.valueOf((String) state.get("state"));
        if (state.containsKey("fromClient.bytes")) {
            relay.fromClient = Direction.adopt("fromClient.", state, handles, client, CLIENT, upstream, UPSTREAM, loop.transits);
            relay.fromServer = Direction.adopt("fromServer.", state, handles, upstream, UPSTREAM, client, CLIENT, loop.transits);
        }
        return relay;
    }

    ConnectionState state() {
        return state;
    }

    /** How a relay ends: FIN or RST to both peers, and why (for the log line). */
    record Ending(String reason, boolean reset) {
        static Ending graceful(String reason) {
            return new Ending(reason, false);
        }

        static Ending reset(String reason) {
            return new Ending(reason, true);
        }
    }

    /** Told of every relay that ends. */
    interface RelayEndings {
        void ended(Relay relay, Ending ending);
    }
}
