package dev.ember.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ember.load.report.ResultsJson;
import dev.ember.load.report.RunResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reports drawn again from committed results JSON (a run's and a compare run's). */
class ReportMainTest {
    private static final Path COMMITTED = Path.of("results", "2026-12-03-vm-2cpu");

    @Test
    void aRunsJsonReadsBackWithoutLosingAField() throws Exception {
        JsonNode tree =
                ResultsJson.JSON.readTree(COMMITTED.resolve("idle-gaps.json").toFile());
        RunResult r = ResultsJson.JSON.treeToValue(tree, RunResult.class);
        JsonNode back = ResultsJson.JSON.readTree(ResultsJson.JSON.writeValueAsString(r));
        // Numbers compare by value: 61 written by a double field reads back as 61.0.
        java.util.Comparator<JsonNode> byValue = (a, b) ->
                a.isNumber() && b.isNumber() ? Double.compare(a.doubleValue(), b.doubleValue()) : a.equals(b) ? 0 : 1;
        assertThat(tree.equals(byValue, back)).as("every field read back").isTrue();
        assertThat(back.get("figures").get("gaps")).hasSize(3);
    }

    @Test
    void rendersARunAndACompareRun(@TempDir Path dir) throws Exception {
        Files.copy(COMMITTED.resolve("idle-gaps.json"), dir.resolve("idle-gaps.json"));
        Files.copy(COMMITTED.resolve("compare-compare.json"), dir.resolve("compare-compare.json"));
        Files.writeString(
                dir.resolve("summary.txt"), "## load-idle-gaps (71 s, exit 0)\nload.idle-gaps.target.a=pass\n");
        int exit = new picocli.CommandLine(new ReportMain()).execute("render", dir.toString());
        assertThat(exit).isZero();
        String run = Files.readString(dir.resolve("idle-gaps.html"));
        assertThat(run)
                .contains("Ember load report: idle-gaps")
                .contains("gap 1")
                .contains("data:image/png;base64,");
        String compare = Files.readString(dir.resolve("compare-compare.html"));
        assertThat(compare)
                .contains("Compare: compare across configurations")
                .contains("+batching / naive")
                .contains("Everything below is the last <b>full</b> run of the 12");
        assertThat(Files.readString(dir.resolve("index.html")))
                .contains("<a href=\"idle-gaps.html\">idle-gaps.html</a>")
                .contains("Total time not recorded");
    }

    @Test
    void namesWhatIsNeitherAFolderNorAReport(@TempDir Path dir) throws Exception {
        Path other = Files.writeString(dir.resolve("notes.txt"), "x");
        assertThat(ReportMain.files(List.of(dir), ".json")).isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ReportMain.files(List.of(other), ".json"))
                .hasMessageContaining("notes.txt is neither a folder nor a .json file");
    }
}
