package dev.tproxy.socket.internal;

import dev.tproxy.socket.api.ThreadPriorities;
import org.osgi.service.component.annotations.Component;

/** setpriority(PRIO_PROCESS, 0, 19): on Linux, "process" 0 is the calling thread (nice is per thread). */
@Component(service = ThreadPriorities.class)
public final class JnaThreadPriorities implements ThreadPriorities {
    static final int PRIO_PROCESS = 0;
    static final int LOWEST = 19;

    @Override
    public void lowerCallingThread() {
        if (LibC.setpriority(PRIO_PROCESS, 0, LOWEST) < 0) {
            throw Errors.lastError("setpriority(PRIO_PROCESS, calling thread, " + LOWEST + ")");
        }
    }
}
