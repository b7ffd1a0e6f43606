package dev.ember.pool.controller;

import dev.ember.pool.api.config.Device;
import dev.ember.pool.worker.repository.ModelLocation;
import dev.ember.pool.worker.repository.ModelRepository;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Which device a local pool's spare runtimes practise on ({@code --spare-device}): the GPU that
 * most of the repository's models are configured for, else CPU. A spare that practised on its GPU
 * has paid CUDA's context, libraries and provider setup before a model is given (about 0.5 s of
 * ppocr-det's cold start on an H200); one that practised on CPU pays them inside the cold start.
 */
final class SpareDevice {
    private static final System.Logger LOG = System.getLogger(SpareDevice.class.getName());

    private SpareDevice() {}

    /** The most common GPU among {@code configured} (the lowest index on a tie), or CPU if none. */
    static Device choose(Collection<Device> configured) {
        Map<Device, Long> gpus = configured.stream()
                .filter(Device::isGpu)
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        return gpus.entrySet().stream()
                .max(Comparator.<Map.Entry<Device, Long>>comparingLong(Map.Entry::getValue)
                        .thenComparing(e -> -e.getKey().index()))
                .map(Map.Entry::getKey)
                .orElse(Device.CPU);
    }

    /** {@link #choose} over the devices of {@code models}; CPU when the repository cannot be read. */
    static Device forRepository(Path models) {
        try {
            return choose(new ModelRepository(models)
                    .scan().stream()
                            .map(ModelLocation::config)
                            .map(c -> c.device())
                            .toList());
        } catch (RuntimeException e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "spares practise on CPU: the repository cannot be read ({0})",
                    e.getMessage());
            return Device.CPU;
        }
    }
}
