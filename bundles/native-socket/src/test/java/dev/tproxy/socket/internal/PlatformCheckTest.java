package dev.tproxy.socket.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class PlatformCheckTest {
    @Test
    void runsOnLp64LinuxOnTheCheckedArchitectures() {
        assertNull(PlatformCheck.refusal("Linux", "amd64", "64"));
        assertNull(PlatformCheck.refusal("Linux", "aarch64", "64"));
        PlatformCheck.requireSupported(); // this machine
    }

    @Test
    void refusesA32BitJvmOrAnUncheckedArchitectureInOneLine() {
        assertEquals("dev.tproxy.native-socket needs a 64-bit JVM on x86_64 or aarch64 (its struct layouts are checked"
                + " there only); this is i386 with a 32-bit JVM", PlatformCheck.refusal("Linux", "i386", "32"));
        assertEquals("dev.tproxy.native-socket needs a 64-bit JVM on x86_64 or aarch64 (its struct layouts are checked"
                + " there only); this is riscv64 with a 64-bit JVM", PlatformCheck.refusal("Linux", "riscv64", "64"));
        assertEquals("dev.tproxy.native-socket needs a 64-bit JVM on x86_64 or aarch64 (its struct layouts are checked"
                + " there only); this is arm with a 32-bit JVM", PlatformCheck.refusal("Linux", "arm", "32"));
    }

    @Test
    void refusesAnotherSystem() {
        assertEquals("dev.tproxy.native-socket needs Linux (TPROXY, epoll, splice); this is Mac OS X",
                PlatformCheck.refusal("Mac OS X", "aarch64", "64"));
    }
}
