package io.baetyl.function.sql.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;

/**
 * A compiled {@code SELECT ... [WHERE ...]} statement (see the module README for the dialect). Immutable and
 * thread-safe: one instance serves all concurrent calls of a function.
 */
public final class SqlStatement {
    /** One select item: {@link #STAR}, or an expression and the key it is written under. */
    record Item(Expr expr, String key) {
        static final Item STAR = new Item(null, "*");

        boolean isStar() {
            return expr == null;
        }
    }

    private final String source;
    private final List<Item> items;
    private final Expr where;

    SqlStatement(String source, List<Item> items, Expr where) {
        this.source = source;
        this.items = List.copyOf(items);
        this.where = where;
    }

    /** Compiles a statement; the exception carries the 1-based position of the problem. */
    public static SqlStatement parse(String sql) throws SqlSyntaxException {
        return Parser.parse(sql);
    }

    public String source() {
        return source;
    }

    /** The output keys in order ("*" for a star item), for logs and tests. */
    public List<String> keys() {
        return items.stream().map(Item::key).toList();
    }

    /**
     * Runs the statement on one message.
     *
     * @return the output object, or empty when WHERE is not true (false or null)
     */
    public Optional<ObjectNode> apply(ObjectNode payload, MessageInfo msg) {
        if (where != null && !Boolean.TRUE.equals(Values.truth(where.eval(payload, msg)))) {
            return Optional.empty();
        }
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        for (Item item : items) {
            if (item.isStar()) {
                // Later items overwrite earlier ones with the same key; the key keeps its first position.
                payload.properties().forEach(e -> out.set(e.getKey(), e.getValue()));
                continue;
            }
            JsonNode v = item.expr().eval(payload, msg);
            if (!v.isMissingNode()) {
                out.set(item.key(), v);
            }
        }
        return Optional.of(out);
    }

    @Override
    public String toString() {
        return source;
    }
}
