package dev.tproxy.shell.internal.doctor;

import dev.tproxy.proxy.api.ListenerInfo;
import dev.tproxy.proxy.api.ListenerState;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What the doctor needs to know of a listener, read from its settings as {@code tproxy:listeners} shows them.
 *
 * @param name its name
 * @param state its state
 * @param port the port TPROXY must point at, or 0 when unknown
 * @param maxConnections its connection limit, or 0 when unknown
 * @param ipv4 it listens on an IPv4 address
 * @param ipv6 it listens on an IPv6 address
 * @param clientSource upstream connections use the client's address (needs the {@code socket transparent} rule)
 * @param bound where it listens
 * @param lastError its last error, or null
 */
record ListenerFacts(String name, ListenerState state, int port, long maxConnections, boolean ipv4, boolean ipv6,
        boolean clientSource, List<String> bound, String lastError) {

    static ListenerFacts of(ListenerInfo info) {
        Map<String, String> settings = info.settings() == null ? Map.of() : info.settings();
        List<String> bound = info.boundAddresses() == null ? List.of() : info.boundAddresses();
        // bind.addresses holds bare hosts (0.0.0.0,::); bound addresses are host:port with IPv6 in brackets.
        String addresses = settings.get("bind.addresses");
        List<Boolean> v6 = addresses != null
                ? Stream.of(addresses.split(",")).filter(a -> !a.isBlank()).map(a -> a.contains(":")).toList()
                : bound.stream().map(a -> a.startsWith("[")).toList();
        boolean ipv4 = v6.contains(false) || v6.isEmpty();
        boolean ipv6 = v6.contains(true) || v6.isEmpty();
        return new ListenerFacts(info.name(), info.state(), (int) number(settings.get("port")),
                number(settings.get("max.connections")), ipv4, ipv6,
                !"router".equalsIgnoreCase(settings.getOrDefault("source.mode", "client")), bound, info.lastError());
    }

    boolean active() {
        return state != ListenerState.STOPPED;
    }

    private static long number(String text) {
        try {
            return text == null ? 0 : Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
