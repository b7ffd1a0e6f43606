package dev.ember.pool.api.config;

import java.util.Locale;

/** Where a model runs: {@code cpu}, or {@code cuda:N} (CUDA device N; plain {@code cuda} is device 0). */
public record Device(Kind kind, int index) {
    public enum Kind {
        CPU,
        CUDA
    }

    public static final Device CPU = new Device(Kind.CPU, 0);

    public Device {
        if (index < 0) {
            throw new IllegalArgumentException("device index must be ≥ 0, got " + index);
        }
    }

    public static Device parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.equals("cpu")) {
            return CPU;
        }
        if (s.equals("cuda") || s.equals("gpu")) {
            return new Device(Kind.CUDA, 0);
        }
        if (s.startsWith("cuda:")) {
            try {
                return new Device(Kind.CUDA, Integer.parseInt(s.substring(5)));
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw new IllegalArgumentException("device must be cpu, cuda or cuda:N, got '" + text + "'");
    }

    public boolean isGpu() {
        return kind == Kind.CUDA;
    }

    @Override
    public String toString() {
        return kind == Kind.CPU ? "cpu" : "cuda:" + index;
    }
}
