package io.baetyl.function.sql.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.List;

/** The expression tree. Every node evaluates against one message and never throws (see {@link Values}). */
sealed interface Expr {
    JsonNode eval(ObjectNode payload, MessageInfo msg);

    record Literal(JsonNode value) implements Expr {
        @Override
        public JsonNode eval(ObjectNode payload, MessageInfo msg) {
            return value;
        }
    }

    /** {@code a.b[0].c}: each step is a String (object key) or an Integer (array index). */
    record Field(List<Object> path) implements Expr {
        @Override
        public JsonNode eval(ObjectNode payload, MessageInfo msg) {
            JsonNode cur = payload;
            for (Object step : path) {
                JsonNode next = null;
                if (step instanceof String key && cur.isObject()) {
                    next = cur.get(key);
                } else if (step instanceof Integer index && cur.isArray()) {
                    next = cur.get(index);
                }
                if (next == null) {
                    return MissingNode.getInstance();
                }
                cur = next;
            }
            return cur;
        }
    }

    enum Function {
        QOS, TOPIC, CLIENTID, TIMESTAMP
    }

    /** A built-in function; {@code arg} is null unless it is {@code topic(n)}. */
    record Call(Function function, Expr arg) implements Expr {
        @Override
        public JsonNode eval(ObjectNode payload, MessageInfo msg) {
            return switch (function) {
                case QOS -> LongNode.valueOf(msg.qos());
                case CLIENTID -> TextNode.valueOf(msg.clientId());
                case TIMESTAMP -> LongNode.valueOf(msg.timestamp());
                case TOPIC -> arg == null ? TextNode.valueOf(msg.topic()) : level(msg.topic(), arg.eval(payload, msg));
            };
        }

        private static JsonNode level(String topic, JsonNode n) {
            if (!n.isIntegralNumber() || !n.canConvertToInt()) {
                return Values.NULL;
            }
            // limit -1 keeps empty levels: in MQTT "a//b" has three levels, the second one empty.
            String[] levels = topic.split("/", -1);
            int i = n.intValue();
            return i >= 1 && i <= levels.length ? TextNode.valueOf(levels[i - 1]) : Values.NULL;
        }
    }

    record Negate(Expr operand) implements Expr {
        @Override
        public JsonNode eval(ObjectNode payload, MessageInfo msg) {
            JsonNode v = operand.eval(payload, msg);
            return Values.isNullish(v) ? Values.NULL : Values.negate(v);
        }
    }

    /** {@code + - * / %}. */
    record Arithmetic(char op, Expr left, Expr right) implements Expr {
        @Override
        public JsonNode eval(ObjectNode payload, MessageInfo msg) {
            return Values.arithmetic(op, left.eval(payload, msg), right.eval(payload, msg));
        }
    }

    /** {@code = != < <= > >=} ({@code <>} is parsed as {@code !=}). */
    record Comparison(String op, Expr left, Expr right) implements Expr {
        @Override
        public JsonNode eval(ObjectNode payload, MessageInfo msg) {
            return Values.compare(op, left.eval(payload, msg), right.eval(payload, msg));
        }
    }

    record IsNull(Expr operand, boolean negated) implements Expr {
        @Override
        public JsonNode eval(ObjectNode payload, MessageInfo msg) {
            return Values.bool(Values.isNullish(operand.eval(payload, msg)) != negated);
        }
    }

    record Not(Expr operand) implements Expr {
        @Override
        public JsonNode eval(ObjectNode payload, MessageInfo msg) {
            Boolean b = Values.truth(operand.eval(payload, msg));
            return Values.bool(b == null ? null : !b);
        }
    }

    /** AND / OR with SQL's three-valued logic; the right side is not evaluated when the left decides. */
    record Logical(boolean and, Expr left, Expr right) implements Expr {
        @Override
        public JsonNode eval(ObjectNode payload, MessageInfo msg) {
            Boolean l = Values.truth(left.eval(payload, msg));
            if (l != null && l != and) {
                return Values.bool(l); // false AND x, true OR x
            }
            Boolean r = Values.truth(right.eval(payload, msg));
            if (r != null && r != and) {
                return Values.bool(r);
            }
            return l == null || r == null ? Values.NULL : Values.bool(and);
        }
    }
}
