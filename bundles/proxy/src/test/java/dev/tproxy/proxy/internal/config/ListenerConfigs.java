package dev.tproxy.proxy.internal.config;

import java.lang.reflect.Proxy;
import java.util.Map;

/** A {@link ListenerConfig} as DS would build it: annotation defaults, overridden by property values. */
public final class ListenerConfigs {
    private ListenerConfigs() {}

    /** {@code overrides} uses property names, e.g. {@code "connect.timeout" -> "1s"}. */
    public static ListenerConfig of(Map<String, Object> overrides) {
        return (ListenerConfig) Proxy.newProxyInstance(ListenerConfig.class.getClassLoader(), new Class<?>[] {ListenerConfig.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("annotationType")) {
                        return ListenerConfig.class;
                    }
                    Object value = overrides.get(method.getName().replace('_', '.'));
                    return value != null ? value : method.getDefaultValue();
                });
    }
}
