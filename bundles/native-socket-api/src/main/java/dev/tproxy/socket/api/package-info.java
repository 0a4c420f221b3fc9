/** Transparent sockets, epoll and splice for the proxy: the only API that reaches libc. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.4.0")
package dev.tproxy.socket.api;
