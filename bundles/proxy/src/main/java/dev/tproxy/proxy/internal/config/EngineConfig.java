package dev.tproxy.proxy.internal.config;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The relay engine (PID {@value #PID}); optional. A change restarts the engine and its listeners. */
@ObjectClassDefinition(name = "tproxy relay engine",
        description = "Event loops and pipe pools shared by all listeners.")
public @interface EngineConfig {
    String PID = "dev.tproxy.engine";

    @AttributeDefinition(name = "Event loops", min = "0", max = "256",
            description = "Threads relaying connections, each with its own epoll; 0 = one per core.")
    int event_loops() default 0;

    @AttributeDefinition(name = "Pipes per loop", min = "0",
            description = "Most pipes a loop holds at once; above it, directions copy through a buffer instead.")
    int pipes_per_loop() default 4096;

    @AttributeDefinition(name = "Idle pipes kept per loop", min = "0",
            description = "Drained pipes kept for reuse instead of being closed.")
    int idle_pipes_per_loop() default 64;

    @AttributeDefinition(name = "Grace period", description = "When the proxy bundle stops or is updated, its "
            + "connections and listening sockets are parked this long for the next version (e.g. 30s); what is "
            + "not taken over by then is closed. Also how long a removed listener's connections may drain.")
    String grace_period() default "30s";
}
