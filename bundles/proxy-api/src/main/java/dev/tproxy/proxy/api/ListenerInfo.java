package dev.tproxy.proxy.api;

import java.util.List;
import java.util.Map;

/**
 * A listener as operators see it.
 *
 * @param name the listener's name (configuration field {@code name})
 * @param pid the Config Admin PID of its factory configuration
 * @param state running or failed
 * @param boundAddresses the sockets it listens on, e.g. {@code 0.0.0.0:9876}
 * @param settings the configuration in force, field by field (as operators write it)
 * @param lastError the last error (a rejected configuration, a socket that could not open), or null
 * @param counters its counters
 */
public record ListenerInfo(String name, String pid, ListenerState state, List<String> boundAddresses,
        Map<String, String> settings, String lastError, TrafficCounters counters) {}
