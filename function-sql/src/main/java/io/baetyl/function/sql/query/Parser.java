package io.baetyl.function.sql.query;

import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Recursive-descent parser, one method per precedence level (lowest first):
 * <pre>
 * statement  := SELECT item (',' item)* [WHERE expr] EOF
 * item       := '*' | expr [AS name]
 * expr       := and (OR and)*
 * and        := not (AND not)*
 * not        := NOT not | comparison
 * comparison := additive [('=' | '!=' | '&lt;&gt;' | '&lt;' | '&lt;=' | '&gt;' | '&gt;=') additive | IS [NOT] NULL]
 * additive   := term (('+' | '-') term)*
 * term       := unary (('*' | '/' | '%') unary)*
 * unary      := ('-' | '+') unary | primary
 * primary    := number | string | TRUE | FALSE | NULL | '(' expr ')' | function '(' [expr] ')' | path
 * path       := name ('.' name | '[' integer ']')*
 * name       := identifier (not a keyword) | "quoted" | `quoted`
 * </pre>
 */
final class Parser {
    static final Set<String> KEYWORDS = Set.of("SELECT", "FROM", "WHERE", "AS", "AND", "OR", "NOT", "IS", "NULL",
            "TRUE", "FALSE");
    private static final String KNOWN_FUNCTIONS = "qos(), topic(), topic(n), clientid(), timestamp()";

    private final String src;
    private final List<Token> tokens;
    private int p;

    private Parser(String src, List<Token> tokens) {
        this.src = src;
        this.tokens = tokens;
    }

    static SqlStatement parse(String src) throws SqlSyntaxException {
        Parser parser = new Parser(src, Lexer.tokenize(src));
        return parser.statement();
    }

    private Token peek() {
        return tokens.get(p);
    }

    private Token advance() {
        return tokens.get(p++);
    }

    private boolean at(Token.Kind kind) {
        return peek().kind() == kind;
    }

    private boolean atKeyword(String kw) {
        return peek().isKeyword(kw);
    }

    private SqlSyntaxException error(Token t, String reason) {
        return new SqlSyntaxException(t.pos() + 1, reason);
    }

    private SqlSyntaxException expected(String what) {
        return error(peek(), "expected " + what + ", found " + peek().describe());
    }

    private SqlStatement statement() throws SqlSyntaxException {
        if (!atKeyword("SELECT")) {
            throw expected("SELECT");
        }
        advance();
        List<SqlStatement.Item> items = new ArrayList<>();
        items.add(item());
        while (at(Token.Kind.COMMA)) {
            advance();
            items.add(item());
        }
        Expr where = null;
        if (atKeyword("FROM")) {
            throw error(peek(), "FROM is not supported: the statement always reads the message payload "
                    + "(write SELECT ... [WHERE ...])");
        }
        if (atKeyword("WHERE")) {
            advance();
            where = expr();
        }
        if (!at(Token.Kind.EOF)) {
            throw expected(where == null ? "',', AS, WHERE or end of statement" : "end of statement");
        }
        return new SqlStatement(src, items, where);
    }

    private SqlStatement.Item item() throws SqlSyntaxException {
        if (at(Token.Kind.STAR)) {
            advance();
            return SqlStatement.Item.STAR;
        }
        Token first = peek();
        if (first.kind() == Token.Kind.EOF || first.isKeyword("WHERE") || first.isKeyword("FROM")) {
            throw expected("a select item (*, a field or an expression)");
        }
        Expr e = expr();
        int end = tokens.get(p - 1).end();
        String key;
        if (atKeyword("AS")) {
            advance();
            key = name("an alias after AS");
        } else {
            key = defaultKey(e, src.substring(first.pos(), end));
        }
        return new SqlStatement.Item(e, key);
    }

    /** Output key of an item without AS: the last field name, the function name, or the expression as written. */
    private static String defaultKey(Expr e, String text) {
        if (e instanceof Expr.Field f && f.path().get(f.path().size() - 1) instanceof String last) {
            return last;
        }
        if (e instanceof Expr.Call c) {
            return c.function().name().toLowerCase(Locale.ROOT);
        }
        return text;
    }

