package dev.ember.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ember bench <what>}: benchmarks that print {@code key=value} lines measured side by side in one run. */
@Command(
        name = "ember bench",
        mixinStandardHelpOptions = true,
        subcommands = {
            PoolBench.class,
            GatewayBench.class,
            AsyncBench.class,
            ColdStartBench.class,
            CudaBench.class,
            LambdaBench.class,
            AllBench.class
        },
        description = "Benchmarks. Results go to stdout as key=value lines; progress to stderr.")
public final class BenchMain implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.err);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchMain()).execute(args));
    }
}
