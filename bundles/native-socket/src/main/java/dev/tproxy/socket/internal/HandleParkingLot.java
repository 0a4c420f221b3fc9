package dev.tproxy.socket.internal;

import dev.tproxy.socket.api.HandleParking;
import dev.tproxy.socket.api.NativeHandle;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * {@link HandleParking} in this bundle, which outlives updates of the proxy bundle. Immediate: a delayed
 * component would be disposed, closing what it holds, the moment its only user (the proxy) lets go of it. When
 * this bundle itself stops (or is updated), everything still parked is closed.
 *
 * <p>In a runtime started with the framework property {@value #RECEIVE} (a socket path, set by bin/restart), the
 * lot first takes over what the running runtime hands over there ({@link #handOver}), before its service is
 * registered: the proxy's components, which need this service, then adopt those listeners and connections as after
 * a hot update. If nothing comes within {@value #TIMEOUT} (default 30 s), activation fails and the proxy never
 * starts in this process: the old one goes on serving.
 */
@Component(service = HandleParking.class, immediate = true)
public final class HandleParkingLot implements HandleParking {
    private final Map<String, Entry> parked = new LinkedHashMap<>();
    private final ScheduledExecutorService reaper = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "tproxy-parking-reaper");
        thread.setDaemon(true);
        return thread;
    });
    private final Logger logger;
    /** The keys handed over by another runtime that its users have not claimed yet, and the hand-over's connection. */
    private final Set<String> awaitingAdoption = new HashSet<>();
    private HandoverProtocol.Received handover;
    static final String RECEIVE = "tproxy.handover.receive";
    static final String TIMEOUT = "tproxy.handover.timeout";

    @Activate
    public HandleParkingLot(BundleContext context, @Reference(service = LoggerFactory.class) Logger logger) throws IOException {
        this.logger = logger;
        String socket = context.getProperty(RECEIVE);
        if (socket != null && !socket.isBlank()) {
            receive(Path.of(socket), Duration.ofSeconds(Long.parseLong(Objects.requireNonNullElse(context.getProperty(TIMEOUT), "30"))));
        }
    }

    HandleParkingLot(Logger logger) {
        this.logger = logger;
    }

    void receive(Path socket, Duration timeout) throws IOException {
        logger.info("hand-over: waiting at {} for the running runtime's listeners and connections", socket);
        long start = System.nanoTime();
        HandoverProtocol.Received received;
        try {
            received = HandoverProtocol.receive(socket, timeout);
        } catch (IOException | RuntimeException e) {
            reaper.shutdownNow();
            logger.error("hand-over at {} failed: {}; the proxy does not start in this process", socket, e.getMessage());
            throw e;
        }
        int handles = 0;
        synchronized (this) {
            for (HandoverProtocol.Entry entry : received.entries()) {
                park(entry.parked().key(), entry.parked().state(), entry.parked().handles(), entry.grace());
                handles += entry.parked().handles().size();
                if (!entry.parked().handles().isEmpty()) {
                    awaitingAdoption.add(entry.parked().key());
                }
            }
            handover = received;
            confirmIfAdopted();
        }
        logger.info("hand-over: took {} parked entries ({} handles) in {} ms", received.entries().size(), handles,
                (System.nanoTime() - start) / 1_000_000);
    }

    /** Once every handed-over entry with handles was claimed here, the sender may let go of its copies. */
    private void confirmIfAdopted() {
        if (handover == null || !awaitingAdoption.isEmpty()) {
            return;
        }
        HandoverProtocol.Received adopted = handover;
        handover = null;
        reaper.execute(() -> {
            try {
                HandoverProtocol.confirmAdopted(adopted);
                logger.info("hand-over: every listener and connection handed over is adopted");
            } catch (IOException e) {
                logger.warn("hand-over: could not confirm the adoption to the previous runtime: {}", e.getMessage());
            }
        });
    }

    @Override
    public long handOver(String socket, Duration timeout) throws IOException {
        List<HandoverProtocol.Entry> entries = new ArrayList<>();
        synchronized (this) {
            for (Entry entry : parked.values()) {
                entries.add(new HandoverProtocol.Entry(entry.parked, Duration.ofMillis(entry.expiry.getDelay(TimeUnit.MILLISECONDS))));
            }
            long pid;
            try {
                pid = HandoverProtocol.send(Path.of(socket), entries, timeout);
            } catch (IOException | RuntimeException e) {
                // Whatever expired meanwhile waited for this monitor: a fresh grace period, as at the start.
                for (HandoverProtocol.Entry kept : entries) {
                    String key = kept.parked().key();
                    Entry stale = parked.get(key);
                    stale.expiry.cancel(false);
                    Entry fresh = new Entry(stale.parked);
                    arm(key, fresh, kept.grace());
                    parked.put(key, fresh);
                }
                throw e;
            }
            int handles = 0;
            for (Entry entry : parked.values()) {
                entry.expiry.cancel(false);
                handles += entry.parked.handles().size();
                closeAll(entry.parked);
            }
            parked.clear();
            logger.info("hand-over: gave {} parked entries ({} handles) to process {}", entries.size(), handles, pid);
            return pid;
        }
    }

    /** A parked entry and its expiry; a new Entry when re-armed, so that a stale expiry finds nothing to close. */
    private static final class Entry {
        final Parked parked;
        ScheduledFuture<?> expiry;

        Entry(Parked parked) {
            this.parked = parked;
        }
    }

    private void arm(String key, Entry entry, Duration grace) {
        entry.expiry = reaper.schedule(() -> expire(key, entry), grace.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void park(String key, Map<String, Object> state, List<? extends NativeHandle> handles, Duration grace) {
        Entry previous = parked.remove(key);
        if (previous != null) {
            previous.expiry.cancel(false);
            closeAll(previous.parked);
        }
        Entry entry = new Entry(new Parked(key, Map.copyOf(state), List.copyOf(handles)));
        arm(key, entry, grace);
        parked.put(key, entry);
    }

    private synchronized void expire(String key, Entry entry) {
        if (parked.get(key) == entry) {
            parked.remove(key);
            closeAll(entry.parked);
            logger.info("parked " + key + " was not claimed within its grace period: closed " + entry.parked.handles().size() + " handles");
        }
    }

    @Override
    public synchronized Optional<Parked> claim(String key) {
        Entry entry = parked.remove(key);
        if (entry == null) {
            return Optional.empty();
        }
        if (awaitingAdoption.remove(key)) {
            confirmIfAdopted();
        }
        entry.expiry.cancel(false);
        return Optional.of(entry.parked);
    }

    @Override
    public synchronized List<String> keys(String prefix) {
        List<String> keys = new ArrayList<>();
        for (String key : parked.keySet()) {
            if (key.startsWith(prefix)) {
                keys.add(key);
            }
        }
        return keys;
    }

    @Deactivate
    synchronized void deactivate() {
        reaper.shutdownNow();
        if (handover != null) {
            handover.channel().close();
            handover = null;
        }
        int handles = 0;
        for (Entry entry : parked.values()) {
            handles += entry.parked.handles().size();
            closeAll(entry.parked);
        }
        if (!parked.isEmpty()) {
            logger.warn("native-socket stopping: closed " + parked.size() + " parked entries (" + handles + " handles); "
                    + "connections parked by the proxy cannot outlive an update of the native-socket bundle");
        }
        parked.clear();
    }

    private static void closeAll(Parked entry) {
        for (NativeHandle handle : entry.handles()) {
            handle.close();
        }
    }
}
