package dev.ember.pool.worker.warmup;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.worker.batching.BatchRunner;
import dev.ember.warmup.plan.WarmupPlan;
import dev.ember.warmup.plan.WarmupStep;
import java.util.Map;
import java.util.Set;

/**
 * Executes a model's {@link WarmupPlan} on its session before the model is reported ready. What to
 * run (batch sizes, shapes, inputs) is the plan's decision; this class only runs it and decides
 * what a failure means.
 */
public final class ModelWarmup {
    private static final System.Logger LOG = System.getLogger(ModelWarmup.class.getName());

    private ModelWarmup() {}

    /**
     * Runs every step of {@code plan} on {@code runner}. A failure with inputs the config spelled
     * out ({@link WarmupPlan#strict()}) fails the load; with guessed synthetic inputs it is logged
     * and the model is served cold.
     *
     * @return how many runs were made
     */
    public static int run(String model, BatchRunner runner, WarmupPlan plan) {
        int runs = 0;
        for (WarmupStep step : plan.steps()) {
            try {
                Map<String, Tensor> inputs = plan.inputsFor(step);
                runner.run(inputs, Set.of());
                runs++;
            } catch (RuntimeException e) {
                String what = "warmup of model '" + model + "' at batch size " + step.batchSize() + " failed: "
                        + e.getMessage();
                if (plan.strict()) {
                    throw new InferenceException(InferenceException.Reason.MODEL_ERROR, what, null, e);
                }
                LOG.log(
                        System.Logger.Level.WARNING,
                        "{0}; serving it cold. Give warmup.shapes or warmup.sample_inputs in its config.yaml",
                        what);
                return runs;
            }
        }
        return runs;
    }
}
