package dev.tproxy.socket.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Hashtable;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.log.Logger;

/**
 * What a version of this bundle leaves parked when it stops while the framework runs (an update, or a stop and a
 * start): its lot goes on moving the entries' bytes, and expiring them, on its own threads, until the next version
 * takes them over at activation, a batch at a time: an entry stands still only while its batch crosses. Detaching
 * registers this through the system bundle, whose registrations outlive this bundle: a version whose manifest has
 * {@value #TAKE_OVER_HEADER} calls it ({@link #takeOver}) and gets the entries in {@link ParkedFile}'s encoding. For a
 * version without it (a downgrade), the entries go to the data area's file, as older versions wrote it, when that
 * version starts, before its components activate. The grace period runs on meanwhile. Uninstalling this bundle or
 * stopping the framework closes them. Detaching first loads every class of this bundle ({@link BundleClasses}).
 */
final class DetachedLot implements Supplier<byte[]>, SynchronousBundleListener {
    /** The manifest header of a version that takes a detached lot over (its value: the encoding's version). */
    static final String TAKE_OVER_HEADER = "Tproxy-Parking-Take-Over";
    /** The service property naming the bundle (by id) whose lot this is. */
    static final String DETACHED_FROM = "tproxy.parking.detached.from";
    /** Entries per batch taken over. */
    static final int BATCH = 4;

    private final HandleParkingLot lot;
    private final BundleContext system;
    private final long bundleId;
    private final Path file;
    private final Logger logger;
    private ServiceRegistration<?> registration;
    private boolean ended;

    private DetachedLot(HandleParkingLot lot, BundleContext system, long bundleId, Path file, Logger logger) {
        this.lot = lot;
        this.system = system;
        this.bundleId = bundleId;
        this.file = file;
        this.logger = logger;
    }

    /**
     * Keeps {@code lot}, which holds what {@code context}'s bundle parked, until its next version takes it over;
     * {@code file} is where a version that cannot take it over looks.
     */
    static void detach(HandleParkingLot lot, BundleContext context, Path file, Logger logger) throws ClassNotFoundException {
        BundleClasses.loadAll(context.getBundle());
        BundleContext system = context.getBundle(Constants.SYSTEM_BUNDLE_ID).getBundleContext();
        DetachedLot detached = new DetachedLot(lot, system, context.getBundle().getBundleId(), file, logger);
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(DETACHED_FROM, detached.bundleId);
        synchronized (detached) {
            lot.whenEmptied(detached::end);
            system.addBundleListener(detached);
            try {
                detached.registration = system.registerService(Supplier.class.getName(), detached, properties);
            } catch (RuntimeException e) {
                system.removeBundleListener(detached);
                throw e;
            }
        }
    }

    /**
     * Takes over what the lots previous versions of {@code context}'s bundle detached hold, a batch at a time, each
     * stopped only as it is taken, with their descriptors, into {@code onBatch}; false when there is no such lot. A
     * batch that cannot be decoded or parked is closed (and said so), the others taken over all the same.
     */
    static boolean takeOver(BundleContext context, Logger logger, Consumer<List<HandoverProtocol.Entry>> onBatch)
            throws ClassNotFoundException {
        Collection<ServiceReference<Supplier>> references;
        try {
            references = context.getServiceReferences(Supplier.class, "(" + DETACHED_FROM + "=" + context.getBundle().getBundleId() + ")");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        if (references.isEmpty()) {
            return false;
        }
        // this version's classes loaded before the first entry stops, rather than while it waits
        BundleClasses.loadAll(context.getBundle());
        for (ServiceReference<Supplier> reference : references) {
            Supplier<?> detached = context.getService(reference);
            if (detached == null) {
                continue;
            }
            try {
                for (Object batch = detached.get(); batch instanceof byte[] encoded; batch = detached.get()) {
                    try {
                        onBatch.accept(ParkedFile.decode(encoded, "the lot of the previous version"));
                    } catch (IOException | RuntimeException e) {
                        // decode closes what it could not decode, parkAll what it could not park
                        logger.error("native-socket: could not take over {} bytes of parked entries from its previous version: {}; closed them",
                                encoded.length, e.toString());
                    }
                }
            } catch (RuntimeException e) {
                logger.error("native-socket: its previous version could not hand over the rest of its parked entries: {}", e.toString());
            } finally {
                context.ungetService(reference);
            }
        }
        return true;
    }

    /**
     * The next {@value #BATCH} entries (or fewer), encoded, their flows stopped now; null once there are none. A
     * batch at a time, an entry stands still only while its own batch crosses.
     */
    @Override
    public byte[] get() {
        List<HandoverProtocol.Entry> entries = take(BATCH);
        if (entries == null) {
            return null;
        }
        try {
            return ParkedFile.encode(entries);
        } catch (IOException | RuntimeException e) {
            entries.forEach(HandoverProtocol.Entry::closeHandles);
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    @Override
    public void bundleChanged(BundleEvent event) {
        long id = event.getBundle().getBundleId();
        if (id == bundleId && event.getType() == BundleEvent.STARTING && event.getBundle().getHeaders().get(TAKE_OVER_HEADER) == null) {
            toFile();
        } else if (id == bundleId && event.getType() == BundleEvent.UNINSTALLED
                || id == Constants.SYSTEM_BUNDLE_ID && event.getType() == BundleEvent.STOPPING) {
            List<HandoverProtocol.Entry> entries = end();
            if (entries != null) {
                entries.forEach(HandoverProtocol.Entry::closeHandles);
                logger.info("native-socket gone: closed the {} entries its stopped version kept parked", entries.size());
            }
        }
    }

    /** For a version that cannot take this lot over: the entries go where it looks, before it activates. */
    private void toFile() {
        List<HandoverProtocol.Entry> entries = end();
        if (entries == null) {
            return;
        }
        try {
            ParkedFile.write(file, entries);
            logger.info("native-socket starting a version without {}: {} parked entries handed over in {}", TAKE_OVER_HEADER, entries.size(), file);
        } catch (IOException | RuntimeException e) {
            entries.forEach(HandoverProtocol.Entry::closeHandles);
            logger.error("native-socket: cannot hand the parked entries over to its next version ({}): {}; closed them", file, e.toString());
        }
    }

    /** What the lot holds, stopped; null if it holds nothing. This lot then ends. */
    private List<HandoverProtocol.Entry> end() {
        return take(Integer.MAX_VALUE);
    }

    /** What the lot holds, stopped, up to {@code max} entries; null once it holds none (this lot then ends). */
    private synchronized List<HandoverProtocol.Entry> take(int max) {
        if (ended) {
            return null;
        }
        List<HandoverProtocol.Entry> entries = lot.takeSome(max);
        if (entries.size() < max) {
            ended = true;
            try {
                if (registration != null) { // null only while detach registers it
                    registration.unregister();
                }
                system.removeBundleListener(this);
            } catch (IllegalStateException e) {
                // the framework is stopping: its registrations and listeners go anyway
            }
        }
        return entries.isEmpty() ? null : entries;
    }
}
