package dev.tproxy.shell.internal.doctor;

/** The verdict of one check. */
public enum Status {
    /** As it should be. */
    OK,
    /** Works, but something is likely to bite (a limit below the configuration, IPv6 not forwarded). */
    WARN,
    /** Broken: traffic will not be proxied, or the proxy cannot work as configured. */
    FAIL
}
