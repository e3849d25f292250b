package io.github.soapdl4j.examples.bench;

import io.github.soapdl4j.Soap;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.File;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark runs end to end in a tiny configuration; no timing is asserted, only that it measures. */
class UpdaterBenchmarkTest {

    @Test
    void tinyRunWritesAReportWithEverySection(@TempDir File dir) throws Exception {
        File out = new File(dir, "report.md");
        int code = new CommandLine(new UpdaterBenchmark()).execute("--widths", "32,64", "--warmup", "2", "--steps",
                "12", "--fit-steps", "2", "--memory-steps", "120", "--out", out.getPath());
        assertEquals(0, code);
        String report = Files.readString(out.toPath());
        for (String section : new String[] {"Timing conditions", "GEMM rate", "Updater time per step",
                "arithmetic rate", "GEMM GFLOP/s interleaved", "fit() per step", "Memory", "dense 64x64", "Memory over 120", "| growth |"}) {
            assertTrue(report.contains(section), "missing " + section + " in\n" + report);
        }
        assertTrue(!report.contains("NaN |"), "every timing was measured:\n" + report);
    }

    @Test
    void stateMatchesTheFormulaExactly() {
        for (MemoryProbe.ParamState p : MemoryProbe.state(BenchNetworks.mlp(new Soap()))) {
            assertEquals(p.formula(), p.cells(), p.name());
        }
    }

    @Test
    void timerSeparatesRefreshSteps() {
        MultiLayerNetwork net = BenchNetworks.square(new Soap(), 16);
        int[] between = {0};
        UpdaterTimer.Timings t = UpdaterTimer.time(net, 1, 21, 10, () -> between[0]++);
        assertEquals(21, between[0], "the interleaved work runs once before each timed call");
        assertEquals(2, t.refresh().size(), "calls 11 and 21, which run the refreshes due on steps 10 and 20");
        assertEquals(19, t.regular().size());
        assertTrue(t.all().stream().allMatch(ms -> ms > 0 && Double.isFinite(ms)));
        UpdaterFlops flops = UpdaterFlops.of(net);
        assertEquals(5 * 256.0 * (16 + 16), flops.regular, 1e-6);
    }
}
