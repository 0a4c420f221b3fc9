package dev.tproxy.proxy.internal.engine;

import dev.tproxy.proxy.api.Addresses;

import dev.tproxy.proxy.api.RefusalReason;
import dev.tproxy.proxy.internal.config.ListenerSettings;
import dev.tproxy.proxy.internal.config.SourceMode;
import dev.tproxy.socket.api.Accepted;
import dev.tproxy.socket.api.ConnectOptions;
import dev.tproxy.socket.api.EpollEvents;
import dev.tproxy.socket.api.Errno;
import dev.tproxy.socket.api.ListeningSocket;
import dev.tproxy.socket.api.NativeException;
import dev.tproxy.socket.api.StreamSocket;
import dev.tproxy.socket.api.TransparentSocketService;

/**
 * Accepts on one listening socket for one event loop. The socket is registered level-triggered and exclusive
 * in every loop, so the kernel wakes one idle loop per arrival and nothing is missed. Out of file descriptors,
 * the acceptor leaves the epoll for a while instead of spinning.
 */
final class Acceptor implements EventLoop.Handler {
    private static final int BATCH = 64;
    private static final long BACKOFF_NANOS = 100_000_000L;

    private final ListenerRuntime listener;
    private final ListeningSocket socket;
    private final EventLoop loop;
    private final RelayEngine engine;
    private final TransparentSocketService sockets;
    private int slot = -1;
    private long pausedUntil;
    private boolean paused;
    private boolean closed;

    Acceptor(ListenerRuntime listener, ListeningSocket socket, EventLoop loop, RelayEngine engine, TransparentSocketService sockets) {
        this.listener = listener;
        this.socket = socket;
        this.loop = loop;
        this.engine = engine;
        this.sockets = sockets;
    }

    ListeningSocket socket() {
        return socket;
    }

    EventLoop loop() {
        return loop;
    }

    /** Loop thread. */
    void open() {
        slot = loop.register(socket, EpollEvents.IN | EpollEvents.EXCLUSIVE, this, 0);
    }

    /** Loop thread: leaves the epoll; the socket itself belongs to the listener. */
    void close() {
        closed = true;
        if (!paused) {
            loop.unregister(socket);
        }
        loop.release(slot);
    }

    @Override
    public void onReady(int side, int events) {
        for (int i = 0; i < BATCH && !paused && !closed; i++) {
            Accepted accepted;
            try {
                accepted = socket.accept();
            } catch (NativeException e) {
                if (e.errno() != Errno.EMFILE && e.errno() != Errno.ENFILE) {
                    throw e;
                }
                Spare outcome = refuseOneWithTheSpare();
                if (outcome == Spare.SPENT) {
                    pause(e);
                }
                if (outcome != Spare.REFUSED_ONE) {
                    return;
                }
                continue;
            }
            if (accepted == null) {
                return;
            }
            admit(accepted);
        }
    }

    /**
     * Out of descriptors: frees the loop's spare descriptor, accepts one pending client and resets it, so it is
     * refused cleanly instead of waiting in the backlog, then takes the spare back.
     */
    private Spare refuseOneWithTheSpare() {
        if (!loop.releaseSpare()) {
            return Spare.SPENT;
        }
        try {
            Accepted accepted = socket.accept();
            if (accepted == null) {
                return Spare.NOTHING_PENDING;
            }
            listener.counters().accepted();
            listener.counters().refused(RefusalReason.NO_FILE_DESCRIPTORS);
            accepted.socket().resetAndClose();
            return Spare.REFUSED_ONE;
        } catch (NativeException e) {
            return Spare.SPENT;
        } finally {
            loop.reserveSpare();
        }
    }

    private enum Spare { REFUSED_ONE, NOTHING_PENDING, SPENT }

    private void pause(NativeException cause) {
        paused = true;
        pausedUntil = System.nanoTime() + BACKOFF_NANOS;
        loop.unregister(socket);
        listener.counters().refused(RefusalReason.NO_FILE_DESCRIPTORS);
        engine.log().warn("listener " + listener.name() + ": " + cause.getMessage() + "; accepting again in 100ms");
    }

    /** The sweep: comes back into the epoll once the back-off is over (level-triggered, so nothing is lost). */
    void checkPause(long now) {
        if (paused && !closed && now - pausedUntil >= 0) {
            paused = false;
            loop.reserveSpare();
            loop.register(socket, EpollEvents.IN | EpollEvents.EXCLUSIVE, slot, 0);
        }
    }

    private void admit(Accepted accepted) {
        ListenerSettings settings = listener.settings();
        ListenerCounters counters = listener.counters();
        counters.accepted();
        RefusalReason refusal = engine.admission().check(settings, accepted.client(), accepted.originalDestination());
        if (refusal == null) {
            refusal = listener.reserve(accepted.client().getAddress(), settings);
        }
        if (refusal != null) {
            counters.refused(refusal);
            accepted.socket().resetAndClose();
            return;
        }
        StreamSocket upstream;
        try {
            ConnectOptions options = settings.sourceMode() == SourceMode.CLIENT
                    ? ConnectOptions.asClient(accepted.originalDestination(), accepted.client().getAddress(), settings.upstreamMark())
                    : ConnectOptions.asRouter(accepted.originalDestination(), settings.upstreamMark());
            // The relay sends the handshake's ACK with the client's first bytes, or on its own if there are none.
            upstream = sockets.connect(options.withAckOnFirstData());
        } catch (NativeException e) {
            listener.release(accepted.client().getAddress());
            refuseAfterConnectError(accepted, e);
            return;
        }
        Relay relay = new Relay(engine.nextId(), listener, loop, accepted.socket(), upstream, accepted.client(),
                accepted.originalDestination(), engine);
        engine.track(relay, loop);
        relay.start();
    }

    private void refuseAfterConnectError(Accepted accepted, NativeException e) {
        if (e.errno() == Errno.EMFILE || e.errno() == Errno.ENFILE) {
            listener.counters().refused(RefusalReason.NO_FILE_DESCRIPTORS);
        } else {
            listener.counters().upstreamFailed(UpstreamFailures.of(e.errno()));
        }
        engine.log().info("listener " + listener.name() + ": client " + Addresses.format(accepted.client()) + " to "
                + Addresses.format(accepted.originalDestination()) + " reset: " + e.getMessage());
        accepted.socket().resetAndClose();
    }
}
