package dev.ember.load.report;

import dev.ember.load.report.RunResult.ClassSummary;
import dev.ember.load.report.RunResult.Figures;
import dev.ember.load.report.RunResult.Gap;
import dev.ember.load.report.RunResult.Latency;
import dev.ember.load.report.RunResult.PhaseStats;
import dev.ember.load.report.RunResult.TargetLine;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A run's report as one self-contained HTML page: no script, no external file, every chart a PNG
 * inside the page, so it can be mailed, committed and opened anywhere.
 */
public final class HtmlReport {
    private static final String STYLE = """
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:24px auto;max-width:1060px;padding:0 16px}
            h1{font-size:24px;margin:0 0 4px} h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
            .sub{color:#555;margin:0 0 12px} table{border-collapse:collapse;margin:6px 0 10px}
            td,th{border:1px solid #ddd;padding:4px 8px;text-align:right;vertical-align:top} th{background:#f6f6f6}
            td.l,th.l{text-align:left} .meta td{text-align:left} .meta td:first-child{color:#555;white-space:nowrap}
            td.r{white-space:nowrap} .warn{color:#b26a00}
            .t{display:flex;gap:10px;align-items:baseline;margin:4px 0}
            .b{display:inline-block;min-width:76px;text-align:center;border-radius:4px;padding:1px 6px;font-weight:600;color:#fff}
            .pass{background:#2e7d32} .fail{background:#c62828} .nj{background:#757575}
            img{display:block;max-width:100%;margin:8px 0 14px;border:1px solid #eee} .note{color:#666;font-size:13px}
            code{background:#f3f3f3;padding:0 3px;border-radius:3px}
            """;

    private HtmlReport() {}

