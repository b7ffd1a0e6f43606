package dev.ember.functions.core.jobs;

/**
 * Every Redis key of the job engine, under the gateway's key prefix {@code P}:
 *
 * <ul>
 *   <li>{@code P jobs:<class>} the stream of a class ({@code async}, {@code batch}), group {@link #GROUP}
 *   <li>{@code P jobs:<class>:backlog} jobs accepted and not yet finished (the backpressure cap)
 *   <li>{@code P jobs:<class>:finished} jobs finished since the stream was made (the drain rate)
 *   <li>{@code P jobs:<class>:finished-again} runs that finished a job already finished (kept once)
 *   <li>{@code P jobs:dead} the dead-letter stream: job id, class, attempts, reason
 *   <li>{@code P jobs:events} the outbox of completion events, group {@link #SINK_GROUP}
 *   <li>{@code P job:<id>} a job's record (a hash); {@code P batch:<id>} a batch's counters
 *   <li>{@code P idem:<tenant>:<sha256>} an idempotency key → the job id it made
 * </ul>
 */
public record JobKeys(String prefix) {
    public static final String GROUP = "ember-consumers";
    public static final String SINK_GROUP = "ember-sinks";

    public String stream(JobClass c) {
        return prefix + "jobs:" + c.wireName();
    }

    public String backlog(JobClass c) {
        return stream(c) + ":backlog";
    }

    public String finished(JobClass c) {
        return stream(c) + ":finished";
    }

    /** Finishes of jobs already finished: re-runs after a crash or a claim, whose result was not stored again. */
    public String finishedAgain(JobClass c) {
        return stream(c) + ":finished-again";
    }

    public String dead() {
        return prefix + "jobs:dead";
    }

    public String events() {
        return prefix + "jobs:events";
    }

    public String job(String id) {
        return prefix + "job:" + id;
    }

    public String batch(String id) {
        return prefix + "batch:" + id;
    }

    public String idempotency(String tenant, String digest) {
        return prefix + "idem:" + tenant + ":" + digest;
    }
}
