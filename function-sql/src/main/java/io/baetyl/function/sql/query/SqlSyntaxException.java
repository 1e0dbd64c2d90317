package io.baetyl.function.sql.query;

/**
 * A statement that does not parse. {@link #position()} is the 1-based character column in the statement, so the
 * startup error can point at it (the handler is always one line in service.yml).
 */
public final class SqlSyntaxException extends Exception {
    private final int position;
    private final String reason;

    public SqlSyntaxException(int position, String reason) {
        super("syntax error at position " + position + ": " + reason);
        this.position = position;
        this.reason = reason;
    }

    /** 1-based column of the offending character or token. */
    public int position() {
        return position;
    }

    /** The message without the position prefix. */
    public String reason() {
        return reason;
    }
}
