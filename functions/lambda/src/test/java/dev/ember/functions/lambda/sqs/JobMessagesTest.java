package dev.ember.functions.lambda.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.ember.functions.core.jobs.Submission;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.codec.InferenceCodec;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class JobMessagesTest {
    private final JobMessages messages = new JobMessages(new InferenceCodec());

    @Test
    void anSqsMessageIdIsTheJobIdWithoutItsDashes() {
        assertThat(JobMessages.jobId("059F36B4-87A3-44AB-83D2-661975830A7D"))
                .isEqualTo("059f36b487a344ab83d2661975830a7d");
    }

    @Test
    void anyOtherMessageIdGivesAJobIdOfItsOwnTheSameEachTime() {
        String id = JobMessages.jobId("my-own-id-7");
        assertThat(id).matches("[0-9a-f]{32}").isEqualTo(JobMessages.jobId("my-own-id-7"));
        assertThat(JobMessages.jobId("my-own-id-8")).isNotEqualTo(id);
    }

    @Test
    void theBodyNamesTheModelAndTheAttributesCarryTheKeyAndCallback() {
        SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
        m.setBody("{\"model\": \"mlp-tiny\", \"version\": \"2\", \"inputs\": [{\"name\": \"input\", \"shape\": [1],"
                + " \"datatype\": \"FP32\", \"data\": [1]}]}");
        m.setMessageAttributes(Map.of("API-Key", attribute("ek_1"), "callback", attribute("https://hooks.example/x")));

        Submission s = messages.submission(m);

        assertThat(s.model()).isEqualTo("mlp-tiny");
        assertThat(s.version()).isEqualTo("2");
        assertThat(s.apiKey()).isEqualTo("ek_1");
        assertThat(s.callback()).contains("https://hooks.example/x");
        assertThat(s.batch()).isFalse();
    }

    @Test
    void anEmptyBodyIsBadInputSayingWhatToSend() {
        SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
        m.setBody(" ");
        assertThatThrownBy(() -> messages.submission(m))
                .isInstanceOf(InferenceException.class)
                .hasMessageContaining("\"model\"")
                .hasMessageContaining(JobMessages.API_KEY);
    }

    @Test
    void refusalsAreWhatASynchronousCallWouldAnswerWithA4xxOtherThan429() {
        assertThat(Outcome.notTaken("j", new CompletionException(InferenceException.badInput("no"))))
                .isInstanceOf(Outcome.Refused.class);
        assertThat(Outcome.notTaken("j", InferenceException.notFound("no model")))
                .isInstanceOf(Outcome.Refused.class);
        assertThat(Outcome.notTaken("j", InferenceException.unavailable("pool down")))
                .isInstanceOf(Outcome.Retry.class);
        assertThat(Outcome.notTaken("j", new IllegalStateException("?"))).isInstanceOf(Outcome.Retry.class);
        assertThat(new Outcome.Refused("j", "r").reported()).isTrue();
        assertThat(new Outcome.Retry("j", "r").reported()).isTrue();
        assertThat(new Outcome.Stored("j").reported()).isFalse();
        assertThat(new Outcome.AlreadyFinished("j").reported()).isFalse();
        assertThat(new Outcome.DeadLettered("j", "r").reported()).isFalse();
    }

    private static SQSEvent.MessageAttribute attribute(String value) {
        SQSEvent.MessageAttribute a = new SQSEvent.MessageAttribute();
        a.setDataType("String");
        a.setStringValue(value);
        return a;
    }
}
