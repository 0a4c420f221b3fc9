package dev.tproxy.proxy.internal.config;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * A transparent listener: one factory configuration of PID {@value #PID} each. Values are read as text and
 * validated by {@link ListenerSettings#from(ListenerConfig)} so that a bad value is refused with the field's
 * name instead of being silently coerced; Metatype still declares their real types for consoles.
 */
@ObjectClassDefinition(name = "tproxy listener",
        description = "A transparent TCP listener: where TPROXY delivers diverted flows, and how they are relayed.")
public @interface ListenerConfig {
    String PID = "dev.tproxy.listener";

    @AttributeDefinition(name = "Name", description = "Shown in listings and logs; letters, digits, '.', '_', '-'.")
    String name() default "default";

    @AttributeDefinition(name = "Port", type = AttributeType.INTEGER, min = "1", max = "65535",
            description = "The port the TPROXY rule points at (nft 'tproxy to :PORT').")
    String port() default "9876";

    @AttributeDefinition(name = "Bind addresses",
            description = "Addresses to listen on; 0.0.0.0 for all IPv4, :: for all IPv6 (IPv6 only).")
    String[] bind_addresses() default {"0.0.0.0", "::"};

    @AttributeDefinition(name = "Backlog", type = AttributeType.INTEGER, min = "1", max = "65535",
            description = "Accept queue length; SYNs wait here during a hot update.")
    String backlog() default "1024";

    @AttributeDefinition(name = "Upstream source", description = "client: the server sees the client's address "
            + "(IP_TRANSPARENT + bind); router: the server sees the router's address.",
            options = {@Option(label = "client address", value = "client"), @Option(label = "router address", value = "router")})
    String source_mode() default "client";

    @AttributeDefinition(name = "Upstream SO_MARK", type = AttributeType.LONG, min = "0", max = "4294967295",
            description = "Firewall mark on upstream packets (0 = none), e.g. to bypass rules or route them.")
    String upstream_mark() default "0";

    @AttributeDefinition(name = "Connect timeout", description = "How long to wait for the server (e.g. 5s); "
            + "then the client is reset.")
    String connect_timeout() default "5s";

    @AttributeDefinition(name = "Idle timeout", description = "Close a connection with no bytes either way for "
            + "this long (e.g. 1h); 0 = never.")
    String idle_timeout() default "1h";

    @AttributeDefinition(name = "Half-closed timeout", description = "Close a connection whose one direction has "
            + "ended (FIN) and whose other has carried no byte for this long (e.g. 5m), like HAProxy's timeout "
            + "client-fin / server-fin; 0 = only the idle timeout applies.")
    String half_closed_timeout() default "5m";

    @AttributeDefinition(name = "Max connections", type = AttributeType.INTEGER, min = "1",
            description = "Above this, new clients are reset. Each connection needs 2 file descriptors (4 while "
                    + "data flows through pipes).")
    String max_connections() default "8192";

    @AttributeDefinition(name = "Max connections per client", type = AttributeType.INTEGER, min = "0",
            description = "Per client address; 0 = unlimited.")
    String max_connections_per_client() default "0";

    @AttributeDefinition(name = "Allowed clients", description = "Client networks (CIDR) that may use the proxy; "
            + "others are reset and counted.")
    String[] allowed_clients() default {"0.0.0.0/0", "::/0"};

    @AttributeDefinition(name = "Connection log", description = "Which ended connections get a line in the "
            + "access log (log/access.log): all, failures (those that ended in a reset), none.",
            options = {@Option(label = "all", value = "all"), @Option(label = "failures", value = "failures"),
                @Option(label = "none", value = "none")})
    String log_connections() default "all";

    @AttributeDefinition(name = "Access log format", description = "text: one key=value line per connection; "
            + "json: one JSON object per line (time, id, listener, client, destination, upstream, from_client, "
            + "from_server, duration_ms, reason).",
            options = {@Option(label = "text", value = "text"), @Option(label = "json", value = "json")})
    String log_format() default "text";

    @AttributeDefinition(name = "Pipe size", type = AttributeType.INTEGER, min = "4096", max = "1048576",
            description = "Bytes per splice pipe (one per direction while data flows).")
    String pipe_size() default "262144";
}