    public static String render(RunResult r, Optional<CompareResult> compare) {
        StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<title>Ember load report: ")
                .append(esc(r.profile()))
                .append("</title><style>")
                .append(STYLE)
                .append("</style></head><body>\n");
        h.append("<h1>Ember load report: ").append(esc(r.profile())).append("</h1>\n");
        h.append("<p class=\"sub\">").append(esc(r.description())).append("</p>\n");
        meta(h, r);
        targets(h, r.targets());
        compare.ifPresent(c -> {
            compare(h, c);
            h.append("<p class=\"note\">Everything below is the last <b>")
                    .append(esc(r.configuration()))
                    .append("</b> run of the ")
                    .append(c.repetitions() * c.configurations().size())
                    .append(" (its targets, requests, pool figures and charts); every run is in the JSON.</p>\n");
        });
        classes(h, r);
        figures(h, r.figures());
        h.append("<h2>Charts</h2>\n");
        for (Map.Entry<String, byte[]> c : Charts.draw(r).entrySet()) {
            h.append("<img alt=\"")
                    .append(esc(c.getKey()))
                    .append("\" width=\"")
                    .append(Charts.WIDTH)
                    .append("\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(c.getValue()))
                    .append("\">\n");
        }
        h.append("<p class=\"note\">Latency counts from each request's due time (open-loop arrivals: a"
                + " stall shows in every request it delays). Outcomes are counted in the second they completed;"
                + " latencies in the second the request was due. Workers, cold starts, cache and cost come from"
                + " Ember's Prometheus metrics, sampled once a second.</p>\n");
        h.append("</body></html>\n");
        return h.toString();
    }

    private static void meta(StringBuilder h, RunResult r) {
        h.append("<table class=\"meta\">");
        row(h, "configuration", r.configuration());
        row(h, "target", r.target());
        row(h, "started", r.startedAt());
        row(h, "machine", r.machine());
        row(h, "planned length", fmt(r.plannedSeconds()) + " s");
        if (r.capacityRps() != null) {
            row(h, "measured capacity", fmt(r.capacityRps()) + " req/s (closed-loop probe before the schedule)");
        }
        row(
                h,
                "requests",
                r.totals().scheduled() + " scheduled, " + r.totals().sent() + " sent; the generator sent at most "
                        + fmt(r.totals().maxSendLagMs()) + " ms late");
        if (!r.deployment().isEmpty()) {
            row(h, "deployment", deployment(r.deployment()));
        }
        h.append("</table>\n");
    }

    /**
     * The deployment settings as lines a person reads: {@code ppocr-det:
     * scaling.stable_window_seconds=6, ...} per model (or "as shipped"), then the environment.
     */
    static String deployment(Map<String, Object> deployment) {
        List<String> lines = new java.util.ArrayList<>();
        if (deployment.get("models") instanceof Map<?, ?> models) {
            if (models.isEmpty()) {
                lines.add("models: as shipped (their config.yaml)");
            }
            models.forEach((model, settings) -> {
                List<String> flat = new java.util.ArrayList<>();
                flatten("", settings, flat);
                lines.add(model + ": " + (flat.isEmpty() ? "as shipped" : String.join(", ", flat)));
            });
        }
        if (deployment.get("environment") instanceof Map<?, ?> env && !env.isEmpty()) {
            List<String> vars = new java.util.ArrayList<>();
            env.forEach((k, v) -> vars.add(k + "=" + v));
            lines.add("environment: " + String.join(" ", vars));
        }
        return String.join("\n", lines);
    }

    private static void flatten(String prefix, Object value, List<String> into) {
        if (value instanceof Map<?, ?> m) {
            m.forEach((k, v) -> flatten(prefix.isEmpty() ? k.toString() : prefix + "." + k, v, into));
        } else {
            into.add(prefix + "=" + value);
        }
    }

    private static void row(StringBuilder h, String k, String v) {
        h.append("<tr><td>")
                .append(esc(k))
                .append("</td><td>")
                .append(esc(v).replace("\n", "<br>"))
                .append("</td></tr>");
    }

    private static void targets(StringBuilder h, List<TargetLine> targets) {
        if (targets.isEmpty()) {
            return;
        }
        h.append("<h2>Targets</h2>\n");
        for (TargetLine t : targets) {
            String css = switch (t.status()) {
                case TargetLine.PASS -> "pass";
                case TargetLine.FAIL -> "fail";
                default -> "nj";
            };
            h.append("<div class=\"t\"><span class=\"b ")
                    .append(css)
                    .append("\">")
                    .append(esc(t.status().toUpperCase(Locale.ROOT)))
                    .append("</span><span><b>")
                    .append(esc(t.name()))
                    .append("</b>: ")
                    .append(esc(t.detail()))
                    .append("</span></div>\n");
        }
    }

    private static void classes(StringBuilder h, RunResult r) {
        Set<String> outcomes = new LinkedHashSet<>(r.totals().byOutcome().keySet());
        h.append("<h2>Requests by class</h2>\n<table><tr><th class=\"l\">class</th><th class=\"l\">phase</th>")
                .append("<th>requests</th>");
        outcomes.forEach(o -> h.append("<th>").append(esc(o)).append("</th>"));
        h.append("<th>2xx p50 ms</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr>\n");
        for (ClassSummary c : r.classes()) {
            String label = c.name() + " (" + c.model() + ", " + c.door()
                    + (c.priority() == null ? "" : ", " + c.priority()) + ")";
            statsRow(h, label, "whole run", c.overall(), outcomes, true);
            if (c.phases().size() > 1) {
                for (PhaseStats p : c.phases()) {
                    if (p.stats().requests() > 0) {
                        statsRow(h, "", p.phase(), p.stats(), outcomes, false);
                    }
                }
            }
        }
        h.append("</table>\n");
    }

    private static void statsRow(
            StringBuilder h, String cls, String phase, RunResult.Stats s, Set<String> outcomes, boolean bold) {
        h.append(bold ? "<tr style=\"font-weight:600\">" : "<tr>")
                .append("<td class=\"l\">")
                .append(esc(cls))
                .append("</td><td class=\"l\">")
                .append(esc(phase))
                .append("</td><td>")
                .append(s.requests())
                .append("</td>");
        outcomes.forEach(
                o -> h.append("<td>").append(s.byOutcome().getOrDefault(o, 0L)).append("</td>"));
        Latency l = s.ok();
        for (Double v : new Double[] {l.p50Ms(), l.p90Ms(), l.p99Ms(), l.p999Ms(), l.maxMs()}) {
            h.append("<td>").append(v == null ? "–" : fmt(v)).append("</td>");
        }
        h.append("</tr>\n");
    }

    private static void figures(StringBuilder h, Figures f) {
        h.append("<h2>Pool, cache and cost</h2>\n");
        if (!f.metricsAvailable()) {
            h.append("<p class=\"note\">No Prometheus metrics could be read from the target during the run.</p>\n");
            return;
        }
        h.append("<table class=\"meta\">");
        row(h, "worker-seconds", fmt(f.workerSeconds()));
        row(
                h,
                "always-on pool sized for the peak",
                fmt(f.peakWorkers()) + (f.peakWorkers() != null && f.peakWorkers() == 1 ? " worker" : " workers")
                        + " × the run = " + fmt(f.alwaysOnWorkerSeconds()) + " worker-seconds");
        row(h, "cost vs always-on", f.costVsAlwaysOn() == null ? "–" : pct(f.costVsAlwaysOn()));
        row(h, "cold starts", fmt(f.coldStarts()));
        row(
                h,
                "requests that waited for a cold start",
                fmt(f.coldWaits()) + (f.coldWaitShare() == null ? "" : " (" + pct(f.coldWaitShare()) + ")"));
        row(
                h,
                "cache hit ratio",
                (f.cacheHitRatio() == null ? "–" : fmt(f.cacheHitRatio()))
                        + (f.theoreticalHitRatio() == null
                                ? ""
                                : " (theoretical for these keys: " + fmt(f.theoreticalHitRatio()) + ")"));
        row(h, "shed by the functions (429)", fmt(f.serverShed()));
        h.append("</table>\n");
        if (!f.gaps().isEmpty()) {
            h.append("<table><tr><th class=\"l\">gap</th><th>from s</th><th>to s</th><th>fewest workers</th>")
                    .append("<th>first request after, ms</th><th class=\"l\">its outcome</th></tr>\n");
            for (Gap g : f.gaps()) {
                h.append("<tr><td class=\"l\">")
                        .append(esc(g.phase()))
                        .append("</td><td>")
                        .append(fmt(g.fromSeconds()))
                        .append("</td><td>")
                        .append(fmt(g.toSeconds()))
                        .append("</td><td>")
                        .append(fmt(g.minWorkers()))
                        .append("</td><td>")
                        .append(fmt(g.firstAfterMs()))
                        .append("</td><td class=\"l\">")
                        .append(esc(g.firstAfterOutcome()))
                        .append("</td></tr>\n");
            }
            h.append("</table>\n");
        }
    }

    private static void compare(StringBuilder h, CompareResult c) {
        h.append("<h2>Compare: ").append(esc(c.profile())).append(" across configurations</h2>\n");
        h.append("<p class=\"note\">Interleaved runs (")
                .append(String.join(" ", c.configurations()))
                .append(", × ")
                .append(c.repetitions())
                .append("); each ratio is to <b>")
                .append(esc(c.configurations().get(0)))
                .append("</b> within one repetition: <b>median</b> [min–max], ⚠ when a repetition is more than")
                .append(" 15 % off the median; – where naive's figure is 0 or missing. The first columns are")
                .append(" each configuration's median figure.</p>\n");
        h.append("<table><tr><th class=\"l\">figure</th>");
        c.configurations().forEach(n -> h.append("<th>").append(esc(n)).append("</th>"));
        c.configurations().stream()
                .skip(1)
                .forEach(n -> h.append("<th>")
                        .append(esc(n))
                        .append(" / ")
                        .append(esc(c.configurations().get(0)))
                        .append("</th>"));
        h.append("</tr>\n");
        for (CompareResult.Row row : c.rows()) {
            h.append("<tr><td class=\"l\">")
                    .append(esc(row.figure()))
                    .append(" <span class=\"note\">(")
                    .append(esc(row.better()))
                    .append(")</span></td>");
            row.medians().forEach(v -> h.append("<td>").append(fmt(v)).append("</td>"));
            row.vsFirst().stream()
                    .skip(1)
                    .forEach(r -> h.append("<td class=\"r\">")
                            .append(
                                    r.median() == null
                                            ? "–"
                                            : "<b>" + fmt(r.median()) + "</b> [" + fmt(r.min()) + "–" + fmt(r.max())
                                                    + "]" + (r.trusted() ? "" : " <span class=\"warn\">⚠</span>"))
                            .append("</td>"));
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    static String fmt(Double v) {
        if (v == null || v.isNaN()) {
            return "–";
        }
        double a = Math.abs(v);
        if (a == Math.rint(a) && a < 1e9) {
            return Long.toString(Math.round(v));
        }
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : "%.3f", v);
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.1f %%", v * 100);
    }

    private static String esc(String s) {
        if (s == null) {
            return "";
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
