package dev.ember.functions.lambda.sqs;

import dev.ember.pool.api.InferenceException;
import java.util.EnumSet;
import java.util.Set;

/**
 * What became of one SQS message, and whether SQS must deliver it again ({@link #reported}: its id
 * goes back in {@code batchItemFailures}; the others are deleted from the queue).
 */
public sealed interface Outcome {
    /** Answers a refused submission gives on every receive: SQS's maxReceiveCount moves it to the DLQ. */
    Set<InferenceException.Reason> REFUSALS = EnumSet.of(
            InferenceException.Reason.BAD_INPUT,
            InferenceException.Reason.TOO_LARGE,
            InferenceException.Reason.UNAUTHENTICATED,
            InferenceException.Reason.FORBIDDEN,
            InferenceException.Reason.NOT_FOUND);

    boolean reported();

    /** This delivery ran the job and stored its result. */
    record Stored(String jobId) implements Outcome {
        public boolean reported() {
            return false;
        }
    }

    /** An earlier delivery finished the job (done, or given up): nothing ran. */
    record AlreadyFinished(String jobId) implements Outcome {
        public boolean reported() {
            return false;
        }
    }

    /** Its runs failed as many times as the engine allows: recorded failed with the reason, dead-lettered. */
    record DeadLettered(String jobId, String reason) implements Outcome {
        public boolean reported() {
            return false;
        }
    }

    /**
     * The gateway refused the submission (unreadable, bad input, no or wrong key, a model it may not
     * use or that does not exist): no job was recorded, as a synchronous call gets a 4xx; it fails the
     * same way on each receive until SQS moves it to the DLQ, where the message stays as it was sent.
     */
    record Refused(String jobId, String reason) implements Outcome {
        public boolean reported() {
            return true;
        }
    }

    /** A failure that may pass (pool down, overloaded, rate limited, a deadline, Redis): SQS delivers it again. */
    record Retry(String jobId, String reason) implements Outcome {
        public boolean reported() {
            return true;
        }
    }

    /** A submission that could not be taken: refused for what would be a 4xx synchronously, else retried. */
    static Outcome notTaken(String jobId, Throwable failure) {
        String reason = dev.ember.functions.core.jobs.RetryPolicy.reason(failure);
        return InferenceException.find(failure)
                        .filter(e -> REFUSALS.contains(e.reason()))
                        .isPresent()
                ? new Refused(jobId, reason)
                : new Retry(jobId, reason);
    }
}
