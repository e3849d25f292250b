package io.github.soapdl4j.examples.mnist;

import io.github.soapdl4j.examples.common.ResultsWriter;
import io.github.soapdl4j.examples.common.RunRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.File;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A short version of the main job on Debian's Fashion-MNIST (installed by .ci/run): both models, both
 * optimizers, a few hundred examples and a few dozen steps. Training must run, lower the loss, and write its
 * CSV and PNG files.
 */
class MnistExampleTest {

    @Test
    void shortComparisonTrainsBothModelsAndWritesResults(@TempDir File out) throws Exception {
        MnistExample job = new MnistExample();
        new CommandLine(job).setCaseInsensitiveEnumValuesAllowed(true).parseArgs("--model", "both", "--epochs", "3",
                "--batch", "32", "--train-limit", "320", "--test-limit", "200", "--eval-every", "5",
                "--soap-lr", "3e-3", "--adam-lr", "1e-3", "--out", out.getPath());
        MnistData data = MnistData.locate(MnistData.Dataset.FASHION, null);
        ResultsWriter writer = new ResultsWriter(out);
        for (ImageModels.Model model : ImageModels.Model.values()) {
            List<RunRecord> runs = job.compare(data, model, writer);
            assertEquals(2, runs.size());
            for (RunRecord run : runs) {
                assertEquals(30, run.steps().size(), run.name() + " ran 3 epochs of 10 steps");
                double first = run.evaluations().get(0).loss();
                double last = run.last().loss();
                assertTrue(last < 0.8 * first, model + " " + run.name() + " held-out loss " + first + " -> " + last);
                String prefix = "fashion-" + model.name().toLowerCase();
                assertNonEmpty(new File(out, prefix + "-" + run.name() + "-train.csv"));
                assertNonEmpty(new File(out, prefix + "-" + run.name() + "-eval.csv"));
            }
            assertNonEmpty(new File(out, "fashion-" + model.name().toLowerCase() + "-loss.png"));
        }
    }

    @Test
    void helpNamesTheOptions() {
        java.io.StringWriter help = new java.io.StringWriter();
        new CommandLine(new MnistExample()).usage(new java.io.PrintWriter(help));
        assertTrue(help.toString().contains("--soap-lr") && help.toString().contains("--dataset"));
    }

    private static void assertNonEmpty(File f) {
        assertTrue(f.isFile() && f.length() > 0, f + " was not written");
    }
}
