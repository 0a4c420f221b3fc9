package dev.tproxy.metrics.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Where {@code GET /metrics} is served (configuration PID {@value #PID}; no configuration, no endpoint). Values
 * are read as text and checked by {@link MetricsEndpoint#from}, so that a bad one is refused by its field's name.
 */
@ObjectClassDefinition(name = "tproxy metrics",
        description = "Prometheus metrics (text format 0.0.4) over HTTP at /metrics.")
public @interface MetricsConfig {
    String PID = "dev.tproxy.metrics";

    @AttributeDefinition(name = "Address", description = "IP address to listen on; 127.0.0.1 keeps it on the router.")
    String address() default "127.0.0.1";

    @AttributeDefinition(name = "Port", type = AttributeType.INTEGER, min = "1", max = "65535",
            description = "TCP port of the HTTP endpoint.")
    String port() default "9877";
}
