package dev.ember.functions.core.jobs;

import dev.ember.functions.core.redis.RedisLink;
import dev.ember.pool.api.InferenceException;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The jobs in Redis, the store of record for every accepted job (it must run with AOF: {@code
 * appendonly yes}, {@code appendfsync everysec}). A job's record is a hash ({@link JobKeys#job})
 * kept {@code jobTtl} after submission and again after it finished; its place in line is an entry
 * of its class's stream. Each state change is one script ({@link JobScripts}).
 *
 * <p>Futures complete on Lettuce's I/O thread; a Redis that cannot answer fails them with {@code
 * UNAVAILABLE}, saying so.
 */
public final class JobStore {
    private final RedisLink link;
    private final JobKeys keys;
    private final Duration ttl;

    public JobStore(RedisLink link, JobKeys keys, Duration ttl) {
        this.link = link;
        this.keys = keys;
        this.ttl = ttl;
    }

    public JobKeys keys() {
        return keys;
    }

    RedisLink link() {
        return link;
    }

    RedisAsyncCommands<String, byte[]> redis() {
        return link.commands()
                .orElseThrow(() -> InferenceException.unavailable(
                        "async inference needs Redis, and Redis at " + link.url() + " is not connected; retry later"));
    }

    /** Creates the consumer groups (from the stream's start) if they do not exist yet. */
    public CompletableFuture<Void> ensureGroups() {
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (JobClass c : JobClass.values()) {
            all.add(createGroup(keys.stream(c), JobKeys.GROUP));
        }
        all.add(createGroup(keys.events(), JobKeys.SINK_GROUP));
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    CompletableFuture<Void> createGroup(String stream, String group) {
        return redis().xgroupCreate(
                        XReadArgs.StreamOffset.from(stream, "0"), group, XGroupCreateArgs.Builder.mkstream())
                .toCompletableFuture()
                .<Void>thenApply(ok -> null)
                .exceptionallyCompose(e -> RedisScript.unwrap(e) instanceof RedisBusyException
                        ? CompletableFuture.completedFuture(null)
                        : CompletableFuture.failedFuture(e));
    }

    /** What a submission came to. */
    public sealed interface Submitted {}

    public record Accepted(String id) implements Submitted {}

    public record Duplicate(String id) implements Submitted {}

    public record Full(long backlog) implements Submitted {}

    /**
     * Records and queues {@code jobs} at once, or nothing: with {@code idempotencyKey} already used,
     * answers the job it made; past {@code cap} unfinished jobs in the class, writes nothing.
     *
     * @param answerId the id the submitter gets: the job's, or the batch's
     */
    public CompletableFuture<Submitted> submit(
            JobClass jobClass,
            List<Job> jobs,
            Optional<String> idempotencyKey,
            Optional<BatchHeader> batch,
            String answerId,
            long cap) {
        List<String> k = new ArrayList<>();
        k.add(keys.stream(jobClass));
        k.add(keys.backlog(jobClass));
        k.add(idempotencyKey.orElse("-"));
        k.add(batch.map(b -> keys.batch(b.id())).orElse("-"));
        jobs.forEach(j -> k.add(keys.job(j.id())));
        List<byte[]> a = new ArrayList<>();
        a.add(ascii(cap));
        a.add(ascii(Math.max(1, ttl.toSeconds())));
        a.add(utf8(answerId));
        a.add(ascii(JOB_FIELDS));
        if (batch.isPresent()) {
            BatchHeader b = batch.get();
            a.add(ascii(5));
            a.add(utf8("tenant"));
            a.add(utf8(b.tenant()));
            a.add(utf8("total"));
            a.add(ascii(b.total()));
            a.add(utf8("done"));
            a.add(ascii(0));
            a.add(utf8("failed"));
            a.add(ascii(0));
            a.add(utf8("submitted"));
            a.add(ascii(b.submittedMillis()));
        } else {
            a.add(ascii(0));
        }
        for (Job j : jobs) {
            a.add(utf8(j.id()));
            fields(j, a);
        }
        CompletionStage<List<Object>> run = JobScripts.SUBMIT.run(
                redis(), ScriptOutputType.MULTI, k.toArray(String[]::new), a.toArray(byte[][]::new));
        return unavailableOnFailure(run).thenApply(r -> {
            long code = (Long) r.get(0);
            String value = text(r.get(1));
            if (code == 0) {
                return new Accepted(value);
            }
            if (code == 1) {
                return new Duplicate(value);
            }
            return new Full(Long.parseLong(value));
        });
    }

    /** A batch's counters, written with its jobs. */
    public record BatchHeader(String id, String tenant, long total, long submittedMillis) {}

    private static final int JOB_FIELDS = 12;

    private static void fields(Job j, List<byte[]> a) {
        pair(a, "status", utf8("queued"));
        pair(a, "attempts", ascii(j.attempts()));
        pair(a, "class", utf8(j.jobClass().wireName()));
        pair(a, "tenant", utf8(j.tenant()));
        pair(a, "model", utf8(j.model()));
        pair(a, "version", utf8(j.version() == null ? "" : j.version()));
        pair(a, "request", j.request());
        pair(a, "jlen", ascii(j.jsonLength()));
        pair(a, "sink", utf8(j.sink().orElse("")));
        pair(a, "submitted", ascii(j.submittedMillis()));
        pair(a, "batch", utf8(j.batch().orElse("")));
        pair(a, "failures", ascii(j.failures()));
    }

    /** What a consumer found when it took a job. */
    public sealed interface Taken {}

    public record Run(Job job) implements Taken {}

    /** Finished already (a re-delivery) or expired: acknowledged, nothing to run. */
    public record Nothing(String why) implements Taken {}

    /** Marks the job running and counts the attempt; a finished or expired job is acknowledged. */
    public CompletableFuture<Taken> take(String jobId, JobClass jobClass, String entryId) {
        String[] k = {keys.job(jobId), keys.stream(jobClass), keys.backlog(jobClass)};
        CompletionStage<List<Object>> run =
                JobScripts.START.run(redis(), ScriptOutputType.MULTI, k, utf8(entryId), utf8(JobKeys.GROUP));
        return unavailableOnFailure(run)
                .thenApply(r -> r.size() == 1 ? new Nothing(text(r.get(0))) : new Run(job(jobId, r)));
    }

    /**
     * Takes job {@code jobId} for a run outside any stream ({@link JobEngine#claim}): marks it
     * running and counts the attempt, recording {@code created} first when the job has no record
     * (null: take only, {@code Nothing("missing")} when there is none). A finished job is {@code
     * Nothing} with its status.
     */
    public CompletableFuture<Taken> claim(String jobId, JobClass jobClass, Job created) {
        List<byte[]> a = new ArrayList<>();
        a.add(ascii(Math.max(1, ttl.toSeconds())));
        if (created != null) {
            fields(created, a);
        }
        CompletionStage<List<Object>> run = JobScripts.CLAIM.run(
                redis(),
                ScriptOutputType.MULTI,
                new String[] {keys.job(jobId), keys.backlog(jobClass)},
                a.toArray(byte[][]::new));
        return unavailableOnFailure(run)
                .thenApply(r -> r.size() == 1 ? new Nothing(text(r.get(0))) : new Run(job(jobId, r)));
    }

    /** A job's record as {@link JobScripts#RECORD_FIELDS}, for {@link JobEngine#runNow} callers. */
    public CompletableFuture<Optional<Job>> load(String jobId) {
        return unavailableOnFailure(redis().hmget(keys.job(jobId), JobScripts.RECORD_FIELDS))
                .thenApply(values -> {
                    List<Object> r = new ArrayList<>();
                    values.forEach(kv -> r.add(kv.getValueOrElse(null)));
                    return r.get(0) == null || r.get(6) == null ? Optional.empty() : Optional.of(job(jobId, r));
                });
    }

    private static Job job(String id, List<Object> r) {
        String version = text(r.get(5));
        String sink = text(r.get(8));
        String batch = text(r.get(10));
        return new Job(
                id,
                JobClass.fromWire(text(r.get(2))),
                text(r.get(3)),
                text(r.get(4)),
                version.isEmpty() ? null : version,
                (byte[]) r.get(6),
                Integer.parseInt(text(r.get(7))),
                sink.isEmpty() ? Optional.empty() : Optional.of(sink),
                Long.parseLong(text(r.get(9))),
                batch.isEmpty() ? Optional.empty() : Optional.of(batch),
                Integer.parseInt(text(r.get(1))),
                r.size() > 11 && r.get(11) != null ? Integer.parseInt(text(r.get(11))) : 0);
    }

    /**
     * Stores the job's one result ({@code done} with the response, or {@code failed} with the
     * reason, which also dead-letters it) and its completion event (to the job's callback, else
     * {@code defaultSink}, else none), and acknowledges {@code entryId}
     * (null when the job did not come from a stream). True for the first finish of the job; a later
     * one changes nothing but the acknowledgement.
     */
    public CompletableFuture<Boolean> finish(
            Job job,
            boolean done,
            byte[] payload,
            String entryId,
            String eventType,
            long nowMillis,
            Optional<String> defaultSink) {
        String[] k = {
            keys.job(job.id()),
            keys.stream(job.jobClass()),
            keys.backlog(job.jobClass()),
            keys.finished(job.jobClass()),
            keys.events(),
            keys.dead(),
            job.batch().map(keys::batch).orElse("-"),
            keys.finishedAgain(job.jobClass())
        };
        CompletionStage<Long> run = JobScripts.FINISH.run(
                redis(),
                ScriptOutputType.INTEGER,
                k,
                utf8(done ? "done" : "failed"),
                payload,
                ascii(nowMillis),
                ascii(Math.max(1, ttl.toSeconds())),
                utf8(entryId == null ? "-" : entryId),
                utf8(JobKeys.GROUP),
                utf8(eventType),
                utf8(job.id()),
                utf8(defaultSink.orElse("")));
        return unavailableOnFailure(run).thenApply(first -> first == 1);
    }

    /**
     * Back to queued after a failed run that will be retried (the entry stays pending with its
     * consumer); {@code counted}: the failure counts toward the dead letter.
     */
    public CompletableFuture<Void> requeue(Job job, String reason, boolean counted) {
        return unavailableOnFailure(JobScripts.REQUEUE.<Long>run(
                        redis(),
                        ScriptOutputType.INTEGER,
                        new String[] {keys.job(job.id())},
                        utf8(reason),
                        utf8(counted ? "1" : "0")))
                .thenApply(x -> null);
    }

    private static final String[] VIEW_FIELDS = {
        "status", "model", "attempts", "submitted", "finished", "result", "error", "last_error", "tenant"
    };

    public CompletableFuture<Optional<JobView>> view(String id) {
        return unavailableOnFailure(redis().hmget(keys.job(id), VIEW_FIELDS)).thenApply(values -> view(id, values));
    }

    private static Optional<JobView> view(String id, List<KeyValue<String, byte[]>> values) {
        List<String> t = new ArrayList<>();
        byte[] result = null;
        for (KeyValue<String, byte[]> kv : values) {
            if ("result".equals(kv.getKey())) {
                result = kv.getValueOrElse(null);
                t.add(null);
            } else {
                t.add(kv.hasValue() ? text(kv.getValue()) : null);
            }
        }
        if (t.get(0) == null) {
            return Optional.empty();
        }
        JobView.Status status = JobView.Status.fromWire(t.get(0));
        Optional<String> error = Optional.ofNullable(status == JobView.Status.FAILED ? t.get(6) : t.get(7));
        return Optional.of(new JobView(
                id,
                t.get(8),
                status,
                t.get(1),
                t.get(2) == null ? 0 : Integer.parseInt(t.get(2)),
                t.get(3) == null ? 0 : Long.parseLong(t.get(3)),
                Optional.ofNullable(t.get(4)).map(Long::parseLong),
                Optional.ofNullable(result),
                error));
    }

    /** A batch's progress and the views of its jobs {@code offset} .. {@code offset + limit - 1}. */
    public CompletableFuture<Optional<BatchView>> batch(String id, int offset, int limit) {
        RedisAsyncCommands<String, byte[]> r = redis();
        return unavailableOnFailure(r.hmget(keys.batch(id), "total", "done", "failed", "tenant"))
                .thenCompose(values -> {
                    if (!values.get(0).hasValue()) {
                        return CompletableFuture.completedFuture(Optional.<BatchView>empty());
                    }
                    long total = Long.parseLong(text(values.get(0).getValue()));
                    long done = Long.parseLong(text(values.get(1).getValueOrElse(ascii(0))));
                    long failed = Long.parseLong(text(values.get(2).getValueOrElse(ascii(0))));
                    String tenant = text(values.get(3).getValueOrElse(new byte[0]));
                    int end = (int) Math.min(total, (long) offset + limit);
                    List<CompletableFuture<Optional<JobView>>> page = new ArrayList<>();
                    for (int i = offset; i < end; i++) {
                        page.add(view(childId(id, i)));
                    }
                    return CompletableFuture.allOf(page.toArray(CompletableFuture[]::new))
                            .thenApply(x -> {
                                List<JobView> jobs = new ArrayList<>();
                                page.forEach(f -> f.join().ifPresent(jobs::add));
                                return Optional.of(new BatchView(id, tenant, total, done, failed, offset, jobs));
                            });
                });
    }

    /** The id of a batch's {@code index}-th job. */
    public static String childId(String batchId, int index) {
        return batchId + "." + index;
    }

    /** Unfinished jobs of a class (what the cap limits), and how many finished so far. */
    public CompletableFuture<long[]> counters(JobClass c) {
        RedisAsyncCommands<String, byte[]> r = redis();
        return unavailableOnFailure(r.mget(keys.backlog(c), keys.finished(c))).thenApply(v -> new long[] {
            v.get(0).hasValue() ? Long.parseLong(text(v.get(0).getValue())) : 0,
            v.get(1).hasValue() ? Long.parseLong(text(v.get(1).getValue())) : 0
        });
    }

    <T> CompletableFuture<T> unavailableOnFailure(CompletionStage<T> stage) {
        return stage.toCompletableFuture().exceptionallyCompose(e -> {
            Throwable cause = RedisScript.unwrap(e);
            if (cause instanceof InferenceException) {
                return CompletableFuture.failedFuture(cause);
            }
            link.reportFailure(cause);
            return CompletableFuture.failedFuture(new InferenceException(
                    InferenceException.Reason.UNAVAILABLE,
                    "async inference needs Redis, and Redis at " + link.url() + " did not answer (" + cause.getMessage()
                            + "); nothing was changed: retry",
                    Duration.ofSeconds(1),
                    null));
        });
    }

    static String text(Object o) {
        if (o == null) {
            return "";
        }
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : o.toString();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] ascii(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }

    private static void pair(List<byte[]> a, String field, byte[] value) {
        a.add(utf8(field));
        a.add(value);
    }
}