    private String name(String what) throws SqlSyntaxException {
        Token t = peek();
        if (t.kind() == Token.Kind.QUOTED_IDENT) {
            advance();
            return t.text();
        }
        if (t.kind() == Token.Kind.IDENT) {
            if (KEYWORDS.contains(t.text().toUpperCase(Locale.ROOT))) {
                throw error(t, "expected " + what + ", found keyword " + t.describe()
                        + " (quote it as \"" + t.text() + "\" to use it as a name)");
            }
            advance();
            return t.text();
        }
        throw expected(what);
    }

    private Expr expr() throws SqlSyntaxException {
        Expr left = and();
        while (atKeyword("OR")) {
            advance();
            left = new Expr.Logical(false, left, and());
        }
        return left;
    }

    private Expr and() throws SqlSyntaxException {
        Expr left = not();
        while (atKeyword("AND")) {
            advance();
            left = new Expr.Logical(true, left, not());
        }
        return left;
    }

    private Expr not() throws SqlSyntaxException {
        if (atKeyword("NOT")) {
            advance();
            return new Expr.Not(not());
        }
        return comparison();
    }

    private Expr comparison() throws SqlSyntaxException {
        Expr left = additive();
        String op = switch (peek().kind()) {
            case EQ -> "=";
            case NE -> "!=";
            case LT -> "<";
            case LE -> "<=";
            case GT -> ">";
            case GE -> ">=";
            default -> null;
        };
        if (op != null) {
            advance();
            Expr right = additive();
            Token after = peek();
            if (isComparison(after.kind())) {
                // "a < b < c" would compare a boolean with c: almost certainly not what was meant.
                throw error(after, "comparisons cannot be chained; combine them with AND");
            }
            return new Expr.Comparison(op, left, right);
        }
        if (atKeyword("IS")) {
            advance();
            boolean negated = false;
            if (atKeyword("NOT")) {
                advance();
                negated = true;
            }
            if (!atKeyword("NULL")) {
                throw expected(negated ? "NULL after IS NOT" : "NULL or NOT NULL after IS");
            }
            advance();
            return new Expr.IsNull(left, negated);
        }
        return left;
    }

    private static boolean isComparison(Token.Kind k) {
        return k == Token.Kind.EQ || k == Token.Kind.NE || k == Token.Kind.LT || k == Token.Kind.LE
                || k == Token.Kind.GT || k == Token.Kind.GE;
    }

    private Expr additive() throws SqlSyntaxException {
        Expr left = term();
        while (at(Token.Kind.PLUS) || at(Token.Kind.MINUS)) {
            char op = advance().text().charAt(0);
            left = new Expr.Arithmetic(op, left, term());
        }
        return left;
    }

    private Expr term() throws SqlSyntaxException {
        Expr left = unary();
        while (at(Token.Kind.STAR) || at(Token.Kind.SLASH) || at(Token.Kind.PERCENT)) {
            char op = advance().text().charAt(0);
            left = new Expr.Arithmetic(op, left, unary());
        }
        return left;
    }

    private Expr unary() throws SqlSyntaxException {
        if (at(Token.Kind.MINUS)) {
            advance();
            Token next = peek();
            if (next.kind() == Token.Kind.INTEGER) {
                // Parse "-N" as one literal so that Long.MIN_VALUE (whose N does not fit a long) stays an integer.
                try {
                    long v = Long.parseLong("-" + next.text());
                    advance();
                    return new Expr.Literal(LongNode.valueOf(v));
                } catch (NumberFormatException tooBig) {
                    // Falls back to negating the double literal below.
                }
            }
            Expr operand = unary();
            // Fold "-5" so that the literal keeps its type and Long.MIN_VALUE can be written.
            if (operand instanceof Expr.Literal lit && lit.value().isNumber()) {
                return new Expr.Literal(Values.negate(lit.value()));
            }
            return new Expr.Negate(operand);
        }
        if (at(Token.Kind.PLUS)) {
            advance();
            Expr operand = unary();
            // Unary plus is arithmetic: +'a' is null like 'a' + 0 would be.
            return new Expr.Arithmetic('+', new Expr.Literal(LongNode.valueOf(0)), operand);
        }
        return primary();
    }

