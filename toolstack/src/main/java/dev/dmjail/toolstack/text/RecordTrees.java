package dev.dmjail.toolstack.text;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The plan's records to and from JSON trees with plain reflection, no {@code ObjectMapper}: the
 * mapper's construction and databind's serializers and deserializers for the plan's ~40 record
 * types were ~90 ms of every cold {@code audit} and {@code destroy} and more of a {@code create}
 * (issue 14, docs/benchmark.md "Third round"). {@code RecordTreesTest} holds both directions to
 * databind's results, on a real state file and on a plan made by the Planner.
 *
 * <p>Reading ({@link #read}), as databind reads a record with {@code FAIL_ON_UNKNOWN_PROPERTIES}
 * off: each record through its canonical constructor, component by component (a field the record
 * lacks is skipped, one it has that is absent or JSON null is null, or 0/false for a primitive);
 * String; int/long/boolean and their boxes; enums by name; {@code List} (an ArrayList) and
 * {@code Map<String, V>} (a LinkedHashMap); {@code JsonNode} as it is (JSON null a NullNode). A
 * JSON string where a record is expected goes to the record's static
 * {@code @JsonCreator(mode = DELEGATING)} factory of one String, as databind does (older state files:
 * {@code QemuSandbox}). Anything else is refused with the path to the value: these trees are the
 * toolstack's own, written by {@code LayerPlan} and {@code StateStore}. Writing: {@link #tree}.
 */
public final class RecordTrees {

    private RecordTrees() {}

    private static final com.fasterxml.jackson.databind.node.JsonNodeFactory NODES =
            com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;

    /** A record's canonical constructor, its components, and the one bean getter databind also writes, if any. */
    private record Shape(Constructor<?> constructor, RecordComponent[] components, Method getter, String getterName) {}

    private static final Map<Class<?>, Shape> SHAPES = new ConcurrentHashMap<>();

    /** {@code node} as a {@code type}; a JSON null or a missing node is null. */
    public static <T> T read(JsonNode node, Class<T> type) throws IOException {
        return type.cast(value(node, type, type.getSimpleName()));
    }

    /**
     * {@code v} as a tree, the one {@code new ObjectMapper().valueToTree(v)} builds for the plan's
     * types: a record's components in their order, then a bean getter of its own ({@code isX()} of a
     * boolean, {@code getX()}) as property "x" (databind writes those too: {@code ResolvedUser.isDeferred});
     * int and long as int and long nodes; enums by name; lists as arrays; maps as objects; null as
     * a NullNode. create plans and stores with it, so a create builds no ObjectMapper for its plan.
     */
    public static JsonNode tree(Object v) {
        if (v == null) return NODES.nullNode();
        if (v instanceof JsonNode n) return n;
        if (v instanceof String s) return NODES.textNode(s);
        if (v instanceof Integer i) return NODES.numberNode(i);
        if (v instanceof Long l) return NODES.numberNode(l);
        if (v instanceof Boolean b) return NODES.booleanNode(b);
        if (v instanceof Enum<?> e) return NODES.textNode(e.name());
        if (v instanceof java.util.Collection<?> c) {
            com.fasterxml.jackson.databind.node.ArrayNode a = NODES.arrayNode(c.size());
            for (Object e : c) a.add(tree(e));
            return a;
        }
        if (v instanceof Map<?, ?> m) {
            com.fasterxml.jackson.databind.node.ObjectNode o = NODES.objectNode();
            for (Map.Entry<?, ?> e : m.entrySet()) o.set(String.valueOf(e.getKey()), tree(e.getValue()));
            return o;
        }
        if (v.getClass().isRecord()) {
            Shape s = shape(v.getClass());
            com.fasterxml.jackson.databind.node.ObjectNode o = NODES.objectNode();
            try {
                for (RecordComponent c : s.components()) {
                    Method a = c.getAccessor();
                    a.setAccessible(true);
                    o.set(c.getName(), tree(a.invoke(v)));
                }
                if (s.getter() != null) {
                    o.set(s.getterName(), tree(s.getter().invoke(v)));
                }
            } catch (InvocationTargetException e) {
                throw new IllegalStateException(v.getClass().getName() + ": " + e.getCause(), e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(v.getClass().getName() + ": " + e, e);
            }
            return o;
        }
        throw new IllegalArgumentException(v.getClass().getName() + " is not a type a plan holds");
    }

    private static Object value(JsonNode n, Type t, String where) throws IOException {
        if (t == JsonNode.class) {
            return n == null ? null : n; // a JsonNode component keeps JSON null as a NullNode
        }
        Class<?> raw = raw(t);
        if (n == null || n.isNull() || n.isMissingNode()) {
            return primitiveDefault(raw);
        }
        if (raw == String.class) {
            if (!n.isTextual()) throw refused(where, "a string", n);
            return n.textValue();
        }
        if (raw == int.class || raw == Integer.class) {
            if (!n.isIntegralNumber() || !n.canConvertToInt()) throw refused(where, "an int", n);
            return n.intValue();
        }
        if (raw == long.class || raw == Long.class) {
            if (!n.isIntegralNumber() || !n.canConvertToLong()) throw refused(where, "a long", n);
            return n.longValue();
        }
        if (raw == boolean.class || raw == Boolean.class) {
            if (!n.isBoolean()) throw refused(where, "true or false", n);
            return n.booleanValue();
        }
        if (raw.isEnum()) {
            if (!n.isTextual()) throw refused(where, "a name of " + raw.getSimpleName(), n);
            for (Object c : raw.getEnumConstants()) {
                if (((Enum<?>) c).name().equals(n.textValue())) return c;
            }
            throw refused(where, "a name of " + raw.getSimpleName(), n);
        }
        if (raw == List.class) {
            if (!n.isArray()) throw refused(where, "an array", n);
            Type e = argument(t, 0, where);
            List<Object> out = new ArrayList<>(n.size());
            for (int i = 0; i < n.size(); i++) {
                out.add(value(n.get(i), e, where + "[" + i + "]"));
            }
            return out;
        }
        if (raw == Map.class) {
            if (!n.isObject()) throw refused(where, "an object", n);
            if (argument(t, 0, where) != String.class) throw new IOException(where + ": a map whose keys are not strings");
            Type v = argument(t, 1, where);
            Map<String, Object> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                out.put(f.getKey(), value(f.getValue(), v, where + "." + f.getKey()));
            }
            return out;
        }
        if (raw.isRecord()) {
            return n.isTextual() ? fromString(raw, n.textValue(), where) : record(raw, n, where);
        }
        throw new IOException(where + ": " + t.getTypeName() + " is not a type a stored plan holds");
    }

    private static Object record(Class<?> type, JsonNode n, String where) throws IOException {
        if (!n.isObject()) throw refused(where, "an object", n);
        Shape s = shape(type);
        Object[] args = new Object[s.components().length];
        for (int i = 0; i < args.length; i++) {
            RecordComponent c = s.components()[i];
            args[i] = value(n.get(c.getName()), c.getGenericType(), where + "." + c.getName());
        }
        try {
            return s.constructor().newInstance(args);
        } catch (InvocationTargetException e) {
            throw new IOException(where + ": " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IOException(where + ": " + e, e);
        }
    }

    private static Shape shape(Class<?> type) {
        return SHAPES.computeIfAbsent(type, t -> {
            RecordComponent[] cs = t.getRecordComponents();
            Class<?>[] types = new Class<?>[cs.length];
            java.util.Set<String> accessors = new java.util.HashSet<>();
            for (int i = 0; i < cs.length; i++) {
                types[i] = cs[i].getType();
                accessors.add(cs[i].getName());
            }
            Method getter = null;
            String getterName = null;
            for (Method m : t.getMethods()) {
                String p = beanProperty(m);
                if (p == null || m.getDeclaringClass() != t || accessors.contains(m.getName())) continue;
                if (getter != null) {
                    // databind's order of several such getters is its own; no plan record has more than one
                    throw new IllegalStateException("record " + t.getName() + " has more than one bean getter");
                }
                getter = m;
                getterName = p;
            }
            try {
                Constructor<?> k = t.getDeclaredConstructor(types);
                k.setAccessible(true);
                if (getter != null) getter.setAccessible(true);
                return new Shape(k, cs, getter, getterName);
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException("record " + t.getName() + " has no canonical constructor", e);
            }
        });
    }

    /** "x" for a public instance getX() or a boolean isX() of no arguments, as databind names it; else null. */
    private static String beanProperty(Method m) {
        if (Modifier.isStatic(m.getModifiers()) || m.getParameterCount() != 0 || m.getReturnType() == void.class) return null;
        String n = m.getName();
        String rest = n.startsWith("get") && n.length() > 3 ? n.substring(3)
                : n.startsWith("is") && n.length() > 2 && m.getReturnType() == boolean.class ? n.substring(2) : null;
        if (rest == null || !Character.isUpperCase(rest.charAt(0))) return null;
        return Character.toLowerCase(rest.charAt(0)) + rest.substring(1);
    }

    /** A string where a record is: the record's static delegating creator of one String, if it has one. */
    private static Object fromString(Class<?> type, String text, String where) throws IOException {
        for (Method m : type.getDeclaredMethods()) {
            JsonCreator c = m.getAnnotation(JsonCreator.class);
            if (c != null && c.mode() == JsonCreator.Mode.DELEGATING && Modifier.isStatic(m.getModifiers())
                    && m.getParameterCount() == 1 && m.getParameterTypes()[0] == String.class && m.getReturnType() == type) {
                try {
                    m.setAccessible(true);
                    return m.invoke(null, text);
                } catch (InvocationTargetException e) {
                    throw new IOException(where + ": " + e.getCause(), e.getCause());
                } catch (ReflectiveOperationException e) {
                    throw new IOException(where + ": " + e, e);
                }
            }
        }
        throw new IOException(where + ": a string where " + type.getSimpleName() + " (an object) is expected");
    }

    private static Object primitiveDefault(Class<?> raw) {
        if (raw == int.class) return 0;
        if (raw == long.class) return 0L;
        if (raw == boolean.class) return false;
        if (raw.isPrimitive()) throw new IllegalStateException("no default for " + raw);
        return null;
    }

    private static Class<?> raw(Type t) {
        if (t instanceof Class<?> c) return c;
        if (t instanceof ParameterizedType p) return (Class<?>) p.getRawType();
        throw new IllegalStateException("not a type a stored plan holds: " + t.getTypeName());
    }

    private static Type argument(Type t, int i, String where) throws IOException {
        if (t instanceof ParameterizedType p) return p.getActualTypeArguments()[i];
        throw new IOException(where + ": a raw " + t.getTypeName());
    }

    private static IOException refused(String where, String expected, JsonNode n) {
        return new IOException(where + ": " + expected + " expected, not " + n.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
    }
}
