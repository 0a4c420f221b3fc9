package dev.tproxy.check;

import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A component property type (the proxy's {@code @ObjectClassDefinition} annotations) backed by a configuration's
 * properties, converted the way Declarative Services converts them for the types those annotations use: a
 * {@code String} from any scalar ({@code I"70000"} becomes "70000", so the validation sees the number), a
 * {@code String[]} from an array, a collection or a scalar; an absent property takes the annotation's default.
 */
final class AnnotationValues {
    private AnnotationValues() {}

    static <A> A of(Class<A> type, Map<String, Object> properties) {
        Object proxy = Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (self, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "hashCode" -> System.identityHashCode(self);
                    case "equals" -> self == args[0];
                    default -> type.getSimpleName() + properties;
                };
            }
            if (method.getName().equals("annotationType")) {
                return type;
            }
            Object value = properties.get(propertyName(method));
            return value == null ? method.getDefaultValue() : convert(value, method.getReturnType());
        });
        return type.cast(proxy);
    }

    /** The properties no element of {@code type} reads: most likely a misspelt field, which would be ignored. */
    static Set<String> unknown(Class<?> type, Set<String> keys) {
        Set<String> known = new TreeSet<>();
        for (Method method : type.getDeclaredMethods()) {
            known.add(propertyName(method));
        }
        Set<String> unknown = new TreeSet<>(keys);
        unknown.removeAll(known);
        unknown.removeIf(key -> key.startsWith("service.") || key.startsWith("felix.") || key.startsWith("component."));
        return unknown;
    }

    /** DS 1.4 name mapping: {@code __} is '_', a single {@code _} is '.', {@code $$} is '$'. */
    static String propertyName(Method method) {
        return method.getName().replace("__", "\u0000").replace('_', '.').replace('\u0000', '_').replace("$$", "$");
    }

    private static Object convert(Object value, Class<?> type) {
        List<String> items = items(value);
        if (type == String[].class) {
            return items.toArray(new String[0]);
        }
        if (type == String.class) {
            return items.isEmpty() ? null : items.get(0);
        }
        throw new IllegalArgumentException("unsupported element type " + type.getName());
    }

    private static List<String> items(Object value) {
        List<String> items = new ArrayList<>();
        if (value.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(value); i++) {
                items.add(String.valueOf(Array.get(value, i)));
            }
        } else if (value instanceof Collection<?> collection) {
            collection.forEach(item -> items.add(String.valueOf(item)));
        } else {
            items.add(String.valueOf(value));
        }
        return items;
    }
}
