package dev.ember.functions.lambda.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.ember.functions.core.jobs.JobClass;
import dev.ember.functions.core.jobs.JobEngine;
import dev.ember.functions.core.jobs.JobKeys;
import dev.ember.functions.core.jobs.JobView;
import dev.ember.functions.core.redis.RedisFixture;
import dev.ember.functions.core.redis.RedisLink;
import dev.ember.functions.lambda.HttpApiHandler;
import dev.ember.functions.lambda.SqsHandler;
import dev.ember.functions.lambda.sqs.JobMessages;
import dev.ember.pool.api.codec.InferenceCodec;
import dev.ember.pool.worker.WorkerProcess;
import dev.ember.pool.worker.it.ModelFixtures;
import io.micronaut.context.ApplicationContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQS handler with aws-lambda-java-events objects, against a real worker process and a real
 * Redis: each message one job, its result stored once under the message's id, only the messages to
 * deliver again reported. (SQS itself cannot run here: its deliveries are made by the test, a
 * redelivery being the same message again, as SQS sends it.)
 */
class SqsHandlerIT {
    private static final InferenceCodec CODEC = new InferenceCodec();
    private static final AtomicInteger SEED = new AtomicInteger((int) (System.nanoTime() & 0xfff) + 5000);

    @TempDir
    static Path dir;

    private static String prefix;
    private static SqsHandler handler;
    private static JobEngine engine;

    @BeforeAll
    static void start() {
        prefix = RedisFixture.uniquePrefix();
        handler = new SqsHandler(ApplicationContext.builder().properties(env(Backends.tenantsFile(dir), prefix)));
        engine = handler.getApplicationContext().getBean(JobEngine.class);
    }

    @AfterAll
    static void stop() {
        handler.close();
        RedisFixture.deleteKeys(prefix);
    }

    /**
     * The remote backends, with a Redis timeout for a store of record rather than a cache's 200 ms
     * (on a busy machine a first script load takes longer; a timeout would be a retry, reported).
     */
    static Map<String, Object> env(Path tenants, String prefix) {
        Map<String, Object> env = Backends.remote(tenants, prefix);
        env.put("ember.redis.timeout", "2s");
        return env;
    }

    static SQSEvent.SQSMessage message(String body, String apiKey) {
        SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
        m.setMessageId(UUID.randomUUID().toString());
        m.setReceiptHandle("handle-" + UUID.randomUUID());
        m.setEventSource("aws:sqs");
        m.setEventSourceArn("arn:aws:sqs:eu-west-1:123456789012:ember-jobs");
        m.setBody(body);
        Map<String, SQSEvent.MessageAttribute> attributes = new HashMap<>();
        if (apiKey != null) {
            SQSEvent.MessageAttribute key = new SQSEvent.MessageAttribute();
            key.setDataType("String");
            key.setStringValue(apiKey);
            attributes.put(JobMessages.API_KEY, key);
        }
        m.setMessageAttributes(attributes);
        m.setAttributes(Map.of("ApproximateReceiveCount", "1"));
        return m;
    }

    static SQSEvent event(SQSEvent.SQSMessage... messages) {
        SQSEvent e = new SQSEvent();
        e.setRecords(List.of(messages));
        return e;
    }

    static String maskedSum(int base) {
        return "{\"model\": \"masked-sum\", " + HandlerContract.maskedSum(base).substring(1);
    }

