package dev.tproxy.proxy.internal.engine;

import dev.tproxy.proxy.api.ConnectionInfo;
import dev.tproxy.proxy.api.DropMode;
import dev.tproxy.proxy.api.Durations;
import dev.tproxy.proxy.api.ListenerState;
import dev.tproxy.proxy.api.TrafficCounters;
import dev.tproxy.proxy.internal.config.EngineSettings;
import dev.tproxy.socket.api.HandleParking;
import dev.tproxy.socket.api.ListeningSocket;
import dev.tproxy.socket.api.TransparentSocketService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The relay engine: N event loops, the listeners attached to them, and the live connections. Plain Java so tests
 * can run it without a framework; {@link RelayEngineComponent} runs it as a DS component.
 */
public final class RelayEngine {
    private final EventLog log;
    private final EventLoops loops;
    private final Admission admission = new Admission(new DestinationPolicy(new LocalAddresses()));
    private final Relays relays;
    private final ListenerRegistry listeners = new ListenerRegistry();
    private final ConcurrentHashMap<ListeningSocket, List<Acceptor>> acceptors = new ConcurrentHashMap<>();
    private final ThroughputMeter throughput = new ThroughputMeter();
    private final RelayParking parking;
    private volatile long hotUpdates;
    private volatile int carriedOver;
    /** Bytes the parking lot moved for the connections carried over, while they were parked. */
    private final AtomicLong movedWhileParked = new AtomicLong();

    /**
     * Starts the loops and takes over what an earlier version parked. If a loop cannot start (out of descriptors
     * or memory), the ones started are stopped and everything they opened is closed before the error is thrown.
     */
    public RelayEngine(TransparentSocketService sockets, HandleParking parking, EngineSettings settings, EventLog log) {
        this.log = log;
        this.parking = new RelayParking(parking, settings.gracePeriod());
        this.relays = new Relays(sockets, admission, log);
        List<EventLoop> made = new ArrayList<>();
        try {
            for (int i = 0; i < settings.eventLoops(); i++) {
                TransitPool transits = new TransitPool(sockets, settings.buffersPerLoop(CopyTransit.SIZE), settings.pipesPerLoop(),
                        settings.idlePipesPerLoop());
                EventLoop loop;
                try {
                    loop = new EventLoop(i, sockets, transits, log);
                } catch (RuntimeException e) {
                    transits.closeAll();
                    throw e;
                }
                loop.everySweep(() -> sweep(loop));
                made.add(loop);
            }
        } catch (RuntimeException e) {
            made.forEach(EventLoop::closeUnstarted);
            throw e;
        }
        made.get(0).everySweep(() -> throughput.sample(listeners.bytesFromClient(), listeners.bytesFromServer()));
        this.loops = new EventLoops(made);
        made.forEach(EventLoop::start);
        int adopted = adoptParked();
        carriedOver = adopted;
        log.info("relay engine started: " + settings.describe() + (adopted > 0 ? "; carried on " + adopted
                + " connections from the previous version, which moved " + movedWhileParked.get() + " bytes while parked" : ""));
    }

    /** Hot updates of the proxy bundle so far: each one that found what the previous version parked. */
    public long hotUpdates() {
        return hotUpdates;
    }

    /** The connections the last hot update carried over. */
    public int carriedOver() {
        return carriedOver;
    }

    /** How long parked connections and sockets wait for the next version, and removed listeners drain. */
    public Duration grace() {
        return parking.grace();
    }

    /** Where listeners park their sockets across an update. */
    public RelayParking parking() {
        return parking;
    }

    /** The runtime of listener {@code pid}, made on first use (counters parked by an earlier version restored). */
    public ListenerRuntime listenerRuntime(String pid) {
        return listeners.get(pid, parking::restoreCounters);
    }

    /** Takes over the connections an earlier version parked, spread over the loops. */
    private int adoptParked() {
        parking.claimEngine().ifPresent(previous -> {
            relays.continueIdsAfter(previous.lastId());
            hotUpdates = previous.hotUpdates() + 1;
        });
        parking.listenersWithParkedCounters().forEach(this::listenerRuntime);
        List<CompletableFuture<Boolean>> adopted = new ArrayList<>();
        int next = 0;
        for (String key : parking.parkedRelays()) {
            EventLoop loop = loops.all().get(next++ % loops.size());
            adopted.add(loop.submit(() -> parking.claimRelay(key).map(parked -> adopt(parked, loop)).orElse(false)));
        }
        int count = 0;
        for (CompletableFuture<Boolean> each : adopted) {
            count += EventLoops.await(each) ? 1 : 0;
        }
        return count;
    }

    /** Carries on one parked connection; one that cannot be (a fault, state this version does not read) is closed alone. */
    private boolean adopt(HandleParking.Parked parked, EventLoop loop) {
        Relay relay;
        try {
            relay = parking.adopt(parked, listenerRuntime(RelayParking.listenerOf(parked)), loop, relays);
            relay.start();
        } catch (RuntimeException e) {
            parked.handles().forEach(handle -> {
                loop.unregister(handle);
                handle.close();
            });
            log.warn("connection " + parked.key() + " could not be carried over, closed: " + e);
            return false;
        }
        relays.carryOver(relay);
        parked.flows().forEach(flow -> movedWhileParked.addAndGet(flow.moved()));
        Optional<RelayFault> fault = RelayParking.faultWhileParked(parked);
        if (fault.isPresent()) {
            relay.end(Ending.socketFailed(fault.get().side, fault.get().errno));
        } else {
            relay.resumeAfterUpdate();
        }
        return true;
    }

