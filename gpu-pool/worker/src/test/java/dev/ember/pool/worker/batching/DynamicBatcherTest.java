package dev.ember.pool.worker.batching;

import static dev.ember.pool.api.PriorityClass.REALTIME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceException.Reason;
import dev.ember.pool.api.Shape;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.config.ModelConfigReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DynamicBatcherTest {
    private final FakeTicker clock = new FakeTicker();
    private final ManualDeadlines deadlines = new ManualDeadlines();
    private final List<Shape> batchShapes = Collections.synchronizedList(new ArrayList<>());

    /** A model: "doubled" = 2x, "sum" = row sums ([rows]); records the stacked input shape. */
    private final BatchRunner doubler = (inputs, outputs) -> {
        Tensor x = inputs.get("x");
        batchShapes.add(x.shape());
        float[] v = x.toFloats();
        long rows = x.shape().dim(0);
        int width = (int) (v.length / rows);
        float[] doubled = new float[v.length];
        float[] sums = new float[(int) rows];
        for (int i = 0; i < v.length; i++) {
            doubled[i] = 2 * v[i];
            sums[i / width] += v[i];
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("doubled", Tensor.ofFloats("doubled", x.shape().toArray(), doubled));
        out.put("sum", Tensor.ofFloats("sum", new long[] {rows}, sums));
        return out;
    };

    private DynamicBatcher batcher(String yaml, BatchRunner runner) {
        return new DynamicBatcher(
                "test", ModelConfigReader.parse(yaml), true, runner, clock, deadlines, BatchObserver.NONE);
    }

    private CompletableFuture<BatchResult> submit(DynamicBatcher b, int rows, float first, Set<String> outputs) {
        return b.submit(Requests.inputs(rows, 2, first), outputs, rows, REALTIME, Duration.ofSeconds(5));
    }

    @Test
    void padsABatchToTheSmallestWarmedSizeWithZeroRowsAndDropsTheirOutputs() throws Exception {
        List<BatchTiming> timings = Collections.synchronizedList(new ArrayList<>());
        BatchObserver observer = new BatchObserver() {
            @Override
            public void batchTimed(BatchTiming t) {
                timings.add(t);
            }
        };
        List<Tensor> seen = Collections.synchronizedList(new ArrayList<>());
        BatchRunner recording = (inputs, outputs) -> {
            seen.add(inputs.get("x"));
            return doubler.run(inputs, outputs);
        };
        DynamicBatcher b = new DynamicBatcher(
                "test",
                ModelConfigReader.parse("max_batch_size: 8\nmax_queue_delay_ms: 2\npad_batches: true"),
                true,
                recording,
                clock,
                deadlines,
                observer,
                List.of(1, 4, 8));
        CompletableFuture<BatchResult> one = submit(b, 1, 10, Set.of());
        CompletableFuture<BatchResult> two = submit(b, 2, 100, Set.of());
        clock.advanceMillis(2);
        assertThat(b.runOnce()).isTrue();

        assertThat(batchShapes).containsExactly(Shape.of(4, 2)); // 3 rows run as 4
        assertThat(seen.get(0).toFloats()).containsExactly(10, 11, 100, 101, 102, 103, 0, 0);
        assertThat(one.get(1, TimeUnit.SECONDS).outputs().get("doubled").toFloats())
                .containsExactly(20, 22);
        BatchResult r2 = two.get(1, TimeUnit.SECONDS);
        assertThat(r2.outputs().get("doubled").shape()).isEqualTo(Shape.of(2, 2));
        assertThat(r2.outputs().get("sum").toFloats()).containsExactly(201, 205);
        assertThat(r2.batchRows()).isEqualTo(3);
        assertThat(timings).singleElement().satisfies(t -> {
            assertThat(t.requests()).isEqualTo(2);
            assertThat(t.rows()).isEqualTo(3);
            assertThat(t.paddedRows()).isEqualTo(4);
        });

        // One request alone is padded too, and gets only its own row back; the arena's old bytes are zeroed.
        CompletableFuture<BatchResult> alone = submit(b, 5, 1, Set.of("sum"));
        clock.advanceMillis(2);
        assertThat(b.runOnce()).isTrue();
        assertThat(batchShapes).last().isEqualTo(Shape.of(8, 2));
        assertThat(seen.get(1).toFloats()).endsWith(0, 0, 0, 0, 0, 0);
        assertThat(alone.get(1, TimeUnit.SECONDS).outputs().get("sum").shape()).isEqualTo(Shape.of(5));
        assertThat(alone.get(1, TimeUnit.SECONDS).outputs()).containsOnlyKeys("sum");
    }

    @Test
    void stacksRequestsIntoOneRunAndGivesEachItsOwnRows() throws Exception {
        DynamicBatcher b = batcher("max_batch_size: 8\nmax_queue_delay_ms: 2", doubler);
        CompletableFuture<BatchResult> one = submit(b, 1, 10, Set.of());
        CompletableFuture<BatchResult> two = submit(b, 2, 100, Set.of());

        assertThat(b.runOnce()).as("waits for the batch to fill").isFalse();
        clock.advanceMillis(2);
        assertThat(b.runOnce()).isTrue();

        assertThat(batchShapes).containsExactly(Shape.of(3, 2));
        BatchResult r1 = one.get(1, TimeUnit.SECONDS);
        BatchResult r2 = two.get(1, TimeUnit.SECONDS);
        assertThat(r1.outputs().get("doubled").toFloats()).containsExactly(20, 22);
        assertThat(r1.outputs().get("sum").toFloats()).containsExactly(21);
        assertThat(r2.outputs().get("doubled").shape()).isEqualTo(Shape.of(2, 2));
        assertThat(r2.outputs().get("doubled").toFloats()).containsExactly(200, 202, 204, 206);
        assertThat(r2.outputs().get("sum").toFloats()).containsExactly(201, 205);
        assertThat(r1.batchRows()).isEqualTo(3);
        assertThat(r1.queueNanos()).isEqualTo(Duration.ofMillis(2).toNanos());
    }

    @Test
    void eachRequestReceivesOnlyTheOutputsItAskedFor() throws Exception {
        DynamicBatcher b = batcher("max_batch_size: 2", doubler);
        CompletableFuture<BatchResult> sumOnly = submit(b, 1, 1, Set.of("sum"));
        CompletableFuture<BatchResult> all = submit(b, 1, 1, Set.of());
        b.runOnce();
        assertThat(sumOnly.get(1, TimeUnit.SECONDS).outputs()).containsOnlyKeys("sum");
        assertThat(all.get(1, TimeUnit.SECONDS).outputs()).containsOnlyKeys("doubled", "sum");
    }

    @Test
    void byteStringOutputsAreSplitByElement() throws Exception {
        BatchRunner echoStrings = (inputs, outputs) -> {
            int rows = (int) inputs.get("x").shape().dim(0);
            String[] words = new String[rows];
            for (int i = 0; i < rows; i++) {
                words[i] = "row-" + i + "-" + "é".repeat(i);
            }
            return Map.of("words", Tensor.ofStrings("words", new long[] {rows}, words));
        };
        DynamicBatcher b = batcher("max_batch_size: 3", echoStrings);
        CompletableFuture<BatchResult> first = submit(b, 1, 0, Set.of());
        CompletableFuture<BatchResult> rest = submit(b, 2, 0, Set.of());
        b.runOnce();
        assertThat(first.get(1, TimeUnit.SECONDS).outputs().get("words").toStrings())
                .containsExactly("row-0-");
        assertThat(rest.get(1, TimeUnit.SECONDS).outputs().get("words").toStrings())
                .containsExactly("row-1-é", "row-2-éé");
    }

    @Test
    void aFailingRunFailsEveryRequestOfTheBatchWithItsReason() {
        DynamicBatcher b = batcher("max_batch_size: 2", (inputs, outputs) -> {
            throw new InferenceException(Reason.DEVICE_ERROR, "GPU fell off the bus");
        });
        CompletableFuture<BatchResult> a = submit(b, 1, 0, Set.of());
        CompletableFuture<BatchResult> c = submit(b, 1, 0, Set.of());
        b.runOnce();
        for (CompletableFuture<BatchResult> f : List.of(a, c)) {
            assertThat(reasonOf(f)).isEqualTo(Reason.DEVICE_ERROR);
        }
    }

    /** A model that fails, as ONNX Runtime does on an out-of-range id, when any row holds a negative value. */
    private BatchRunner poisonedBy(AtomicInteger runs) {
        return (inputs, outputs) -> {
            runs.incrementAndGet();
            for (float v : inputs.get("x").toFloats()) {
                if (v < 0) {
                    throw new InferenceException(
                            Reason.BAD_INPUT,
                            "model 'test' could not run on this input: indices element out of data bounds, idx=-1\n"
                                    + "at line 2");
                }
            }
            return doubler.run(inputs, outputs);
        };
    }

    @Test
    void aRequestOnnxRuntimeCannotRunFailsAloneAndTheRestOfItsBatchIsAnswered() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        RecordingObserver observed = new RecordingObserver();
        DynamicBatcher b = new DynamicBatcher(
                "test",
                ModelConfigReader.parse("max_batch_size: 8"),
                true,
                poisonedBy(runs),
                clock,
                deadlines,
                observed);
        List<CompletableFuture<BatchResult>> good = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            good.add(submit(b, 1, 10 * i, Set.of()));
        }
        CompletableFuture<BatchResult> bad = submit(b, 1, -5, Set.of());
        good.add(submit(b, 1, 70, Set.of()));

        b.runOnce();

        for (int i = 0; i < good.size(); i++) {
            float first = i < 6 ? 10 * i : 70;
            assertThat(good.get(i)
                            .get(1, TimeUnit.SECONDS)
                            .outputs()
                            .get("doubled")
                            .toFloats())
                    .containsExactly(2 * first, 2 * first + 2);
        }
        assertThat(reasonOf(bad)).isEqualTo(Reason.BAD_INPUT);
        assertThatThrownBy(() -> bad.get(1, TimeUnit.SECONDS))
                .hasMessageContaining(
                        "model 'test' could not run on this input: indices element out of data bounds, idx=-1")
                .hasMessageNotContaining("line 2");
        // 8 requests, one bad: bisected in 1 + 2 + 2 + 2 runs instead of 1 + 8 one by one.
        assertThat(runs.get()).isEqualTo(7);
        assertThat(observed.failedAlone).isEqualTo(1);
        assertThat(observed.isolatedBatches).isEqualTo(3);
    }

    @Test
    void aModelFailureThatFollowsOneRequestAloneIsThatRequests400() throws Exception {
        DynamicBatcher b = batcher("max_batch_size: 2", (inputs, outputs) -> {
            for (float v : inputs.get("x").toFloats()) {
                if (v < 0) {
                    throw new InferenceException(Reason.MODEL_ERROR, "model 'test' failed: Reshape of -1");
                }
            }
            return doubler.run(inputs, outputs);
        });
        CompletableFuture<BatchResult> good = submit(b, 1, 1, Set.of());
        CompletableFuture<BatchResult> bad = submit(b, 1, -1, Set.of());
        b.runOnce();
        assertThat(good.get(1, TimeUnit.SECONDS).outputs().get("doubled").toFloats())
                .containsExactly(2, 4);
        assertThat(reasonOf(bad)).isEqualTo(Reason.BAD_INPUT);
        assertThatThrownBy(() -> bad.get(1, TimeUnit.SECONDS))
                .hasMessageContaining("model 'test' could not run on this input: Reshape of -1");
    }

    @Test
    void aDeviceErrorIsNotRunAgain() {
        AtomicInteger runs = new AtomicInteger();
        DynamicBatcher b = batcher("max_batch_size: 2", (inputs, outputs) -> {
            runs.incrementAndGet();
            throw new InferenceException(Reason.DEVICE_ERROR, "CUDA error: an illegal memory access");
        });
        List<CompletableFuture<BatchResult>> all = List.of(submit(b, 1, 0, Set.of()), submit(b, 1, 1, Set.of()));
        b.runOnce();
        assertThat(runs.get()).isEqualTo(1);
        all.forEach(f -> assertThat(reasonOf(f)).isEqualTo(Reason.DEVICE_ERROR));
    }

    @Test
    void aModelErrorOfARequestAloneFromTheStartStaysAModelError() {
        DynamicBatcher b = batcher("max_batch_size: 1", (inputs, outputs) -> {
            throw new InferenceException(Reason.MODEL_ERROR, "model 'test' failed: kernel missing");
        });
        CompletableFuture<BatchResult> f = submit(b, 1, 0, Set.of());
        b.runOnce();
        assertThat(reasonOf(f)).isEqualTo(Reason.MODEL_ERROR);
    }

    private static final class RecordingObserver implements BatchObserver {
        int failedAlone;
        int isolatedBatches;

        @Override
        public void batchIsolated(int requests) {
            isolatedBatches++;
        }

        @Override
        public void failedAlone() {
            failedAlone++;
        }
    }

    @Test
    void anUnexpectedRunnerExceptionBecomesAModelError() {
        DynamicBatcher b = batcher("max_batch_size: 1", (inputs, outputs) -> {
            throw new IllegalStateException("bug");
        });
        CompletableFuture<BatchResult> f = submit(b, 1, 0, Set.of());
        b.runOnce();
        assertThat(reasonOf(f)).isEqualTo(Reason.MODEL_ERROR);
    }

    @Test
    void anOutputWithoutTheBatchDimensionIsReportedAsAModelError() {
        DynamicBatcher b = batcher(
                "max_batch_size: 2",
                (inputs, outputs) -> Map.of("scalar", Tensor.ofFloats("scalar", new long[] {1}, 1f)));
        CompletableFuture<BatchResult> a = submit(b, 1, 0, Set.of());
        CompletableFuture<BatchResult> c = submit(b, 1, 0, Set.of());
        b.runOnce();
        assertThatThrownBy(() -> a.get(1, TimeUnit.SECONDS))
                .hasCauseInstanceOf(InferenceException.class)
                .hasMessageContaining("max_batch_size: 0");
        assertThat(reasonOf(c)).isEqualTo(Reason.MODEL_ERROR);
    }

    @Test
    void aRequestPastItsDeadlineFailsWhileQueuedAndNeverRuns() {
        DynamicBatcher b = batcher("max_batch_size: 4\nmax_queue_delay_ms: 1000", doubler);
        CompletableFuture<BatchResult> f = submit(b, 1, 0, Set.of());
        assertThat(deadlines.armedCount()).isEqualTo(1);

        deadlines.fireAll();

        assertThat(reasonOf(f)).isEqualTo(Reason.DEADLINE_EXCEEDED);
        assertThatThrownBy(() -> f.get(1, TimeUnit.SECONDS)).hasMessageContaining("deadline of 5000 ms");
        clock.advanceMillis(1000);
        assertThat(b.runOnce()).isFalse();
        assertThat(batchShapes).isEmpty();
        assertThat(b.queueDepth()).isZero();
    }

    @Test
    void dispatchDisarmsTheDeadlineTimer() throws Exception {
        DynamicBatcher b = batcher("max_batch_size: 1", doubler);
        CompletableFuture<BatchResult> f = submit(b, 1, 0, Set.of());
        b.runOnce();
        assertThat(f.get(1, TimeUnit.SECONDS).outputs()).isNotEmpty();
        assertThat(deadlines.armedCount()).isZero();
    }

    @Test
    void aRequestWithMoreRowsThanTheMaximumBatchIsABadInput() {
        DynamicBatcher b = batcher("max_batch_size: 4", doubler);
        CompletableFuture<BatchResult> f = submit(b, 5, 0, Set.of());
        assertThat(reasonOf(f)).isEqualTo(Reason.BAD_INPUT);
        assertThatThrownBy(() -> f.get(1, TimeUnit.SECONDS)).hasMessageContaining("max_batch_size=4");
    }

    @Test
    void shutdownRefusesNewRequestsButFinishesEveryQueuedOne() throws Exception {
        CountDownLatch firstBatchStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        BatchRunner slow = (inputs, outputs) -> {
            if (runs.incrementAndGet() == 1) {
                firstBatchStarted.countDown();
                await(release);
            }
            return doubler.run(inputs, outputs);
        };
        DynamicBatcher b = new DynamicBatcher(
                        "drain",
                        ModelConfigReader.parse("max_batch_size: 2\nmax_queue_delay_ms: 1000"),
                        true,
                        slow,
                        Ticker.SYSTEM,
                        deadlines,
                        BatchObserver.NONE)
                .start();
        List<CompletableFuture<BatchResult>> accepted = new ArrayList<>();
        accepted.add(submit(b, 2, 0, Set.of())); // a full batch: runs at once and blocks
        assertThat(firstBatchStarted.await(5, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 5; i++) {
            accepted.add(submit(b, 1, i, Set.of())); // queued behind it
        }

        b.shutdown();
        assertThat(reasonOf(submit(b, 1, 0, Set.of()))).isEqualTo(Reason.UNAVAILABLE);
        assertThat(accepted).noneMatch(CompletableFuture::isDone);

        release.countDown();
        assertThat(b.awaitDrained(Duration.ofSeconds(5))).isTrue();
        for (CompletableFuture<BatchResult> f : accepted) {
            assertThat(f.get(1, TimeUnit.SECONDS).outputs()).containsKey("doubled");
        }
        // The last odd request was not held back waiting 1 s for a partner.
        assertThat(runs.get()).isEqualTo(4);
    }

    @Test
    void instancesRunBatchesInParallel() throws Exception {
        CountDownLatch bothRunning = new CountDownLatch(2);
        BatchRunner rendezvous = (inputs, outputs) -> {
            bothRunning.countDown();
            await(bothRunning); // only returns if a second runner entered concurrently
            return doubler.run(inputs, outputs);
        };
        DynamicBatcher b = new DynamicBatcher(
                        "parallel",
                        ModelConfigReader.parse("max_batch_size: 1\ninstances: 2"),
                        true,
                        rendezvous,
                        Ticker.SYSTEM,
                        deadlines,
                        BatchObserver.NONE)
                .start();
        CompletableFuture<BatchResult> a = submit(b, 1, 0, Set.of());
        CompletableFuture<BatchResult> c = submit(b, 1, 0, Set.of());
        assertThat(a.get(5, TimeUnit.SECONDS).outputs()).isNotEmpty();
        assertThat(c.get(5, TimeUnit.SECONDS).outputs()).isNotEmpty();
        b.close();
    }

    @Test
    void everyRunnerRehearsesAlongTheRequestPathBeforeStartReturnsAndNoMeterSeesIt() throws Exception {
        List<String> rehearsedOn = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger batchesSeen = new AtomicInteger();
        BatchObserver observer = new BatchObserver() {
            @Override
            public void batchRan(int requests, long rows, long computeNanos) {
                batchesSeen.incrementAndGet();
            }
        };
        BatchRunner recording = (inputs, outputs) -> {
            rehearsedOn.add(Thread.currentThread().getName());
            return doubler.run(inputs, outputs);
        };
        DynamicBatcher b = new DynamicBatcher(
                        "rehearsed",
                        ModelConfigReader.parse("max_batch_size: 4\ninstances: 2\npad_batches: true"),
                        true,
                        recording,
                        Ticker.SYSTEM,
                        deadlines,
                        observer,
                        List.of(2, 4))
                .start(Requests.inputs(1, 2, 7), 1);

        // Both runners ran it, each on its own thread, padded like a real batch of one row.
        assertThat(rehearsedOn).hasSize(2).doesNotHaveDuplicates().allMatch(n -> n.startsWith("ember-runner-"));
        assertThat(batchShapes).containsExactly(Shape.of(2, 2), Shape.of(2, 2));
        assertThat(batchesSeen).hasValue(0);
        assertThat(submit(b, 1, 3, Set.of())
                        .get(5, TimeUnit.SECONDS)
                        .outputs()
                        .get("doubled")
                        .toFloats())
                .containsExactly(6, 8);
        assertThat(batchesSeen).hasValue(1);
        b.close();
    }

    @Test
    void aRehearsalThatFailsLeavesTheRunnersServing() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        BatchRunner failsFirst = (inputs, outputs) -> {
            if (calls.getAndIncrement() == 0) {
                throw new IllegalStateException("device not ready");
            }
            return doubler.run(inputs, outputs);
        };
        DynamicBatcher b = new DynamicBatcher(
                        "rehearsal-fails",
                        ModelConfigReader.parse("max_batch_size: 4"),
                        true,
                        failsFirst,
                        Ticker.SYSTEM,
                        deadlines,
                        BatchObserver.NONE)
                .start(Requests.inputs(1, 2, 7), 1);
        assertThat(submit(b, 1, 3, Set.of())
                        .get(5, TimeUnit.SECONDS)
                        .outputs()
                        .get("doubled")
                        .toFloats())
                .containsExactly(6, 8);
        b.close();
    }

    private static Reason reasonOf(CompletableFuture<?> f) {
        try {
            f.get(1, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return InferenceException.find(e).orElseThrow().reason();
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("future did not complete", e);
        }
        throw new AssertionError("future succeeded");
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("latch not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
