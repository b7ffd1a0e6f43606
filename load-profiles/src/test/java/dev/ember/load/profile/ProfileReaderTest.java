package dev.ember.load.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProfileReaderTest {
    private static final String CLASS = "{name: a, model: m, inputs: [{name: x, datatype: FP32, shape: [1, 4]}]}";

    @Test
    void everyShippedProfileParses() throws IOException {
        List<Path> files;
        try (var list = Files.list(Path.of("profiles"))) {
            files = list.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files)
                .extracting(f -> f.getFileName().toString())
                .contains(
                        "steady.yaml",
                        "ramp.yaml",
                        "spike.yaml",
                        "diurnal.yaml",
                        "idle-gaps.yaml",
                        "zipf.yaml",
                        "priority-mix.yaml",
                        "overload.yaml");
        for (Path f : files) {
            LoadProfile p = ProfileReader.read(f);
            assertThat(p.seconds()).as(f.toString()).isPositive();
            assertThat(p.mix()).isNotEmpty();
        }
        LoadProfile overload = ProfileReader.read(Path.of("profiles/overload.yaml"));
        assertThat(overload.targets().vipP99()).isPresent();
        assertThat(overload.rate().get(1).relative()).isTrue();
        assertThat(overload.mix().get(0).door()).isEqualTo(LoadProfile.Door.V2_BINARY);
        assertThat(overload.startAtRest()).isFalse();
        assertThat(ProfileReader.read(Path.of("profiles/diurnal.yaml")).startAtRest())
                .isTrue();
    }

    @Test
    void aMisspelledKeyIsNamedWithWhereItIsAndWhatWouldDo() {
        assertThatThrownBy(() -> ProfileReader.parse(
                        "t",
                        "rate: [{seconds: 1, rps: 1}]\nmix:\n  - {name: a, wieght: 2, model: m, inputs: [{name: x,"
                                + " datatype: FP32, shape: [1]}]}\n"))
                .isInstanceOf(ProfileException.class)
                .hasMessageContaining("mix[0].wieght")
                .hasMessageContaining("unknown key")
                .hasMessageContaining("weight");
    }

    @Test
    void aMissingRequiredFieldIsNamed() {
        assertThatThrownBy(
                        () -> ProfileReader.parse(
                                "t",
                                "rate: [{seconds: 1, rps: 1}]\nmix:\n  - {name: a, inputs: [{name: x, datatype: FP32, shape: [1]}]}\n"))
                .hasMessage("mix[0].model: is required");
        assertThatThrownBy(() -> ProfileReader.parse("t", "mix: [" + CLASS + "]\n"))
                .hasMessage("rate: is required");
    }

    @Test
    void badValuesAreNamedWithTheirPath() {
        assertThatThrownBy(() -> ProfileReader.parse(
                        "t",
                        "rate: [{seconds: 1, rps: 1}]\nmix: [{name: a, model: m, priority: urgent, inputs: [{name: x,"
                                + " datatype: FP32, shape: [1]}]}]\n"))
                .hasMessageStartingWith("mix[0].priority: ")
                .hasMessageContaining("vip, realtime, async or batch");
        assertThatThrownBy(() -> ProfileReader.parse(
                        "t",
                        "rate: [{seconds: 1, rps: 1}]\nmix: [{name: a, model: m, keys: {distribution: zipf},"
                                + " inputs: [{name: x, datatype: FP32, shape: [1]}]}]\n"))
                .hasMessageStartingWith("mix[0].keys.distinct: must be ≥ 1");
        assertThatThrownBy(() -> ProfileReader.parse(
                        "t", "rate: [{seconds: 1, rps: 1}, {seconds: 2, rps: 3, capacity: 2}]\nmix: [" + CLASS + "]\n"))
                .hasMessageStartingWith("rate[1].rps: give the rate as rps");
        assertThatThrownBy(() -> ProfileReader.parse("t", "rate: [{seconds: -1, rps: 1}]\nmix: [" + CLASS + "]\n"))
                .hasMessage("rate[0].seconds: must be > 0, got -1.0");
        assertThatThrownBy(() -> ProfileReader.parse("t", "rate: [{seconds: 1, rps: lots}]\nmix: [" + CLASS + "]\n"))
                .hasMessageStartingWith("rate[0].rps: ");
        assertThatThrownBy(() -> ProfileReader.parse(
                        "t", "arrivals: bursty\nrate: [{seconds: 1, rps: 1}]\nmix: [" + CLASS + "]\n"))
                .hasMessage("arrivals: must be poisson or constant; got 'bursty'");
        assertThatThrownBy(() -> ProfileReader.parse(
                        "t",
                        "rate: [{seconds: 1, rps: 1}]\nmix: [{name: a, model: m, door: grpc, inputs: [{name: x,"
                                + " datatype: FP32, shape: [1]}]}]\n"))
                .hasMessage("mix[0].door: must be one of infer, v2, v2-binary, v2-async; got 'grpc'");
    }

    @Test
    void aRelativeRateNeedsACapacityProbe() {
        assertThatThrownBy(() -> ProfileReader.parse("t", "rate: [{seconds: 1, capacity: 2}]\nmix: [" + CLASS + "]\n"))
                .hasMessageStartingWith("capacity_probe: is required");
        assertThatThrownBy(() -> ProfileReader.parse(
                        "t",
                        "capacity_probe: {seconds: 1, concurrency: 2, class: nope}\nrate: [{seconds: 1, capacity: 2}]\nmix: ["
                                + CLASS + "]\n"))
                .hasMessageStartingWith("capacity_probe.class: 'nope'");
    }

    @Test
    void aFileErrorNamesTheFileAndTheField(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("broken.yaml"), "rate: [{seconds: 1, rps: 1}]\nmix: [{name: a}]\n");
        assertThatThrownBy(() -> ProfileReader.read(f))
                .hasMessageContaining("broken.yaml")
                .hasMessageContaining("mix[0].model: is required");
    }
}
