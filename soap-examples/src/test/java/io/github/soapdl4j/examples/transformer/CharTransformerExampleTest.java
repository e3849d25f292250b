package io.github.soapdl4j.examples.transformer;

import io.github.soapdl4j.examples.common.ResultsWriter;
import io.github.soapdl4j.examples.common.RunRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.File;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A short version of the job: a tiny transformer (one block, two heads), both optimizers, a few dozen steps.
 * Each must train the whole budget, bring the validation loss well below the uniform guess's ln(vocabulary), and
 * write its CSV and PNG files.
 */
class CharTransformerExampleTest {

    @Test
    void shortComparisonLearnsAndWritesResults(@TempDir File out) throws Exception {
        CharTransformerExample job = new CharTransformerExample();
        new CommandLine(job).parseArgs("--steps", "40", "--batch", "16", "--context", "16", "--d-model", "32",
                "--heads", "2", "--blocks", "1", "--ff", "64", "--validation-windows", "128", "--eval-every", "20",
                "--soap-lr", "1e-2", "--adam-lr", "1e-2", "--seeds", "1,2", "--warmup-steps", "1", "--out",
                out.getPath());
        CharCorpus corpus = CharCorpus.fromResource(CharCorpus.DEFAULT_RESOURCE, 0.1);
        double uniform = Math.log(corpus.vocabularySize());

        Map<Long, List<RunRecord>> bySeed = job.compare(corpus, new ResultsWriter(out));

        assertEquals(List.of(1L, 2L), List.copyOf(bySeed.keySet()));
        for (long seed : bySeed.keySet()) {
            List<RunRecord> runs = bySeed.get(seed);
            assertEquals(List.of("soap", "adam"), runs.stream().map(RunRecord::name).toList(),
                    "listed in the order of --optimizers, whichever ran first");
            for (RunRecord run : runs) {
                assertEquals(40, run.steps().size(), run.name() + " ran every step");
                assertEquals(3, run.evaluations().size(), run.name() + " evaluated at steps 0, 20 and 40");
                assertEquals(uniform, run.evaluations().get(0).loss(), 1e-3,
                        "the zero head starts at the uniform guess");
                assertTrue(run.last().loss() < uniform - 0.7,
                        run.name() + " validation loss " + run.last().loss() + " not below ln(vocabulary) - 0.7");
                assertNonEmpty(new File(out, "char-transformer-seed" + seed + "-" + run.name() + "-train.csv"));
                assertNonEmpty(new File(out, "char-transformer-seed" + seed + "-" + run.name() + "-eval.csv"));
            }
        }
        assertNotEquals(bySeed.get(1L).get(0).last().loss(), bySeed.get(2L).get(0).last().loss(),
                "another seed, another initialization and batch order");
        assertNonEmpty(new File(out, "char-transformer-loss.png"));
    }

    @Test
    void everyOptimizerSeesTheSameBatches() {
        CharCorpus corpus = CharCorpus.of("the quick brown fox jumps over the lazy dog. ".repeat(20), 0.1);
        CharWindowIterator a = CharWindowIterator.training(corpus, 3, 4, 8, 16, 7);
        CharWindowIterator b = CharWindowIterator.training(corpus, 3, 4, 8, 16, 7);
        while (a.hasNext()) {
            assertEquals(a.next().getFeatures(0), b.next().getFeatures(0));
        }
        assertFalse(b.hasNext());
    }

    private static void assertNonEmpty(File f) {
        assertTrue(f.isFile() && f.length() > 0, f + " was not written");
    }
}
