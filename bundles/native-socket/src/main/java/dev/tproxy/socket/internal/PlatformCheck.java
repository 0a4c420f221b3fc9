package dev.tproxy.socket.internal;

import java.util.Locale;
import java.util.Set;

/**
 * Where the bundle's syscall layouts hold: Linux, a 64-bit (LP64) JVM, x86_64 or aarch64, the two architectures
 * whose struct layouts and constants are checked against the C headers (LinuxConstantsTest). Anywhere else it
 * refuses to start with one line saying why, rather than pass wrong offsets to the kernel.
 */
final class PlatformCheck {
    private static final Set<String> CHECKED_ARCHITECTURES = Set.of("amd64", "x86_64", "aarch64");

    private PlatformCheck() {}

    /** Null where the bundle can run, else the reason it cannot. */
    static String refusal(String osName, String osArch, String dataModel) {
        if (!osName.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return "dev.tproxy.native-socket needs Linux (TPROXY, epoll, splice); this is " + osName;
        }
        if (!"64".equals(dataModel) || !CHECKED_ARCHITECTURES.contains(osArch)) {
            return "dev.tproxy.native-socket needs a 64-bit JVM on x86_64 or aarch64 (its struct layouts are checked"
                    + " there only); this is " + osArch + " with a " + dataModel + "-bit JVM";
        }
        return null;
    }

    /** Throws with the reason when this JVM is not a platform the bundle can run on. */
    static void requireSupported() {
        String refusal = refusal(System.getProperty("os.name", "unknown"), System.getProperty("os.arch", "unknown"),
                System.getProperty("sun.arch.data.model", "unknown"));
        if (refusal != null) {
            throw new IllegalStateException(refusal);
        }
    }
}
