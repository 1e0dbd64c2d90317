package io.baetyl.function.sql.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * The type rules of the dialect. Values are Jackson nodes; a field that does not exist is a {@code MissingNode},
 * which behaves like null everywhere except that a select item whose value is missing is left out of the output.
 * Nothing here throws: a type mismatch, a null operand or a division by zero gives null, so a message with odd
 * content is filtered out by WHERE instead of failing the call.
 */
final class Values {
    static final JsonNode NULL = NullNode.getInstance();

    private Values() {
    }

    static boolean isNullish(JsonNode v) {
        return v == null || v.isNull() || v.isMissingNode();
    }

    /** Integers stay integers (as long) while they fit; everything else numeric is a double. */
    private static boolean isLong(JsonNode v) {
        return v.isIntegralNumber() && v.canConvertToLong();
    }

    static JsonNode number(double d) {
        // JSON cannot carry NaN or infinities, and they only come from overflow here.
        return Double.isFinite(d) ? DoubleNode.valueOf(d) : NULL;
    }

    static JsonNode negate(JsonNode v) {
        if (!v.isNumber()) {
            return NULL;
        }
        if (isLong(v) && v.longValue() != Long.MIN_VALUE) {
            return LongNode.valueOf(-v.longValue());
        }
        return number(-v.doubleValue());
    }

    static JsonNode arithmetic(char op, JsonNode a, JsonNode b) {
        if (isNullish(a) || isNullish(b)) {
            return NULL;
        }
        if (op == '+' && a.isTextual() && b.isTextual()) {
            return TextNode.valueOf(a.textValue() + b.textValue());
        }
        if (!a.isNumber() || !b.isNumber()) {
            return NULL;
        }
        if (isLong(a) && isLong(b)) {
            long x = a.longValue();
            long y = b.longValue();
            try {
                switch (op) {
                    case '+':
                        return LongNode.valueOf(Math.addExact(x, y));
                    case '-':
                        return LongNode.valueOf(Math.subtractExact(x, y));
                    case '*':
                        return LongNode.valueOf(Math.multiplyExact(x, y));
                    case '/':
                        if (y == 0) {
                            return NULL;
                        }
                        // 6 / 3 is 2, 7 / 2 is 3.5: readings divided by a scale should not lose the fraction.
                        if (x % y == 0 && !(x == Long.MIN_VALUE && y == -1)) {
                            return LongNode.valueOf(x / y);
                        }
                        return number((double) x / y);
                    case '%':
                        return y == 0 ? NULL : LongNode.valueOf(x % y);
                    default:
                        throw new IllegalArgumentException("operator " + op);
                }
            } catch (ArithmeticException overflow) {
                // Fall through to double arithmetic, like JSON numbers in most consumers.
            }
        }
        double x = a.doubleValue();
        double y = b.doubleValue();
        switch (op) {
            case '+':
                return number(x + y);
            case '-':
                return number(x - y);
            case '*':
                return number(x * y);
            case '/':
                return y == 0 ? NULL : number(x / y);
            case '%':
                return y == 0 ? NULL : number(x % y);
            default:
                throw new IllegalArgumentException("operator " + op);
        }
    }

    /** Comparison operators: "=", "!=", "<", "<=", ">", ">=". */
    static JsonNode compare(String op, JsonNode a, JsonNode b) {
        if (isNullish(a) || isNullish(b)) {
            return NULL;
        }
        Integer order = null;
        if (a.isNumber() && b.isNumber()) {
            order = isLong(a) && isLong(b) ? Long.compare(a.longValue(), b.longValue())
                    : Double.compare(a.doubleValue(), b.doubleValue());
        } else if (a.isTextual() && b.isTextual()) {
            order = a.textValue().compareTo(b.textValue());
        }
        if (order != null) {
            return BooleanNode.valueOf(switch (op) {
                case "=" -> order == 0;
                case "!=" -> order != 0;
                case "<" -> order < 0;
                case "<=" -> order <= 0;
                case ">" -> order > 0;
                case ">=" -> order >= 0;
                default -> throw new IllegalArgumentException("operator " + op);
            });
        }
        // Booleans, objects, arrays and mixed types: only equality is defined; they have no order.
        boolean equal = a.getNodeType() == b.getNodeType() && a.equals(b);
        return switch (op) {
            case "=" -> BooleanNode.valueOf(equal);
            case "!=" -> BooleanNode.valueOf(!equal);
            default -> NULL;
        };
    }

    /** TRUE, FALSE, or null for "unknown" (null, missing, or not a boolean). */
    static Boolean truth(JsonNode v) {
        return v != null && v.isBoolean() ? v.booleanValue() : null;
    }

    static JsonNode bool(Boolean b) {
        return b == null ? NULL : BooleanNode.valueOf(b);
    }
}
