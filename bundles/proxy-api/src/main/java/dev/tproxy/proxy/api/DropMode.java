package dev.tproxy.proxy.api;

/** How a dropped connection ends for both peers. */
public enum DropMode {
    /** Both peers receive FIN. */
    GRACEFUL,
    /** Both peers receive RST. */
    RESET
}
