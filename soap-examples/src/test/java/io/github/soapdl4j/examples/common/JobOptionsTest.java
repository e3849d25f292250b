package io.github.soapdl4j.examples.common;

import io.github.soapdl4j.examples.bench.UpdaterBenchmark;
import io.github.soapdl4j.examples.keras.KerasFineTuneExample;
import io.github.soapdl4j.examples.mnist.MnistExample;
import io.github.soapdl4j.examples.spark.SparkExample;
import io.github.soapdl4j.examples.transformer.CharTransformerExample;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every job's shared options must do: an optimizer name that is not one of them stops the job before
 * anything trains, and outputs go under {@code target/} unless {@code --out} says otherwise, so that running a
 * job never rewrites the committed reference results.
 */
class JobOptionsTest {
    private static final List<Supplier<Object>> JOBS = List.of(MnistExample::new, CharTransformerExample::new,
            KerasFineTuneExample::new, SparkExample::new);

    @Test
    void everyJobRejectsAnUnknownOptimizerNamingTheValidOnes() {
        for (Supplier<Object> job : JOBS) {
            Object instance = job.get();
            StringWriter err = new StringWriter();
            int code = new CommandLine(instance).setErr(new PrintWriter(err)).execute("--optimizers", "soap,sgd");
            assertEquals(2, code, instance.getClass().getSimpleName() + " accepted sgd:\n" + err);
            assertTrue(err.toString().contains("unknown optimizer 'sgd': use one of soap, adam"),
                    instance.getClass().getSimpleName() + ": " + err);
        }
    }

    @Test
    void namesParseInAnyCaseIntoTheSharedEnum() {
        assertEquals(Optimizer.ADAM, Optimizer.parse("Adam"));
        assertEquals(Optimizer.SOAP, Optimizer.parse(" soap"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Optimizer.parse("adamw"));
        assertEquals("unknown optimizer 'adamw': use one of soap, adam", e.getMessage());
    }

    @Test
    void everyJobWritesUnderTargetByDefault() throws Exception {
        for (Supplier<Object> job : JOBS) {
            Object instance = job.get();
            CommandLine cl = new CommandLine(instance);
            cl.parseArgs();
            File out = cl.getCommandSpec().findOption("--out").getValue();
            assertEquals(new File("target/results"), out.getParentFile(), instance.getClass().getSimpleName());
            assertEquals(List.of(Optimizer.SOAP, Optimizer.ADAM),
                    cl.getCommandSpec().findOption("--optimizers").getValue());
        }
        CommandLine bench = new CommandLine(new UpdaterBenchmark());
        bench.parseArgs();
        File report = bench.getCommandSpec().findOption("--out").getValue();
        assertEquals(new File("target/results/bench/updater-benchmark.md"), report);
    }

    @Test
    void defaultsAreThreeSeedsForEveryComparisonJob() {
        for (Supplier<Object> job : List.<Supplier<Object>>of(MnistExample::new, CharTransformerExample::new,
                KerasFineTuneExample::new)) {
            CommandLine cl = new CommandLine(job.get());
            cl.parseArgs();
            assertEquals(List.of(1L, 2L, 3L), cl.getCommandSpec().findOption("--seeds").getValue());
        }
    }

    @Test
    void repeatedOptimizerOrSeedIsRefused() {
        JobOptions options = new JobOptions("x", 1e-3, 1e-3, List.of(1L, 1L));
        assertThrows(IllegalArgumentException.class, options::check);
        options.seeds = List.of(1L);
        options.optimizers = List.of(Optimizer.SOAP, Optimizer.SOAP);
        assertThrows(IllegalArgumentException.class, options::check);
    }
}
