package dev.ember.pool.api.validation;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.ModelMetadata;
import dev.ember.pool.api.RequestedOutput;
import dev.ember.pool.api.Shape;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.TensorMetadata;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Checks a request against a model's signature before it costs anything: input names, datatypes,
 * ranks, fixed dimensions, a consistent batch size, requested outputs. Element counts against
 * shapes are checked when a {@link Tensor} is built. Every failure is a {@code BAD_INPUT} whose
 * message says what to change.
 */
public final class RequestValidator {
    private RequestValidator() {}

    /**
     * @param batchable whether the model stacks requests along dimension 0, so every input must
     *     agree on it
     */
    public static void validate(InferenceRequest request, ModelMetadata model, boolean batchable) {
        String m = "model '" + model.name() + "'";
        Set<String> seen = new HashSet<>();
        for (Tensor input : request.inputs()) {
            if (!seen.add(input.name())) {
                throw InferenceException.badInput("input '" + input.name() + "' is given twice");
            }
            TensorMetadata declared = model.input(input.name())
                    .orElseThrow(() -> InferenceException.badInput(
                            "unknown input '" + input.name() + "'; " + m + " takes " + names(model)));
            checkTensor(input, declared, m);
        }
        for (TensorMetadata declared : model.inputs()) {
            if (!seen.contains(declared.name())) {
                throw InferenceException.badInput("missing input '" + declared.name() + "' (" + declared.datatype()
                        + " " + declared.shape() + "); " + m + " takes " + names(model));
            }
        }
        if (batchable && model.batchable()) { // the flag cannot make a scalar input batchable
            checkBatch(request);
        }
        Set<String> outputs = new HashSet<>();
        for (RequestedOutput o : request.outputs()) {
            if (!outputs.add(o.name())) {
                throw InferenceException.badInput("output '" + o.name() + "' is requested twice");
            }
            if (model.output(o.name()).isEmpty()) {
                throw InferenceException.badInput("unknown output '" + o.name() + "'; " + m + " produces "
                        + model.outputs().stream().map(TensorMetadata::name).collect(Collectors.joining(", ")));
            }
        }
    }

    private static void checkTensor(Tensor input, TensorMetadata declared, String m) {
        String what = "input '" + input.name() + "'";
        if (input.datatype() != declared.datatype()) {
            throw InferenceException.badInput(
                    what + " is " + input.datatype() + " but " + m + " expects " + declared.datatype());
        }
        Shape got = input.shape();
        Shape want = declared.shape();
        if (got.rank() != want.rank()) {
            throw InferenceException.badInput(what + " has shape " + got + " (rank " + got.rank() + ") but " + m
                    + " expects rank " + want.rank() + ": " + want);
        }
        for (int axis = 0; axis < want.rank(); axis++) {
            long expected = want.dim(axis);
            if (expected != Shape.DYNAMIC && got.dim(axis) != expected) {
                throw InferenceException.badInput(what + " has shape " + got + " but " + m + " expects " + want
                        + " (dimension " + axis + " must be " + expected + ")");
            }
        }
    }

    private static void checkBatch(InferenceRequest request) {
        Tensor first = request.inputs().get(0);
        long rows = first.shape().dim(0);
        if (rows < 1) {
            throw InferenceException.badInput("input '" + first.name() + "' has batch size 0; send at least one row");
        }
        for (Tensor t : request.inputs()) {
            if (t.shape().dim(0) != rows) {
                throw InferenceException.badInput(
                        "inputs disagree on the batch size (dimension 0): '" + first.name() + "' has " + rows + ", '"
                                + t.name() + "' has " + t.shape().dim(0));
            }
        }
    }

    private static String names(ModelMetadata model) {
        return model.inputs().stream()
                .map(t -> t.name() + " (" + t.datatype() + " " + t.shape() + ")")
                .collect(Collectors.joining(", "));
    }
}
