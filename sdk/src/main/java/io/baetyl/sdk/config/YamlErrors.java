package io.baetyl.sdk.config;

import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * SnakeYAML's parse errors in full, on one line, for people editing YAML by hand: where (line and column, with the
 * text of that line), what was expected and what was found, what the parser was in the middle of and where that
 * started, and a plain-words hint for the usual causes (a tab, an indentation that does not line up, an unclosed
 * quote or bracket). Both config loaders use it, so the master and every module word YAML errors the same way.
 *
 * <p>For example: {@code line 4, column 4 ("   mounts: []"): expected <block end>, but found '<block mapping start>'
 * (while parsing a block collection that started at line 2, column 3): this line is indented differently from the
 * lines above it}.
 */
public final class YamlErrors {
    private static final int SNIPPET_MAX = 60;

    private YamlErrors() {
    }

    /** The full description of a SnakeYAML error found in {@code text}. */
    public static String describe(MarkedYAMLException e, String text) {
        Mark problemMark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
        String problem = e.getProblem() != null ? e.getProblem() : e.getContext();
        StringBuilder sb = new StringBuilder();
        String line = problemMark == null ? null : lineOf(text, problemMark.getLine());
        if (problemMark != null) {
            sb.append(at(problemMark));
            if (line != null && !line.isBlank()) {
                sb.append(" (\"").append(snippet(line)).append("\")");
            }
            sb.append(": ");
        }
        boolean tab = problem != null && problem.contains("\\t(TAB)");
        if (tab) {
            sb.append("found a tab character: YAML indentation must use spaces, not tabs");
        } else {
            sb.append(problem == null ? "invalid YAML" : problem.replace('\n', ' ').strip());
        }
        if (e.getContext() != null && e.getProblem() != null) {
            sb.append(" (").append(e.getContext().strip());
            Mark ctx = e.getContextMark();
            if (ctx != null && (problemMark == null || ctx.getLine() != problemMark.getLine()
                    || ctx.getColumn() != problemMark.getColumn())) {
                sb.append(" that started at ").append(at(ctx));
            }
            sb.append(')');
        }
        String hint = tab ? null : hint(problem, e.getContext(), line);
        if (hint != null) {
            sb.append(": ").append(hint);
        }
        return sb.toString();
    }

    /** The usual cause of an error, in plain words, or null. */
    private static String hint(String problem, String context, String line) {
        String p = problem == null ? "" : problem;
        String c = context == null ? "" : context;
        if (line != null && line.indexOf('\t') >= 0) {
            return "this line contains a tab character; YAML needs spaces";
        }
        if (p.contains("expected <block end>") || (p.contains("mapping values are not allowed") && !c.contains("flow"))) {
            return "this line is indented differently from the lines above it (or a value needs quotes)";
        }
        if (c.contains("quoted scalar")) {
            return "a quote is not closed";
        }
        if (c.contains("flow sequence") || c.contains("flow mapping")) {
            return "a [ or { is not closed, or an item needs quotes";
        }
        if (p.contains("found character '@'") || p.contains("found character '`'")) {
            return "a value starting with @ or ` needs quotes";
        }
        return null;
    }

    private static String at(Mark m) {
        return "line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1);
    }

    private static String lineOf(String text, int index) {
        if (text == null) {
            return null;
        }
        String[] lines = text.split("\r?\n", -1);
        return index >= 0 && index < lines.length ? lines[index] : null;
    }

    private static String snippet(String line) {
        String s = line.replace("\t", "\\t").stripTrailing();
        return s.length() <= SNIPPET_MAX ? s : s.substring(0, SNIPPET_MAX) + "...";
    }
}
