package dev.ember.pool.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ember.pool.api.config.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpareDeviceTest {
    @Test
    void aRepositoryOfCpuModelsPractisesOnCpu() {
        assertThat(SpareDevice.choose(List.of(Device.CPU, Device.CPU))).isEqualTo(Device.CPU);
        assertThat(SpareDevice.choose(List.of())).isEqualTo(Device.CPU);
    }

    @Test
    void oneGpuModelAmongCpuModelsMakesTheSparesPractiseOnItsGpu() {
        assertThat(SpareDevice.choose(List.of(Device.CPU, Device.parse("cuda:1"), Device.CPU)))
                .isEqualTo(Device.parse("cuda:1"));
    }

    @Test
    void theGpuMostModelsUseWinsAndATieGoesToTheLowestIndex() {
        Device zero = Device.parse("cuda:0");
        Device one = Device.parse("cuda:1");
        assertThat(SpareDevice.choose(List.of(one, zero, one))).isEqualTo(one);
        assertThat(SpareDevice.choose(List.of(one, zero))).isEqualTo(zero);
    }

    @Test
    void aRepositorysConfigsDecideAndAnUnreadableOnePractisesOnCpu(@TempDir Path repo) throws Exception {
        Path det = Files.createDirectories(repo.resolve("det/1"));
        Files.write(det.resolve("model.onnx"), new byte[] {1});
        Files.writeString(repo.resolve("det/config.yaml"), "device: cuda:0\n");
        assertThat(SpareDevice.forRepository(repo)).isEqualTo(Device.parse("cuda:0"));

        Files.writeString(repo.resolve("det/config.yaml"), "device: [not, a, device]\n");
        assertThat(SpareDevice.forRepository(repo)).isEqualTo(Device.CPU);
    }
}
