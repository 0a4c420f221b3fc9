package dev.tproxy.socket.internal;

import dev.tproxy.socket.api.HandleParking;
import dev.tproxy.socket.api.NativeHandle;
import dev.tproxy.socket.api.Pipe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * {@link HandleParking} in this bundle, which outlives updates of the proxy bundle. Immediate: a delayed
 * component would be disposed, closing what it holds, the moment its only user (the proxy) lets go of it. When
 * this bundle itself is updated (or stopped while the framework runs), what is parked stays open, and moving, for its
 * next version ({@link DetachedLot}); when the framework stops, it is closed.
 *
 * <p>In a runtime started with the framework property {@value #RECEIVE} (a socket path, set by bin/restart), the
 * lot takes over what the running runtime hands over there ({@link #handOver}), on a thread of its own: its service
 * is registered at once, and {@link #claim}, {@link #keys} and {@link #park} wait until the hand-over is all here.
 * The socket appears (and bin/restart starts the hand-over) only once the first of these calls waits, or the
 * framework has started without one: by then the proxy's components have activated (their bundle resolved, their
 * classes loaded, the engine's loops started), so that none of that start-up work takes CPU from the connections
 * while they cross. They then adopt those listeners and connections as after a hot update. If nothing comes within
 * {@value #TIMEOUT} (default 30 s) of the socket's appearance, every call that waited throws: the proxy never starts
 * in this process, and the old one goes on serving.
 *
 * <p>While parked, an entry's flows move ({@link ParkedFlows}); whatever takes an entry out of the lot (a claim, an
 * expiry, a hand-over, the next version of this bundle taking it over) stops them first.
 */
@Component(service = HandleParking.class, immediate = true)
public final class HandleParkingLot implements HandleParking {
    private final Map<String, Entry> parked = new LinkedHashMap<>();
    private final ParkedFlows flows = new ParkedFlows();
    private final ScheduledExecutorService reaper = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "tproxy-parking-reaper");
        thread.setDaemon(true);
        return thread;
    });
    private final Logger logger;
    private final BundleContext context;
    /** The keys handed over by another runtime that its users have not claimed yet, and the hand-over's connection. */
    private final Set<String> awaitingAdoption = new HashSet<>();
    /** A hand-over being received in the background ({@link #receiveInBackground}); done when there is none. */
    private volatile CompletableFuture<Void> receiving = CompletableFuture.completedFuture(null);
    /** Done once this lot's users wait for the hand-over, or the framework started: the socket may appear then. */
    private final CompletableFuture<Void> usersReady = new CompletableFuture<>();
    /** Set once deactivated: a hand-over still arriving then has no lot to park in. */
    private boolean deactivated;
    private HandoverProtocol.Received handover;
    /** The sender whose priority this runtime's session took before its socket appeared ({@link #prepareToReceive}). */
    private volatile long priorityTakenOf;
    static final String RECEIVE = "tproxy.handover.receive";
    /** The pid of the runtime that is to hand over (set by bin/restart beside {@value #RECEIVE}). */
    static final String SENDER = "tproxy.handover.sender";
    static final String TIMEOUT = "tproxy.handover.timeout";
    /** Written beside the hand-over socket once everything handed over is adopted here. */
    static final String ADOPTED_FILE = "handover.adopted";
    private Path handoverSocket;
    /** What a detached lot does once its last entry expired (see {@link DetachedLot}). */
    private volatile Runnable whenEmptied;
    /** Set once this process received its hand-over (or tried to). */
    static final String RECEIVED = "tproxy.handover.received";
    /**
     * Pipes a hand-over may open for the flows that cross without one, and their size: each 2 descriptors and 4 pages,
     * for a few seconds (1024 of them are a quarter of an unprivileged user's default pipe-user-pages-soft).
     */
    static final int MAX_CROSSING_PIPES = 1024;
    static final int CROSSING_PIPE_SIZE = 16 * 1024;

    @Activate
    public HandleParkingLot(BundleContext context, @Reference(service = LoggerFactory.class) Logger logger) throws IOException {
        this.logger = logger;
        this.context = context;
        adoptFromPreviousVersion();
        String socket = context.getProperty(RECEIVE);
        // once per process: a later version of this bundle (an update) takes over from this one instead
        if (socket != null && !socket.isBlank() && System.getProperty(RECEIVED) == null) {
            System.setProperty(RECEIVED, socket);
            context.addFrameworkListener(event -> {
                if (event.getType() == FrameworkEvent.STARTED) {
                    usersReady.complete(null); // no user of the lot is coming: a broken proxy, say; the sender finds out
                }
            });
            if (context.getBundle(0).getState() == Bundle.ACTIVE) {
                usersReady.complete(null);
            }
            long sender = wholeNumber(SENDER, context.getProperty(SENDER), 0);
            receiveInBackground(Path.of(socket), Duration.ofSeconds(wholeNumber(TIMEOUT, context.getProperty(TIMEOUT), 30)), sender);
        }
    }

    /** {@code value} (framework property {@code name}, set by bin/restart) as a number, {@code absent} when unset. */
    static long wholeNumber(String name, String value, long absent) {
        if (value == null || value.isBlank()) {
            return absent;
        }
        try {
            long number = Long.parseLong(value.strip());
            if (number >= 0) {
                return number;
            }
        } catch (NumberFormatException e) {
            // named below
        }
        throw new IllegalArgumentException("the framework property " + name + " is '" + value + "', not a whole number >= 0");
    }

    HandleParkingLot(Logger logger) {
        this.logger = logger;
        this.context = null;
    }

    /**
     * What the version of this bundle before an update (or a stop) kept open (see {@link #deactivate}): its detached
     * lot, moving until now, or what an older version wrote to the data area.
     */
    private void adoptFromPreviousVersion() {
        if (context == null) {
            return;
        }
        try {
            int[] taken = {0, 0};
            if (DetachedLot.takeOver(context, logger, batch -> {
                taken[0] += batch.size();
                taken[1] += parkAll(batch, false);
            })) {
                logger.info("took over {} parked entries ({} handles) from the previous version of this bundle, which kept them moving until now",
                        taken[0], taken[1]);
            }
        } catch (ClassNotFoundException | RuntimeException | LinkageError e) {
            logger.error("cannot take over what the previous version of this bundle parked: {}", e.toString());
        }
        Path file = keptFile();
        if (file == null || !Files.exists(file)) {
            return;
        }
        try {
            List<HandoverProtocol.Entry> entries = ParkedFile.read(file);
            int handles = parkAll(entries, false);
            logger.info("took over {} parked entries ({} handles) that the previous version of this bundle left in {}", entries.size(), handles, file);
        } catch (IOException | RuntimeException e) {
            logger.error("cannot take over what the previous version of this bundle parked ({}): {}", file, e.toString());
        }
    }

    private Path keptFile() {
        java.io.File file = context == null ? null : context.getDataFile("parked-handles");
        return file == null ? null : file.toPath();
    }

    /**
     * Receives at {@code socket} on a thread of its own, once the lot's users are ready for it (the first call of
     * {@link #claim}, {@link #keys} or {@link #park}, or the framework's start). Until that is done, those calls wait
     * for it, and throw should it fail: the proxy's components activate before, and adopt what arrived as soon as it
     * is all here. {@code sender}: the pid of the process expected to hand over, or 0.
     */
    void receiveInBackground(Path socket, Duration timeout, long sender) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        receiving = done;
        Thread receiver = new Thread(() -> {
            try {
                usersReady.join();
                prepareToReceive(sender);
                receive(socket, timeout);
                done.complete(null);
            } catch (IOException | RuntimeException | Error e) {
                done.completeExceptionally(e);
            }
        }, "tproxy-handover-receive");
        receiver.setDaemon(true);
        receiver.start();
    }

    /** Waits until a hand-over being received is all here; throws, naming its failure, when it failed. */
    private void awaitReceived() {
        usersReady.complete(null);
        try {
            receiving.join();
        } catch (CompletionException e) {
            throw new IllegalStateException("the hand-over to this runtime failed: " + HandoverProtocol.reason(e.getCause()), e.getCause());
        }
    }

    void receive(Path socket, Duration timeout) throws IOException {
        handoverSocket = socket;
        logger.info("hand-over: waiting at {} for the running runtime's listeners and connections", socket);
        long[] first = {0};
        int[] handles = {0};
        HandoverProtocol.Received received;
        try {
            // each batch is parked, its bytes moving, as it comes: the sender moves the others on meanwhile
            received = HandoverProtocol.receive(socket, timeout, this::takePriorityOf, batch -> {
                if (first[0] == 0) {
                    first[0] = System.nanoTime();
                }
                handles[0] += parkAll(batch, true);
            });
        } catch (IOException | RuntimeException | Error e) {
            // no thread of this failed component may go on moving bytes; the sender keeps its own copies
            takeAll().forEach(HandoverProtocol.Entry::closeHandles);
            logger.error("hand-over at {} failed: {}; the proxy does not start in this process", socket, HandoverProtocol.reason(e));
            throw e;
        }
        synchronized (this) {
            handover = received;
            confirmIfAdopted();
        }
        logger.info("hand-over: took {} parked entries ({} handles) in {} ms", received.count(), handles[0],
                first[0] == 0 ? 0 : (System.nanoTime() - first[0]) / 1_000_000);
    }

    /**
     * Just before the socket appears. From then on this runtime waits, idle, until the sender connects, and then takes
     * over every connection at once: nothing of it may wait for the CPU or stop the crossing then. So its heap is
     * collected now, while it relays nothing (a young collection during the crossing would stop every flow of this
     * process for 5-20 ms), and its session gets the sender's CPU priority now, not when the first batch is already
     * on its way (see {@link #takePriorityOf}).
     */
    private void prepareToReceive(long sender) {
        System.gc();
        if (sender > 0) {
            int nice = SessionPriority.niceOf(sender).orElse(0);
            try {
                reportPriority(sender, nice, SessionPriority.set(ProcessHandle.current().pid(), nice), null);
                priorityTakenOf = sender;
            } catch (IOException e) {
                reportPriority(sender, nice, false, e.getMessage());
            }
        }
    }

    /**
     * bin/restart started this runtime in a session of its own that yields the CPU to the sender's relays
     * ({@link SessionPriority}); from the hand-over on, the relays are this runtime's, and its session gets the
     * sender's priority (0 unless an operator set another). Done before the socket appears when the sender was
     * named ({@link #prepareToReceive}); this is for a sender that was not, or not that one.
     */
    private void takePriorityOf(long sender) {
        if (sender == priorityTakenOf) {
            return; // taken already: no thread, no /proc reads while the first batches cross
        }
        int nice = SessionPriority.niceOf(sender).orElse(0);
        SessionPriority.setLater(nice).whenComplete((set, failure) ->
                reportPriority(sender, nice, Boolean.TRUE.equals(set), failure == null ? null : failure.getCause().getMessage()));
    }

    private void reportPriority(long sender, int nice, boolean set, String failure) {
        if (failure != null) {
            logger.warn("hand-over: this runtime's session keeps its priority: {}", failure);
        } else if (set) {
            logger.info("hand-over: this runtime's session now has the CPU priority of process {}'s (nice {})", sender, nice);
        }
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
                // for bin/restart, should the old runtime's answer not reach it: this process carries the connections
                Files.writeString(handoverSocket.resolveSibling(ADOPTED_FILE), ProcessHandle.current().pid() + "\n");
                logger.info("hand-over: every listener and connection handed over is adopted");
            } catch (IOException e) {
                logger.warn("hand-over: could not confirm the adoption to the previous runtime: {}", e.getMessage());
            }
        });
    }

    @Override
    public long handOver(String socket, Duration timeout) throws IOException {
        synchronized (this) {
            // The other process moves an entry's bytes from the moment it holds it: none may move here once the entry
            // is sent. The entries not yet sent move on here meanwhile.
            long start = System.nanoTime();
            Map<String, Duration> graces = new LinkedHashMap<>();
            parked.forEach((key, entry) -> graces.put(key, Duration.ofMillis(entry.expiry.getDelay(TimeUnit.MILLISECONDS))));
            int[] stopped = {0};
            Iterator<HandoverProtocol.Entry> stopping = stoppingOneByOne(graces, stopped);
            long pid;
            try {
                pid = HandoverProtocol.send(Path.of(socket), stopping, timeout, held -> logger.info(
                        "hand-over: {} entries sent and held by the receiver in {} ms; each stood still only while its batch crossed",
                        graces.size(), (held - start) / 1_000_000));
            } catch (IOException | RuntimeException | Error e) {
                takeBack(graces, stopped[0]);
                throw e;
            }
            letGo(graces.size(), pid);
            return pid;
        }
    }

    /**
     * After a hand-over: every entry is the receiver's, so this lot closes its copies and forgets them. Nothing here
     * may fail the hand-over any more (a rollback now would relay the connections in both processes): a copy that
     * does not close is logged and left.
     */
    private void letGo(int given, long pid) {
        int handles = 0;
        for (Entry entry : parked.values()) {
            try {
                entry.expiry.cancel(false);
                handles += entry.parked.handles().size();
                closeAll(entry.parked);
            } catch (RuntimeException | Error e) {
                logger.error("hand-over: {} is process {}'s now, but this runtime's copy did not close: {}", entry.parked.key(), pid, e.toString());
            }
        }
        parked.clear();
        logger.info("hand-over: gave {} parked entries ({} handles) to process {}", given, handles, pid);
    }

    /**
     * The entries of {@code graces}, in their order, each stopped (and given crossing pipes) only when asked for;
     * {@code stopped[0]} counts them.
     */
    private Iterator<HandoverProtocol.Entry> stoppingOneByOne(Map<String, Duration> graces, int[] stopped) {
        int[] crossingPipes = {MAX_CROSSING_PIPES};
        Iterator<Map.Entry<String, Duration>> keys = graces.entrySet().iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return keys.hasNext();
            }

            @Override
            public HandoverProtocol.Entry next() {
                Map.Entry<String, Duration> next = keys.next();
                stopped[0]++;
                Entry entry = parked.get(next.getKey());
                entry.parked = withCrossingPipes(settle(entry), crossingPipes);
                return new HandoverProtocol.Entry(entry.parked, next.getValue());
            }
        };
    }

    /**
     * After a failed hand-over: the first {@code stopped} entries of {@code graces} move again here, with what their
     * pipes hold (the receiver may have moved bytes through them: the pipes are the truth), and every entry gets the
     * grace it had left at the start in a new Entry, so that an expiry already waiting for this monitor finds nothing
     * to close.
     */
    private void takeBack(Map<String, Duration> graces, int stopped) {
        int index = 0;
        for (Map.Entry<String, Duration> each : graces.entrySet()) {
            Entry stale = parked.get(each.getKey());
            stale.expiry.cancel(false);
            Entry fresh = new Entry(stale.parked, stale.moving);
            if (index++ < stopped) {
                fresh.parked = withPipeLevels(stale.parked);
                fresh.moving = flows.start(fresh.parked.handles(), fresh.parked.flows(), true);
            }
            arm(each.getKey(), fresh, each.getValue());
            parked.put(each.getKey(), fresh);
        }
    }

    /**
     * A parked entry, its flows while they move, and its expiry; a new Entry when re-armed, so that a stale expiry
     * finds nothing to close.
     */
    private static final class Entry {
        Parked parked;
        ParkedFlows.Moving moving;
        ScheduledFuture<?> expiry;

        Entry(Parked parked, ParkedFlows.Moving moving) {
            this.parked = parked;
            this.moving = moving;
        }
    }

    /**
     * The entry with a pipe of this process for each flow that has none, while {@code budget} lasts. The receiver
     * opens no pipe of its own until its users claimed the entry (see {@link ParkedFlows#start}): without one, a flow
     * would stand still there until then. A pipe from here comes back with the entry should the hand-over fail.
     */
    private static Parked withCrossingPipes(Parked entry, int[] budget) {
        List<NativeHandle> handles = new ArrayList<>(entry.handles());
        List<Flow> flows = new ArrayList<>();
        for (Flow flow : entry.flows()) {
            if (flow.pipe() < 0 && !flow.failed() && budget[0] > 0) {
                try {
                    handles.add(JnaPipe.open(CROSSING_PIPE_SIZE));
                } catch (RuntimeException e) {
                    budget[0] = 0; // out of descriptors, say: the rest cross without, as they would have anyway
                    flows.add(flow);
                    continue;
                }
                budget[0]--;
                flow = new Flow(flow.source(), flow.sink(), handles.size() - 1, flow.pipeSize(), 0, flow.moved(),
                        flow.sourceErrno(), flow.sinkErrno());
            }
            flows.add(flow);
        }
        return handles.size() == entry.handles().size() ? entry : new Parked(entry.key(), entry.state(), handles, flows);
    }

    /** The entry with each flow's pending bytes read from its pipe. */
    private static Parked withPipeLevels(Parked entry) {
        List<Flow> levelled = new ArrayList<>();
        for (Flow flow : entry.flows()) {
            levelled.add(flow.pipe() < 0 ? flow : flow.withPending(((Pipe) entry.handles().get(flow.pipe())).buffered()));
        }
        return new Parked(entry.key(), entry.state(), entry.handles(), levelled);
    }

    /** Stops the entry's flows, if they move: its handles and flows are then as they stand. */
    private Parked settle(Entry entry) {
        if (entry.moving != null) {
            ParkedFlows.Stopped stopped = flows.stop(entry.moving);
            entry.moving = null;
            entry.parked = new Parked(entry.parked.key(), entry.parked.state(), stopped.handles(), stopped.flows());
        }
        return entry.parked;
    }

    /**
     * Parks each entry with what was left of its grace period; returns how many handles they hold. Entries handed
     * over by another process move without pipes of this process's own until claimed (see {@link ParkedFlows#start}).
     */
    private synchronized int parkAll(List<HandoverProtocol.Entry> entries, boolean handedOver) {
        if (deactivated) {
            entries.forEach(HandoverProtocol.Entry::closeHandles);
            throw new IllegalStateException("the native-socket bundle stopped while the hand-over arrived");
        }
        int handles = 0;
        for (int i = 0; i < entries.size(); i++) {
            Parked each = entries.get(i).parked();
            try {
                park(each.key(), each.state(), each.handles(), entries.get(i).grace(), each.flows(), !handedOver);
            } catch (RuntimeException e) {
                // no thread or epoll for the flows, say: what is not parked yet is this lot's to close
                entries.subList(i, entries.size()).forEach(HandoverProtocol.Entry::closeHandles);
                throw e;
            }
            handles += each.handles().size();
            if (handedOver && !each.handles().isEmpty()) {
                awaitingAdoption.add(each.key());
            }
        }
        return handles;
    }

    private void arm(String key, Entry entry, Duration grace) {
        entry.expiry = reaper.schedule(() -> expire(key, entry), grace.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void park(String key, Map<String, Object> state, List<? extends NativeHandle> handles, Duration grace, List<Flow> moving) {
        awaitReceived();
        park(key, state, handles, grace, moving, true);
    }

    private synchronized void park(String key, Map<String, Object> state, List<? extends NativeHandle> handles, Duration grace,
            List<Flow> moving, boolean opensPipes) {
        Entry previous = parked.remove(key);
        if (previous != null) {
            previous.expiry.cancel(false);
            closeAll(settle(previous));
        }
        List<NativeHandle> kept = List.copyOf(handles);
        Entry entry = new Entry(new Parked(key, Map.copyOf(state), kept, List.copyOf(moving)), flows.start(kept, moving, opensPipes));
        arm(key, entry, grace);
        parked.put(key, entry);
    }

    private void expire(String key, Entry entry) {
        boolean empty;
        synchronized (this) {
            if (parked.get(key) != entry) {
                return;
            }
            parked.remove(key);
            closeAll(settle(entry));
            logger.info("parked " + key + " was not claimed within its grace period: closed " + entry.parked.handles().size() + " handles");
            empty = parked.isEmpty();
        }
        Runnable then = whenEmptied;
        if (empty && then != null) {
            then.run(); // outside this monitor: a detached lot takes its own before this one's
        }
    }

    @Override
    public Optional<Parked> claim(String key) {
        awaitReceived();
        return claimNow(key);
    }

    private synchronized Optional<Parked> claimNow(String key) {
        Entry entry = parked.remove(key);
        if (entry == null) {
            return Optional.empty();
        }
        if (awaitingAdoption.remove(key)) {
            confirmIfAdopted();
        }
        entry.expiry.cancel(false);
        return Optional.of(settle(entry));
    }

    @Override
    public List<String> keys(String prefix) {
        awaitReceived();
        return keysNow(prefix);
    }

    private synchronized List<String> keysNow(String prefix) {
        List<String> keys = new ArrayList<>();
        for (String key : parked.keySet()) {
            if (key.startsWith(prefix)) {
                keys.add(key);
            }
        }
        return keys;
    }

    /**
     * When the framework stops, everything still parked is closed. Otherwise this bundle is being updated (or
     * stopped for a while): what is parked stays open, and moving ({@link DetachedLot}), until the next version takes
     * it over at activation; should the lot not detach, it stands still in the data area's file until then.
     */
    @Deactivate
    synchronized void deactivate() {
        deactivated = true;
        usersReady.completeExceptionally(new IllegalStateException("the native-socket bundle stopped before the hand-over began"));
        if (handover != null) {
            handover.channel().close();
            handover = null;
        }
        boolean frameworkRuns = context != null && context.getBundle(0).getState() == Bundle.ACTIVE;
        if (frameworkRuns && !parked.isEmpty()) {
            try {
                DetachedLot.detach(this, context, keptFile(), logger);
                logger.info("native-socket stopping: {} parked entries keep moving until its next version takes them over", parked.size());
                return;
            } catch (ClassNotFoundException | RuntimeException | LinkageError e) {
                logger.warn("native-socket stopping: the parked entries cannot keep moving ({}); they wait in {}", e.toString(), keptFile());
            }
        }
        List<HandoverProtocol.Entry> entries = takeAll();
        if (entries.isEmpty()) {
            return;
        }
        int handles = 0;
        for (HandoverProtocol.Entry entry : entries) {
            handles += entry.parked().handles().size();
        }
        Path file = keptFile();
        if (file != null && frameworkRuns) {
            try {
                ParkedFile.write(file, entries);
                logger.info("native-socket stopping: {} parked entries ({} handles) stay open for its next version", entries.size(), handles);
                return;
            } catch (IOException | RuntimeException e) {
                logger.error("native-socket stopping: cannot keep what is parked for its next version ({}): {}", file, e.toString());
            }
        }
        entries.forEach(HandoverProtocol.Entry::closeHandles);
        logger.info("native-socket stopping: closed {} parked entries ({} handles)", entries.size(), handles);
    }

    /** {@code action} runs when the last entry parked expires. */
    void whenEmptied(Runnable action) {
        whenEmptied = action;
    }

    /** Everything parked, as {@link #takeSome}. */
    synchronized List<HandoverProtocol.Entry> takeAll() {
        return takeSome(Integer.MAX_VALUE);
    }

    /**
     * The first {@code max} entries parked, in the order parked, taken out of the lot, their flows stopped, each with
     * what was left of its grace period. Once the lot holds nothing, it runs no thread any more.
     */
    synchronized List<HandoverProtocol.Entry> takeSome(int max) {
        List<HandoverProtocol.Entry> entries = new ArrayList<>();
        for (Iterator<Entry> each = parked.values().iterator(); each.hasNext() && entries.size() < max; ) {
            Entry entry = each.next();
            each.remove();
            entry.expiry.cancel(false);
            awaitingAdoption.remove(entry.parked.key());
            entries.add(new HandoverProtocol.Entry(settle(entry), Duration.ofMillis(entry.expiry.getDelay(TimeUnit.MILLISECONDS))));
        }
        if (parked.isEmpty()) {
            // the expiries left are cancelled ones; no interrupt either, should this run on the reaper's own thread
            reaper.shutdown();
            flows.close();
        }
        return entries;
    }

    private static void closeAll(Parked entry) {
        for (NativeHandle handle : entry.handles()) {
            handle.close();
        }
    }
}
