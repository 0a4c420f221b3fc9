package dev.tproxy.metrics.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** The endpoint's address and port, checked field by field. */
record MetricsEndpoint(InetAddress address, int port) {
    private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

    /** @throws IllegalArgumentException naming the field, e.g. {@code port: must be 1..65535, was 70000} */
    static MetricsEndpoint from(String address, String port) {
        String text = address == null ? "" : address.strip();
        if (!IP_LITERAL.matcher(text).matches()) {
            throw new IllegalArgumentException("address: not an IP address: '" + text + "'");
        }
        InetAddress parsed;
        try {
            parsed = InetAddress.getByName(text);   // a literal: no name lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("address: not an IP address: '" + text + "'");
        }
        int number;
        try {
            number = Integer.parseInt(port == null ? "" : port.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port: not a number: '" + port + "'");
        }
        if (number < 1 || number > 65535) {
            throw new IllegalArgumentException("port: must be 1..65535, was " + number);
        }
        return new MetricsEndpoint(parsed, number);
    }

    InetSocketAddress socketAddress() {
        return new InetSocketAddress(address, port);
    }

    @Override
    public String toString() {
        return socketAddress().getAddress().getHostAddress() + ":" + port;
    }
}