    static List<String> reported(SQSBatchResponse r) {
        return r.getBatchItemFailures().stream()
                .map(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                .toList();
    }

    static Optional<JobView> view(JobEngine engine, SQSEvent.SQSMessage m) throws Exception {
        return engine.job(Backends.ACME, JobMessages.jobId(m.getMessageId())).get(5, TimeUnit.SECONDS);
    }

    static long finished(String prefix) throws Exception {
        try (RedisLink redis = RedisLink.openOrFail(RedisFixture.url(), Duration.ofSeconds(2))) {
            byte[] v = redis.commands()
                    .orElseThrow()
                    .get(new JobKeys(prefix).finished(JobClass.ASYNC))
                    .get(2, TimeUnit.SECONDS);
            return v == null ? 0 : Long.parseLong(new String(v));
        }
    }

    @Test
    void aMessageIsAJobWhoseResultIsStoredUnderTheMessageId() throws Exception {
        int base = SEED.incrementAndGet();
        SQSEvent.SQSMessage m = message(maskedSum(base), Backends.ACME);

        SQSBatchResponse r = handler.execute(event(m));

        assertThat(r.getBatchItemFailures()).isEmpty();
        JobView v = view(engine, m).orElseThrow();
        assertThat(v.id()).isEqualTo(m.getMessageId().replace("-", ""));
        assertThat(v.status()).isEqualTo(JobView.Status.DONE);
        assertThat(v.attempts()).isEqualTo(1);
        assertThat(CODEC.decodeResponse(v.response().orElseThrow(), -1)
                        .output("sum")
                        .orElseThrow()
                        .toFloats())
                .containsExactly(base + 9f, 12f, 0f);
        // another tenant does not see it
        assertThat(engine.job(Backends.GLOBEX, v.id()).get(5, TimeUnit.SECONDS)).isEmpty();
    }

    /** What a client of the HTTP API reads for an SQS job: the same record, at GET /jobs/{message id without dashes}. */
    @Test
    void theHttpApiServesTheResultAtJobsSlashTheMessageId() throws Exception {
        int base = SEED.incrementAndGet();
        SQSEvent.SQSMessage m = message(maskedSum(base), Backends.ACME);
        assertThat(handler.execute(event(m)).getBatchItemFailures()).isEmpty();
        String path = "/jobs/" + m.getMessageId().replace("-", "");

        try (HttpApiHandler http =
                new HttpApiHandler(ApplicationContext.builder().properties(env(dir.resolve("tenants.yaml"), prefix)))) {
            APIGatewayV2HTTPResponse mine = http.execute(HttpApiHandlerIT.event(
                    "GET", path, "$default", Map.of("authorization", "Bearer " + Backends.ACME), new byte[0], false));
            APIGatewayV2HTTPResponse theirs = http.execute(HttpApiHandlerIT.event(
                    "GET", path, "$default", Map.of("authorization", "Bearer " + Backends.GLOBEX), new byte[0], false));

            assertThat(mine.getStatusCode()).as(mine.getBody()).isEqualTo(200);
            assertThat(mine.getBody()).contains("\"status\":\"done\"").contains("\"model_name\":\"masked-sum\"");
            assertThat(theirs.getStatusCode())
                    .as("another tenant's job is not found")
                    .isEqualTo(404);
        }
    }

    @Test
    void onlyTheBadMessagesOfABatchAreReportedAndNoJobIsRecordedForThem() throws Exception {
        List<SQSEvent.SQSMessage> good = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            good.add(message(maskedSum(SEED.incrementAndGet()), Backends.ACME));
        }
        SQSEvent.SQSMessage wrongShape = message(
                "{\"model\": \"masked-sum\", \"inputs\": [{\"name\": \"x\", \"shape\": [3, 4], \"datatype\": \"FP32\","
                        + " \"data\": [1,2,3]}]}",
                Backends.ACME);
        SQSEvent.SQSMessage noKey = message(maskedSum(SEED.incrementAndGet()), null);
        SQSEvent.SQSMessage notJson = message("infer this please", Backends.ACME);

        SQSBatchResponse r = handler.execute(event(good.get(0), wrongShape, good.get(1), noKey, notJson, good.get(2)));

        assertThat(reported(r))
                .containsExactlyInAnyOrder(wrongShape.getMessageId(), noKey.getMessageId(), notJson.getMessageId());
        for (SQSEvent.SQSMessage m : good) {
            assertThat(view(engine, m).orElseThrow().status()).isEqualTo(JobView.Status.DONE);
        }
        for (SQSEvent.SQSMessage m : List.of(wrongShape, noKey, notJson)) {
            assertThat(view(engine, m)).as("no record for a refused message").isEmpty();
        }
    }

