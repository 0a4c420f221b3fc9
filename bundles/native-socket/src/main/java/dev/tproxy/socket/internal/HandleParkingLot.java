package dev.tproxy.socket.internal;

import dev.tproxy.socket.api.HandleParking;
import dev.tproxy.socket.api.NativeHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
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

    @Activate
    public HandleParkingLot(@Reference(service = LoggerFactory.class) Logger logger) {
        this.logger = logger;
    }

    private record Entry(Parked parked, ScheduledFuture<?> expiry) {}

    @Override
    public synchronized void park(String key, Map<String, Object> state, List<? extends NativeHandle> handles, Duration grace) {
        Entry previous = parked.remove(key);
        if (previous != null) {
            previous.expiry.cancel(false);
            closeAll(previous.parked);
        }
        Parked entry = new Parked(key, Map.copyOf(state), List.copyOf(handles));
        ScheduledFuture<?> expiry = reaper.schedule(() -> expire(key, entry), grace.toMillis(), TimeUnit.MILLISECONDS);
        parked.put(key, new Entry(entry, expiry));
    }

    private synchronized void expire(String key, Parked entry) {
        Entry current = parked.get(key);
        if (current != null && current.parked == entry) {
            parked.remove(key);
            closeAll(entry);
            logger.info("parked " + key + " was not claimed within its grace period: closed " + entry.handles().size() + " handles");
        }
    }

    @Override
    public synchronized Optional<Parked> claim(String key) {
        Entry entry = parked.remove(key);
        if (entry == null) {
            return Optional.empty();
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
