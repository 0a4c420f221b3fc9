package dev.tproxy.itests.engine;

import dev.tproxy.proxy.internal.config.ListenerConfig;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;

/** Builds a {@link ListenerConfig} the way DS would: annotation defaults, overridden by property values. */
final class Configs {
    private Configs() {}

    /** {@code overrides} uses the property names, e.g. {@code "connect.timeout" -> "1s"}. */
    static ListenerConfig listener(Map<String, Object> overrides) {
        return (ListenerConfig) Proxy.newProxyInstance(ListenerConfig.class.getClassLoader(), new Class<?>[] {ListenerConfig.class},
                (proxy, method, args) -> value(method, overrides));
    }

    private static Object value(Method method, Map<String, Object> overrides) {
        String property = method.getName().replace('_', '.');
        if (method.getName().equals("annotationType")) {
            return ListenerConfig.class;
        }
        if (method.getName().equals("toString")) {
            return "ListenerConfig" + overrides;
        }
        Object value = overrides.get(property);
        return value != null ? value : method.getDefaultValue();
    }
}