    private Expr primary() throws SqlSyntaxException {
        Token t = peek();
        switch (t.kind()) {
            case INTEGER:
                advance();
                try {
                    return new Expr.Literal(LongNode.valueOf(Long.parseLong(t.text())));
                } catch (NumberFormatException tooBig) {
                    return new Expr.Literal(DoubleNode.valueOf(Double.parseDouble(t.text())));
                }
            case DECIMAL:
                advance();
                return new Expr.Literal(Values.number(Double.parseDouble(t.text())));
            case STRING:
                advance();
                return new Expr.Literal(TextNode.valueOf(t.text()));
            case LPAREN: {
                advance();
                Expr e = expr();
                if (!at(Token.Kind.RPAREN)) {
                    throw expected("')' to close the '(' at position " + (t.pos() + 1));
                }
                advance();
                return e;
            }
            case STAR:
                throw error(t, "'*' is only allowed as a select item (to copy all payload fields)");
            case IDENT:
                if (t.isKeyword("TRUE") || t.isKeyword("FALSE")) {
                    advance();
                    return new Expr.Literal(BooleanNode.valueOf(t.isKeyword("TRUE")));
                }
                if (t.isKeyword("NULL")) {
                    advance();
                    return new Expr.Literal(Values.NULL);
                }
                if (tokens.get(p + 1).kind() == Token.Kind.LPAREN) {
                    return call();
                }
                return path();
            case QUOTED_IDENT:
                return path();
            default:
                throw expected("an expression");
        }
    }

    private Expr call() throws SqlSyntaxException {
        Token nameTok = advance();
        Expr.Function fn;
        try {
            fn = Expr.Function.valueOf(nameTok.text().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw error(nameTok, "unknown function '" + nameTok.text() + "' (known: " + KNOWN_FUNCTIONS + ")");
        }
        Token open = advance(); // '('
        Expr arg = null;
        if (!at(Token.Kind.RPAREN)) {
            if (fn != Expr.Function.TOPIC) {
                throw error(peek(), nameTok.text() + "() takes no arguments");
            }
            Token argTok = peek();
            arg = expr();
            if (arg instanceof Expr.Literal lit) {
                JsonNodeCheck.topicLevel(lit, argTok);
            }
            if (at(Token.Kind.COMMA)) {
                throw error(peek(), "topic() takes at most one argument, the level number");
            }
        }
        if (!at(Token.Kind.RPAREN)) {
            throw expected("')' to close the '(' at position " + (open.pos() + 1));
        }
        advance();
        return new Expr.Call(fn, arg);
    }

    /** Static checks of a literal topic(n) argument, so a typo fails at startup instead of giving null forever. */
    private static final class JsonNodeCheck {
        static void topicLevel(Expr.Literal lit, Token at) throws SqlSyntaxException {
            var v = lit.value();
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 1) {
                throw new SqlSyntaxException(at.pos() + 1,
                        "topic(n) needs a level number of 1 or more (1 is the first level), got " + v);
            }
        }
    }

    private Expr path() throws SqlSyntaxException {
        List<Object> steps = new ArrayList<>();
        steps.add(name("a field name"));
        while (true) {
            if (at(Token.Kind.DOT)) {
                advance();
                steps.add(name("a field name after '.'"));
            } else if (at(Token.Kind.LBRACKET)) {
                advance();
                Token idx = peek();
                if (idx.kind() != Token.Kind.INTEGER) {
                    throw expected("an array index (0, 1, ...)");
                }
                advance();
                int index;
                try {
                    index = Integer.parseInt(idx.text());
                } catch (NumberFormatException e) {
                    throw error(idx, "array index too large: " + idx.text());
                }
                steps.add(index);
                if (!at(Token.Kind.RBRACKET)) {
                    throw expected("']'");
                }
                advance();
            } else {
                return new Expr.Field(List.copyOf(steps));
            }
        }
    }
}
