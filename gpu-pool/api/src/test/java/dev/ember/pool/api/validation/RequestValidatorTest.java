package dev.ember.pool.api.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ember.pool.api.DataType;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.ModelMetadata;
import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.RequestedOutput;
import dev.ember.pool.api.Shape;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.TensorMetadata;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestValidatorTest {
    /** A two-input classifier: image [-1, 3, 2, 2] FP32 and mask [-1, 4] INT64; outputs probs and label. */
    private static final ModelMetadata MODEL = new ModelMetadata(
            "classifier",
            List.of("1"),
            ModelMetadata.PLATFORM,
            List.of(
                    new TensorMetadata("image", DataType.FP32, Shape.of(-1, 3, 2, 2)),
                    new TensorMetadata("mask", DataType.INT64, Shape.of(-1, 4))),
            List.of(
                    new TensorMetadata("probs", DataType.FP32, Shape.of(-1, 10)),
                    new TensorMetadata("label", DataType.BYTES, Shape.of(-1))));

    @Test
    void validRequestPasses() {
        InferenceRequest request = new InferenceRequest(
                "r",
                Parameters.EMPTY,
                List.of(mask(2), image(2)),
                List.of(RequestedOutput.named("label"), RequestedOutput.named("probs")));
        assertThatCode(() -> RequestValidator.validate(request, MODEL, true)).doesNotThrowAnyException();
        assertThat(MODEL.batchable()).isTrue();
    }

    @Test
    void unknownInputListsWhatTheModelTakes() {
        InferenceRequest request = InferenceRequest.of(image(1), mask(1), Tensor.ofFloats("imgae", new long[] {1}, 1));
        assertThat(badInput(request, true))
                .contains(
                        "unknown input 'imgae'", "'classifier'", "image (FP32 [-1, 3, 2, 2])", "mask (INT64 [-1, 4])");
    }

    @Test
    void missingInputIsNamedWithItsSignature() {
        assertThat(badInput(InferenceRequest.of(image(1)), true)).contains("missing input 'mask'", "INT64 [-1, 4]");
    }

    @Test
    void duplicateInputIsRejected() {
        assertThat(badInput(InferenceRequest.of(image(1), mask(1), mask(1)), true))
                .contains("'mask'", "twice");
    }

    @Test
    void wrongDatatypeSaysWhatIsExpected() {
        Tensor intMask = Tensor.ofInts("mask", new long[] {1, 4}, 1, 1, 0, 0);
        assertThat(badInput(InferenceRequest.of(image(1), intMask), true))
                .contains("'mask'", "is INT32", "expects INT64");
    }

    @Test
    void wrongRankSaysWhatIsExpected() {
        Tensor flatMask = Tensor.ofLongs("mask", new long[] {4}, 1, 1, 0, 0);
        assertThat(badInput(InferenceRequest.of(image(1), flatMask), true))
                .contains("'mask'", "[4]", "rank 1", "expects rank 2", "[-1, 4]");
    }

    @Test
    void wrongFixedDimensionSaysWhichAxis() {
        Tensor wideMask = Tensor.ofLongs("mask", new long[] {1, 5}, 1, 1, 0, 0, 0);
        assertThat(badInput(InferenceRequest.of(image(1), wideMask), true))
                .contains("'mask'", "[1, 5]", "dimension 1 must be 4");
    }

    @Test
    void batchableModelNeedsInputsToAgreeOnTheBatchSize() {
        InferenceRequest request = InferenceRequest.of(image(2), mask(3));
        assertThat(badInput(request, true)).contains("batch size", "'image' has 2", "'mask' has 3");
        assertThatCode(() -> RequestValidator.validate(request, MODEL, false)).doesNotThrowAnyException();
    }

    @Test
    void batchSizeZeroIsRejectedForABatchableModel() {
        assertThat(badInput(InferenceRequest.of(image(0), mask(0)), true)).contains("'image'", "batch size 0");
    }

    @Test
    void unknownRequestedOutputListsWhatTheModelProduces() {
        InferenceRequest request =
                InferenceRequest.of(image(1), mask(1)).withOutputs(List.of(RequestedOutput.named("logits")));
        assertThat(badInput(request, true)).contains("unknown output 'logits'", "probs, label");
    }

    @Test
    void duplicateRequestedOutputIsRejected() {
        InferenceRequest request = InferenceRequest.of(image(1), mask(1))
                .withOutputs(List.of(RequestedOutput.named("probs"), RequestedOutput.named("probs")));
        assertThat(badInput(request, true)).contains("'probs'", "twice");
    }

    private static Tensor image(int rows) {
        return Tensor.ofFloats("image", new long[] {rows, 3, 2, 2}, new float[rows * 12]);
    }

    private static Tensor mask(int rows) {
        return Tensor.ofLongs("mask", new long[] {rows, 4}, new long[rows * 4]);
    }

    private static String badInput(InferenceRequest request, boolean batchable) {
        return badInput(request, MODEL, batchable);
    }

    private static String badInput(InferenceRequest request, ModelMetadata model, boolean batchable) {
        Throwable thrown = catchThrowable(() -> RequestValidator.validate(request, model, batchable));
        assertThat(thrown).isInstanceOf(InferenceException.class);
        assertThat(((InferenceException) thrown).reason()).isEqualTo(InferenceException.Reason.BAD_INPUT);
        return thrown.getMessage();
    }
}
