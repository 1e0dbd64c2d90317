package io.baetyl.function.sql.query;

/**
 * One lexical token; {@code pos} is the 0-based offset of its first character and {@code end} the offset just past
 * its last one (for quoted tokens {@code text} is the unquoted content, so the length may differ).
 */
record Token(Kind kind, String text, int pos, int end) {
    enum Kind {
        IDENT, QUOTED_IDENT, STRING, INTEGER, DECIMAL,
        COMMA, DOT, LPAREN, RPAREN, LBRACKET, RBRACKET,
        STAR, PLUS, MINUS, SLASH, PERCENT,
        EQ, NE, LT, LE, GT, GE,
        EOF
    }

    /** Is this a bare identifier spelling the keyword (keywords are case-insensitive)? */
    boolean isKeyword(String keyword) {
        return kind == Kind.IDENT && text.equalsIgnoreCase(keyword);
    }

    /** How the token reads in an error message. */
    String describe() {
        return switch (kind) {
            case EOF -> "end of statement";
            case STRING -> "string '" + text + "'";
            case QUOTED_IDENT -> "\"" + text + "\"";
            default -> "'" + text + "'";
        };
    }
}
