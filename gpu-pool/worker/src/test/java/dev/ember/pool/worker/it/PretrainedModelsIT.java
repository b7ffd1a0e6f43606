package dev.ember.pool.worker.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.Protocol;
import dev.ember.pool.api.Shape;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.http.HttpPoolClient;
import dev.ember.pool.worker.Worker;
import dev.ember.pool.worker.WorkerConfig;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real pretrained models from npm (models/fetch): PaddleOCR v4 text detection and Silero VAD. */
class PretrainedModelsIT {
    @TempDir
    static Path repoDir;

    private static Worker worker;
    private static HttpPoolClient client;

    @BeforeAll
    static void start() {
        ModelFixtures.repo(repoDir)
                .addAsShipped("ppocr-det")
                .addAsShipped("silero-vad")
                .add("ppocr-batched", "ppocr-det", 1, "max_batch_size: 4\nmax_queue_delay_ms: 200\n");
        worker = Worker.start(WorkerConfig.local(repoDir, 0));
        client = new HttpPoolClient(URI.create("http://127.0.0.1:" + worker.port()));
    }

    @AfterAll
    static void stop() {
        client.close();
        worker.close();
    }

    @Test
    void textDetectionReturnsAProbabilityMapOfTheImageSize() throws Exception {
        InferenceResponse r = client.infer("ppocr-det", null, InferenceRequest.of(image(1, 160, 160, 1)))
                .get(60, TimeUnit.SECONDS);
        Tensor map = r.outputs().get(0);
        assertThat(map.shape()).isEqualTo(Shape.of(1, 1, 160, 160));
        assertProbabilities(map.toFloats());
    }

    @Test
    void imagesOfOneSizeAreDetectedTogetherInOneBatch() throws Exception {
        List<CompletableFuture<InferenceResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            calls.add(client.infer("ppocr-batched", null, InferenceRequest.of(image(1, 96, 128, i))));
        }
        for (CompletableFuture<InferenceResponse> c : calls) {
            InferenceResponse r = c.get(60, TimeUnit.SECONDS);
            assertThat(r.outputs().get(0).shape()).isEqualTo(Shape.of(1, 1, 96, 128));
            assertThat(r.parameters().integer(Protocol.BATCH_SIZE)).contains(4L);
            assertProbabilities(r.outputs().get(0).toFloats());
        }
    }

    @Test
    void anImageWhoseSidesAreNotMultiplesOf32IsA400SayingWhichSizesWould() {
        HttpResponse<String> r = new Http(worker.port()).post("/v2/models/ppocr-det/infer", image50x70Json());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body())
                .contains("input 'x' has size 50 in dimension 2")
                .contains("multiples of 32 there (e.g. 32 or 64)");
    }

    @Test
    void withoutTheRuleTheSameImageFailsInsideTheModelAsA500WithItsReasonNotAStackTrace() {
        HttpResponse<String> r = new Http(worker.port()).post("/v2/models/ppocr-batched/infer", image50x70Json());
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(r.body()).contains("model 'ppocr-batched' failed").doesNotContain("\tat ");
    }

    private static String image50x70Json() {
        return """
                {"inputs": [{"name": "x", "shape": [1, 3, 50, 70], "datatype": "FP32", "data": %s}]}""".formatted(java.util.Arrays.toString(new float[3 * 50 * 70]));
    }

    @Test
    void voiceActivityDetectionTakesAnInt64ScalarAndCarriesState() throws Exception {
        SplittableRandom random = new SplittableRandom(3);
        float[] audio = new float[576];
        for (int i = 0; i < audio.length; i++) {
            audio[i] = (float) (0.3 * Math.sin(i * 0.2) + 0.05 * random.nextGaussian());
        }
        InferenceRequest request = InferenceRequest.of(
                Tensor.ofFloats("input", new long[] {1, 576}, audio),
                Tensor.ofFloats("state", new long[] {2, 1, 128}, new float[256]),
                Tensor.ofLongs("sr", new long[] {}, 16000));
        InferenceResponse r = client.infer("silero-vad", null, request).get(30, TimeUnit.SECONDS);
        float speech = r.output("output").orElseThrow().toFloats()[0];
        assertThat(speech).isBetween(0f, 1f);
        assertThat(r.output("stateN").orElseThrow().shape()).isEqualTo(Shape.of(2, 1, 128));
        float[] state = r.output("stateN").orElseThrow().toFloats();
        assertThat(IntStream.range(0, state.length).filter(i -> state[i] != 0f).count())
                .as("the recurrent state moved")
                .isPositive();
    }

    private static void assertProbabilities(float[] values) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float v : values) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertThat(min).isGreaterThanOrEqualTo(0f);
        assertThat(max).isLessThanOrEqualTo(1f);
    }

    /** A normalized image with dark "text" bars on a light background. */
    private static Tensor image(int batch, int h, int w, int seed) {
        float[] v = new float[batch * 3 * h * w];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    boolean ink = (y / 8) % 3 == 1 && (x + seed * 7) % 40 < 30;
                    v[(c * h + y) * w + x] = ink ? -1.5f : 1.5f;
                }
            }
        }
        return Tensor.ofFloats("x", new long[] {batch, 3, h, w}, v);
    }
}
