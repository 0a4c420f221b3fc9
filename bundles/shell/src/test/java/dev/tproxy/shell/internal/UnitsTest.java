package dev.tproxy.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tproxy.proxy.api.RefusalReason;
import org.junit.jupiter.api.Test;

class UnitsTest {

    @Test
    void bytesInBinaryUnits() {
        assertEquals("0 B", Units.bytes(0));
        assertEquals("1023 B", Units.bytes(1023));
        assertEquals("1.0 KiB", Units.bytes(1024));
        assertEquals("1.2 MiB", Units.bytes(1_288_490));
        assertEquals("3.0 GiB", Units.bytes(3_221_225_472L));
        assertEquals("8.0 EiB", Units.bytes(Long.MAX_VALUE));
    }

    @Test
    void ratesInDecimalUnits() {
        assertEquals("0 bit/s", Units.bitsPerSecond(0));
        assertEquals("999 bit/s", Units.bitsPerSecond(999));
        assertEquals("12.3 Mbit/s", Units.bitsPerSecond(12_300_000));
        assertEquals("940.0 Mbit/s", Units.bitsPerSecond(940_000_000));
        assertEquals("10.0 Gbit/s", Units.bitsPerSecond(10_000_000_000L));
    }

    @Test
    void labels() {
        assertEquals("connection-limit", Units.label(RefusalReason.CONNECTION_LIMIT));
    }
}
