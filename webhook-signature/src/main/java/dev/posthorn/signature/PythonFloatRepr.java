package dev.posthorn.signature;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Prints a JSON float literal the way CPython prints the float it reads from it:
 * {@code repr(float(literal))}. That is the shortest digit string that reads back as the same
 * double (the nearest such string if several have that length), in fixed notation for decimal
 * exponents -4..15 ({@code 100.0}, {@code 0.0001}) and otherwise as {@code 1e-05}, {@code 1e+16}.
 *
 * <p>{@link Double#toString} is not usable: on Java 17 it is not always shortest, and from Java 19
 * on it may still prefer two digits where Python prints one ({@code 4.9E-324} vs {@code 5e-324}).
 */
final class PythonFloatRepr {

    /** Any decimal of at most 15 significant digits survives a trip through a normal double. */
    private static final int ROUND_TRIP_DIGITS = 15;
    /** Decimal exponents whose 15-digit decimals are all normal, finite doubles. */
    private static final int MIN_SAFE_EXPONENT = -307;
    private static final int MAX_SAFE_EXPONENT = 307;
    private static final int MAX_SIGNIFICANT_DIGITS = 17;
    private static final BigDecimal HALF = new BigDecimal("0.5");
    private static final MathContext[] DOWN = contexts(RoundingMode.DOWN);
    private static final MathContext[] UP = contexts(RoundingMode.UP);
    private static final MathContext[] NEAREST = contexts(RoundingMode.HALF_EVEN);

    private PythonFloatRepr() {
    }

    /**
     * Appends {@code repr(float(literal))} for a valid JSON number literal that has a fraction or an
     * exponent (NaN and the infinities are handled by the caller).
     */
    static void appendLiteral(StringBuilder out, String literal) {
        if (!appendShortLiteral(out, literal)) {
            appendDouble(out, Double.parseDouble(literal));
        }
    }

    /**
     * Fast path without any arithmetic: when the literal has at most 15 significant digits and a
     * moderate exponent, those digits are the shortest representation of the double it denotes
     * (two different decimals that short never round to the same double), so they are reused.
     * Returns false, having appended nothing, when the literal needs the exact path.
     */
    private static boolean appendShortLiteral(StringBuilder out, String literal) {
        int length = literal.length();
        boolean negative = literal.charAt(0) == '-';
        int i = negative ? 1 : 0;
        char[] digits = new char[ROUND_TRIP_DIGITS];
        int count = 0;           // significant digits kept, including inner zeros
        int pendingZeros = 0;    // zeros seen after the last non-zero digit
        int integerDigits = 0;   // digits before the decimal point
        int firstNonZero = -1;   // index of the first non-zero digit among all mantissa digits
        int seen = 0;            // mantissa digits seen so far
        boolean inFraction = false;
        for (; i < length; i++) {
            char c = literal.charAt(i);
            if (c == '.') {
                inFraction = true;
                continue;
            }
            if (c == 'e' || c == 'E') {
                break;
            }
            if (!inFraction) {
                integerDigits++;
            }
            if (c == '0') {
                if (firstNonZero >= 0) {
                    pendingZeros++;
                }
            } else {
                if (firstNonZero < 0) {
                    firstNonZero = seen;
                }
                if (count + pendingZeros + 1 > ROUND_TRIP_DIGITS) {
                    return false;
                }
                while (pendingZeros > 0) {
                    digits[count++] = '0';
                    pendingZeros--;
                }
                digits[count++] = c;
            }
            seen++;
        }
        long exponent = 0;
        if (i < length) {
            int j = i + 1;
            boolean negativeExponent = literal.charAt(j) == '-';
            if (literal.charAt(j) == '+' || negativeExponent) {
                j++;
            }
            for (; j < length; j++) {
                exponent = exponent * 10 + (literal.charAt(j) - '0');
                if (exponent > 100_000) {
                    return false;
                }
            }
            if (negativeExponent) {
                exponent = -exponent;
            }
        }
        if (firstNonZero < 0) {
            out.append(negative ? "-0.0" : "0.0");
            return true;
        }
        long scientificExponent = integerDigits - 1L - firstNonZero + exponent;
        if (scientificExponent < MIN_SAFE_EXPONENT || scientificExponent > MAX_SAFE_EXPONENT) {
            return false;
        }
        appendDigits(out, negative, digits, count, (int) scientificExponent);
        return true;
    }

    /** Appends Python's {@code repr(d)}. */
    static void appendDouble(StringBuilder out, double d) {
        if (Double.isNaN(d)) {
            out.append("NaN");
            return;
        }
        if (Double.isInfinite(d)) {
            // Python reads 1e400 as inf and json.dumps writes it as Infinity.
            out.append(d > 0 ? "Infinity" : "-Infinity");
            return;
        }
        boolean negative = Double.doubleToRawLongBits(d) < 0;
        if (d == 0) {
            out.append(negative ? "-0.0" : "0.0");
            return;
        }
        double magnitude = Math.abs(d);
        BigDecimal shortest = shortestRoundTrip(magnitude).stripTrailingZeros();
        String digits = shortest.unscaledValue().toString();
        int exponent = digits.length() - 1 - shortest.scale();
        appendDigits(out, negative, digits.toCharArray(), digits.length(), exponent);
    }

    /**
     * The shortest decimal that reads back as {@code magnitude}; of two at that length, the nearer
     * (ties to an even last digit), which is what CPython's repr prints.
     *
     * <p>A decimal reads back as {@code magnitude} when it lies in the rounding interval, halfway to
     * each neighbouring double, ends included when the significand is even (ties round to even).
     * Whether some decimal of {@code p} digits lies inside only becomes more likely as {@code p}
     * grows, so the shortest length is found by binary search. At each length both neighbours of
     * the exact value are tried, because at a power of two the interval is lopsided: the nearer
     * short decimal may fall outside while the one on the other side is inside.
     */
    private static BigDecimal shortestRoundTrip(double magnitude) {
        BigDecimal exact = new BigDecimal(magnitude);
        BigDecimal low = exact.subtract(exact.subtract(new BigDecimal(Math.nextDown(magnitude))).multiply(HALF));
        BigDecimal high = exact.add(new BigDecimal(Math.ulp(magnitude)).multiply(HALF));
        boolean endsIncluded = (Double.doubleToRawLongBits(magnitude) & 1) == 0;

        int shortest = MAX_SIGNIFICANT_DIGITS;  // seventeen digits always identify a double
        int tooShort = 0;
        while (shortest - tooShort > 1) {
            int precision = (tooShort + shortest) >>> 1;
            if (inside(exact.round(DOWN[precision]), low, high, endsIncluded)
                    || inside(exact.round(UP[precision]), low, high, endsIncluded)) {
                shortest = precision;
            } else {
                tooShort = precision;
            }
        }
        BigDecimal down = exact.round(DOWN[shortest]);
        BigDecimal up = exact.round(UP[shortest]);
        boolean downInside = inside(down, low, high, endsIncluded);
        boolean upInside = inside(up, low, high, endsIncluded);
        if (downInside && upInside) {
            return exact.round(NEAREST[shortest]);
        }
        return downInside ? down : up;
    }

    private static boolean inside(BigDecimal candidate, BigDecimal low, BigDecimal high, boolean endsIncluded) {
        int fromLow = candidate.compareTo(low);
        int fromHigh = candidate.compareTo(high);
        return endsIncluded ? fromLow >= 0 && fromHigh <= 0 : fromLow > 0 && fromHigh < 0;
    }

    private static MathContext[] contexts(RoundingMode mode) {
        MathContext[] contexts = new MathContext[MAX_SIGNIFICANT_DIGITS + 1];
        for (int precision = 1; precision <= MAX_SIGNIFICANT_DIGITS; precision++) {
            contexts[precision] = new MathContext(precision, mode);
        }
        return contexts;
    }

    /**
     * Writes {@code digits[0].digits[1..count) × 10^exponent} in Python's repr layout: fixed
     * notation with at least one fractional digit when {@code -4 <= exponent < 16}, otherwise
     * scientific with a signed exponent of at least two digits.
     */
    private static void appendDigits(StringBuilder out, boolean negative, char[] digits, int count, int exponent) {
        if (negative) {
            out.append('-');
        }
        if (exponent >= -4 && exponent < 16) {
            if (exponent < 0) {
                out.append("0.");
                appendZeros(out, -exponent - 1);
                out.append(digits, 0, count);
            } else if (count <= exponent + 1) {
                out.append(digits, 0, count);
                appendZeros(out, exponent + 1 - count);
                out.append(".0");
            } else {
                out.append(digits, 0, exponent + 1).append('.').append(digits, exponent + 1, count - exponent - 1);
            }
            return;
        }
        out.append(digits[0]);
        if (count > 1) {
            out.append('.').append(digits, 1, count - 1);
        }
        out.append(exponent < 0 ? "e-" : "e+");
        int magnitude = Math.abs(exponent);
        if (magnitude < 10) {
            out.append('0');
        }
        out.append(magnitude);
    }

    private static void appendZeros(StringBuilder out, int n) {
        for (int i = 0; i < n; i++) {
            out.append('0');
        }
    }
}
