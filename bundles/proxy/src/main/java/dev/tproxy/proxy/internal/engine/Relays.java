package dev.tproxy.proxy.internal.engine;

import dev.tproxy.proxy.api.Addresses;
import dev.tproxy.proxy.api.CloseReason;
import dev.tproxy.proxy.api.RefusalReason;
import dev.tproxy.proxy.internal.config.AccessLogFormat;
import dev.tproxy.proxy.internal.config.ConnectionLogging;
import dev.tproxy.proxy.internal.config.ListenerSettings;
import dev.tproxy.proxy.internal.config.SourceMode;
import dev.tproxy.socket.api.Accepted;
import dev.tproxy.socket.api.ConnectOptions;
import dev.tproxy.socket.api.Errno;
import dev.tproxy.socket.api.NativeException;
import dev.tproxy.socket.api.StreamSocket;
import dev.tproxy.socket.api.TransparentSocketService;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The live relays: starts one for each admitted client, indexes them by id (the engine's only index of
 * relays), and retires each when it ends: its admission, its log line.
 */
final class Relays implements Relay.Endings {
    private final TransparentSocketService sockets;
    private final Admission admission;
    private final EventLog log;
    private final AtomicLong lastId = new AtomicLong();
    private final ConcurrentHashMap<Long, Relay> byId = new ConcurrentHashMap<>();

    Relays(TransparentSocketService sockets, Admission admission, EventLog log) {
        this.sockets = sockets;
        this.admission = admission;
        this.log = log;
    }

    /**
     * Starts connecting upstream for an admitted client and relays it on {@code loop}; if the connect cannot even
     * start, the client is reset. Loop thread.
     */
    void start(ListenerRuntime listener, ListenerSettings settings, EventLoop loop, Accepted accepted) {
        StreamSocket upstream;
        try {
            ConnectOptions options = settings.sourceMode() == SourceMode.CLIENT
                    ? ConnectOptions.asClient(accepted.originalDestination(), accepted.client().getAddress(), settings.upstreamMark())
                    : ConnectOptions.asRouter(accepted.originalDestination(), settings.upstreamMark());
            // The relay sends the handshake's ACK with the client's first bytes, or on its own if there are none.
            upstream = sockets.connect(options.withAckOnFirstData());
        } catch (NativeException e) {
            refuseAfterConnectError(listener, accepted, e);
            return;
        } catch (RuntimeException e) {
            admission.closed(listener, accepted.client().getAddress(), CloseReason.FAULT, null, 0);
            log.warn("listener " + listener.name() + ": client " + Addresses.format(accepted.client()) + " to "
                    + Addresses.format(accepted.originalDestination()) + " reset after an unexpected failure: " + e);
            accepted.socket().resetAndClose();
            return;
        }
        Relay relay = new Relay(lastId.incrementAndGet(), listener, loop, accepted.socket(), upstream, accepted.client(),
                accepted.originalDestination(), this);
        byId.put(relay.id, relay);
        try {
            relay.start();
        } catch (RuntimeException e) {
            relay.onFailure(e);
        }
    }

    private void refuseAfterConnectError(ListenerRuntime listener, Accepted accepted, NativeException e) {
        if (e.errno() == Errno.EMFILE || e.errno() == Errno.ENFILE) {
            admission.withdraw(listener, accepted.client().getAddress(), RefusalReason.NO_FILE_DESCRIPTORS);
        } else {
            admission.closed(listener, accepted.client().getAddress(), CloseReason.UPSTREAM_FAILED, UpstreamFailures.of(e.errno()), 0);
        }
        log.info("listener " + listener.name() + ": client " + Addresses.format(accepted.client()) + " to "
                + Addresses.format(accepted.originalDestination()) + " reset: " + e.getMessage());
        accepted.socket().resetAndClose();
    }

    /** Takes a relay carried over from the previous version: its admission and its place in the index. */
    void carryOver(Relay relay) {
        lastId.accumulateAndGet(relay.id, Math::max);
        admission.carriedOver(relay.listener, relay.clientAddress().getAddress());
        byId.put(relay.id, relay);
    }

    /** Takes a relay out of the index without ending it (it is being parked). */
    void remove(Relay relay) {
        byId.remove(relay.id);
    }

    @Override
    public void ended(Relay relay, Ending ending) {
        byId.remove(relay.id);
        admission.closed(relay.listener, relay.clientAddress().getAddress(), ending.reason(), ending.upstreamFailure(),
                relay.age());
        if (ending.cause() != null) {
            log.error("connection " + relay.id + " reset after an unexpected failure", ending.cause());
        } else if (ending.reason() == CloseReason.FAULT) {
            log.warn("connection " + relay.id + " reset after an unexpected failure: " + ending.detail());
        }
        ListenerSettings settings = relay.listener.settings();
        ConnectionLogging logging = settings == null ? ConnectionLogging.ALL : settings.logConnections();
        if (logging == ConnectionLogging.ALL || (logging == ConnectionLogging.FAILURES && ending.reset())) {
            log.connectionClosed(relay.closed(ending.detail()), settings == null ? AccessLogFormat.TEXT : settings.logFormat());
        }
    }

    /** The live relay with this id, or null. Any thread; use the relay only on its own loop. */
    Relay get(long id) {
        return byId.get(id);
    }

    long lastId() {
        return lastId.get();
    }

    /** Ids go on from {@code id} (the last one the previous version gave out). */
    void continueIdsAfter(long id) {
        lastId.accumulateAndGet(id, Math::max);
    }
}
