package io.github.soapdl4j.examples.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A short version of the Spark job on Debian's Fashion-MNIST (installed by .ci/run), {@code local[2]}: SOAP and
 * Adam each on one worker and under parameter averaging, over the same minibatches. With the job's defaults (the
 * Spark run's learning rate times the number of workers) averaging must cost SOAP little; with the single worker's
 * rate unchanged it costs SOAP more, which is why the job scales it (docs/distributed.md).
 */
class SparkExampleTest {
    private static final double LN_10 = Math.log(10);

    @Test
    void scaledLearningRateKeepsSoapNearTheSingleWorker(@TempDir File out) throws Exception {
        Map<String, Row> scaled = run(out, "scaled");
        Map<String, Row> unscaled = run(out, "unscaled", "--spark-lr-factor", "1");

        for (Map<String, Row> rows : List.of(scaled, unscaled)) {
            assertEquals(4, rows.size(), rows.keySet().toString());
            for (Row r : rows.values()) {
                assertTrue(r.loss < 0.5 * LN_10, r + ": held-out loss not below half of the untrained ln 10");
            }
        }
        for (String optimizer : List.of("soap", "adam")) {
            Row single = scaled.get(optimizer + "-single");
            assertEquals(2 * single.lr, scaled.get(optimizer + "-spark").lr, 1e-12, "the Spark run's rate, 2 workers");
            assertEquals(single.lr, unscaled.get(optimizer + "-spark").lr, 1e-12, "--spark-lr-factor 1");
            // The single-worker runs do not depend on the Spark run's rate.
            assertEquals(single.loss, unscaled.get(optimizer + "-single").loss, 0.0);
        }
        double soapScaled = ratio(scaled, "soap");
        double soapUnscaled = ratio(unscaled, "soap");
        System.out.printf("SOAP Spark / single: %.4f with the rate doubled, %.4f unscaled; Adam: %.4f, %.4f%n",
                soapScaled, soapUnscaled, ratio(scaled, "adam"), ratio(unscaled, "adam"));
        // Measured on this budget (50 single-worker steps, 25 per Spark worker): SOAP 1.021 with the rate doubled,
        // 1.508 unscaled; Adam 1.060 and 1.074.
        assertTrue(soapScaled <= 1.03, "averaging cost SOAP " + soapScaled + " of its single-worker loss");
        assertTrue(soapScaled <= ratio(scaled, "adam") + 0.03, "SOAP's averaging penalty " + soapScaled
                + " exceeds Adam's " + ratio(scaled, "adam") + " by more than 0.03");
        assertTrue(soapUnscaled > soapScaled + 0.3, "the scaled rate no longer helps SOAP: " + soapScaled
                + " against " + soapUnscaled + " unscaled");
    }

    @Test
    void refusesANonPositiveLearningRateFactor(@TempDir File out) {
        StringWriter err = new StringWriter();
        int code = new CommandLine(new SparkExample()).setErr(new PrintWriter(err))
                .execute("--spark-lr-factor", "0", "--out", out.getPath());
        assertTrue(code != 0, "exit code " + code);
        assertTrue(err.toString().contains("--spark-lr-factor must be positive"), err.toString());
    }

    private static Map<String, Row> run(File parent, String name, String... extra) throws Exception {
        File out = new File(parent, name);
        String[] base = {"--seeds", "1", "--train-limit", "3200", "--epochs", "2", "--test-limit", "1000",
                "--warmup-steps", "2", "--out", out.getPath()};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        assertEquals(0, new CommandLine(new SparkExample()).execute(args), "exit code of " + String.join(" ", args));
        List<String> lines = Files.readAllLines(new File(out, "spark-comparison.csv").toPath());
        assertEquals("seed,optimizer,mode,master,epochs,batch,averaging_frequency,lr,loss,accuracy,seconds",
                lines.get(0));
        Map<String, Row> rows = new HashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            rows.put(f[1] + "-" + f[2], new Row(f[1] + "-" + f[2], Double.parseDouble(f[7]),
                    Double.parseDouble(f[8])));
        }
        return rows;
    }

    private static double ratio(Map<String, Row> rows, String optimizer) {
        return rows.get(optimizer + "-spark").loss / rows.get(optimizer + "-single").loss;
    }

    private record Row(String name, double lr, double loss) {
    }
}
