package dev.tproxy.proxy.internal.engine;


import dev.tproxy.proxy.api.ConnectionInfo;
import dev.tproxy.proxy.api.DropMode;
import dev.tproxy.proxy.api.Durations;
import dev.tproxy.proxy.api.TrafficCounters;
import dev.tproxy.proxy.internal.config.ConnectionLogging;
import dev.tproxy.proxy.internal.config.EngineConfig;
import dev.tproxy.proxy.internal.config.ListenerSettings;
import dev.tproxy.socket.api.HandleParking;
import dev.tproxy.socket.api.ListeningSocket;
import dev.tproxy.socket.api.NativeHandle;
import dev.tproxy.socket.api.TransparentSocketService;
import java.util.ArrayList;
import java.util.Collection;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The relay engine: N event loops, the listeners attached to them, and the index of live connections. Plain
 * Java so tests can run it without a framework; {@link RelayEngineComponent} runs it as a DS component.
 */
public final class RelayEngine implements Relay.RelayEndings {
    private static final long SNAPSHOT_TIMEOUT_MILLIS = 5000;
    static final String RELAY = "dev.tproxy.proxy/relay/";
    static final String COUNTERS = "dev.tproxy.proxy/counters/";
    static final String ENGINE = "dev.tproxy.proxy/engine";

    private final TransparentSocketService sockets;
    private final EventLog log;
    private final List<EventLoop> loops = new ArrayList<>();
    private final Admission admission = new Admission(new LocalAddresses());
    private final AtomicLong ids = new AtomicLong();
    private final ConcurrentHashMap<Long, EventLoop> owners = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<ListeningSocket, List<Acceptor>> acceptors = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ListenerRuntime> listeners = new ConcurrentHashMap<>();
    private final ThroughputMeter throughput = new ThroughputMeter();
    private final HandleParking parking;
    private final Duration grace;
    private TrafficCounters retired = TrafficCounters.zero();