    @Test
    void aRedeliveredMessageStoresOneResultAndRunsNothingAgain() throws Exception {
        SQSEvent.SQSMessage m = message(maskedSum(SEED.incrementAndGet()), Backends.ACME);
        long before = finished(prefix);

        SQSBatchResponse first = handler.execute(event(m));
        SQSEvent.SQSMessage again = message(m.getBody(), Backends.ACME);
        again.setMessageId(m.getMessageId()); // SQS redelivers a message with its id, a new receipt handle
        again.setAttributes(Map.of("ApproximateReceiveCount", "2"));
        SQSBatchResponse second = handler.execute(event(again));

        assertThat(first.getBatchItemFailures()).isEmpty();
        assertThat(second.getBatchItemFailures()).isEmpty();
        assertThat(finished(prefix) - before).as("results stored").isEqualTo(1);
        JobView v = view(engine, m).orElseThrow();
        assertThat(v.status()).isEqualTo(JobView.Status.DONE);
        assertThat(v.attempts()).isEqualTo(1);
    }

    /**
     * A pool of its own that goes down: a job taken before is reported for SQS to retry and recorded
     * queued with its error, and dead-lettered on its last try; a submission that cannot even be
     * admitted (the pool never answered for its model) is reported with nothing recorded.
     */
    @Test
    void transientFailuresAreReportedUntilTheLastTryDeadLettersTheJob() throws Exception {
        String ownPrefix = RedisFixture.uniquePrefix();
        ModelFixtures.repo(dir.resolve("own-models")).addAsShipped("masked-sum");
        WorkerProcess pool = WorkerProcess.start(
                dir.resolve("own-models"), List.of("-Xmx256m"), List.of(), Duration.ofSeconds(60), false);
        Map<String, Object> env = env(dir.resolve("tenants.yaml"), ownPrefix);
        env.put("ember.pool.url", pool.uri().toString());
        env.put("ember.sqs.max-attempts", 2);
        try (SqsHandler own = new SqsHandler(ApplicationContext.builder().properties(env))) {
            JobEngine ownEngine = own.getApplicationContext().getBean(JobEngine.class);
            SQSEvent.SQSMessage warm = message(maskedSum(SEED.incrementAndGet()), Backends.ACME);
            assertThat(own.execute(event(warm)).getBatchItemFailures()).isEmpty();
            pool.close();

            SQSEvent.SQSMessage m = message(maskedSum(SEED.incrementAndGet()), Backends.ACME);
            SQSEvent.SQSMessage neverAdmitted = message(
                    "{\"model\": \"mlp-tiny\", " + HandlerContract.mlpTiny().substring(1), Backends.ACME);
            SQSBatchResponse first = own.execute(event(m, neverAdmitted));

            assertThat(reported(first)).containsExactlyInAnyOrder(m.getMessageId(), neverAdmitted.getMessageId());
            JobView queued = view(ownEngine, m).orElseThrow();
            assertThat(queued.status()).isEqualTo(JobView.Status.QUEUED);
            assertThat(queued.attempts()).isEqualTo(1);
            assertThat(queued.error()).hasValueSatisfying(e -> assertThat(e).startsWith("unavailable"));
            assertThat(view(ownEngine, neverAdmitted)).isEmpty();

            SQSBatchResponse last = own.execute(event(m));

            assertThat(last.getBatchItemFailures())
                    .as("given up: deleted, not retried")
                    .isEmpty();
            JobView failed = view(ownEngine, m).orElseThrow();
            assertThat(failed.status()).isEqualTo(JobView.Status.FAILED);
            assertThat(failed.error()).hasValueSatisfying(e -> assertThat(e).contains("failed 2 times"));
        } finally {
            pool.close();
            RedisFixture.deleteKeys(ownPrefix);
        }
    }
}
