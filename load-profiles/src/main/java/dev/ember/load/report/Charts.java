package dev.ember.load.report;

import dev.ember.load.report.RunResult.MetricsRow;
import dev.ember.load.report.RunResult.Second;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's charts, drawn with XChart and encoded as PNG: latency percentiles over time per
 * class, throughput and outcomes over time, workers with each cold start marked, the cache hit
 * ratio, and worker-seconds against an always-on pool sized for the peak. Every chart of a report
 * has the same size, the same x range and its legend below the plot, so their time axes line up
 * when read one above the other.
 */
final class Charts {
    static final int WIDTH = 1000;
    static final int HEIGHT = 360;

    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)
    };

    private Charts() {}

    /** Title → PNG, in the order the report shows them; charts without data are left out. */
    static Map<String, byte[]> draw(RunResult r) {
        System.setProperty("java.awt.headless", "true");
        Map<String, XYChart> charts = new LinkedHashMap<>();
        latency(r).ifPresent(c -> charts.put(c.getTitle(), c));
        charts.put("Throughput and outcomes", outcomes(r));
        if (!r.metrics().isEmpty()) {
            charts.put("Workers and cold starts", workers(r));
            cacheHits(r).ifPresent(c -> charts.put(c.getTitle(), c));
            charts.put("Cost: worker-seconds", cost(r));
        }
        double xMax = xMax(r);
        Map<String, byte[]> out = new LinkedHashMap<>();
        charts.forEach((title, c) -> {
            c.getStyler().setXAxisMax(xMax);
            out.put(title, png(c));
        });
        return out;
    }

    /** The end of every chart's time axis: the run's last second with data, at least its planned length. */
    static double xMax(RunResult r) {
        double end = r.plannedSeconds();
        for (Second s : r.timeline()) {
            end = Math.max(end, s.second() + 1);
        }
        for (MetricsRow m : r.metrics()) {
            end = Math.max(end, m.seconds());
        }
        return Math.ceil(end);
    }

    private static java.util.Optional<XYChart> latency(RunResult r) {
        Set<String> classes = new LinkedHashSet<>();
        r.timeline().forEach(s -> classes.addAll(s.p99MsByClass().keySet()));
        List<Double> all = new ArrayList<>();
        r.timeline().forEach(s -> {
            all.addAll(s.p50MsByClass().values());
            all.addAll(s.p99MsByClass().values());
        });
        boolean log = logScale(all);
        XYChart chart = chart("Latency of 2xx answers, from each request's due time", log ? "ms (log scale)" : "ms");
        chart.getStyler().setYAxisLogarithmic(log);
        if (!log) {
            chart.getStyler().setYAxisMin(0.0);
        }
        int color = 0;
        for (String c : classes) {
            Color k = PALETTE[color++ % PALETTE.length];
            line(chart, c + " p99", r.timeline(), s -> s.p99MsByClass().getOrDefault(c, Double.NaN))
                    .ifPresent(s -> s.setLineColor(k));
            line(chart, c + " p50", r.timeline(), s -> s.p50MsByClass().getOrDefault(c, Double.NaN))
                    .ifPresent(s -> {
                        s.setLineColor(k);
                        s.setLineStyle(new BasicStroke(
                                1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {5, 4}, 0));
                    });
        }
        return classes.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(chart);
    }

    /**
     * A log scale only where latencies span more than {@link #LOG_SCALE_SPAN} (a spike's 20 ms and
     * 1.8 s): XChart labels a log axis at powers of ten only, so a steady run's 30-300 ms would get
     * one label.
     */
    static boolean logScale(List<Double> latenciesMs) {
        double min = Double.MAX_VALUE;
        double max = 0;
        for (Double v : latenciesMs) {
            if (v != null && !v.isNaN() && v > 0) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        return max > 0 && max / min > LOG_SCALE_SPAN;
    }

    static final double LOG_SCALE_SPAN = 30;

    private static XYChart outcomes(RunResult r) {
        XYChart chart = chart("Throughput and outcomes", "requests per second");
        line(chart, "offered (due)", r.timeline(), s -> s.due()).ifPresent(s -> {
            s.setLineColor(Color.GRAY);
            s.setLineStyle(
                    new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {5, 4}, 0));
        });
        Set<String> outcomes = new LinkedHashSet<>();
        r.timeline().forEach(s -> outcomes.addAll(s.completedByOutcome().keySet()));
        for (String o : outcomes) {
            line(chart, o, r.timeline(), s -> s.completedByOutcome().getOrDefault(o, 0L))
                    .ifPresent(s -> s.setLineColor(outcomeColor(o)));
        }
        return chart;
    }

    private static XYChart workers(RunResult r) {
        XYChart chart = chart("Workers and cold starts", "workers");
        List<MetricsRow> m = r.metrics();
        // Cold starts are marked on the line of all workers (ready + starting): the one a new worker
        // joins. States that never had a worker are left out rather than drawn along the axis.
        series(chart, "all (ready + starting)", m, w -> w.workersReady() + w.workersLaunching())
                .setLineColor(Color.DARK_GRAY);
        series(chart, "ready", m, MetricsRow::workersReady).setLineColor(PALETTE[2]);
        if (m.stream().anyMatch(w -> w.workersLaunching() > 0)) {
            series(chart, "starting", m, MetricsRow::workersLaunching).setLineColor(PALETTE[3]);
        }
        if (m.stream().anyMatch(w -> w.workersDraining() > 0)) {
            series(chart, "draining", m, MetricsRow::workersDraining).setLineColor(PALETTE[7]);
        }
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (int i = 1; i < m.size(); i++) {
            if (m.get(i).coldStarts() > m.get(i - 1).coldStarts()) {
                x.add(m.get(i).seconds());
                y.add(m.get(i).workersReady() + m.get(i).workersLaunching());
            }
        }
        if (!x.isEmpty()) {
            XYSeries s = chart.addSeries("cold start (" + x.size() + ")", x, y);
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            s.setMarker(SeriesMarkers.DIAMOND);
            s.setMarkerColor(PALETTE[1]);
        }
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisDecimalPattern("0");
        return chart;
    }

    private static java.util.Optional<XYChart> cacheHits(RunResult r) {
        List<MetricsRow> m = r.metrics();
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (int i = 1; i < m.size(); i++) {
            double answers = m.get(i).cacheAnswers() - m.get(i - 1).cacheAnswers();
            if (answers > 0) {
                x.add(m.get(i).seconds());
                y.add((m.get(i).cacheHits() - m.get(i - 1).cacheHits()) / answers);
            }
        }
        // No answer ever came from the cache and nothing repeats by design: the table's 0 says it all.
        if (x.isEmpty() || (y.stream().allMatch(v -> v == 0) && r.figures().theoreticalHitRatio() == null)) {
            return java.util.Optional.empty();
        }
        XYChart chart = chart("Cache hit ratio", "hits / answers, per second");
        XYSeries measured = chart.addSeries("measured", x, y);
        measured.setLineColor(PALETTE[0]);
        measured.setMarker(SeriesMarkers.NONE);
        if (r.figures().theoreticalHitRatio() != null) {
            double t = r.figures().theoreticalHitRatio();
            XYSeries theory =
                    chart.addSeries("theoretical (whole run)", List.of(x.get(0), x.get(x.size() - 1)), List.of(t, t));
            theory.setLineColor(Color.GRAY);
            theory.setMarker(SeriesMarkers.NONE);
        }
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        return java.util.Optional.of(chart);
    }

    private static XYChart cost(RunResult r) {
        XYChart chart = chart("Cost: worker-seconds", "worker-seconds, cumulative");
        List<MetricsRow> m = r.metrics();
        Double spent = r.figures().workerSeconds();
        series(
                        chart,
                        "Ember" + (spent == null ? "" : ": " + HtmlReport.fmt(spent) + " worker-seconds"),
                        m,
                        MetricsRow::workerSeconds)
                .setLineColor(PALETTE[0]);
        Double peak = r.figures().peakWorkers();
        if (peak != null && peak > 0) {
            long n = Math.round(peak);
            XYSeries always = chart.addSeries(
                    "always-on pool sized for the peak, " + n + (n == 1 ? " worker: " : " workers: ")
                            + HtmlReport.fmt(peak * r.plannedSeconds()) + " worker-seconds",
                    List.of(0.0, r.plannedSeconds()),
                    List.of(0.0, peak * r.plannedSeconds()));
            always.setLineColor(PALETTE[1]);
            always.setMarker(SeriesMarkers.NONE);
        }
        chart.getStyler().setYAxisMin(0.0);
        return chart;
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart chart = new XYChartBuilder()
                .width(WIDTH)
                .height(HEIGHT)
                .title(title)
                .xAxisTitle("seconds into the run")
                .yAxisTitle(yTitle)
                .build();
        var st = chart.getStyler();
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBackgroundColor(Color.WHITE);
        st.setPlotBorderVisible(false);
        st.setPlotGridLinesColor(new Color(0xe6e6e6));
        st.setLegendPosition(Styler.LegendPosition.OutsideS);
        st.setLegendLayout(Styler.LegendLayout.Horizontal);
        st.setLegendBorderColor(Color.WHITE);
        st.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        st.setBaseFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        st.setMarkerSize(7);
        st.setXAxisDecimalPattern("0");
        st.setYAxisDecimalPattern("#,##0.###");
        st.setAntiAlias(true);
        st.setXAxisMin(0.0);
        return chart;
    }

    private static java.util.Optional<XYSeries> line(
            XYChart chart, String name, List<Second> timeline, ToDoubleFunction<Second> y) {
        // A second without a figure (no answer due in it: a gap) is a null, which XChart draws as a
        // break in the line rather than a slope from the burst before the gap to the one after it.
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        boolean any = false;
        for (Second s : timeline) {
            double v = y.applyAsDouble(s);
            xs.add(s.second() + 0.5);
            ys.add(Double.isNaN(v) ? null : v);
            any |= !Double.isNaN(v);
        }
        if (!any) {
            return java.util.Optional.empty();
        }
        XYSeries series = chart.addSeries(name, xs, ys);
        series.setMarker(SeriesMarkers.NONE);
        return java.util.Optional.of(series);
    }

    private static XYSeries series(XYChart chart, String name, List<MetricsRow> rows, ToDoubleFunction<MetricsRow> y) {
        List<Double> xs = rows.stream().map(MetricsRow::seconds).toList();
        List<Double> ys = rows.stream().map(y::applyAsDouble).toList();
        XYSeries s = chart.addSeries(name, xs, ys);
        s.setMarker(SeriesMarkers.NONE);
        return s;
    }

    private static Color outcomeColor(String outcome) {
        return switch (outcome) {
            case "2xx" -> PALETTE[2];
            case "429" -> PALETTE[3];
            case "503" -> PALETTE[4];
            case "504" -> PALETTE[5];
            default -> PALETTE[1];
        };
    }

    private static byte[] png(XYChart chart) {
        try {
            return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
