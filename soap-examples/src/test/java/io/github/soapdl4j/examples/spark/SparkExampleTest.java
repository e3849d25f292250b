package io.github.soapdl4j.examples.spark;

import io.github.soapdl4j.examples.common.Optimizer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Spark job's command line. Training under Spark itself is tested in soap-tests (SparkTrainingTest); this
 * only checks that the job is wired up: help, defaults, and parsing.
 */
class SparkExampleTest {

    @Test
    void helpNamesTheSparkOptions() {
        StringWriter help = new StringWriter();
        new CommandLine(new SparkExample()).usage(new PrintWriter(help));
        for (String option : new String[] {"--master", "--epochs", "--batch", "--averaging-frequency", "--soap-lr",
                "--adam-lr", "--seeds", "--out", "--help"}) {
            assertTrue(help.toString().contains(option), option + " missing from:\n" + help);
        }
    }

    @Test
    void helpExitsWithoutStartingSpark() {
        StringWriter out = new StringWriter();
        int code = new CommandLine(new SparkExample()).setOut(new PrintWriter(out)).execute("--help");
        assertEquals(0, code);
        assertTrue(out.toString().contains("local[2]"), out.toString());
    }

    @Test
    void parsesTheBudget() {
        SparkExample job = new SparkExample();
        new CommandLine(job).parseArgs("--master", "local[4]", "--epochs", "2", "--batch", "32",
                "--averaging-frequency", "5", "--soap-lr", "1e-3", "--optimizers", "soap");
        assertEquals("local[4]", job.master);
        assertEquals(2, job.epochs);
        assertEquals(32, job.batch);
        assertEquals(5, job.averagingFrequency);
        assertEquals(1e-3, job.options.soapLr);
        assertEquals(java.util.List.of(Optimizer.SOAP), job.options.optimizers);
        assertEquals(java.util.List.of(42L), job.options.seeds);
    }
}
