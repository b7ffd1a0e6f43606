package dev.ember.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bench all}'s {@code summary.txt} and {@code index.html}, from each step's time, exit code
 * and key=value output: first the steps (with each profile's targets passed and failed, and a link
 * to its report), then every ratio measured side by side (median, spread, a warning mark), then
 * every figure. The summary is also read back ({@link #parse}), so the index can be drawn again
 * from a committed run.
 */
public final class BenchIndex {
    /** One step of the run: how long it took, how it exited, what it printed. */
    public record Step(String name, long seconds, int exit, String output) {}

    /** A run: its steps, and its wall time in all (null when the summary did not record it). */
    public record Run(Long totalSeconds, List<Step> steps) {}

    private static final Pattern HEADER = Pattern.compile("^## (\\S+) \\((\\d+) s, exit (-?\\d+)\\)$");
    private static final Pattern TOTAL = Pattern.compile("^## all \\((\\d+) s\\)$");

    private BenchIndex() {}

    /** summary.txt: a section per step, its header {@code ## step (N s, exit E)}, and {@code ## all (N s)} last. */
    public static String summary(Run run) {
        StringBuilder txt = new StringBuilder();
        for (Step s : run.steps()) {
            txt.append("## ")
                    .append(s.name())
                    .append(" (")
                    .append(s.seconds())
                    .append(" s, exit ")
                    .append(s.exit())
                    .append(")\n")
                    .append(s.output());
            if (!s.output().isEmpty() && !s.output().endsWith("\n")) {
                txt.append('\n');
            }
            txt.append('\n');
        }
        if (run.totalSeconds() != null) {
            txt.append("## all (").append(run.totalSeconds()).append(" s)\n");
        }
        return txt.toString();
    }

    /** The run a summary.txt describes. */
    public static Run parse(String summary) {
        List<Step> steps = new ArrayList<>();
        Long total = null;
        String name = null;
        long seconds = 0;
        int exit = 0;
        StringBuilder out = new StringBuilder();
        for (String line : summary.split("\n", -1)) {
            Matcher h = HEADER.matcher(line);
            Matcher t = TOTAL.matcher(line);
            if (h.matches() || t.matches()) {
                if (name != null) {
                    steps.add(new Step(name, seconds, exit, out.toString().strip() + "\n"));
                }
                out.setLength(0);
                name = null;
                if (h.matches()) {
                    name = h.group(1);
                    seconds = Long.parseLong(h.group(2));
                    exit = Integer.parseInt(h.group(3));
                } else {
                    total = Long.parseLong(t.group(1));
                }
            } else if (name != null) {
                out.append(line).append('\n');
            }
        }
        if (name != null) {
            steps.add(new Step(name, seconds, exit, out.toString().strip() + "\n"));
        }
        return new Run(total, steps);
    }

    /** The report a step wrote, by the name bench all gives it ({@code load-P}: P.html, {@code compare-P}: P-compare.html). */
    public static String reportOf(String step) {
        String name = step.replaceFirst("^(load|compare)-", "");
        return step.startsWith("compare-") ? name + "-compare.html" : name + ".html";
    }

    /** index.html; {@code hasReport} says which report files exist beside it. */
    public static String html(String machine, Run run, Predicate<String> hasReport) {
        StringBuilder h = new StringBuilder("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>Ember bench all</title><style>body{font:14px/1.45 system-ui,sans-serif;color:#222;"
                + "max-width:1060px;margin:24px auto;padding:0 16px}h2{font-size:18px;margin:28px 0 8px;"
                + "border-bottom:1px solid #ddd;padding-bottom:4px}td,th{border:1px solid #ddd;padding:3px 8px;"
                + "text-align:left;vertical-align:top}td.n{text-align:right;white-space:nowrap}th{background:#f6f6f6}"
                + "table{border-collapse:collapse;margin:6px 0 10px}.fail{color:#c62828;font-weight:600}"
                + ".pass{color:#2e7d32}.warn{color:#b26a00}.note{color:#666;font-size:13px}"
                + "pre{background:#f6f6f6;padding:8px;overflow:auto;font-size:12px}</style></head><body>"
                + "<h1>Ember: bench all</h1>");
        long failed = run.steps().stream().filter(s -> s.exit() != 0).count();
        h.append("<p>")
                .append(run.totalSeconds() == null ? "Total time not recorded" : run.totalSeconds() + " s in all")
                .append(" on ")
                .append(esc(machine))
                .append(": ")
                .append(run.steps().size())
                .append(" steps, ")
                .append(failed == 0 ? "all exited 0" : "<span class=\"fail\">" + failed + " failed</span>")
                .append(".</p>\n<h2>Steps</h2>\n<table><tr><th>step</th><th>seconds</th><th>exit</th>")
                .append("<th>targets</th><th>report</th></tr>\n");
        for (Step s : run.steps()) {
            String report = reportOf(s.name());
            Map<String, Integer> targets = targets(s.output());
            h.append("<tr><td>")
                    .append(esc(s.name()))
                    .append("</td><td class=\"n\">")
                    .append(s.seconds())
                    .append("</td><td class=\"n")
                    .append(s.exit() == 0 ? "" : " fail")
                    .append("\">")
                    .append(s.exit())
                    .append("</td><td>")
                    .append(targetCell(targets))
                    .append("</td><td>")
                    .append(hasReport.test(report) ? "<a href=\"" + esc(report) + "\">" + esc(report) + "</a>" : "")
                    .append("</td></tr>\n");
        }
        h.append("</table>\n<h2>Ratios measured side by side</h2>\n<p class=\"note\">Each the median of")
                .append(" per-repetition ratios of interleaved phases, with its min..max spread; ")
                .append("<span class=\"warn\">⚠</span> when a repetition is more than 15 % off the median.</p>\n")
                .append("<table><tr><th>step</th><th>ratio</th><th>median</th><th>spread</th></tr>\n");
        for (Step s : run.steps()) {
            for (Ratio r : ratios(s.output())) {
                h.append("<tr><td>")
                        .append(esc(s.name()))
                        .append("</td><td>")
                        .append(esc(r.key()))
                        .append("</td><td class=\"n\"><b>")
                        .append(esc(r.median()))
                        .append("</b></td><td class=\"n\">")
                        .append(esc(r.spread()))
                        .append(r.warned() ? " <span class=\"warn\">⚠</span>" : "")
                        .append("</td></tr>\n");
            }
        }
        h.append("</table>\n<details><summary><b>Every figure</b> (summary.txt)</summary><pre>")
                .append(esc(summary(run)))
                .append("</pre></details>\n</body></html>\n");
        return h.toString();
    }

    /** A ratio a step printed: {@code key=median}, {@code key.spread=min..max}, maybe {@code key.warning}. */
    record Ratio(String key, String median, String spread, boolean warned) {}

    static List<Ratio> ratios(String output) {
        Map<String, String> values = values(output);
        List<Ratio> out = new ArrayList<>();
        values.forEach((k, v) -> {
            if (k.endsWith(".spread")) {
                String key = k.substring(0, k.length() - ".spread".length());
                out.add(new Ratio(key, values.getOrDefault(key, "?"), v, values.containsKey(key + ".warning")));
            }
        });
        return out;
    }

    /** Targets judged in a profile's output ({@code load.P.target.T=pass|fail|not judged}), counted by status. */
    static Map<String, Integer> targets(String output) {
        Map<String, Integer> out = new LinkedHashMap<>();
        values(output).forEach((k, v) -> {
            if (k.startsWith("load.") && k.contains(".target.") && !k.endsWith(".detail")) {
                out.merge(v, 1, Integer::sum);
            }
        });
        return out;
    }

    private static String targetCell(Map<String, Integer> targets) {
        List<String> parts = new ArrayList<>();
        targets.forEach((status, n) -> {
            String css = switch (status) {
                case "pass" -> "pass";
                case "fail" -> "fail";
                default -> "note";
            };
            parts.add("<span class=\"" + css + "\">" + n + " " + esc(status.toUpperCase(Locale.ROOT)) + "</span>");
        });
        return String.join(", ", parts);
    }

    private static Map<String, String> values(String output) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0 && !line.startsWith("#")) {
                values.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return values;
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
