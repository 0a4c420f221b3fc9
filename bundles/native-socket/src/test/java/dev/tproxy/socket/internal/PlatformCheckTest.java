package dev.tproxy.socket.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PlatformCheckTest {

    @Test
    void refusesToStartOnAnotherOsWithOneClearLine() {
        String real = System.getProperty("os.name");
        System.setProperty("os.name", "Mac OS X");
        try {
            IllegalStateException refused = assertThrows(IllegalStateException.class, JnaTransparentSocketService::new);
            assertEquals("dev.tproxy.native-socket needs Linux (TPROXY, epoll, splice); this is Mac OS X", refused.getMessage());
        } finally {
            System.setProperty("os.name", real);
        }
    }
}
