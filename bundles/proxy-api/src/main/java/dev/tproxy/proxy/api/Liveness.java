package dev.tproxy.proxy.api;

import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/** Whether the relay engine's event loops are making progress (for a watchdog such as systemd's). */
@ProviderType
public interface Liveness {
    /**
     * Queues a no-op on every event loop. The stage completes once each loop has run it; a loop that is stuck
     * never runs it, so the stage never completes (callers wait with a timeout).
     */
    CompletionStage<Void> probe();
}
