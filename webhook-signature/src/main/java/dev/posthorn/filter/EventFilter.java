package dev.posthorn.filter;

import dev.posthorn.signature.CanonicalJson;
import dev.posthorn.signature.InvalidJsonException;
import dev.posthorn.signature.JsonNumber;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A subscription's payload filter: a documented subset of the MongoDB query syntax, evaluated over
 * the event envelope {@code {"created_at","payload","topic","version"}}.
 *
 * <ul>
 *   <li>{@code {"payload.status": "paid"}}: equality (a JSON value; numbers compare by value, so
 *       {@code 1} equals {@code 1.0}; a field holding an array also matches when an element equals);</li>
 *   <li>{@code {"payload.amount": {"$gte": 100, "$lt": 500}}}: {@code $eq}, {@code $ne}, {@code $gt},
 *       {@code $gte}, {@code $lt}, {@code $lte} (numbers with numbers, strings with strings by code point;
 *       other pairs do not match), {@code $in} / {@code $nin} (a list), {@code $exists} (true/false);</li>
 *   <li>{@code {"$or": [{…}, {…}]}}, {@code {"$and": [{…}, {…}]}}: non-empty lists of filters;</li>
 *   <li>paths are dotted, start at an envelope field ({@code payload}, {@code topic}, {@code version},
 *       {@code created_at}), and index arrays by number ({@code payload.items.0.sku}).</li>
 * </ul>
 * Several conditions in one object must all hold. {@link #parse} refuses anything else with an
 * {@link InvalidFilterException} naming the operator or path. Immutable and thread-safe.
 */
public final class EventFilter {

    /** Longest filter text accepted (it travels in every subscription record). */
    public static final int MAX_LENGTH = 2048;
    /** Envelope fields a path may start at. */
    public static final Set<String> ROOTS = Set.of("payload", "topic", "version", "created_at");
    private static final int MAX_DEPTH = 8;
    private static final Set<String> OPERATORS =
            Set.of("$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists");
    private static final Object MISSING = new Object();

    private final String json;
    private final Node root;

    private EventFilter(String json, Node root) {
        this.json = json;
        this.root = root;
    }

    /**
     * Reads and checks a filter.
     *
     * @throws InvalidFilterException naming the bad operator, path or value
     */
    public static EventFilter parse(String json) {
        Objects.requireNonNull(json, "json");
        if (json.length() > MAX_LENGTH) {
            throw new InvalidFilterException("is " + json.length() + " characters long; at most " + MAX_LENGTH);
        }
        Object value;
        try {
            value = CanonicalJson.parse(json);
        } catch (InvalidJsonException e) {
            throw new InvalidFilterException("is not valid JSON: " + e.getMessage());
        }
        if (!(value instanceof Map<?, ?> object)) {
            throw new InvalidFilterException("must be a JSON object such as {\"payload.status\": \"paid\"}");
        }
        return new EventFilter(CanonicalJson.write(value), compile(object, "", 0));
    }

    /** The filter as canonical JSON text (what is stored and shown). */
    public String json() {
        return json;
    }

    /** Whether the envelope (canonical JSON text, as delivered) passes; unreadable text does not. */
    public boolean matches(byte[] envelope) {
        Object parsed;
        try {
            parsed = CanonicalJson.parse(new String(envelope, java.nio.charset.StandardCharsets.UTF_8));
        } catch (InvalidJsonException e) {
            return false;
        }
        return matches(parsed);
    }

    /** Whether an envelope already parsed with {@link CanonicalJson#parse} passes. */
    public boolean matches(Object envelope) {
        return root.test(envelope);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EventFilter other && other.json.equals(json);
    }

    @Override
    public int hashCode() {
        return json.hashCode();
    }

    @Override
    public String toString() {
        return json;
    }

    // ---------------------------------------------------------------- compiling

    private interface Node {
        boolean test(Object envelope);
    }

    private static Node compile(Map<?, ?> object, String where, int depth) {
        if (depth > MAX_DEPTH) {
            throw new InvalidFilterException("nests $and/$or deeper than " + MAX_DEPTH + " levels" + at(where));
        }
        if (object.isEmpty() && depth > 0) {
            throw new InvalidFilterException("has an empty condition" + at(where));
        }
        List<Node> all = new ArrayList<>();
        for (Map.Entry<?, ?> e : object.entrySet()) {
            String key = (String) e.getKey();
            if (key.equals("$and") || key.equals("$or")) {
                all.add(logical(key, e.getValue(), where, depth));
            } else if (key.startsWith("$")) {
                throw new InvalidFilterException("unknown operator " + key + " at the top of a condition" + at(where)
                        + "; only $and and $or combine conditions, other operators go under a path");
            } else {
                String[] path = path(key);
                all.add(condition(path, key, e.getValue()));
            }
        }
        return envelope -> {
            for (Node n : all) {
                if (!n.test(envelope)) {
                    return false;
                }
            }
            return true;
        };
    }

    private static Node logical(String operator, Object value, String where, int depth) {
        if (!(value instanceof List<?> list) || list.isEmpty()) {
            throw new InvalidFilterException(operator + " must be a non-empty list of conditions" + at(where));
        }
        List<Node> parts = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String here = (where.isEmpty() ? "" : where + ".") + operator + "." + i;
            if (!(list.get(i) instanceof Map<?, ?> part)) {
                throw new InvalidFilterException(operator + " must list objects" + at(here));
            }
            parts.add(compile(part, here, depth + 1));
        }
        boolean and = operator.equals("$and");
        return envelope -> {
            for (Node n : parts) {
                if (n.test(envelope) != and) {
                    return !and;
                }
            }
            return and;
        };
    }

    private static String[] path(String key) {
        String[] segments = key.split("\\.", -1);
        for (String s : segments) {
            if (s.isEmpty()) {
                throw new InvalidFilterException("path '" + key + "' has an empty segment");
            }
            if (s.startsWith("$")) {
                throw new InvalidFilterException("path '" + key + "' has a segment starting with $");
            }
        }
        if (!ROOTS.contains(segments[0])) {
            throw new InvalidFilterException("path '" + key + "' must start at an envelope field: payload, topic,"
                    + " version or created_at (e.g. payload." + key + ")");
        }
        return segments;
    }

    private static Node condition(String[] path, String key, Object value) {
        if (value instanceof Map<?, ?> object && !object.isEmpty() && isOperatorObject(object, key)) {
            List<Node> checks = new ArrayList<>();
            for (Map.Entry<?, ?> e : object.entrySet()) {
                checks.add(operator((String) e.getKey(), e.getValue(), key));
            }
            return envelope -> {
                Object field = resolve(envelope, path);
                for (Node check : checks) {
                    if (!check.test(field)) {
                        return false;
                    }
                }
                return true;
            };
        }
        return envelope -> equalsOrContains(resolve(envelope, path), value);
    }

    private static boolean isOperatorObject(Map<?, ?> object, String key) {
        int operators = 0;
        for (Object k : object.keySet()) {
            if (((String) k).startsWith("$")) {
                operators++;
            }
        }
        if (operators != 0 && operators != object.size()) {
            throw new InvalidFilterException("path '" + key + "' mixes operators and plain fields in one object");
        }
        return operators > 0;
    }

    /** A check of the field's value (MISSING when the path leads nowhere). */
    private static Node operator(String op, Object operand, String key) {
        if (!OPERATORS.contains(op)) {
            throw new InvalidFilterException("unknown operator " + op + " at path '" + key + "'; known: $eq, $ne, $gt,"
                    + " $gte, $lt, $lte, $in, $nin, $exists");
        }
        return switch (op) {
            case "$eq" -> field -> equalsOrContains(field, operand);
            case "$ne" -> field -> !equalsOrContains(field, operand);
            case "$gt", "$gte", "$lt", "$lte" -> {
                if (!(operand instanceof JsonNumber) && !(operand instanceof String)) {
                    throw new InvalidFilterException(op + " at path '" + key + "' needs a number or a string");
                }
                if (operand instanceof JsonNumber n && decimal(n) == null) {
                    throw new InvalidFilterException(op + " at path '" + key + "' needs a finite number");
                }
                yield field -> {
                    Integer c = compare(field, operand);
                    if (c == null) {
                        return false;
                    }
                    return switch (op) {
                        case "$gt" -> c > 0;
                        case "$gte" -> c >= 0;
                        case "$lt" -> c < 0;
                        default -> c <= 0;
                    };
                };
            }
            case "$in", "$nin" -> {
                if (!(operand instanceof List<?> list)) {
                    throw new InvalidFilterException(op + " at path '" + key + "' needs a list of values");
                }
                boolean in = op.equals("$in");
                yield field -> {
                    for (Object candidate : list) {
                        if (equalsOrContains(field, candidate)) {
                            return in;
                        }
                    }
                    return !in;
                };
            }
            default -> { // $exists
                if (!(operand instanceof Boolean wanted)) {
                    throw new InvalidFilterException("$exists at path '" + key + "' needs true or false");
                }
                yield field -> (field != MISSING) == wanted;
            }
        };
    }

    private static String at(String where) {
        return where.isEmpty() ? "" : " (at " + where + ")";
    }

    // ---------------------------------------------------------------- evaluating

    private static Object resolve(Object envelope, String[] path) {
        Object current = envelope;
        for (String segment : path) {
            if (current instanceof Map<?, ?> map) {
                if (!map.containsKey(segment)) {
                    return MISSING;
                }
                current = map.get(segment);
            } else if (current instanceof List<?> list) {
                int index = index(segment);
                if (index < 0 || index >= list.size()) {
                    return MISSING;
                }
                current = list.get(index);
            } else {
                return MISSING;
            }
        }
        return current;
    }

    private static int index(String segment) {
        if (segment.length() > 9) {
            return -1;
        }
        for (int i = 0; i < segment.length(); i++) {
            if (segment.charAt(i) < '0' || segment.charAt(i) > '9') {
                return -1;
            }
        }
        return Integer.parseInt(segment);
    }

    /** Mongo's equality: the value equals, or the field is an array with an equal element. */
    private static boolean equalsOrContains(Object field, Object wanted) {
        if (field == MISSING) {
            return false;
        }
        if (same(field, wanted)) {
            return true;
        }
        if (field instanceof List<?> list && !(wanted instanceof List)) {
            for (Object element : list) {
                if (same(element, wanted)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean same(Object a, Object b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (a instanceof JsonNumber x && b instanceof JsonNumber y) {
            BigDecimal dx = decimal(x);
            BigDecimal dy = decimal(y);
            return dx != null && dy != null ? dx.compareTo(dy) == 0 : x.literal().equals(y.literal());
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!y.containsKey(e.getKey()) || !same(e.getValue(), y.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!same(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /** Sign of field − operand, or null when they do not compare (different kinds, missing, NaN). */
    private static Integer compare(Object field, Object operand) {
        if (field instanceof JsonNumber x && operand instanceof JsonNumber y) {
            BigDecimal dx = decimal(x);
            return dx == null ? null : Integer.signum(dx.compareTo(decimal(y)));
        }
        if (field instanceof String x && operand instanceof String y) {
            return Integer.signum(compareByCodePoint(x, y));
        }
        return null;
    }

    private static int compareByCodePoint(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    private static BigDecimal decimal(JsonNumber n) {
        try {
            return new BigDecimal(n.literal());
        } catch (NumberFormatException e) {
            return null; // NaN, Infinity
        }
    }
}
