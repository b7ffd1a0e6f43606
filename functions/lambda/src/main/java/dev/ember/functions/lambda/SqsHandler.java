package dev.ember.functions.lambda;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.ember.functions.lambda.sqs.SqsJobs;
import io.micronaut.context.ApplicationContextBuilder;
import io.micronaut.function.aws.MicronautRequestHandler;
import jakarta.inject.Inject;

/**
 * The handler of an SQS event source mapping with {@code ReportBatchItemFailures}: each message is
 * one async job ({@link dev.ember.functions.lambda.sqs.JobMessages}), its result stored in Redis once
 * (readable at {@code GET /jobs/{id}}, and sent as a completion event); the response names only the
 * messages SQS must deliver again ({@link SqsJobs}). Needs {@code REDIS_URL}: without a store every
 * message is reported and ends in the DLQ.
 */
public class SqsHandler extends MicronautRequestHandler<SQSEvent, SQSBatchResponse> {
    @Inject
    SqsJobs jobs;

    /** What Lambda calls. */
    public SqsHandler() {}

    /** With a context of the caller's making (tests). */
    public SqsHandler(ApplicationContextBuilder context) {
        super(context);
    }

    @Override
    public SQSBatchResponse execute(SQSEvent event) {
        return jobs.respond(event);
    }
}
