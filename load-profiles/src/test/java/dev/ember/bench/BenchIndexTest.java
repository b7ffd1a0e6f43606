package dev.ember.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BenchIndexTest {
    private static final BenchIndex.Run RUN = new BenchIndex.Run(
            812L,
            List.of(
                    new BenchIndex.Step(
                            "pool",
                            139,
                            0,
                            "machine.cpus=2\npool.mlp-wide.batching_gain=3.185\npool.mlp-wide.batching_gain.spread=3.081..3.354\n"
                                    + "pool.mlp-tiny.ratio_vs_raw=0.016\npool.mlp-tiny.ratio_vs_raw.spread=0.008..0.058\n"
                                    + "pool.mlp-tiny.ratio_vs_raw.warning=spread wider than +-15%\n"),
                    new BenchIndex.Step(
                            "load-diurnal",
                            72,
                            0,
                            "# report: x\nload.diurnal.target.cost=fail\nload.diurnal.target.cost.detail=72.5% of 80\n"
                                    + "load.diurnal.target.cold=pass\nload.diurnal.target.cold.detail=0.10%\n"),
                    new BenchIndex.Step("load-steady", 32, 1, "")));

    @Test
    void summaryReadsBackAsTheSameRun() {
        String txt = BenchIndex.summary(RUN);
        assertThat(txt).startsWith("## pool (139 s, exit 0)\nmachine.cpus=2\n").endsWith("## all (812 s)\n");
        BenchIndex.Run back = BenchIndex.parse(txt);
        assertThat(back.totalSeconds()).isEqualTo(812L);
        assertThat(back.steps())
                .extracting(BenchIndex.Step::name)
                .containsExactly("pool", "load-diurnal", "load-steady");
        assertThat(back.steps().get(0).output()).isEqualTo(RUN.steps().get(0).output());
        assertThat(back.steps().get(2).exit()).isEqualTo(1);
    }

    @Test
    void anOlderSummaryWithoutItsTotalSaysSo() {
        BenchIndex.Run old = BenchIndex.parse("## pool (139 s, exit 0)\npool.x=1\n\n");
        assertThat(old.totalSeconds()).isNull();
        assertThat(BenchIndex.html("vm", old, f -> false)).contains("Total time not recorded");
    }

    @Test
    void indexShowsTargetsRatiosAndLinksOnlyToReportsThatExist() {
        String html = BenchIndex.html("vm-2cpu", RUN, Set.of("diurnal.html")::contains);
        assertThat(html).contains("812 s in all on vm-2cpu: 3 steps, <span class=\"fail\">1 failed</span>");
        assertThat(html).contains("<a href=\"diurnal.html\">").doesNotContain("steady.html\"");
        assertThat(html).contains("<span class=\"fail\">1 FAIL</span>, <span class=\"pass\">1 PASS</span>");
        assertThat(html)
                .contains(
                        "pool.mlp-wide.batching_gain</td><td class=\"n\"><b>3.185</b></td><td class=\"n\">3.081..3.354</td>");
        assertThat(html).contains("0.008..0.058 <span class=\"warn\">⚠</span>");
    }

    @Test
    void reportNames() {
        assertThat(BenchIndex.reportOf("load-idle-gaps")).isEqualTo("idle-gaps.html");
        assertThat(BenchIndex.reportOf("compare-compare")).isEqualTo("compare-compare.html");
    }
}
