package dev.tproxy.proxy.internal.config;

/** Whose address the upstream connection comes from. */
public enum SourceMode {
    /** The client's (IP_TRANSPARENT + bind): the server sees who really connects. */
    CLIENT,
    /** The router's own address. */
    ROUTER
}
