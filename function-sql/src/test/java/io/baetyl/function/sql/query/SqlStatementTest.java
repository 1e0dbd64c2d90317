package io.baetyl.function.sql.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SqlStatementTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MessageInfo MSG = new MessageInfo(1, "t", "", 1_569_246_549L);

    /** The output JSON text, or null when WHERE filtered the message out. */
    static String run(String sql, String payload, MessageInfo msg) throws Exception {
        ObjectNode in = (ObjectNode) JSON.readTree(payload);
        return SqlStatement.parse(sql).apply(in, msg).map(ObjectNode::toString).orElse(null);
    }

    static String run(String sql, String payload) throws Exception {
        return run(sql, payload, MSG);
    }

    /** The value of one expression, as JSON text ("missing" when the item was left out). */
    static String eval(String expr, String payload) throws Exception {
        String out = run("select " + expr + " as v", payload);
        ObjectNode node = (ObjectNode) JSON.readTree(out);
        return node.has("v") ? node.get("v").toString() : "missing";
    }

    static String eval(String expr) throws Exception {
        return eval(expr, "{}");
    }

    static SqlSyntaxException syntaxError(String sql) {
        try {
            SqlStatement.parse(sql);
        } catch (SqlSyntaxException e) {
            return e;
        }
        throw new AssertionError("expected a syntax error for: " + sql);
    }

    @Nested
    class DocsExamples {
        @Test
        void functionFilterConf() throws Exception {
            String sql = "select qos() as qos, topic() as topic, * where id < 10";
            assertThat(run(sql, "{\"id\":1}")).isEqualTo("{\"qos\":1,\"topic\":\"t\",\"id\":1}");
            assertThat(run(sql, "{\"id\":10}")).isNull();
            assertThat(run(sql, "{\"name\":\"no id\"}")).isNull();
        }

        @Test
        void desensitizingFilter() throws Exception {
            String sql = "SELECT temperature, ts, unit WHERE temperature > 50";
            String in = "{\"workshop\":\"W-3\",\"device\":\"TS-01\",\"temperature\":66.6,\"ts\":1569246549,\"unit\":\"C\"}";
            assertThat(run(sql, in)).isEqualTo("{\"temperature\":66.6,\"ts\":1569246549,\"unit\":\"C\"}");
            assertThat(run(sql, "{\"temperature\":50,\"ts\":1,\"unit\":\"C\"}")).isNull();
        }
    }

    @Nested
    class SelectList {
        @Test
        void starCopiesAllFieldsInOrder() throws Exception {
            assertThat(run("select *", "{\"b\":1,\"a\":{\"x\":[1,2]}}")).isEqualTo("{\"b\":1,\"a\":{\"x\":[1,2]}}");
        }

        @Test
        void laterItemsOverwriteButKeepFirstPosition() throws Exception {
            assertThat(run("select qos() as id, *", "{\"id\":7,\"n\":1}")).isEqualTo("{\"id\":7,\"n\":1}");
            assertThat(run("select *, qos() as id", "{\"id\":7,\"n\":1}")).isEqualTo("{\"id\":1,\"n\":1}");
            assertThat(run("select *, *", "{\"a\":1}")).isEqualTo("{\"a\":1}");
        }

        @Test
        void defaultKeys() throws Exception {
            assertThat(SqlStatement.parse("select a, a.b, \"c-d\", topic(2), QOS(), a[0], x + 1, * where true").keys())
                    .containsExactly("a", "b", "c-d", "topic", "qos", "a[0]", "x + 1", "*");
        }

        @Test
        void aliases() throws Exception {
            assertThat(run("select a as x, b AS \"y z\", c as `select`", "{\"a\":1,\"b\":2,\"c\":3}"))
                    .isEqualTo("{\"x\":1,\"y z\":2,\"select\":3}");
        }

        @Test
        void missingFieldsAreLeftOutButNullIsKept() throws Exception {
            assertThat(run("select a, b, c.d", "{\"a\":null}")).isEqualTo("{\"a\":null}");
            assertThat(run("select b + 1 as n", "{}")).isEqualTo("{\"n\":null}");
            assertThat(run("select b", "{}")).isEqualTo("{}");
        }

        @Test
        void nestedFieldsAndArrayIndexes() throws Exception {
            String in = "{\"a\":{\"b\":{\"c\":5}},\"arr\":[{\"v\":1},{\"v\":2}],\"s\":\"str\"}";
            assertThat(eval("a.b.c", in)).isEqualTo("5");
            assertThat(eval("a.b", in)).isEqualTo("{\"c\":5}");
            assertThat(eval("arr[1].v", in)).isEqualTo("2");
            assertThat(eval("arr[2].v", in)).isEqualTo("missing");
            assertThat(eval("s.x", in)).isEqualTo("missing");
            assertThat(eval("a[0]", in)).isEqualTo("missing");
            assertThat(eval("\"a\".`b`.c", in)).isEqualTo("5");
        }

        @Test
        void keywordsAreCaseInsensitiveButFieldNamesAreNot() throws Exception {
            assertThat(run("SeLeCt Id As X wHeRe Id = 1", "{\"Id\":1,\"id\":2}")).isEqualTo("{\"X\":1}");
            assertThat(run("select id where id = 1", "{\"Id\":1}")).isNull();
        }
    }

    @Nested
    class Functions {
        @Test
        void messageFunctions() throws Exception {
            MessageInfo msg = new MessageInfo(0, "a/b/c", "client-1", 42);
            assertThat(run("select qos(), topic(), topic(1) as t1, topic(3) as t3, clientid(), timestamp()", "{}", msg))
                    .isEqualTo("{\"qos\":0,\"topic\":\"a/b/c\",\"t1\":\"a\",\"t3\":\"c\",\"clientid\":\"client-1\","
                            + "\"timestamp\":42}");
        }

        @Test
        void topicLevelOutOfRangeOrNotAnIntegerIsNull() throws Exception {
            MessageInfo msg = new MessageInfo(0, "a//c", "", 0);
            assertThat(run("select topic(2) as t2, topic(4) as t4, topic(n) as tn, topic(1 + 2) as t3", "{\"n\":\"x\"}", msg))
                    .isEqualTo("{\"t2\":\"\",\"t4\":null,\"tn\":null,\"t3\":\"c\"}");
        }

        @Test
        void clientIdIsEmptyWhenUnknown() throws Exception {
            assertThat(eval("clientid()")).isEqualTo("\"\"");
            assertThat(new MessageInfo(0, null, null, 0).clientId()).isEmpty();
        }

        @Test
        void functionsInWhere() throws Exception {
            MessageInfo msg = new MessageInfo(1, "sensors/room1/temp", "", 0);
            assertThat(run("select * where topic(2) = 'room1' and qos() >= 1", "{\"v\":1}", msg)).isEqualTo("{\"v\":1}");
            assertThat(run("select * where topic(2) = 'room2'", "{\"v\":1}", msg)).isNull();
        }
    }

    @Nested
    class Arithmetic {
        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
            "1 + 2          | 3",
            "7 - 10         | -3",
            "6 * 7          | 42",
            "6 / 3          | 2",
            "7 / 2          | 3.5",
            "7 % 3          | 1",
            "-7 % 3         | -1",
            "7.5 % 2        | 1.5",
            "1.5 + 1        | 2.5",
            "1 + 2 * 3      | 7",
            "(1 + 2) * 3    | 9",
            "10 - 2 - 3     | 5",
            "2 * -3         | -6",
            "- (2 + 3)      | -5",
            "+4             | 4",
            "--4            | 4",
            "1e3            | 1000.0",
            ".5 * 4         | 2.0",
            "1 / 0          | null",
            "1 % 0          | null",
            "1.0 / 0        | null",
            "9223372036854775807 + 1 | 9.223372036854776E18",
            "9223372036854775808     | 9.223372036854776E18",
            "-9223372036854775808    | -9223372036854775808",
            "'a' + 'b'      | \"ab\"",
            "'a' + 1        | null",
            "'a' * 2        | null",
            "true + 1       | null",
            "null + 1       | null",
            "-'a'           | null",
            "+'a'           | null",
        })
        void literals(String expr, String expected) throws Exception {
            assertThat(eval(expr)).isEqualTo(expected);
        }

        @Test
        void onFields() throws Exception {
            String in = "{\"c\":100,\"big\":12345678901234567890,\"f\":0.5,\"s\":\"x\",\"o\":{}}";
            assertThat(eval("c * 9 / 5 + 32", in)).isEqualTo("212");
            assertThat(eval("f * 2", in)).isEqualTo("1.0");
            assertThat(eval("big + 0", in)).isEqualTo("1.2345678901234567E19");
            assertThat(eval("nope * 2", in)).isEqualTo("null");
            assertThat(eval("o + 1", in)).isEqualTo("null");
            assertThat(eval("-c", in)).isEqualTo("-100");
            assertThat(eval("-nope", in)).isEqualTo("null");
        }
    }

    @Nested
    class Comparisons {
        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
            "1 = 1          | true",
            "1 == 1         | true",
            "1 = 1.0        | true",
            "1 != 2         | true",
            "1 <> 1         | false",
            "1 < 2          | true",
            "2 <= 2         | true",
            "3 > 2.5        | true",
            "2 >= 3         | false",
            "'abc' < 'abd'  | true",
            "'b' > 'a'      | true",
            "'a' = 'a'      | true",
            "true = true    | true",
            "true != false  | true",
            "true < false   | null",
            "1 = '1'        | false",
            "1 != '1'       | true",
            "1 < '2'        | null",
            "null = null    | null",
            "null != 1      | null",
            "1 + 1 = 2      | true",
        })
        void literals(String expr, String expected) throws Exception {
            assertThat(eval(expr)).isEqualTo(expected);
        }

        @Test
        void objectsAndArraysCompareByEquality() throws Exception {
            String in = "{\"a\":{\"x\":1},\"b\":{\"x\":1},\"c\":[1,2],\"d\":[2,1]}";
            assertThat(eval("a = b", in)).isEqualTo("true");
            assertThat(eval("c = d", in)).isEqualTo("false");
            assertThat(eval("c != d", in)).isEqualTo("true");
            assertThat(eval("a < b", in)).isEqualTo("null");
        }

        @Test
        void isNull() throws Exception {
            String in = "{\"n\":null,\"v\":0}";
            assertThat(eval("n is null", in)).isEqualTo("true");
            assertThat(eval("missing IS NULL", in)).isEqualTo("true");
            assertThat(eval("v is null", in)).isEqualTo("false");
            assertThat(eval("v is not null", in)).isEqualTo("true");
            assertThat(eval("n IS NOT NULL", in)).isEqualTo("false");
            assertThat(run("select * where n is null and v is not null", in)).isEqualTo(in.replace(" ", ""));
        }
    }

    @Nested
    class Logic {
        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
            "true and true     | true",
            "true and false    | false",
            "false and null    | false",
            "null and false    | false",
            "true and null     | null",
            "true or false     | true",
            "null or true      | true",
            "false or null     | null",
            "false or false    | false",
            "not true          | false",
            "not null          | null",
            "not 1             | null",
            "1 and true        | null",
            "not false and false | false",
            "not (false and false) | true",
            "true or true and false | true",
            "(true or true) and false | false",
            "not 1 > 2         | true",
        })
        void threeValued(String expr, String expected) throws Exception {
            assertThat(eval(expr)).isEqualTo(expected);
        }

        @Test
        void whereOnlyPassesTrue() throws Exception {
            assertThat(run("select * where true", "{\"a\":1}")).isEqualTo("{\"a\":1}");
            assertThat(run("select * where false", "{\"a\":1}")).isNull();
            assertThat(run("select * where null", "{\"a\":1}")).isNull();
            assertThat(run("select * where a", "{\"a\":1}")).isNull(); // a number is not a condition
            assertThat(run("select * where a", "{\"a\":true}")).isEqualTo("{\"a\":true}");
            assertThat(run("select * where b > 1", "{\"a\":1}")).isNull(); // missing field: unknown
            assertThat(run("select * where not b > 1", "{\"a\":1}")).isNull();
        }

        @Test
        void withoutWhereEveryMessagePasses() throws Exception {
            assertThat(run("select *", "{}")).isEqualTo("{}");
        }
    }

    @Nested
    class Literals {
        @Test
        void stringsNumbersBooleansNull() throws Exception {
            assertThat(run("select 'it''s' as s, 'x\"y' as q, '' as e, 42 as i, 4.25 as d, 2E-1 as x, true as t, "
                    + "FALSE as f, NULL as n", "{}"))
                    .isEqualTo("{\"s\":\"it's\",\"q\":\"x\\\"y\",\"e\":\"\",\"i\":42,\"d\":4.25,\"x\":0.2,\"t\":true,"
                            + "\"f\":false,\"n\":null}");
        }

        @Test
        void quotedNamesAllowKeywordsAndSpecialCharacters() throws Exception {
            assertThat(run("select \"select\", `a-b`, \"x\"\"y\"", "{\"select\":1,\"a-b\":2,\"x\\\"y\":3}"))
                    .isEqualTo("{\"select\":1,\"a-b\":2,\"x\\\"y\":3}");
        }

        @Test
        void unicodeNamesAndStrings() throws Exception {
            assertThat(run("select 温度 where 单位 = '摄氏度'", "{\"温度\":60,\"单位\":\"摄氏度\"}"))
                    .isEqualTo("{\"温度\":60}");
        }
    }

    @Nested
    class SyntaxErrors {
        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
            // statement | position | message contains
            "''                                 | 1  | expected SELECT, found end of statement",
            "update x                           | 1  | expected SELECT, found 'update'",
            "select                             | 7  | expected a select item",
            "select * where                     | 15 | expected an expression, found end of statement",
            "select a b                         | 10 | expected ',', AS, WHERE or end of statement, found 'b'",
            "select a,                          | 10 | expected a select item",
            "select a from t                    | 10 | FROM is not supported",
            "select a as                        | 12 | expected an alias after AS",
            "select a as where                  | 13 | found keyword 'where'",
            "select select                      | 8  | found keyword 'select'",
            "select foo()                       | 8  | unknown function 'foo'",
            "select qos(1)                      | 12 | qos() takes no arguments",
            "select topic(0)                    | 14 | topic(n) needs a level number of 1 or more",
            "select topic('a')                  | 14 | topic(n) needs a level number",
            "select topic(1, 2)                 | 15 | at most one argument",
            "select topic(1                     | 15 | expected ')' to close the '(' at position 13",
            "select (a + 1                      | 14 | expected ')' to close the '(' at position 8",
            "select * where id < 10 and         | 27 | expected an expression",
            "select * where a < b < c           | 22 | comparisons cannot be chained",
            "select * where a is 1              | 21 | expected NULL or NOT NULL after IS",
            "select * where a is not 1          | 25 | expected NULL after IS NOT",
            "select 'abc                        | 8  | unterminated string",
            "select \"abc                       | 8  | unterminated quoted name",
            "select \"\"                        | 8  | empty quoted name",
            "select a ; drop                    | 10 | unexpected character ';'",
            "select * where a ! b               | 18 | unexpected character '!'",
            "select 12abc                       | 10 | unexpected character 'a' after a number",
            "select 1e                          | 9  | malformed number exponent",
            "select a.                          | 10 | expected a field name after '.'",
            "select a[x]                        | 10 | expected an array index",
            "select a[1                         | 11 | expected ']'",
            "select a * * b                     | 12 | '*' is only allowed as a select item",
            "select * where id < 10 extra       | 24 | expected end of statement, found 'extra'",
        })
        void positionAndMessage(String sql, int position, String message) {
            SqlSyntaxException e = syntaxError(sql);
            assertThat(e.position()).as(e.getMessage()).isEqualTo(position);
            assertThat(e.getMessage()).startsWith("syntax error at position " + position + ": ").contains(message);
        }

        @Test
        void tabsAndNewlinesCountAsOneCharacter() {
            assertThat(syntaxError("select\n\ta\tfrom x").position()).isEqualTo(11);
        }
    }

    @Test
    void statementIsReusableAndDoesNotModifyThePayload() throws Exception {
        SqlStatement st = SqlStatement.parse("select *, qos() as q");
        ObjectNode in = (ObjectNode) JSON.readTree("{\"a\":1}");
        assertThat(st.apply(in, MSG).orElseThrow().toString()).isEqualTo("{\"a\":1,\"q\":1}");
        assertThat(st.apply(in, new MessageInfo(0, "t", "", 0)).orElseThrow().toString()).isEqualTo("{\"a\":1,\"q\":0}");
        assertThat(in.toString()).isEqualTo("{\"a\":1}");
        assertThat(st.toString()).isEqualTo("select *, qos() as q");
    }

    @Test
    void syntaxExceptionExposesReason() {
        SqlSyntaxException e = syntaxError("select foo()");
        assertThat(e.reason()).startsWith("unknown function 'foo'");
        assertThatThrownBy(() -> SqlStatement.parse("select a b")).isInstanceOf(SqlSyntaxException.class);
    }
}