    public RelayEngine(TransparentSocketService sockets, HandleParking parking, Duration grace, EventLog log, int eventLoops,
            int pipesPerLoop, int idlePipesPerLoop) {
        this.sockets = sockets;
        this.parking = parking;
        this.grace = grace;
        this.log = log;
        int count = eventLoops > 0 ? eventLoops : Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < count; i++) {
            EventLoop loop = new EventLoop(i, sockets, new TransitPool(sockets, pipesPerLoop, idlePipesPerLoop), log);
            loop.everySweep(() -> sweep(loop));
            loops.add(loop);
        }
        loops.get(0).everySweep(() -> throughput.sample(listeners.values()));
        loops.forEach(EventLoop::start);
        int adopted = adoptParked();
        log.info("relay engine started: " + count + " event loops, up to " + pipesPerLoop + " pipes each"
                + (adopted > 0 ? ", carried on " + adopted + " connections from the previous version" : ""));
    }

    public static RelayEngine from(TransparentSocketService sockets, HandleParking parking, EventLog log, EngineConfig config) {
        Duration grace;
        try {
            grace = Durations.parse(config.grace_period());
        } catch (IllegalArgumentException e) {
            log.warn("grace.period: " + e.getMessage() + "; using 30s");
            grace = Duration.ofSeconds(30);
        }
        return new RelayEngine(sockets, parking, grace, log, config.event_loops(), config.pipes_per_loop(), config.idle_pipes_per_loop());
    }

    /** How long parked connections and sockets wait for the next version, and removed listeners drain. */
    public Duration grace() {
        return grace;
    }

    public HandleParking parking() {
        return parking;
    }

    /** The runtime of listener {@code pid}, made on first use (counters parked by an earlier version restored). */
    public ListenerRuntime listenerRuntime(String pid) {
        return listeners.computeIfAbsent(pid, key -> {
            ListenerRuntime runtime = new ListenerRuntime(key);
            parking.claim(COUNTERS + key).ifPresent(parked -> runtime.counters().restore(parked.state()));
            return runtime;
        });
    }

    /** Takes over the connections an earlier version parked, spread over the loops. */
    private int adoptParked() {
        parking.claim(ENGINE).ifPresent(parked -> ids.set((Long) parked.state().get("lastId")));
        for (String key : parking.keys(COUNTERS)) {
            listenerRuntime(key.substring(COUNTERS.length()));
        }
        List<CompletableFuture<Void>> adopted = new ArrayList<>();
        int next = 0;
        for (String key : parking.keys(RELAY)) {
            HandleParking.Parked parked = parking.claim(key).orElse(null);
            if (parked == null) {
                continue;
            }
            EventLoop loop = loops.get(next++ % loops.size());
            ListenerRuntime listener = listenerRuntime((String) parked.state().get("listener"));
            adopted.add(loop.submit(() -> {
                Relay relay = Relay.adopt(parked.state(), parked.handles(), listener, loop, this);
                ids.accumulateAndGet(relay.id, Math::max);
                listener.counters().opened();
                listener.clientOpened(relay.clientAddress().getAddress());
                owners.put(relay.id, loop);
                relay.start();
                relay.resumeAdopted();
                return null;
            }));
        }
        await(adopted);
        return adopted.size();
    }

    EventLog log() {
        return log;
    }

    Admission admission() {
        return admission;
    }

    long nextId() {
        return ids.incrementAndGet();
    }

    void track(Relay relay, EventLoop loop) {
        owners.put(relay.id, loop);
    }

    @Override
    public void ended(Relay relay, Relay.Ending ending) {
        owners.remove(relay.id);
        relay.listener.counters().closed();
        relay.listener.clientClosed(relay.clientAddress().getAddress());
        ListenerSettings settings = relay.listener.settings();
        ConnectionLogging logging = settings == null ? ConnectionLogging.ALL : settings.logConnections();
        if (logging == ConnectionLogging.ALL || (logging == ConnectionLogging.FAILURES && ending.reset())) {
            log.connectionClosed(relay.closed(ending.reason()));
        }
    }

    private void sweep(EventLoop loop) {
        long now = System.nanoTime();
        List<Relay> due = new ArrayList<>();
        for (Relay relay : loop.relays()) {
            due.add(relay);
        }
        for (Relay relay : due) {
            relay.checkTimers(now);
        }
        loop.transits.trim(now);
        for (List<Acceptor> perLoop : acceptors.values()) {
            Acceptor acceptor = perLoop.get(loop.index);
            acceptor.checkPause(now);
        }
    }

    /** A removed listener: its connections may finish within the grace period, then the rest are closed. */
    public void retire(ListenerRuntime listener) {
        CompletableFuture.delayedExecutor(grace.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
            if (listeners.get(listener.pid()) == listener && listener.state() == dev.tproxy.proxy.api.ListenerState.STOPPED) {
                dropAll(listener, DropMode.GRACEFUL);
                unregister(listener);
            }
        });
    }

    public void unregister(ListenerRuntime listener) {
        if (listeners.remove(listener.pid(), listener)) {
            throughput.retire(listener);
            synchronized (this) {
                retired = retired.plus(listener.counters().snapshot());
            }
        }
    }

    /** The summed counters of listeners that were removed, so totals never go backwards. */
    public synchronized TrafficCounters retiredCounters() {
        return retired;
    }

    /** One connection's snapshot, or null if it is not live. */
    public ConnectionInfo connection(long id) {
        EventLoop loop = owners.get(id);
        if (loop == null) {
            return null;
        }
        return join(loop.submit(() -> {
            Relay relay = loop.relay(id);
            return relay == null ? null : relay.info(System.nanoTime());
        }));
    }

    public Collection<ListenerRuntime> listeners() {
        return List.copyOf(listeners.values());
    }

    /** Starts accepting on {@code socket} in every loop. Returns once all loops accept. */
    public void attach(ListenerRuntime listener, ListeningSocket socket) {
        List<Acceptor> perLoop = new ArrayList<>();
        for (EventLoop loop : loops) {
            perLoop.add(new Acceptor(listener, socket, loop, this, sockets));
        }
        List<CompletableFuture<Void>> opened = new ArrayList<>();
        for (Acceptor acceptor : perLoop) {
            opened.add(acceptor.loop().submit(() -> {
                acceptor.open();
                return null;
            }));
        }
        acceptors.put(socket, perLoop);
        await(opened);
    }

    /** Stops accepting on {@code socket} in every loop (the caller then closes it). Returns once done. */
    public void detach(ListeningSocket socket) {
        List<Acceptor> perLoop = acceptors.remove(socket);
        if (perLoop == null) {
            return;
        }
        List<CompletableFuture<Void>> closed = new ArrayList<>();
        for (Acceptor acceptor : perLoop) {
            closed.add(acceptor.loop().submit(() -> {
                acceptor.close();
                return null;
            }));
        }
        await(closed);
    }

    /** Snapshots of every live connection, oldest first. */
    public List<ConnectionInfo> connections() {
        List<CompletableFuture<List<ConnectionInfo>>> parts = new ArrayList<>();
        for (EventLoop loop : loops) {
            parts.add(loop.submit(() -> {
                long now = System.nanoTime();
                List<ConnectionInfo> infos = new ArrayList<>(loop.relayCount());
                for (Relay relay : loop.relays()) {
                    infos.add(relay.info(now));
                }
                return infos;
            }));
        }
        List<ConnectionInfo> all = new ArrayList<>();
        for (CompletableFuture<List<ConnectionInfo>> part : parts) {
            all.addAll(join(part));
        }
        all.sort(Comparator.comparingLong(ConnectionInfo::id));
        return all;
    }

    /** Closes connection {@code id}; the snapshot it had just before, or null if it was not live. */
    public ConnectionInfo drop(long id, DropMode mode) {
        EventLoop loop = owners.get(id);
        if (loop == null) {
            return null;
        }
        return join(loop.submit(() -> {
            Relay relay = loop.relay(id);
            if (relay == null) {
                return null;
            }
            ConnectionInfo info = relay.info(System.nanoTime());
            relay.drop(mode);
            return info;
        }));
    }

    /** Closes every connection a listener accepted (it is being removed). */
    public void dropAll(ListenerRuntime listener, DropMode mode) {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (EventLoop loop : loops) {
            done.add(loop.submit(() -> {
                List<Relay> owned = new ArrayList<>();
                for (Relay relay : loop.relays()) {
                    if (relay.listener == listener) {
                        owned.add(relay);
                    }
                }
                owned.forEach(relay -> relay.drop(mode));
                return null;
            }));
        }
        await(done);
    }

    public ThroughputMeter throughput() {
        return throughput;
    }

    public int eventLoops() {
        return loops.size();
    }

    /**
     * Stops the loops without closing a connection: every relay, with its sockets and pipes and the bytes in
     * them, and every listener's counters are parked for the next version (see DESIGN: hot update). What is not
     * claimed within the grace period is closed by the parking lot.
     */
    public void parkAndStop() {
        List<CompletableFuture<Integer>> parked = new ArrayList<>();
        for (EventLoop loop : loops) {
            parked.add(loop.submit(() -> {
                List<Relay> all = new ArrayList<>();
                loop.relays().forEach(all::add);
                for (Relay relay : all) {
                    List<NativeHandle> handles = new ArrayList<>();
                    Map<String, Object> state = relay.park(handles);
                    owners.remove(relay.id);
                    parking.park(RELAY + relay.id, state, handles, grace);
                }
                return all.size();
            }));
        }
        int count = 0;
        for (CompletableFuture<Integer> part : parked) {
            count += join(part);
        }
        for (ListenerRuntime listener : listeners.values()) {
            parking.park(COUNTERS + listener.pid(), listener.counters().park(), List.of(), grace);
        }
        parking.park(ENGINE, Map.of("lastId", ids.get()), List.of(), grace);
        stopLoops();
        log.info("relay engine stopped: parked " + count + " connections for " + Durations.format(grace));
    }

    /** Closes every connection and stops the loops. */
    public void stop() {
        List<CompletableFuture<Void>> closed = new ArrayList<>();
        for (EventLoop loop : loops) {
            closed.add(loop.submit(() -> {
                List<Relay> all = new ArrayList<>();
                loop.relays().forEach(all::add);
                all.forEach(relay -> relay.drop(DropMode.GRACEFUL));
                return null;
            }));
        }
        await(closed);
        stopLoops();
        log.info("relay engine stopped");
    }

    private void stopLoops() {
        for (EventLoop loop : loops) {
            loop.stop();
        }
        for (EventLoop loop : loops) {
            try {
                loop.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void await(List<? extends CompletableFuture<?>> futures) {
        futures.forEach(RelayEngine::join);
    }

    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.get(SNAPSHOT_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(cause);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("an event loop did not answer within " + SNAPSHOT_TIMEOUT_MILLIS + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
