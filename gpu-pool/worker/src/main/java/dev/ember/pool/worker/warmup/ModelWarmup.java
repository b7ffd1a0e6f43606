package dev.ember.pool.worker.warmup;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.worker.batching.BatchRunner;
import dev.ember.warmup.plan.WarmupPlan;
import dev.ember.warmup.plan.WarmupStep;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

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
        return run(model, runner, plan, false);
    }

    /**
     * As {@link #run(String, BatchRunner, WarmupPlan)}; with {@code parallel} every step runs on a
     * thread of its own at once (for a runner whose batch sizes have sessions of their own), and
     * the result is the same as if they had run in turn.
     */
    public static int run(String model, BatchRunner runner, WarmupPlan plan, boolean parallel) {
        if (!parallel || plan.steps().size() < 2) {
            return sequential(model, runner, plan);
        }
        ExecutorService pool = Executors.newFixedThreadPool(plan.steps().size(), r -> {
            Thread t = new Thread(r, "ember-warmup-" + model);
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<RuntimeException>> done = new ArrayList<>();
            for (WarmupStep step : plan.steps()) {
                done.add(pool.submit(() -> {
                    try {
                        runner.run(plan.inputsFor(step), Set.of());
                        return null;
                    } catch (RuntimeException e) {
                        return new IllegalStateException(
                                "at batch size " + step.batchSize() + ": " + e.getMessage(), e);
                    }
                }));
            }
            int runs = 0;
            RuntimeException first = null;
            for (Future<RuntimeException> f : done) {
                RuntimeException e = f.get();
                if (e == null) {
                    runs++;
                } else if (first == null) {
                    first = e;
                }
            }
            if (first != null) {
                String what = "warmup of model '" + model + "' failed " + first.getMessage();
                if (plan.strict()) {
                    throw new InferenceException(InferenceException.Reason.MODEL_ERROR, what, null, first.getCause());
                }
                LOG.log(System.Logger.Level.WARNING, "{0}; serving it partly cold", what);
            }
            return runs;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InferenceException(InferenceException.Reason.MODEL_ERROR, "warmup interrupted", null, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private static int sequential(String model, BatchRunner runner, WarmupPlan plan) {
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
