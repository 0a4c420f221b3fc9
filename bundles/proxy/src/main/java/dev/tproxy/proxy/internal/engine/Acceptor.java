package dev.tproxy.proxy.internal.engine;

import dev.tproxy.proxy.api.RefusalReason;
import dev.tproxy.proxy.internal.config.ListenerSettings;
import dev.tproxy.socket.api.Accepted;
import dev.tproxy.socket.api.EpollEvents;
import dev.tproxy.socket.api.Errno;
import dev.tproxy.socket.api.ListeningSocket;
import dev.tproxy.socket.api.NativeException;

/**
 * Accepts on one listening socket for one event loop, and admits or refuses each client. The socket is
 * registered level-triggered and exclusive in every loop, so the kernel wakes one idle loop per arrival and
 * nothing is missed. Out of file descriptors, the acceptor leaves the epoll for a while instead of spinning.
 */
final class Acceptor implements EventLoop.Handler {
    private static final int BATCH = 64;
    private static final long BACKOFF_NANOS = 100_000_000L;

    private final ListenerRuntime listener;
    private final ListeningSocket socket;
    private final EventLoop loop;
    private final Admission admission;
    private final Relays relays;
    private final EventLog log;
    private int slot = -1;
    private long pausedUntil;
    private boolean paused;
    private boolean closed;

    Acceptor(ListenerRuntime listener, ListeningSocket socket, EventLoop loop, Admission admission, Relays relays, EventLog log) {
        this.listener = listener;
        this.socket = socket;
        this.loop = loop;
        this.admission = admission;
        this.relays = relays;
        this.log = log;
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
        loop.freeSlot(slot);
    }

    @Override
    public void onReady(int side, int events) {
        for (int i = 0; i < BATCH && !paused && !closed; i++) {
            Accepted accepted;
            try {
                accepted = socket.accept();
            } catch (NativeException e) {
                if (e.errno() != Errno.EMFILE && e.errno() != Errno.ENFILE) {
                    pause(e.getMessage());   // ENOBUFS, ENOMEM...: retrying at once would only spin
                    return;
                }
                Spare outcome = refuseOneWithTheSpare();
                if (outcome == Spare.SPENT) {
                    pause(e.getMessage());
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

    private void admit(Accepted accepted) {
        ListenerSettings settings = listener.settings();
        RefusalReason refusal = admission.admit(listener, settings, accepted.client(), accepted.originalDestination());
        if (refusal != null) {
            accepted.socket().resetAndClose();
        } else {
            relays.start(listener, settings, loop, accepted);
        }
    }

    /**
     * Out of descriptors: spends the loop's spare descriptor to accept one pending client and reset it, so it is
     * refused cleanly instead of waiting in the backlog, then takes the spare back.
     */
    private Spare refuseOneWithTheSpare() {
        if (!loop.spendSpare()) {
            return Spare.SPENT;
        }
        try {
            Accepted accepted = socket.accept();
            if (accepted == null) {
                return Spare.NOTHING_PENDING;
            }
            admission.refuse(listener, RefusalReason.NO_FILE_DESCRIPTORS);
            accepted.socket().resetAndClose();
            return Spare.REFUSED_ONE;
        } catch (NativeException e) {
            return Spare.SPENT;
        } finally {
            loop.reserveSpare();
        }
    }

    private enum Spare { REFUSED_ONE, NOTHING_PENDING, SPENT }

    private void pause(String why) {
        paused = true;
        pausedUntil = System.nanoTime() + BACKOFF_NANOS;
        loop.unregister(socket);
        log.warn("listener " + listener.name() + ": " + why + "; accepting again in 100ms");
    }

    /** Handling an arrival failed unexpectedly: back off as when out of descriptors, rather than spin. */
    @Override
    public void onFailure(Throwable cause) {
        log.error("listener " + listener.name() + ": accepting failed unexpectedly", cause);
        if (!paused && !closed) {
            pause("accepting failed");
        }
    }

    /** The sweep: comes back into the epoll once the back-off is over (level-triggered, so nothing is lost). */
    void checkPause(long now) {
        if (paused && !closed && now - pausedUntil >= 0) {
            paused = false;
            loop.reserveSpare();
            loop.register(socket, EpollEvents.IN | EpollEvents.EXCLUSIVE, slot, 0);
        }
    }
}
