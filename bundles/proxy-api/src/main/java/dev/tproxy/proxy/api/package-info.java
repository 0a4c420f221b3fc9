/** Inspect and drop the proxy's connections, read its statistics and listener states. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package dev.tproxy.proxy.api;
