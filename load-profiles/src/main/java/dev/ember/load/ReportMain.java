package dev.ember.load;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.bench.BenchIndex;
import dev.ember.load.report.CompareResult;
import dev.ember.load.report.HtmlReport;
import dev.ember.load.report.ResultsJson;
import dev.ember.load.report.RunResult;
import dev.ember.load.report.Screenshots;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ember report render|screenshot}: the HTML reports again from their results JSON (after the
 * report generator changed, without running the profiles again), and full-page PNG screenshots of
 * them in headless Chromium, to check that they read well and to commit beside them.
 */
@Command(
        name = "ember report",
        mixinStandardHelpOptions = true,
        subcommands = {ReportMain.Render.class, ReportMain.Screenshot.class},
        description = "Re-render reports from their results JSON; screenshot them in headless Chromium.")
public final class ReportMain implements Callable<Integer> {
    @Override
    public Integer call() {
        CommandLine.usage(this, System.err);
        return 2;
    }

    /**
     * {@code ember report render DIR|FILE.json ...}: each JSON's HTML report, written beside it; in
     * a folder with a {@code summary.txt} (a bench all run), its {@code index.html} too.
     */
    @Command(
            name = "render",
            mixinStandardHelpOptions = true,
            description = "<name>.html again from <name>.json; a bench all folder's index.html from its summary.txt")
    static final class Render implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "DIR|FILE.json", description = "Results folders or JSON files")
        List<Path> paths;

        @Override
        public Integer call() throws IOException {
            List<Path> files = files(paths, ".json");
            if (files.isEmpty()) {
                System.err.println("ember report render: no .json results in " + paths);
                return 2;
            }
            for (Path json : files) {
                Path html = sibling(json, ".html");
                Files.writeString(html, render(json));
                System.err.println("# rendered " + html);
            }
            for (Path dir : paths) {
                Path summary = dir.resolve("summary.txt");
                if (Files.isDirectory(dir) && Files.isRegularFile(summary)) {
                    BenchIndex.Run run = BenchIndex.parse(Files.readString(summary));
                    // The folder is <date>-<machine>: the machine is what follows the date.
                    String machine =
                            dir.toAbsolutePath().getFileName().toString().replaceFirst("^\\d{4}-\\d{2}-\\d{2}-", "");
                    Files.writeString(
                            dir.resolve("index.html"),
                            BenchIndex.html(machine, run, f -> Files.isRegularFile(dir.resolve(f))));
                    System.err.println("# rendered " + dir.resolve("index.html"));
                }
            }
            return 0;
        }
    }

    /** The report a results JSON draws: a run's, or a compare run's (its table and last full run). */
    static String render(Path json) throws IOException {
        ObjectMapper mapper =
                ResultsJson.JSON.copy().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        JsonNode tree = mapper.readTree(json.toFile());
        if (tree.has("compare") && tree.has("runs")) {
            CompareResult table = mapper.treeToValue(tree.get("compare"), CompareResult.class);
            RunResult lastFull = null;
            for (JsonNode run : tree.get("runs")) {
                RunResult r = mapper.treeToValue(run, RunResult.class);
                if (r.configuration()
                        .equals(table.configurations()
                                .get(table.configurations().size() - 1))) {
                    lastFull = r;
                }
            }
            if (lastFull == null) {
                throw new IOException(json + ": no run of " + table.configurations() + " in 'runs'");
            }
            return HtmlReport.render(lastFull, Optional.of(table));
        }
        return HtmlReport.render(mapper.treeToValue(tree, RunResult.class), Optional.empty());
    }

    /** {@code ember report screenshot DIR|FILE.html ...}: {@code <name>.png} beside each report. */
    @Command(
            name = "screenshot",
            mixinStandardHelpOptions = true,
            description = "Full-page PNGs of HTML reports in headless Chromium (apt-get install -y chromium)")
    static final class Screenshot implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "DIR|FILE.html", description = "Results folders or HTML files")
        List<Path> paths;

        @Option(names = "--browser", description = "Chromium's executable (default: chromium on PATH)")
        Path browser;

        @Option(
                names = "--width",
                defaultValue = "1280",
                description = "Window width in pixels (default ${DEFAULT-VALUE})")
        int width;

        @Option(names = "--out", description = "Where the PNGs go (default: beside each report)")
        Path out;

        @Override
        public Integer call() throws Exception {
            Optional<Path> b = browser != null ? Optional.of(browser) : Screenshots.findBrowser(System.getenv("PATH"));
            if (b.isEmpty()) {
                System.err.println("ember report screenshot: " + Screenshots.INSTALL);
                return 2;
            }
            List<Path> files = files(paths, ".html");
            if (files.isEmpty()) {
                System.err.println("ember report screenshot: no .html reports in " + paths);
                return 2;
            }
            for (Path html : files) {
                Path png = out == null
                        ? sibling(html, ".png")
                        : Files.createDirectories(out)
                                .resolve(sibling(html, ".png").getFileName());
                shoot(b.get(), html, png);
                System.err.println("# " + png);
            }
            return 0;
        }

        /** One full-page screenshot: a tall window, taller while the page reaches its bottom, then trimmed. */
        private void shoot(Path browser, Path html, Path png) throws IOException, InterruptedException {
            for (int height = 8000; ; height *= 2) {
                Path profile = Files.createTempDirectory("ember-chromium");
                Path raw = Files.createTempFile("ember-shot", ".png");
                try {
                    Process p = new ProcessBuilder(Screenshots.command(browser, html, raw, profile, width, height))
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                            .start();
                    if (!p.waitFor(120, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                        throw new IOException(browser + " did not finish a screenshot of " + html + " in 120 s");
                    }
                    BufferedImage image = Files.size(raw) > 0 ? ImageIO.read(raw.toFile()) : null;
                    if (p.exitValue() != 0 || image == null) {
                        throw new IOException(browser + " exited " + p.exitValue() + " without a screenshot of "
                                + html + "; run it by hand: "
                                + String.join(" ", Screenshots.command(browser, html, raw, profile, width, height)));
                    }
                    if (Screenshots.reachesBottom(image, 0xffffff) && height < 64000) {
                        continue;
                    }
                    int keep = Screenshots.contentHeight(image, 0xffffff);
                    ImageIO.write(image.getSubimage(0, 0, image.getWidth(), keep), "png", png.toFile());
                    return;
                } finally {
                    Files.deleteIfExists(raw);
                    deleteTree(profile);
                }
            }
        }
    }

    /** The files ending in {@code suffix} among {@code paths} (folders: those directly inside, sorted). */
    static List<Path> files(List<Path> paths, String suffix) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(f -> f.getFileName().toString().endsWith(suffix) && Files.isRegularFile(f))
                            .sorted()
                            .forEach(out::add);
                }
            } else if (p.getFileName().toString().endsWith(suffix) && Files.isRegularFile(p)) {
                out.add(p);
            } else {
                throw new CommandLine.ParameterException(
                        new CommandLine(new ReportMain()), p + " is neither a folder nor a " + suffix + " file");
            }
        }
        return out;
    }

    private static Path sibling(Path file, String suffix) {
        String name = file.getFileName().toString();
        return file.resolveSibling(name.substring(0, name.lastIndexOf('.')) + suffix);
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> all = Files.walk(root)) {
            all.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temp folder left behind is not worth failing for
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ReportMain()).execute(args));
    }
}
