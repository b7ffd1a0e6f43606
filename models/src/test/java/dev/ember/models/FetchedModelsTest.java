package dev.ember.models;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code models/fetch} into a temporary directory (reusing the shared download cache) and
 * pins the input/output signatures that models/README.md and the config comments document.
 */
class FetchedModelsTest {

    @TempDir
    static Path dir;

    @BeforeAll
    static void fetch() throws IOException, InterruptedException {
        Path script = RepositoryRoot.modelsDir().resolve("fetch");
        Path log = dir.resolve("fetch.log");
        Process process = new ProcessBuilder("bash", script.toString(), "--dir", dir.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        boolean finished = process.waitFor(5, TimeUnit.MINUTES);
        if (!finished) {
            process.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(finished && process.exitValue() == 0)
                .as("models/fetch failed:%n%s", output)
                .isTrue();
        assertThat(output).contains("done: models in");
    }

    @Test
    void ppocrDetectionMapsImageToProbabilityMap() throws Exception {
        try (OrtSession session = OrtSessions.open(dir, "ppocr-det")) {
            assertThat(session.getInputNames()).containsExactly("x");
            assertThat(session.getOutputNames()).containsExactly("sigmoid_0.tmp_0");
            TensorInfo in = OrtSessions.tensorInfo(session.getInputInfo().get("x"));
            assertThat(in.type).isEqualTo(OnnxJavaType.FLOAT);
            assertThat(in.getShape()).containsExactly(-1L, 3L, -1L, -1L);

            float[][][][] images = new float[2][3][32][64];
            try (OnnxTensor x = OnnxTensor.createTensor(OrtSessions.ENV, images);
                    OrtSession.Result result = session.run(Map.of("x", x))) {
                OnnxTensor map = (OnnxTensor) result.get(0);
                assertThat(map.getInfo().getShape()).containsExactly(2L, 1L, 32L, 64L);
                float[] probabilities = new float[2 * 32 * 64];
                map.getFloatBuffer().get(probabilities);
                for (float p : probabilities) {
                    assertThat(p).isBetween(0f, 1f);
                }
            }
        }
    }

    @Test
    void sileroVadTakesChunkStateAndSampleRate() throws Exception {
        try (OrtSession session = OrtSessions.open(dir, "silero-vad")) {
            assertThat(session.getInputNames()).containsExactlyInAnyOrder("input", "state", "sr");
            assertThat(session.getOutputNames()).containsExactly("output", "stateN");
            assertThat(OrtSessions.shape(session.getInputInfo().get("input"))).containsExactly(-1L, -1L);
            assertThat(OrtSessions.shape(session.getInputInfo().get("state"))).containsExactly(2L, -1L, 128L);
            TensorInfo sr = OrtSessions.tensorInfo(session.getInputInfo().get("sr"));
            assertThat(sr.type).isEqualTo(OnnxJavaType.INT64);
            assertThat(sr.getShape()).isEmpty();

            // 64 samples of context plus a 512-sample window at 16 kHz, as the upstream wrapper feeds it.
            float[][] audio = new float[1][576];
            for (int i = 0; i < audio[0].length; i++) {
                audio[0][i] = (float) (0.3 * Math.sin(i * 0.2));
            }
            try (OnnxTensor input = OnnxTensor.createTensor(OrtSessions.ENV, audio);
                    OnnxTensor state = OnnxTensor.createTensor(OrtSessions.ENV, new float[2][1][128]);
                    OnnxTensor rate = OnnxTensor.createTensor(OrtSessions.ENV, 16000L);
                    OrtSession.Result result = session.run(Map.of("input", input, "state", state, "sr", rate))) {
                float[][] speech =
                        (float[][]) result.get("output").orElseThrow().getValue();
                assertThat(speech).hasDimensions(1, 1);
                assertThat(speech[0][0]).isBetween(0f, 1f);
                OnnxTensor next = (OnnxTensor) result.get("stateN").orElseThrow();
                assertThat(next.getInfo().getShape()).containsExactly(2L, 1L, 128L);
            }
        }
    }

    @Test
    void configsAreInstalled() throws IOException {
        assertThat(Files.readString(dir.resolve("silero-vad/config.yaml"))).contains("max_batch_size: 0");
        assertThat(Files.readString(dir.resolve("ppocr-det/config.yaml")))
                .contains("max_batch_size: 2")
                .contains("intra_op_threads: 1");
    }
}
