package dev.tproxy.proxy.internal.config;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The relay engine (PID {@value #PID}); optional. Values are read as text and validated by
 * {@link EngineSettings#from(EngineConfig)}, so a bad one is refused by name. A change restarts the engine in place:
 * connections are carried over as in a hot update.
 */
@ObjectClassDefinition(name = "tproxy relay engine",
        description = "Event loops, buffers and pipe pools shared by all listeners.")
public @interface EngineConfig {
    String PID = "dev.tproxy.engine";

    @AttributeDefinition(name = "Event loops", type = AttributeType.INTEGER, min = "0", max = "256",
            description = "Threads relaying connections, each with its own epoll; 0 = one per core.")
    String event_loops() default "0";

    @AttributeDefinition(name = "Buffer memory",
            description = "Memory for copy buffers, all loops together (e.g. 32m); connections that wait for a slow "
                    + "reader hold at most this much, the rest then waits in the kernel's socket buffers.")
    String buffer_memory() default "32m";

    @AttributeDefinition(name = "Pipes per loop", type = AttributeType.INTEGER, min = "0", max = "1000000",
            description = "Most pipes a loop holds at once (each pipe.size bytes of kernel memory at most); above "
                    + "it, directions copy through a buffer instead.")
    String pipes_per_loop() default "1024";

    @AttributeDefinition(name = "Idle pipes kept per loop", type = AttributeType.INTEGER, min = "0", max = "1000000",
            description = "Drained pipes kept for reuse instead of being closed (closed after 5 s unused).")
    String idle_pipes_per_loop() default "64";

    @AttributeDefinition(name = "Grace period", description = "When the proxy bundle stops or is updated, its "
            + "connections and listening sockets are parked this long for the next version (e.g. 30s); what is "
            + "not taken over by then is closed. Also how long a removed listener's connections may drain.")
    String grace_period() default "30s";
}
