package io.baetyl.function.sql.query;

import java.util.ArrayList;
import java.util.List;

/** Splits a statement into tokens. Whitespace separates tokens and is otherwise ignored; there are no comments. */
final class Lexer {
    private final String src;
    private int i;

    private Lexer(String src) {
        this.src = src;
    }

    static List<Token> tokenize(String src) throws SqlSyntaxException {
        return new Lexer(src).run();
    }

    private List<Token> run() throws SqlSyntaxException {
        List<Token> out = new ArrayList<>();
        while (true) {
            while (i < src.length() && Character.isWhitespace(src.charAt(i))) {
                i++;
            }
            if (i >= src.length()) {
                out.add(new Token(Token.Kind.EOF, "", src.length(), src.length()));
                return out;
            }
            out.add(next());
        }
    }

    private Token next() throws SqlSyntaxException {
        int start = i;
        char c = src.charAt(i);
        if (Character.isLetter(c) || c == '_') {
            while (i < src.length() && (Character.isLetterOrDigit(src.charAt(i)) || src.charAt(i) == '_')) {
                i++;
            }
            return new Token(Token.Kind.IDENT, src.substring(start, i), start, i);
        }
        if (Character.isDigit(c) || (c == '.' && i + 1 < src.length() && Character.isDigit(src.charAt(i + 1)))) {
            return number(start);
        }
        switch (c) {
            case '\'':
            {
                String text = quoted('\'', "string");
                return new Token(Token.Kind.STRING, text, start, i);
            }
            case '"':
            case '`': {
                String name = quoted(c, "quoted name");
                if (name.isEmpty()) {
                    throw new SqlSyntaxException(start + 1, "empty quoted name");
                }
                return new Token(Token.Kind.QUOTED_IDENT, name, start, i);
            }
            case ',':
                return single(Token.Kind.COMMA);
            case '.':
                return single(Token.Kind.DOT);
            case '(':
                return single(Token.Kind.LPAREN);
            case ')':
                return single(Token.Kind.RPAREN);
            case '[':
                return single(Token.Kind.LBRACKET);
            case ']':
                return single(Token.Kind.RBRACKET);
            case '*':
                return single(Token.Kind.STAR);
            case '+':
                return single(Token.Kind.PLUS);
            case '-':
                return single(Token.Kind.MINUS);
            case '/':
                return single(Token.Kind.SLASH);
            case '%':
                return single(Token.Kind.PERCENT);
            case '=':
                // "==" is accepted too: people coming from C-like rule languages write it.
                return src.startsWith("==", i) ? pair(Token.Kind.EQ) : single(Token.Kind.EQ);
            case '!':
                if (src.startsWith("!=", i)) {
                    return pair(Token.Kind.NE);
                }
                break;
            case '<':
                if (src.startsWith("<=", i)) {
                    return pair(Token.Kind.LE);
                }
                if (src.startsWith("<>", i)) {
                    return pair(Token.Kind.NE);
                }
                return single(Token.Kind.LT);
            case '>':
                return src.startsWith(">=", i) ? pair(Token.Kind.GE) : single(Token.Kind.GT);
            default:
                break;
        }
        throw new SqlSyntaxException(start + 1, "unexpected character '" + c + "'");
    }

    private Token single(Token.Kind kind) {
        Token t = new Token(kind, src.substring(i, i + 1), i, i + 1);
        i++;
        return t;
    }

    private Token pair(Token.Kind kind) {
        Token t = new Token(kind, src.substring(i, i + 2), i, i + 2);
        i += 2;
        return t;
    }

    /** Quoted text; the quote character doubled inside stands for itself, as in SQL ('it''s'). */
    private String quoted(char quote, String what) throws SqlSyntaxException {
        int start = i;
        i++;
        StringBuilder sb = new StringBuilder();
        while (i < src.length()) {
            char c = src.charAt(i);
            if (c == quote) {
                if (i + 1 < src.length() && src.charAt(i + 1) == quote) {
                    sb.append(quote);
                    i += 2;
                    continue;
                }
                i++;
                return sb.toString();
            }
            sb.append(c);
            i++;
        }
        throw new SqlSyntaxException(start + 1, "unterminated " + what);
    }

    private Token number(int start) throws SqlSyntaxException {
        boolean decimal = false;
        while (i < src.length() && Character.isDigit(src.charAt(i))) {
            i++;
        }
        if (i < src.length() && src.charAt(i) == '.') {
            decimal = true;
            i++;
            while (i < src.length() && Character.isDigit(src.charAt(i))) {
                i++;
            }
        }
        if (i < src.length() && (src.charAt(i) == 'e' || src.charAt(i) == 'E')) {
            int e = i++;
            if (i < src.length() && (src.charAt(i) == '+' || src.charAt(i) == '-')) {
                i++;
            }
            if (i >= src.length() || !Character.isDigit(src.charAt(i))) {
                throw new SqlSyntaxException(e + 1, "malformed number exponent");
            }
            while (i < src.length() && Character.isDigit(src.charAt(i))) {
                i++;
            }
            decimal = true;
        }
        if (i < src.length() && (Character.isLetter(src.charAt(i)) || src.charAt(i) == '_')) {
            throw new SqlSyntaxException(i + 1, "unexpected character '" + src.charAt(i) + "' after a number");
        }
        return new Token(decimal ? Token.Kind.DECIMAL : Token.Kind.INTEGER, src.substring(start, i), start, i);
    }
}