    private void sweep(EventLoop loop) {
        long now = System.nanoTime();
        loop.forEachRelay(relay -> relay.checkTimers(now));
        loop.transits.trim(now);
        for (List<Acceptor> perLoop : acceptors.values()) {
            perLoop.get(loop.index).checkPause(now);
        }
    }

    /** A removed listener: its connections may finish within the grace period, then the rest are closed. */
    public void retire(ListenerRuntime listener) {
        CompletableFuture.delayedExecutor(grace().toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
            if (listeners.isRegistered(listener) && listener.state() == ListenerState.STOPPED) {
                dropAll(listener, DropMode.GRACEFUL);
                unregister(listener);
            }
        });
    }

    public void unregister(ListenerRuntime listener) {
        listeners.remove(listener);
    }

    /** The summed counters of listeners that were removed, so totals never go backwards. */
    public TrafficCounters retiredCounters() {
        return listeners.retired();
    }

    public Collection<ListenerRuntime> listeners() {
        return listeners.all();
    }

    /** Starts accepting on {@code socket} in every loop. Returns once all loops accept. */
    public void attach(ListenerRuntime listener, ListeningSocket socket) {
        List<Acceptor> perLoop = new ArrayList<>();
        for (EventLoop loop : loops.all()) {
            perLoop.add(new Acceptor(listener, socket, loop, admission, relays, log));
        }
        loops.onEach(loop -> {
            perLoop.get(loop.index).open();
            return null;
        });
        acceptors.put(socket, perLoop);
    }

    /** Stops accepting on {@code socket} in every loop (the caller then closes it). Returns once done. */
    public void detach(ListeningSocket socket) {
        List<Acceptor> perLoop = acceptors.remove(socket);
        if (perLoop != null) {
            loops.onEach(loop -> {
                perLoop.get(loop.index).close();
                return null;
            });
        }
    }

    /** One connection's snapshot, or null if it is not live. */
    public ConnectionInfo connection(long id) {
        Relay relay = relays.get(id);
        return relay == null ? null : EventLoops.await(relay.loop().submit(
                () -> relays.get(id) == relay ? relay.info(System.nanoTime()) : null));
    }

    /** Snapshots of every live connection, oldest first. */
    public List<ConnectionInfo> connections() {
        List<ConnectionInfo> all = new ArrayList<>();
        loops.onEach(loop -> {
            long now = System.nanoTime();
            List<ConnectionInfo> infos = new ArrayList<>();
            loop.forEachRelay(relay -> infos.add(relay.info(now)));
            return infos;
        }).forEach(all::addAll);
        all.sort(Comparator.comparingLong(ConnectionInfo::id));
        return all;
    }

    /** Closes connection {@code id}; the snapshot it had just before, or null if it was not live. */
    public ConnectionInfo drop(long id, DropMode mode) {
        Relay relay = relays.get(id);
        return relay == null ? null : EventLoops.await(relay.loop().submit(() -> {
            if (relays.get(id) != relay) {
                return null;
            }
            ConnectionInfo info = relay.info(System.nanoTime());
            relay.drop(mode);
            return info;
        }));
    }

    /** Closes every connection a listener accepted (it is being removed). */
    public void dropAll(ListenerRuntime listener, DropMode mode) {
        loops.onEach(loop -> {
            loop.forEachRelay(relay -> {
                if (relay.listener == listener) {
                    relay.drop(mode);
                }
            });
            return null;
        });
    }

    public ThroughputMeter throughput() {
        return throughput;
    }

    public int eventLoops() {
        return loops.size();
    }

    /**
     * Queues a no-op on every event loop; completes once each has run it. A loop stuck in a task or a relay never
     * gets to it, so the result never completes: what a watchdog needs to tell a live engine from a hung one.
     */
    public CompletableFuture<Void> probeLoops() {
        List<CompletableFuture<Void>> rounds = new ArrayList<>(loops.size());
        for (EventLoop loop : loops.all()) {
            CompletableFuture<Void> round = new CompletableFuture<>();
            loop.execute(() -> round.complete(null));
            rounds.add(round);
        }
        return CompletableFuture.allOf(rounds.toArray(CompletableFuture[]::new));
    }

    EventLoops loops() {
        return loops;
    }

    /**
     * Stops the loops without closing a connection: every relay, with its sockets and pipes and the bytes in
     * them, and every listener's counters are parked for the next version (docs/design.md, "Hot update"). What
     * is not claimed within the grace period is closed by the parking lot.
     */
    public void parkAndStop() {
        int count = 0;
        // a few at a time on each loop: the relays not parked yet go on relaying meanwhile, and each parked one
        // moves on in the parking lot (parking a loop's every relay in one go held up the last for tens of ms)
        try {
            int parked;
            do {
                parked = loops.onEach(loop -> parkSome(loop, EventLoop.TASKS_PER_ROUND)).stream().mapToInt(Integer::intValue).sum();
                count += parked;
            } while (parked > 0);
            listeners.all().forEach(parking::parkCounters);
            parking.parkEngine(relays.lastId(), hotUpdates);
        } finally {
            loops.stop(); // a loop that did not answer in time: no relay goes on running for a component that is gone
        }
        log.info("relay engine stopped: parked " + count + " connections for " + Durations.format(grace()));
    }

    /** Parks up to {@code most} of the loop's relays; returns how many. Loop thread. */
    private int parkSome(EventLoop loop, int most) {
        int[] parked = {0};
        loop.forEachRelay(relay -> {
            if (parked[0] < most) {
                relays.remove(relay);
                parking.park(relay);
                parked[0]++;
            }
        });
        return parked[0];
    }

    /** Closes every connection and stops the loops. */
    public void stop() {
        loops.onEach(loop -> {
            loop.forEachRelay(Relay::shutDown);
            return null;
        });
        loops.stop();
        log.info("relay engine stopped");
    }
}
