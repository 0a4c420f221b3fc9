package dev.tproxy.shell.internal.doctor;

/** Fake hosts for tests outside this package. */
public final class TestHosts {
    private TestHosts() {}

    public static HostProbe healthy() {
        return FakeHostProbe.healthy();
    }
}
